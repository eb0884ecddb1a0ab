import ArgusCore
import ArgusStore

extension SessionReport {
    public func html(snapshots: [Int64: [StallReader.Snapshot]]) -> String {
        "<!doctype html><title>argus-trace</title>"
    }
}
