import Control
import Foundation
import Store
import TestSupport
import XCTest

/// `raddctl relabel` against the real raddd: a labeler runs again over stored reports as a
/// background run whose progress `status` shows, keeping every earlier answer, and surviving
/// `kill -9`. A scripted model server plays two model versions.
final class RelabelTests: XCTestCase {
    static let effusion = LabelingDaemonTests.effusion

    func labelling(endpoint: String?) -> [String] {
        ["--tasks", "chestxray14", "--task-dir", LabelingDaemonTests.tasks, "--settle-time", "0"]
            + (endpoint.map { ["--llm-endpoint", $0, "--llm-concurrency", "4"] } ?? [])
    }

    /// Reports as CSV files of `perFile` rows, each with its own accession and a "Series N." tag
    /// that the model server's request log is searched for.
    func dropReports(_ count: Int, perFile: Int, into harness: DaemonHarness) throws {
        for start in stride(from: 1, through: count, by: perFile) {
            let rows = (start..<min(start + perFile, count + 1)).map {
                "ACC\($0),\"FINDINGS: Series \($0). No pneumothorax. Small left pleural effusion.\"\r\n"
            }
            try harness.drop("batch\(start).csv", "accession,report\r\n" + rows.joined())
        }
    }

    struct StoredSet: Equatable {
        var id: Int64
        var reportID: Int64
        var labeler: String
        var version: String
        var provenance: String
        var createdAt: String
        var values: String
    }

    /// Every label set with its values, and the jobs left, read from the database.
    func stored(_ harness: DaemonHarness) throws -> (sets: [StoredSet], jobs: Int) {
        let store = try ReportStore(path: harness.databasePath, key: DatabaseKey(hex: harness.keyHex))
        defer { store.close() }
        let sets = try store.database.prepare("""
            SELECT s.id, s.report_id, s.labeler, s.labeler_version, s.provenance, s.created_at,
                   (SELECT group_concat(l.finding || '=' || l.value, ',') FROM labels l WHERE l.label_set_id = s.id)
            FROM label_sets s ORDER BY s.id
            """).all {
                StoredSet(id: $0.integer(0), reportID: $0.integer(1), labeler: $0.text(2) ?? "", version: $0.text(3) ?? "",
                          provenance: $0.text(4) ?? "", createdAt: $0.text(5) ?? "", values: $0.text(6) ?? "")
            }
        let jobs = try store.database.prepare("SELECT count(*) FROM label_jobs").withReset { try $0.step() ? Int($0.integer(0)) : -1 }
        return (sets, jobs)
    }

    func status(_ harness: DaemonHarness) throws -> StatusResult {
        try harness.decode(StatusResult.self, harness.raddctl(["status", "--json"]))
    }

    func run(_ id: Int64, in status: StatusResult) -> RelabelProgress? {
        status.labeling?.relabels?.first { $0.run == id }
    }

