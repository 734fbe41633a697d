import Foundation

/// A file moved out of the drop folder into the work area. Its claim id is unique per claim and is
/// the key that makes storing it exactly-once across crashes.
public struct ClaimedFile: Sendable, Equatable {
    public var claimID: String
    public var originalName: String
    public var workPath: String

    /// Work-area entries are named `<claim id>.<original name>`, so that recovery after a crash knows both.
    static func workName(claimID: String, originalName: String) -> String {
        "\(claimID).\(originalName)"
    }

    init(claimID: String, originalName: String, workPath: String) {
        self.claimID = claimID
        self.originalName = originalName
        self.workPath = workPath
    }

    init?(workDirectory: String, workName: String) {
        guard workName.hasPrefix("c"), let dot = workName.firstIndex(of: ".") else { return nil }
        claimID = String(workName[..<dot])
        originalName = String(workName[workName.index(after: dot)...])
        workPath = workDirectory + "/" + workName
        guard !originalName.isEmpty else { return nil }
    }

    /// Time-ordered and random: claims sort by arrival and never collide across restarts.
    static func newClaimID(now: Date = Date()) -> String {
        var random = SystemRandomNumberGenerator()
        let stamp = Int64(now.timeIntervalSince1970 * 1000)
        return "c" + String(stamp, radix: 36) + String(format: "%016llx", random.next() as UInt64)
    }
}
