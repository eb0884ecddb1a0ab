import Foundation
import PackagePlugin

/// Compiles bpf/*.bpf.c into a CO-RE object for the running kernel's BTF and embeds it in the
/// target as a generated Swift file (see bpf/build.sh). No compiled object is committed.
@main
struct BPFObjectPlugin: BuildToolPlugin {
    func createBuildCommands(context: PluginContext, target: Target) async throws -> [Command] {
        let source = context.package.directoryURL.appending(path: "bpf")
        let work = context.pluginWorkDirectoryURL.appending(path: "bpf")
        let output = context.pluginWorkDirectoryURL.appending(path: "GeneratedBPFObject.swift")
        // The toolchain's own clang and llvm-objcopy build BPF; a missing one is reported by the script.
        let clang = (try? context.tool(named: "clang"))?.url.path ?? "clang"
        let objcopy = (try? context.tool(named: "llvm-objcopy"))?.url.path ?? "llvm-objcopy"
        let script = source.appending(path: "build.sh")
        return [
            .buildCommand(
                displayName: "Building BPF programs (bpf/argus.bpf.c)",
                executable: URL(fileURLWithPath: "/bin/sh"),
                arguments: [script.path, clang, objcopy, source.path, work.path, output.path],
                inputFiles: [script]
                    + ["argus.bpf.c", "argus_shared.h", "argus_kernel_types.h"].map {
                        source.appending(path: $0)
                    },
                outputFiles: [output])
        ]
    }
}
