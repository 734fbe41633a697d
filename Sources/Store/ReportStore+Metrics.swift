import Foundation
import RaddCore

/// What raddd's metrics read from the store: counts by fixed values (states, outcomes, stable
/// reason codes, labeler names), never a file name or any text.
public struct StoreMetrics: Sendable, Equatable {
    /// Current rows by state (stored, labelled, superseded).
    public var reportsByState: [String: Int] = [:]
    /// Quarantined files by the stable code of their problem; files quarantined before codes
    /// were kept count as `unknown`. Only held files (not yet retried or purged) count.
    public var quarantinedByReason: [String: Int] = [:]
    /// Settled files by outcome (stored, duplicate).
    public var filesByOutcome: [String: Int] = [:]
    /// Label jobs by labeler and state (queued, failed).
    public var labelJobs: [LabelJobCount] = []
    public var auditRecords = 0
    /// When the newest report was stored; nil before the first.
    public var lastStoredAt: Date?

    public struct LabelJobCount: Sendable, Equatable {
        public var labeler: String
        public var state: String
        public var count: Int
    }
}

extension ReportStore {
    public func metrics() throws -> StoreMetrics {
        var metrics = StoreMetrics()
        for state in ReportState.allCases { metrics.reportsByState[state.rawValue] = 0 }
        for (state, count) in try database.prepare("SELECT state, count(*) FROM reports GROUP BY state").all({ ($0.text(0) ?? "", Int($0.integer(1))) })
        where ReportState(rawValue: state) != nil {
            metrics.reportsByState[state] = count
        }
        for (code, count) in try database.prepare("""
            SELECT coalesce(reason_code, 'unknown'), count(*) FROM quarantine WHERE state = 'held' GROUP BY 1
            """).all({ ($0.text(0) ?? "unknown", Int($0.integer(1))) }) {
            // A code is written by radd itself; anything else is not allowed into a label.
            metrics.quarantinedByReason[Self.isMetricToken(code) ? code : "unknown", default: 0] += count
        }
        metrics.filesByOutcome = ["stored": 0, "duplicate": 0]
        for (outcome, count) in try database.prepare("SELECT outcome, count(*) FROM files GROUP BY outcome").all({ ($0.text(0) ?? "", Int($0.integer(1))) })
        where metrics.filesByOutcome[outcome] != nil {
            metrics.filesByOutcome[outcome] = count
        }
        metrics.labelJobs = try database.prepare("SELECT labeler, state, count(*) FROM label_jobs GROUP BY labeler, state ORDER BY 1, 2")
            .all { StoreMetrics.LabelJobCount(labeler: $0.text(0) ?? "", state: $0.text(1) ?? "", count: Int($0.integer(2))) }
        metrics.auditRecords = Int(try database.prepare("SELECT count(*) FROM audit").withReset { try $0.step() ? $0.integer(0) : 0 })
        // The index on (id, …) makes the newest row cheap; ids grow with time.
        if let stored = try database.scalarText("SELECT stored_at FROM reports ORDER BY id DESC LIMIT 1") {
            metrics.lastStoredAt = Timestamp.date(stored)
        }
        return metrics
    }

    /// Letters, digits, `_`, `-` and `.`, 1 to 64 of them: what a code or a labeler name looks like.
    public static func isMetricToken(_ text: String) -> Bool {
        !text.isEmpty && text.utf8.count <= 64
            && text.utf8.allSatisfy { ($0 >= 0x30 && $0 <= 0x39) || ($0 | 0x20 >= 0x61 && $0 | 0x20 <= 0x7A) || $0 == 0x5F || $0 == 0x2D || $0 == 0x2E }
    }
}
