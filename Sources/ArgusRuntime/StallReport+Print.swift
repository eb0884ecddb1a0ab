import ArgusKernel
import ArgusStore

extension StallReport {
    /// Prints the list (id nil) or one stall; returns the exit status: 0, or 1 when the
    /// database cannot be read or has no such stall (said in one line).
    public static func print(databasePath path: String, id: Int64?, json: Bool, console: Console) -> Int32 {
        if let error = FileSystem.readError(of: path) {
            console.error("cannot read the database \(path): \(error)")
            return 1
        }
        do {
            let reader = try StallReader(path: path)
            guard let id else {
                let stalls = try reader.stalls()
                console.raw(json ? listJSON(stalls) : listText(stalls))
                return 0
            }
            guard let stall = try reader.stall(id: id) else {
                console.error("no stall \(id) in \(path)")
                return 1
            }
            let snapshots = try reader.snapshots(of: id)
            let samples = try reader.samples(around: stall)
            console.raw(
                json
                    ? detailJSON(stall, snapshots: snapshots, samples: samples)
                    : detailText(stall, snapshots: snapshots, samples: samples))
            return 0
        } catch {
            console.error("reading \(path): \(error)")
            return 1
        }
    }
}
