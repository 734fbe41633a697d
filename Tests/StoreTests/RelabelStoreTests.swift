import Foundation
import RaddCore
@testable import Store
import XCTest

/// Relabel runs on a real SQLCipher file: what a run queues, how its progress is counted from
/// the queue, when it finishes, and how its jobs share the queue with new reports' jobs.
final class RelabelStoreTests: XCTestCase {
    var directory: String!
    let key = try! DatabaseKey(hex: String(repeating: "c3", count: 32))
    let actor = AuditActor(uid: 1000, username: "admin-user", pid: 42, role: "admin")

    override func setUpWithError() throws {
        directory = NSTemporaryDirectory() + "radd-relabel-\(UUID().uuidString)"
        try FileManager.default.createDirectory(atPath: directory, withIntermediateDirectories: true)
    }

    override func tearDownWithError() throws {
        try? FileManager.default.removeItem(atPath: directory)
    }

    func store() throws -> ReportStore {
        try ReportStore(path: directory + "/radd.db", key: key, labelPlan: LabelPlan(jobs: [("chestxray14", "llm")]))
    }

    @discardableResult
    func put(_ text: String, accession: String? = nil, into store: ReportStore) throws -> Int64 {
        let claim = "c-\(UUID().uuidString)"
        var metadata = ReportMetadata()
        metadata.accession = accession
        let report = Report(source: ReportSource(fileName: "r.txt", format: .plainText, claimID: claim, byteCount: text.utf8.count),
                            metadata: metadata, text: text, receivedAt: Date())
        let file = IngestedFile(claimID: claim, folder: "drop", sourceName: "r.txt", format: .plainText, byteCount: 10,
                                sha256: UUID().uuidString)
        return try XCTUnwrap(try store.commit(file, reports: [report.phiFree], actor: actor).stored.first)
    }

    func answer(_ job: LabelJob, version: String, in store: ReportStore) throws {
        try store.commitLabels(job: job, labelerVersion: version, values: [("Effusion", .positive)], followUp: nil,
                               provenance: LabelProvenance(labeler: job.labeler, version: version), members: nil, actor: actor)
    }

    /// Answers every due job with `version`, failing those of `failing` reports.
    func drain(_ store: ReportStore, version: String, failing: Set<Int64> = []) throws {
        while let job = try store.nextLabelJob(labeler: "llm", excluding: []) {
            if failing.contains(job.reportID) {
                try store.failLabelJob(job, reason: "the answer does not fit the task's schema, twice", actor: actor)
            } else {
                try answer(job, version: version, in: store)
            }
        }
    }

    func testARunQueuesEveryCurrentReportAndFinishesWhenTheLastJobIsAnswered() throws {
        let store = try store()
        defer { store.close() }
        let ids = try (1...3).map { try put("Report \($0). Small effusion.", into: store) }
        try drain(store, version: "v1")
        XCTAssertEqual(try store.report(id: ids[0])?.state, .labelled)

        let (run, alreadyQueued) = try store.startRelabelRun(task: "chestxray14", labeler: "llm", since: nil, actor: actor)
        XCTAssertEqual(run.total, 3)
        XCTAssertEqual(alreadyQueued, 0)
        XCTAssertEqual([run.done, run.failed, run.queued], [0, 0, 3])
        XCTAssertNil(run.finishedAt)
        XCTAssertEqual(run.requestedBy, "admin-user")
        XCTAssertEqual(try store.report(id: ids[0])?.state, .stored, "a report waiting for a label is stored, not labelled")

        let first = try XCTUnwrap(try store.nextLabelJob(labeler: "llm", excluding: []))
        try answer(first, version: "v2", in: store)
        let partway = try XCTUnwrap(try store.relabelRun(id: run.id))
        XCTAssertEqual([partway.done, partway.failed, partway.queued], [1, 0, 2])
        XCTAssertNil(partway.finishedAt)

        try drain(store, version: "v2")
        let finished = try XCTUnwrap(try store.relabelRun(id: run.id))
        XCTAssertNotNil(finished.finishedAt, "finished by the commit of its last job")
        XCTAssertEqual([finished.done, finished.failed], [3, 0])
        for id in ids {
            XCTAssertEqual(try store.labelSets(reportID: id).map(\.labelerVersion), ["v1", "v2"], "both versions kept")
            XCTAssertEqual(try store.report(id: id)?.state, .labelled)
        }
        let record = try XCTUnwrap(try store.audit.records().first { $0.object?.hasPrefix("relabel ") == true })
        XCTAssertEqual(record.event, "label")
        XCTAssertEqual(record.object, "relabel run=\(run.id) task=chestxray14 labeler=llm since=all jobs=3 retried_failed=0 already_queued=0")
        XCTAssertTrue(try store.audit.records().contains { $0.object?.hasSuffix("relabel_run=\(run.id)") == true },
                      "each answer of the run says so in its audit record")
    }

