import ArgusCore
import ArgusKernel
import ArgusStore

/// What `argus-trace report` and `sessions` do, with their exit statuses: 0 done; 1 the
/// database cannot be read or is not argus-trace's, there is no such session, or an output file
/// cannot be written. Each failure is one line on stderr.
extension SessionReport {
    /// Which forms to make: text or JSON on stdout, and the files.
    public struct Outputs: Sendable {
        public var json: Bool
        public var htmlPath: String?
        public var tracePath: String?

        public init(json: Bool, htmlPath: String?, tracePath: String?) {
            self.json = json
            self.htmlPath = htmlPath
            self.tracePath = tracePath
        }
    }

    /// `report [SESSION]`: the session (the latest when `id` is nil) in the forms asked for.
    /// Without --html or --trace the text goes to stdout; with either, only what --json asks.
    public static func print(databasePath path: String, id: Int64?, outputs: Outputs, console: Console) -> Int32 {
        let report: SessionReport
        let snapshots: [Int64: [StallReader.Snapshot]]
        do {
            let reader = try SessionReader(path: path)
            let drawn = outputs.htmlPath != nil || outputs.tracePath != nil
            guard let recording = try reader.recording(id: id, samples: drawn) else {
                console.error(id.map { "no session \($0) in \(path)" } ?? "no session recorded in \(path)")
                return 1
            }
            report = SessionReport(recording)
            snapshots = outputs.htmlPath == nil ? [:] : try report.snapshots(reader)
        } catch {
            return SessionReader.readFailed(error, path: path, console: console)
        }
        var files: [(path: String, text: String, what: String)] = []
        if let trace = outputs.tracePath { files.append((trace, report.trace(), "--trace")) }
        if let html = outputs.htmlPath { files.append((html, report.html(snapshots: snapshots), "--html")) }
        for file in files {
            do {
                try FileSystem.write(file.text, to: file.path)
            } catch {
                console.error("cannot write \(file.what) \(file.path): \(error)")
                return 1
            }
            console.info("wrote \(file.path) (\(SizeText.describe(Int64(file.text.utf8.count))))")
        }
        if outputs.json {
            StandardStream.write(report.json(), to: StandardStream.output)
        } else if files.isEmpty {
            StandardStream.write(report.text(), to: StandardStream.output)
        }
        return 0
    }

    /// Stalls whose snapshots the page shows, and how many snapshots of each: a long watch may
    /// have hundreds, each with every thread's stacks (`argus-trace stalls ID` shows them all).
    static let stallsWithSnapshots = 100
    static let snapshotsPerStall = 8

    /// The snapshots of the first stalls, for the page.
    func snapshots(_ reader: SessionReader) throws(SQLiteError) -> [Int64: [StallReader.Snapshot]] {
        guard let stalls = reader.stallReader else { return [:] }
        var all: [Int64: [StallReader.Snapshot]] = [:]
        for stall in recording.stalls.prefix(Self.stallsWithSnapshots) {
            all[stall.id] = Array(try stalls.snapshots(of: stall.id).prefix(Self.snapshotsPerStall))
        }
        return all
    }
}

extension SessionList {
    /// `sessions`: every session, oldest first.
    public static func print(databasePath path: String, json: Bool, console: Console) -> Int32 {
        do {
            let sessions = try SessionReader(path: path).sessions()
            StandardStream.write(json ? self.json(sessions) : text(sessions), to: StandardStream.output)
            return 0
        } catch {
            return SessionReader.readFailed(error, path: path, console: console)
        }
    }
}

extension SessionReader {
    /// A database that could not be read, for `report` and `sessions`: one line (a refusal says
    /// why itself), status 1.
    static func readFailed(_ error: any Error, path: String, console: Console) -> Int32 {
        console.error((error as? StoreRefusal)?.message ?? "reading \(path): \(error)")
        return 1
    }
}
