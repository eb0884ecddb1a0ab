import Foundation

/// Runs Tests/Python/otlp_check.py: the bodies parsed into opentelemetry-proto's messages
/// (ignore_unknown_fields=False), or the parser's error.
enum OTLPProtoCheck {
    static let script = URL(fileURLWithPath: #filePath).deletingLastPathComponent()
        .deletingLastPathComponent().appendingPathComponent("Python/otlp_check.py").path

    struct Failure: Error, CustomStringConvertible {
        let description: String
    }

    /// The checker's summary of `bodies` (each one request) as a JSON object.
    static func parse(_ kind: String, _ bodies: [String]) throws -> [String: Any] {
        let file = NSTemporaryDirectory() + "otlp-check-\(UUID().uuidString).jsonl"
        try bodies.joined(separator: "\n").write(toFile: file, atomically: true, encoding: .utf8)
        defer { try? FileManager.default.removeItem(atPath: file) }
        let process = Process()
        process.executableURL = URL(fileURLWithPath: "/usr/bin/env")
        process.arguments = ["python3", script, kind, file]
        let output = Pipe()
        let errors = Pipe()
        process.standardOutput = output
        process.standardError = errors
        try process.run()
        let data = output.fileHandleForReading.readDataToEndOfFile()
        let errorText = String(decoding: errors.fileHandleForReading.readDataToEndOfFile(), as: UTF8.self)
        process.waitUntilExit()
        guard process.terminationStatus == 0 else { throw Failure(description: errorText) }
        guard let summary = try JSONSerialization.jsonObject(with: data) as? [String: Any] else {
            throw Failure(description: "no summary: \(String(decoding: data, as: UTF8.self))")
        }
        return summary
    }
}
