import Foundation
import RaddCore
@testable import Store
import XCTest

/// The persistent labelling queue, on a real SQLCipher file.
final class LabelJobStoreTests: XCTestCase {
    var directory: String!
    let key = try! DatabaseKey(hex: String(repeating: "b2", count: 32))
    let actor = AuditActor(uid: 1000, username: "tester", pid: 42)

    override func setUpWithError() throws {
        directory = NSTemporaryDirectory() + "radd-jobs-\(UUID().uuidString)"
        try FileManager.default.createDirectory(atPath: directory, withIntermediateDirectories: true)
    }

    override func tearDownWithError() throws {
        try? FileManager.default.removeItem(atPath: directory)
    }

    func store(plan: LabelPlan) throws -> ReportStore {
        try ReportStore(path: directory + "/radd.db", key: key, labelPlan: plan)
    }

    @discardableResult
    func put(_ text: String, into store: ReportStore) throws -> Int64 {
        let claim = "c-\(UUID().uuidString)"
        let report = Report(source: ReportSource(fileName: "r.txt", format: .plainText, claimID: claim, byteCount: text.utf8.count),
                            metadata: ReportMetadata(), text: text, receivedAt: Date())
        let file = IngestedFile(claimID: claim, folder: "drop", sourceName: "r.txt", format: .plainText, byteCount: 10,
                                sha256: UUID().uuidString)
        return try XCTUnwrap(try store.commit(file, reports: [report.phiFree], actor: actor).stored.first)
    }

    func commit(_ job: LabelJob, in store: ReportStore) throws {
        try store.commitLabels(job: job, labelerVersion: "1", values: [("Effusion", .positive)], followUp: nil,
                               provenance: LabelProvenance(labeler: job.labeler, version: "1"), members: nil, actor: actor)
    }

    func jobs(_ store: ReportStore) throws -> [(reportID: Int64, labeler: String)] {
        try store.database.prepare("SELECT report_id, labeler FROM label_jobs ORDER BY id").all { ($0.integer(0), $0.text(1) ?? "") }
    }

    /// Two workers can find the same job; the second finishes it after the first did. SQLite
    /// gives the deleted job's id to the next job queued, which the late commit must not take.
    func testALateCommitOfAFinishedJobLeavesTheJobThatNowHasItsIDAlone() throws {
        let store = try store(plan: LabelPlan(jobs: [("chestxray14", "llm")]))
        let first = try put("Small effusion.", into: store)
        let seenByBoth = try XCTUnwrap(try store.nextLabelJob(labeler: "llm", excluding: []))
        try commit(seenByBoth, in: store)
        let second = try put("No effusion.", into: store)
        let next = try XCTUnwrap(try store.nextLabelJob(labeler: "llm", excluding: []))
        XCTAssertEqual(next.id, seenByBoth.id, "SQLite reuses the id; this test depends on it")
        XCTAssertEqual(next.reportID, second)

        XCTAssertFalse(try store.isQueued(seenByBoth))
        XCTAssertTrue(try store.isQueued(next))
        try commit(seenByBoth, in: store)
        try store.postponeLabelJob(seenByBoth, reason: "late", notBefore: Date().addingTimeInterval(60))
        try store.failLabelJob(seenByBoth, reason: "late", actor: actor)

        XCTAssertEqual(try jobs(store).map(\.reportID), [second], "the second report's job must survive")
        XCTAssertEqual(try store.nextLabelJob(labeler: "llm", excluding: []), next, "and stay due and queued")
        XCTAssertEqual(try store.labelSets(reportID: first).count, 1, "the first report is labelled once")
        try commit(next, in: store)
        XCTAssertEqual(try store.labelSets(reportID: second).count, 1)
        XCTAssertEqual(try jobs(store).count, 0)
    }

    func testAReportIsLabelledOnceItsLastJobIsDone() throws {
        let store = try store(plan: LabelPlan(jobs: [("chestxray14", "rules"), ("chestxray14", "llm")]))
        let id = try put("Small effusion.", into: store)
        let rules = try XCTUnwrap(try store.nextLabelJob(labeler: "rules", excluding: []))
        try commit(rules, in: store)
        XCTAssertEqual(try store.report(id: id)?.state, .stored)
        let llm = try XCTUnwrap(try store.nextLabelJob(labeler: "llm", excluding: []))
        try commit(llm, in: store)
        XCTAssertEqual(try store.report(id: id)?.state, .labelled)
    }
}
