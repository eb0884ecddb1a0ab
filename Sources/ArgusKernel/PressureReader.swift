import ArgusCore

/// The system's pressure stall information, /proc/pressure/{cpu,memory,io}, opened once.
public final class PressureReader {
    private let files: [PressureResource: RereadableFile]
    private var buffer = [UInt8](repeating: 0, count: 512)

    public init() {
        var files: [PressureResource: RereadableFile] = [:]
        for resource in PressureResource.allCases {
            files[resource] = RereadableFile(path: "/proc/pressure/\(resource.rawValue)")
        }
        self.files = files
    }

    /// Resources whose pressure cannot be read (a kernel without CONFIG_PSI, or booted psi=0).
    public var missing: [PressureResource] { PressureResource.allCases.filter { files[$0] == nil } }

    /// The files as read now, raw.
    public func readText() -> [PressureResource: String] {
        files.compactMapValues { $0.read(using: &buffer) }
    }

    /// Each resource's "some" total now.
    public func readTotals() -> PressureTotals {
        var totals = PressureTotals()
        for (resource, file) in files {
            totals[resource] = file.read(using: &buffer, parsing: PressureTotals.someTotal(parsing:))
        }
        return totals
    }
}
