import ArgusKernel

/// What argus-trace prints. Lines carry the tool's prefix as Gaze's carry `[Gaze]`; progress
/// goes to stdout, warnings and errors to stderr. Each line is one write(2), so lines from the
/// writer thread never interleave mid-line.
public struct Console: Sendable {
    public enum Verbosity: Sendable, Comparable {
        case quiet, normal, verbose
    }

    public static let prefix = "[argus-trace]"
    public let verbosity: Verbosity
    /// Where progress lines go: stdout when watching, stderr in `run` (whose stdout is the
    /// command's).
    public let progressDescriptor: Int32

    public init(verbosity: Verbosity, progressTo descriptor: Int32 = 1) {
        self.verbosity = verbosity
        progressDescriptor = descriptor
    }

    /// A normal progress line (hidden by --quiet; not even built then).
    public func info(_ text: @autoclosure () -> String) {
        if verbosity >= .normal { emit("\(Self.prefix) \(text())\n", to: progressDescriptor) }
    }

    /// A blank line between sections (hidden by --quiet).
    public func blank() {
        if verbosity >= .normal { emit("\n", to: progressDescriptor) }
    }

    /// Detail shown only with --verbose.
    public func detail(_ text: @autoclosure () -> String) {
        if verbosity >= .verbose { emit("\(Self.prefix) \(text())\n", to: progressDescriptor) }
    }

    /// Something the user should know even with --quiet: a missing capability, lost data.
    public func warning(_ text: String) {
        emit("\(Self.prefix) warning: \(text)\n", to: 2)
    }

    /// An alert firing or clearing: shown even with --quiet.
    public func alert(_ text: String) {
        emit("\(Self.prefix) \(text)\n", to: progressDescriptor)
    }

    /// The one line that explains a failure.
    public func error(_ text: String) {
        emit("argus-trace: error: \(text)\n", to: 2)
    }

    /// A block of text (a report) as it is, without the prefix, on the progress descriptor.
    public func raw(_ text: String) {
        if verbosity >= .normal { emit(text, to: progressDescriptor) }
    }

    private func emit(_ text: String, to fd: Int32) {
        StandardStream.write(text, to: fd)
    }
}