    /// The "Series N." numbers in the stored text of these reports.
    func series(ofReports ids: Set<Int64>, _ harness: DaemonHarness) throws -> [Int] {
        let store = try ReportStore(path: harness.databasePath, key: DatabaseKey(hex: harness.keyHex))
        defer { store.close() }
        return try store.database.prepare("SELECT id, text FROM reports").all { ($0.integer(0), $0.text(1) ?? "") }
            .filter { ids.contains($0.0) }
            .compactMap { _, text in
                text.range(of: #"Series \d+\."#, options: .regularExpression).flatMap { Int(text[$0].dropFirst(7).dropLast()) }
            }
    }

    /// The report numbers ("Series N.") the server was asked about, once per request.
    func askedSeries(_ server: FakeModelServer) throws -> [Int] {
        try server.requests().compactMap { request -> Int? in
            let messages = request["messages"] as? [[String: String]] ?? []
            guard let content = messages.last?["content"],
                  let found = content.range(of: #"Series \d+\."#, options: .regularExpression) else { return nil }
            return Int(content[found].dropFirst(7).dropLast())
        }
    }

    /// The acceptance test of issue 8: 1,000 reports labelled by model A are relabelled by
    /// model B; raddd is killed with SIGKILL about halfway and resumes. Every report ends with
    /// both answers, model A's untouched, and model B's stored exactly once. Model B is asked
    /// about each report once, except the requests in flight at the kill (at most one per
    /// worker, four here): their answers never reached the database, so they are asked again.
    func testRelabellingAThousandReportsKeepsBothVersionsShowsProgressAndSurvivesKillNine() throws {
        let count = 1000
        let modelA = try FakeModelServer(script: [], then: .answer(Self.effusion), model: "model-a")
        defer { modelA.stop() }
        let harness = try DaemonHarness()
        try harness.start(extraArguments: labelling(endpoint: modelA.url))
        try dropReports(count, perFile: 250, into: harness)
        try DaemonHarness.waitFor("every report labelled by the rules and model A", timeout: 120) {
            let now = try stored(harness)
            return now.jobs == 0 && now.sets.count == 2 * count
        }
        let before = try stored(harness).sets
        let firstAnswers = before.filter { $0.labeler == "llm" }
        XCTAssertEqual(Set(firstAnswers.map(\.reportID)).count, count)
        XCTAssertTrue(firstAnswers.allSatisfy { $0.version.hasSuffix(" model-a") && $0.values.contains("Effusion=positive") },
                      "\(firstAnswers.first.map { "\($0)" } ?? "none")")
        XCTAssertEqual(harness.stop().status, 0)

        // Model B answers slowly enough for the run to be watched and killed halfway.
        let modelB = try FakeModelServer(script: [], then: .slowAnswer(Self.effusion, seconds: 0.04), model: "model-b")
        defer { modelB.stop() }
        let arguments = labelling(endpoint: modelB.url)
        try harness.start(extraArguments: arguments)
        XCTAssertEqual(try stored(harness).jobs, 0, "a new model version alone queues nothing: reports already have an llm answer")
        let queued = try harness.decode(RelabelResult.self, harness.raddctl(["relabel", "--task", "chestxray14", "--labeler", "llm", "--all", "--json"]))
        XCTAssertEqual(queued.run.total, count)
        XCTAssertEqual(queued.alreadyQueued, 0)
        XCTAssertEqual(queued.run.labeler, "llm")
        XCTAssertNil(queued.run.since)
        let runID = queued.run.run

        var seen: [Int] = []
        try DaemonHarness.waitFor("the run to get about halfway", timeout: 60) {
            guard let progress = run(runID, in: try status(harness)) else { return false }
            XCTAssertNil(progress.finishedAt)
            XCTAssertEqual(progress.total, count)
            seen.append(progress.done)
            return progress.done >= count / 2
        }
        harness.stop(signal: SIGKILL)
        XCTAssertEqual(seen, seen.sorted(), "progress only rises")
        XCTAssertGreaterThanOrEqual(Set(seen).count, 3, "progress was seen rising: \(seen)")
        let midway = try stored(harness)
        let answeredByB = Set(midway.sets.filter { $0.version.hasSuffix(" model-b") }.map(\.reportID))
        XCTAssertGreaterThanOrEqual(answeredByB.count, seen.last ?? 0)
        XCTAssertLessThan(answeredByB.count, count, "killed in the middle of the run")
        XCTAssertEqual(midway.jobs, count - answeredByB.count, "every unanswered job is still queued")
        let askedBeforeKill = try askedSeries(modelB)

        try harness.start(extraArguments: arguments)
        let resumed = try XCTUnwrap(run(runID, in: try status(harness)), "the run is still listed after the restart")
        XCTAssertGreaterThanOrEqual(resumed.done, answeredByB.count, "progress resumes where it was, not from zero")
        var finished: RelabelProgress?
        try DaemonHarness.waitFor("the run to finish after the restart", timeout: 90) {
            finished = run(runID, in: try status(harness))
            return finished?.finishedAt != nil
        }
        XCTAssertEqual(finished?.done, count)
        XCTAssertEqual(finished?.failed, 0)
        let text = harness.raddctl(["status"]).stdout
        XCTAssertTrue(text.contains("relabel:   run \(runID) llm on chestxray14 (all reports), by root at \(queued.run.requestedAt): \(count)/\(count) done, 0 failed, finished"),
                      text)
        XCTAssertEqual(harness.stop().status, 0)

        let after = try stored(harness)
        XCTAssertEqual(after.jobs, 0)
        let llmSets = after.sets.filter { $0.labeler == "llm" }
        let perReport = Dictionary(grouping: llmSets, by: \.reportID)
        XCTAssertEqual(perReport.count, count)
        XCTAssertTrue(perReport.values.allSatisfy { $0.count == 2 }, "each report has exactly two llm answers")
        XCTAssertTrue(perReport.values.allSatisfy { Set($0.map { String($0.version.suffix(7)) }) == ["model-a", "model-b"] },
                      "one from each model version")
        XCTAssertEqual(llmSets.filter { $0.version.hasSuffix(" model-a") }, firstAnswers, "model A's answers and provenance untouched")
        XCTAssertEqual(after.sets.filter { $0.labeler == "rules" }, before.filter { $0.labeler == "rules" }, "the rule labeler was not run again")
        XCTAssertTrue(llmSets.filter { $0.version.hasSuffix(" model-b") }.allSatisfy { $0.provenance.contains("\"model\":\"model-b\"") })

        let asked = try askedSeries(modelB)
        let timesAsked = Dictionary(grouping: asked, by: { $0 }).mapValues(\.count)
        XCTAssertEqual(Set(timesAsked.keys), Set(1...count), "model B was asked about every report")
        let askedTwice = Set(timesAsked.filter { $0.value > 1 }.keys)
        XCTAssertTrue(timesAsked.values.allSatisfy { $0 <= 2 }, "\(timesAsked.filter { $0.value > 2 })")
        XCTAssertLessThanOrEqual(askedTwice.count, 4, "only requests in flight at the kill are asked again: \(askedTwice.sorted())")
        XCTAssertTrue(askedTwice.isSubset(of: Set(askedBeforeKill)), "asked again only what was asked before the kill")
        let seriesAnsweredAtKill = Set(try series(ofReports: answeredByB, harness))
        XCTAssertEqual(seriesAnsweredAtKill.count, answeredByB.count)
        XCTAssertTrue(askedTwice.isDisjoint(with: seriesAnsweredAtKill), "no report whose answer was stored is asked again")
        print("relabel under kill -9: progress seen \(seen.count) times, \(seen.first ?? 0) to \(seen.last ?? 0) of \(count);"
              + " \(answeredByB.count) answered at the kill; asked again after the restart: \(askedTwice.sorted())")
        let store = try ReportStore(path: harness.databasePath, key: DatabaseKey(hex: harness.keyHex))
        defer { store.close() }
        let records = try store.audit.records(limit: 100_000)
        XCTAssertEqual(records.filter { $0.event == "label" && $0.object?.hasPrefix("relabel run=\(runID) ") == true }.map(\.object),
                       ["relabel run=\(runID) task=chestxray14 labeler=llm since=all jobs=\(count) retried_failed=0 already_queued=0"])
        XCTAssertEqual(records.filter { $0.object?.hasSuffix(" relabel_run=\(runID)") == true }.count, count,
                       "each new answer audited once, with its run")
        XCTAssertFalse(records.contains { ($0.object ?? "").contains("effusion") || ($0.outcomeText ?? "").contains("effusion") },
                       "no report text in the audit log")
        XCTAssertEqual(try store.countsByState()["labelled"], count)
    }

    /// What relabel refuses, and a run of the rule labeler followed with --wait: its version has
    /// not changed, so its answers are asked again and nothing new is stored.
    func testRefusalsNameWhatIsConfiguredAndWaitFollowsARunToItsEnd() throws {
        let harness = try DaemonHarness()
        try harness.start(extraArguments: labelling(endpoint: nil))
        try dropReports(3, perFile: 3, into: harness)
        try DaemonHarness.waitFor("three reports labelled") { try stored(harness).sets.count == 3 && stored(harness).jobs == 0 }

        let neither = harness.raddctl(["relabel", "--task", "chestxray14", "--labeler", "rules"])
        XCTAssertEqual(neither.status, 64, neither.stderr)
        XCTAssertTrue(neither.stderr.contains("give either --since TIME (reports stored at or after it) or --all"), neither.stderr)
        XCTAssertEqual(harness.raddctl(["relabel", "--task", "chestxray14", "--labeler", "rules", "--all", "--since", "2026-01-01"]).status, 64)
        do {
            _ = try ControlClient(socketPath: harness.socketPath).call(Endpoints.Relabel.self, .init(task: "chestxray14", labeler: "rules"))
            XCTFail("a relabel without since or all was accepted")
        } catch let error as ControlError {
            XCTAssertEqual(error.code, .badRequest)
            XCTAssertTrue(error.message.contains("give either params.since"), error.message)
        }
        let llm = harness.raddctl(["relabel", "--task", "chestxray14", "--labeler", "llm", "--all"])
        XCTAssertEqual(llm.status, 1)
        XCTAssertTrue(llm.stderr.contains("labeler 'llm' is not run by this daemon (running: rules)"), llm.stderr)
        let task = harness.raddctl(["relabel", "--task", "knee-mri", "--labeler", "rules", "--all"])
        XCTAssertEqual(task.status, 1)
        XCTAssertTrue(task.stderr.contains("task 'knee-mri' is not labelled by this daemon (configured: chestxray14)"), task.stderr)
        let since = harness.raddctl(["relabel", "--task", "chestxray14", "--labeler", "rules", "--since", "last week"])
        XCTAssertEqual(since.status, 1)
        XCTAssertTrue(since.stderr.contains("since 'last week' is not a UTC time"), since.stderr)
        XCTAssertTrue(try stored(harness).jobs == 0, "nothing refused was queued")

        let waited = harness.raddctl(["relabel", "--task", "chestxray14", "--labeler", "rules", "--since", "2000-01-01", "--wait"])
        XCTAssertEqual(waited.status, 0, waited.stderr)
        XCTAssertTrue(waited.stdout.contains("relabel run 1: 3 reports queued for rules on task chestxray14"), waited.stdout)
        XCTAssertTrue(waited.stdout.contains("relabel run 1 finished at "), waited.stdout)
        XCTAssertTrue(waited.stdout.contains(": 3 done, 0 failed"), waited.stdout)
        let after = try stored(harness)
        XCTAssertEqual(after.jobs, 0)
        XCTAssertEqual(after.sets.count, 3, "the same rules version stores no second answer")

        let none = try harness.decode(RelabelResult.self, harness.raddctl(["relabel", "--task", "chestxray14", "--labeler", "rules",
                                                                            "--since", "2999-01-01", "--json"]))
        XCTAssertEqual(none.run.total, 0)
        XCTAssertEqual(none.run.since, "2999-01-01T00:00:00Z")
        XCTAssertNotNil(none.run.finishedAt, "nothing to do: finished at once")
        let text = harness.raddctl(["status"]).stdout
        XCTAssertTrue(text.contains("relabel:   run 1 rules on chestxray14 (since 2000-01-01T00:00:00Z), by root at "), text)
        XCTAssertTrue(text.contains("relabel:   run 2 rules on chestxray14 (since 2999-01-01T00:00:00Z)"), text)

        XCTAssertEqual(harness.stop().status, 0)
        let store = try ReportStore(path: harness.databasePath, key: DatabaseKey(hex: harness.keyHex))
        defer { store.close() }
        let refused = try store.audit.records(limit: 100_000).filter { $0.object == "method=relabel" }
        XCTAssertEqual(refused.map(\.outcome), Array(repeating: "minor_failure", count: 4), "each refusal by raddd is audited")
    }
}
