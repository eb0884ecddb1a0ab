import Foundation
import Testing

extension EndToEnd {
    /// The harness later tests watch real servers with: it starts, reloads and stops them cleanly.
    @Suite struct ServersTests {
        @Test func nginxStartsItsWorkersReplacesThemOnReloadAndQuits() throws {
            let scratch = Scratch()
            let nginx = try NginxServer(scratch: scratch, workers: 2)
            let first = nginx.workerPids()
            #expect(first.count == 2)
            #expect(ProcView.commandLine(of: nginx.masterPid).hasPrefix("nginx: master process"))
            #expect(try nginx.get().hasSuffix("\r\n\r\nargus\n"))

            try nginx.reload()
            let second = nginx.workerPids()
            #expect(second.count == 2 && Set(second).isDisjoint(with: first), "\(first) then \(second)")
            #expect(first.allSatisfy { !ProcView.isAlive($0) })
            #expect(try nginx.get().contains("200 OK"))

            try nginx.quit()
            #expect(!ProcView.isAlive(nginx.masterPid))
            #expect(second.allSatisfy { !ProcView.isAlive($0) })
            #expect(nginx.accessLog.split(separator: "\n").count == 2)
        }

        @Test func postgresServesPgbenchWithABackendPerTransactionAndStops() throws {
            let scratch = Scratch()
            let postgres = try PostgresServer(scratch: scratch)
            #expect(!postgres.backendPids().isEmpty, "no background processes under the postmaster")
            let before = Set(postgres.backendPids())

            _ = try postgres.pgbench(transactions: 1, clients: 1)  // pgbench -i, and its tables warm
            let logged = postgres.log.count
            let output = try postgres.pgbench(transactions: 10, clients: 2)
            #expect(output.contains("number of transactions actually processed: 20/20"), "\(output)")
            // -C: every transaction had a backend of its own (a pid in the log), which has exited since.
            let connections = postgres.log.dropFirst(logged).split(separator: "\n").filter {
                $0.contains("connection authorized: user=postgres database=postgres application_name=pgbench")
            }
            let backends = Set(
                connections.compactMap { line in
                    line.split(separator: "[").dropFirst().first?.split(separator: "]").first
                })
            #expect(connections.count >= 20 && backends.count == connections.count, "\(postgres.log.dropFirst(logged))")
            // A backend on its way out has already dropped its command line (so it no longer
            // reads as a client backend) before it is a zombie: wait for both.
            #expect(eventually { postgres.clientBackendPids().isEmpty })
            #expect(eventually { backends.allSatisfy { Int32($0).map { !ProcView.isAlive($0) } ?? false } })
            #expect(Set(postgres.backendPids()).isSuperset(of: before.filter { ProcView.isAlive($0) }))

            try postgres.stop()
            #expect(!ProcView.isAlive(postgres.postmasterPid))
            #expect(postgres.log.contains("database system is shut down"))
        }
    }
}