    func testNewReportsAreLabelledBeforeARunsJobs() throws {
        let store = try store()
        defer { store.close() }
        for index in 1...3 { try put("Report \(index).", into: store) }
        try drain(store, version: "v1")
        _ = try store.startRelabelRun(task: "chestxray14", labeler: "llm", since: nil, actor: actor)
        let fresh = try put("A new report.", into: store)
        XCTAssertEqual(try store.nextLabelJob(labeler: "llm", excluding: [])?.reportID, fresh)
    }

    func testSinceSkipsOlderReportsAndSupersededOnesAreNeverSelected() throws {
        let store = try store()
        defer { store.close() }
        let old = try put("Preliminary.", accession: "ACC-1", into: store)
        let corrected = try put("Final.", accession: "ACC-1", into: store)
        try drain(store, version: "v1")
        XCTAssertEqual(try store.report(id: old)?.state, .superseded)

        let (all, _) = try store.startRelabelRun(task: "chestxray14", labeler: "llm", since: nil, actor: actor)
        XCTAssertEqual(all.total, 1)
        XCTAssertEqual(try store.labelJobs(reportID: corrected).count, 1)
        XCTAssertEqual(try store.labelJobs(reportID: old).count, 0)
        try drain(store, version: "v2")

        let (none, _) = try store.startRelabelRun(task: "chestxray14", labeler: "llm", since: "2999-01-01T00:00:00Z", actor: actor)
        XCTAssertEqual(none.total, 0)
        XCTAssertNotNil(none.finishedAt, "a run with nothing to do is finished at once")
        let (recent, _) = try store.startRelabelRun(task: "chestxray14", labeler: "llm", since: "2000-01-01T00:00:00Z", actor: actor)
        XCTAssertEqual(recent.total, 1)
    }

    func testFailedJobsAreRetriedByALaterRunAndFinishedRunsKeepTheirCounts() throws {
        let store = try store()
        defer { store.close() }
        let ids = try (1...3).map { try put("Report \($0).", into: store) }
        try drain(store, version: "v1", failing: [ids[2]])
        XCTAssertEqual(try store.labelJobs(reportID: ids[2]).first?.state, "failed")

        let (first, alreadyQueued) = try store.startRelabelRun(task: "chestxray14", labeler: "llm", since: nil, actor: actor)
        XCTAssertEqual(first.total, 3, "two new jobs and the failed one queued again")
        XCTAssertEqual(alreadyQueued, 0)
        try drain(store, version: "v2", failing: [ids[1]])
        let firstDone = try XCTUnwrap(try store.relabelRun(id: first.id))
        XCTAssertNotNil(firstDone.finishedAt, "a failed job is not waiting: the run is finished")
        XCTAssertEqual([firstDone.done, firstDone.failed], [2, 1])
        XCTAssertEqual(try store.labelSets(reportID: ids[2]).map(\.labelerVersion), ["v2"], "the new model labelled it")

        let (second, _) = try store.startRelabelRun(task: "chestxray14", labeler: "llm", since: nil, actor: actor)
        XCTAssertEqual(second.total, 3)
        let firstAfter = try XCTUnwrap(try store.relabelRun(id: first.id))
        XCTAssertEqual([firstAfter.done, firstAfter.failed], [2, 1], "a finished run's counts stay as they were")
        XCTAssertEqual(try store.relabelRuns().map(\.id), [second.id, first.id], "runs going, then the last finished")

        // A job failed in a run still going belongs to that run: a third run leaves it there.
        let job = try XCTUnwrap(try store.nextLabelJob(labeler: "llm", excluding: []))
        try store.failLabelJob(job, reason: "schema", actor: actor)
        let (third, thirdAlready) = try store.startRelabelRun(task: "chestxray14", labeler: "llm", since: nil, actor: actor)
        XCTAssertEqual(third.total, 0)
        XCTAssertEqual(thirdAlready, 3)
        XCTAssertEqual(try XCTUnwrap(try store.relabelRun(id: second.id)).failed, 1)
    }

    func testARunWhoseLastJobsReportWasSupersededIsFinishedWhenRead() throws {
        let store = try store()
        defer { store.close() }
        try put("Preliminary.", accession: "ACC-9", into: store)
        try drain(store, version: "v1")
        let (run, _) = try store.startRelabelRun(task: "chestxray14", labeler: "llm", since: nil, actor: actor)
        XCTAssertEqual(run.total, 1)
        try put("Final.", accession: "ACC-9", into: store)
        let listed = try XCTUnwrap(try store.relabelRuns().first { $0.id == run.id })
        XCTAssertNotNil(listed.finishedAt)
        XCTAssertEqual([listed.done, listed.failed], [1, 0], "its job left the queue with the superseded report")
    }
}
