import Foundation
import Logging
import RaddCore
import Store

/// `retention_days`: reports stored longer ago are deleted, with everything derived from them
/// (`ReportStore.eraseReports`), at start and then once a day. A failed sweep is logged and
/// tried again at the next one; it never stops ingest.
struct RetentionSweep: Sendable {
    static let interval: TimeInterval = 86_400
    let store: ReportStore
    let days: Int
    let actor: AuditActor
    private let logger = Logger(label: "retention")

    init(store: ReportStore, days: Int, actor: AuditActor) {
        self.store = store
        self.days = days
        self.actor = actor
    }

    func run(now: Date) {
        let cutoff = now.addingTimeInterval(-Double(days) * 86_400)
        do {
            let erased = try store.eraseReports(storedBefore: cutoff, retentionDays: days, actor: actor)
            if erased.reports > 0 {
                logger.notice("deleted reports past the retention period", metadata: [
                    "retention_days": "\(days)", "stored_before": "\(Timestamp.string(cutoff))", "reports": "\(erased.reports)",
                ])
            }
        } catch {
            logger.error("the retention sweep failed; it runs again in a day or at the next start", metadata: ["error": "\(error)"])
        }
    }
}
