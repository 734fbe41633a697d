import Foundation
import Store
import TestSupport
import XCTest

/// Labelling inside raddd with model servers that fail: the fault-injection half of the LLM
/// tests (the real-model half is `RealModelTests`). A scripted OpenAI-style server stands in
/// for the model only to refuse, garble or come back on cue.
final class LabelingDaemonTests: XCTestCase {
    static let tasks = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent()
        .deletingLastPathComponent().appendingPathComponent("policies/tasks").path
    static let effusion = #"{"mentions": [{"text": "Small left pleural effusion", "finding": "Effusion", "status": "present"}]}"#

    func labelling(endpoint: String) -> [String] {
        ["--tasks", "chestxray14", "--task-dir", Self.tasks, "--llm-endpoint", endpoint, "--settle-time", "0"]
    }

    func report(_ index: Int) -> String {
        "FINDINGS: Case \(index). No pneumothorax. Small left pleural effusion.\nIMPRESSION: Small left effusion.\n"
    }

    /// (labeler, report) pairs with a stored label set, and the jobs left, read from the database.
    func stored(_ harness: DaemonHarness) throws -> (sets: [String: [Int64: Int]], jobs: [(Int64, String, String)]) {
        let store = try ReportStore(path: harness.databasePath, key: DatabaseKey(hex: harness.keyHex))
        defer { store.close() }
        var sets: [String: [Int64: Int]] = [:]
        for row in try store.database.prepare("SELECT labeler, report_id, count(*) FROM label_sets GROUP BY labeler, report_id")
            .all({ ($0.text(0) ?? "", $0.integer(1), Int($0.integer(2))) }) {
            sets[row.0, default: [:]][row.1] = row.2
        }
        let jobs = try store.database.prepare("SELECT report_id, labeler, state FROM label_jobs ORDER BY id")
            .all { ($0.integer(0), $0.text(1) ?? "", $0.text(2) ?? "") }
        return (sets, jobs)
    }

    struct Status: Decodable {
        struct Labeling: Decodable {
            struct Queue: Decodable { var labeler: String; var queued: Int; var failed: Int; var lastError: String? }
            struct Endpoint: Decodable { var endpoint: String; var circuit: String; var lastError: String? }
            var queues: [Queue]
            var endpoints: [Endpoint]
        }
        var labeling: Labeling
    }

    func testReportsWaitForADeadModelServerAndAreLabelledOnceWhenItReturns() throws {
        let placeholder = try FakeModelServer(script: [])
        let port = placeholder.port
        placeholder.stop()
        let harness = try DaemonHarness()
        // llm-else-rules, so that the final label moves from the rules to the model when it answers.
        try harness.start(extraArguments: labelling(endpoint: "http://127.0.0.1:\(port)") + ["--label-policy", "llm-else-rules"])
        for index in 1...3 { try harness.drop("r\(index).txt", report(index)) }

        try DaemonHarness.waitFor("the rule labeler to label all three at once") {
            (try stored(harness).sets["rules"]?.count ?? 0) == 3
        }
        var status: Status?
        try DaemonHarness.waitFor("raddctl status to say why the LLM jobs wait", timeout: 20) {
            status = try harness.decode(Status.self, harness.raddctl(["status", "--json"]))
            return status?.labeling.queues.first { $0.labeler == "llm" }?.lastError != nil
        }
        let queue = try XCTUnwrap(status?.labeling.queues.first { $0.labeler == "llm" })
        XCTAssertEqual(queue.queued, 3)
        XCTAssertTrue(queue.lastError?.contains("127.0.0.1:\(port)") == true, "\(queue)")
        let text = harness.raddctl(["status"]).stdout
        XCTAssertTrue(text.contains("llm: 3 waiting, 0 failed; waiting because:"), text)
        XCTAssertTrue(text.contains("model:     http://127.0.0.1:\(port)"), text)
        // The rules' answers are the final labels (llm-else-rules) while the model is away.
        XCTAssertTrue(text.contains("labelled:  chestxray14: 3 of 3 reports have their final label"), text)
        XCTAssertTrue(text.contains("reports:   3 current (0 answered by every labeler)"), text)
        let shown = harness.raddctl(["report", "1"]).stdout
        XCTAssertTrue(shown.contains("final (rules): Effusion positive, Pneumothorax negative"), shown)
        XCTAssertTrue(shown.contains("llm: waiting"), shown)

        let server = try FakeModelServer(script: [], then: .answer(Self.effusion), port: port)
        defer { server.stop() }
        try DaemonHarness.waitFor("every report labelled by the LLM once the server is back", timeout: 30) {
            try stored(harness).sets["llm"]?.count == 3
        }
        let after = try stored(harness)
        XCTAssertEqual(Set(after.sets["llm"]!.values), [1], "each report labelled once")
        XCTAssertTrue(after.jobs.isEmpty, "\(after.jobs)")
        let final = harness.raddctl(["report", "2"]).stdout
        XCTAssertTrue(final.contains("final (llm): Effusion positive"), final)
        XCTAssertTrue(final.contains("llm, fake-model"), final)
        XCTAssertTrue(harness.raddctl(["reports", "--state", "labelled"]).stdout.contains("r3.txt"))
        let json = try harness.decode(StatusCounts.self, harness.raddctl(["status", "--json"]))
        XCTAssertEqual(json.labeling.finalLabels, [.init(task: "chestxray14", reports: 3, labelled: 3)])
        XCTAssertTrue(harness.raddctl(["status"]).stdout.contains("reports:   3 current (3 answered by every labeler)"))
    }

    struct StatusCounts: Decodable {
        struct Labeling: Decodable {
            struct Count: Decodable, Equatable {
                var task: String
                var reports: Int
                var labelled: Int
            }
            var finalLabels: [Count]
        }
        var labeling: Labeling
    }

    func testAModelThatKeepsBreakingTheSchemaIsARecordedFailure() throws {
        let server = try FakeModelServer(script: [.answer("I think there is an effusion."), .answer(#"{"labels": {"Effusion": 1}}"#)],
                                         then: .answer(Self.effusion))
        defer { server.stop() }
        let harness = try DaemonHarness()
        try harness.start(extraArguments: labelling(endpoint: server.url))
        try harness.drop("bad.txt", report(1))
        try DaemonHarness.waitFor("the job to be recorded as failed") { try stored(harness).jobs.contains { $0.2 == "failed" } }
        let status = try harness.decode(Status.self, harness.raddctl(["status", "--json"]))
        XCTAssertEqual(status.labeling.queues.first { $0.labeler == "llm" }?.failed, 1)
        let shown = harness.raddctl(["report", "1"]).stdout
        XCTAssertTrue(shown.contains("llm: failed (\(server.url): the answer does not fit the task's schema (answer: missing \"mentions\"), twice)"), shown)
        XCTAssertTrue(shown.contains("final (rules)"), "the rule labeler's answer stands: \(shown)")
        harness.stop()
        let store = try ReportStore(path: harness.databasePath, key: DatabaseKey(hex: harness.keyHex))
        defer { store.close() }
        let audited = try store.audit.records().filter { $0.event == "label" && $0.outcome == "minor_failure" }
        XCTAssertEqual(audited.count, 1)
        XCTAssertEqual(audited.first?.object, "report=1 task=chestxray14 labeler=llm")
        XCTAssertFalse(audited.first?.outcomeText?.contains("effusion") ?? true, "no model words in the audit log")
    }

    func testKillNineInTheMiddleOfAnLLMBatchLabelsEachReportExactlyOnce() throws {
        let server = try FakeModelServer(script: [], then: .slowAnswer(Self.effusion, seconds: 0.15))
        defer { server.stop() }
        let harness = try DaemonHarness()
        let arguments = labelling(endpoint: server.url) + ["--llm-concurrency", "2"]
        try harness.start(extraArguments: arguments)
        let count = 30
        for index in 1...count { try harness.drop("k\(index).txt", report(index)) }
        try DaemonHarness.waitFor("a few LLM answers") { (try stored(harness).sets["llm"]?.count ?? 0) >= 5 }
        harness.stop(signal: SIGKILL)
        let midway = try stored(harness).sets["llm"]?.count ?? 0
        XCTAssertLessThan(midway, count, "killed in the middle")
        try harness.start(extraArguments: arguments)
        try DaemonHarness.waitFor("all reports stored and labelled by both labelers", timeout: 40) {
            let now = try stored(harness)
            return now.sets["llm"]?.count == count && now.sets["rules"]?.count == count && now.jobs.isEmpty
        }
        let final = try stored(harness)
        XCTAssertEqual(Set(final.sets["llm"]!.values), [1], "no report labelled twice by the LLM")
        XCTAssertEqual(Set(final.sets["rules"]!.values), [1], "nor by the rules")
        XCTAssertGreaterThanOrEqual(try server.requests().count, count)
    }

    /// Two models (one server each, as with llama-server) and the rule labeler: every report
    /// gets each one's answer, and the final label is their majority vote.
    func testAnEnsembleOfTwoModelsAndTheRulesStoresEveryAnswerAndVotes() throws {
        // The first model takes "No pneumothorax" for a pneumothorax; the second misses the effusion.
        let first = try FakeModelServer(script: [], then: .answer(#"""
            {"mentions": [{"text": "Small left pleural effusion", "finding": "Effusion", "status": "present"},
                          {"text": "No pneumothorax", "finding": "Pneumothorax", "status": "present"}]}
            """#))
        defer { first.stop() }
        let second = try FakeModelServer(script: [], then: .answer(#"""
            {"mentions": [{"text": "Small left pleural effusion", "finding": "Effusion", "status": "absent"},
                          {"text": "No pneumothorax", "finding": "Pneumothorax", "status": "absent"}]}
            """#))
        defer { second.stop() }
        let harness = try DaemonHarness()
        try harness.start(extraArguments: labelling(endpoint: "\(first.url),\(second.url)")
                          + ["--llm-model", "model-a,model-b", "--label-policy", "ensemble"])
        for index in 1...4 { try harness.drop("e\(index).txt", report(index)) }
        try DaemonHarness.waitFor("every report answered by the rules and both models", timeout: 30) {
            let now = try stored(harness)
            return ["rules", "llm:model-a", "llm:model-b"].allSatisfy { now.sets[$0]?.count == 4 } && now.jobs.isEmpty
        }
        let final = try stored(harness)
        XCTAssertEqual(Set(final.sets.keys), ["rules", "llm:model-a", "llm:model-b"])
        XCTAssertEqual(Set(final.sets.values.flatMap(\.values)), [1], "each labeler answered each report once")
        XCTAssertEqual(try first.requests().count, 4, "each model is asked about each report once")
        XCTAssertEqual(try second.requests().count, 4)
        XCTAssertTrue(try first.requests().allSatisfy { $0["model"] as? String == "model-a" })
        XCTAssertTrue(try second.requests().allSatisfy { $0["model"] as? String == "model-b" })

        let shown = harness.raddctl(["report", "3"]).stdout
        XCTAssertTrue(shown.contains("final (ensemble): Effusion positive, Pneumothorax negative"), shown)
        XCTAssertTrue(shown.contains("llm:model-a, fake-model"), shown)
        XCTAssertTrue(shown.contains("llm:model-b, fake-model"), shown)
        let labels = harness.raddctl(["labels", "--json"])
        XCTAssertEqual(labels.status, 0, labels.stderr)
        XCTAssertTrue(labels.stdout.contains("\"source\" : \"ensemble\"") || labels.stdout.contains("\"source\":\"ensemble\""), labels.stdout)
        let review = harness.raddctl(["review"]).stdout
        XCTAssertTrue(review.contains("Pneumothorax: llm:model-a 1.0, llm:model-b 0.0, rules 0.0"), "each member's answer is shown: \(review)")
        let check = harness.run(DaemonHarness.raddd, harness.standardArguments + ["--check-config"] + labelling(endpoint: "\(first.url),\(second.url)")
                                + ["--llm-model", "model-a,model-b,model-c"])
        XCTAssertNotEqual(check.status, 0)
        XCTAssertTrue(check.stderr.contains("llm_model lists 3 models for 2 llm_endpoint entries"), check.stderr)
    }

    /// A binary task reads Yes, No or Undefined in `raddctl report`, with its follow-up.
    func testBinaryTasksShowYesNoAndTheFollowUp() throws {
        let harness = try DaemonHarness()
        try harness.start(extraArguments: ["--tasks", "active-extravasation", "--task-dir", Self.tasks, "--settle-time", "0"])
        try harness.drop("b1.txt", "IMPRESSION: Grade IV splenic laceration with a focus of active contrast extravasation in the splenic hilum.\n")
        try harness.drop("b2.txt", "IMPRESSION: Large right rectus sheath hematoma without active extravasation.\n")
        try DaemonHarness.waitFor("both reports labelled") { (try stored(harness).sets["rules"]?.count ?? 0) == 2 }
        let ids = try harness.allReports().sorted { $0.sourceName < $1.sourceName }.map(\.id)
        let yes = harness.raddctl(["report", "\(ids[0])"]).stdout
        XCTAssertTrue(yes.contains("final (rules): Active extravasation: Yes; follow-up: spleen"), yes)
        let no = harness.raddctl(["report", "\(ids[1])"]).stdout
        XCTAssertTrue(no.contains("final (rules): Active extravasation: No"), no)
        XCTAssertFalse(no.contains("follow-up"), no)
    }

    /// A prompt-only task is labelled by the model alone: no rule job, no rule label set, the
    /// model's Yes (and its follow-up, asked only after the Yes) is the final label, and a
    /// relabel by the rules is refused by name.
    func testAPromptOnlyTaskIsLabelledByTheModelAloneWithTheFollowUpOnlyAfterYes() throws {
        let server = try FakeModelServer(script: [
            .answer(#"{"evidence": "active contrast extravasation in the splenic hilum", "answer": "Yes"}"#),
            .answer(#"{"options": ["spleen"]}"#),
            .answer(#"{"evidence": "without active extravasation", "answer": "No"}"#),
        ])
        defer { server.stop() }
        let harness = try DaemonHarness()
        try harness.start(extraArguments: ["--tasks", "active-extravasation-prompt", "--task-dir", Self.tasks,
                                           "--llm-endpoint", server.url, "--settle-time", "0"])
        try harness.drop("b1.txt", "IMPRESSION: Grade IV splenic laceration with a focus of active contrast extravasation in the splenic hilum.\n")
        try DaemonHarness.waitFor("the first report labelled by the model") { (try stored(harness).sets["llm"]?.count ?? 0) == 1 }
        try harness.drop("b2.txt", "IMPRESSION: Large right rectus sheath hematoma without active extravasation.\n")
        try DaemonHarness.waitFor("the second report labelled by the model") { (try stored(harness).sets["llm"]?.count ?? 0) == 2 }
        let after = try stored(harness)
        XCTAssertNil(after.sets["rules"], "the rule labeler has no phrases to read")
        XCTAssertTrue(after.jobs.isEmpty, "\(after.jobs)")
        XCTAssertEqual(try server.requests().count, 3, "the follow-up is asked after the Yes only")

        let ids = try harness.allReports().sorted { $0.sourceName < $1.sourceName }.map(\.id)
        let yes = harness.raddctl(["report", "\(ids[0])"]).stdout
        XCTAssertTrue(yes.contains("final (llm): Active extravasation: Yes; follow-up: spleen"), yes)
        let no = harness.raddctl(["report", "\(ids[1])"]).stdout
        XCTAssertTrue(no.contains("final (llm): Active extravasation: No"), no)
        let status = harness.raddctl(["status"]).stdout
        XCTAssertTrue(status.contains("labelled:  active-extravasation-prompt: 2 of 2 reports have their final label"), status)
        let relabel = harness.raddctl(["relabel", "--task", "active-extravasation-prompt", "--labeler", "rules", "--all"])
        XCTAssertNotEqual(relabel.status, 0)
        XCTAssertTrue(relabel.stderr.contains("prompt-only"), relabel.stderr)
        let stratified = harness.raddctl(["gold", "sample", "--task", "active-extravasation-prompt", "--n", "2", "--stratify-by", "rules",
                                          "--out", harness.root + "/sheet.csv"])
        XCTAssertEqual(stratified.status, 1)
        XCTAssertTrue(stratified.stderr.contains("no answers from labeler 'rules' for task active-extravasation-prompt; labelers: final, llm"),
                      stratified.stderr)
    }

    /// raddctl status reads the labelling workers' state inside its database transaction, while
    /// the workers take jobs from the database: neither may wait for the other.
    func testStatusKeepsAnsweringWhileWorkersTakeJobs() throws {
        let server = try FakeModelServer(script: [], then: .answer(Self.effusion))
        defer { server.stop() }
        let harness = try DaemonHarness()
        try harness.start(extraArguments: labelling(endpoint: server.url) + ["--llm-concurrency", "4"])
        for index in 1...60 { try harness.drop("s\(index).txt", report(index)) }
        let deadline = Date().addingTimeInterval(60)
        var answered = 0
        // At least 20 requests, however fast the workers finish, so that some meet them at work.
        while try (stored(harness).sets["llm"]?.count ?? 0 < 60 || answered < 20) && Date() < deadline {
            let status = harness.run(DaemonHarness.raddctl, ["status", "--json", "--socket", harness.socketPath])
            XCTAssertEqual(status.status, 0, status.stderr)
            answered += 1
        }
        let final = try stored(harness)
        let reportCount = try harness.allReports().count
        XCTAssertEqual(final.sets["llm"]?.count, 60, "jobs left: \(final.jobs); rules sets: \(final.sets["rules"]?.count ?? 0); reports: \(reportCount); drop: \(allEntries(harness.dropDir))")
        XCTAssertGreaterThanOrEqual(answered, 20)
        // Each report is asked about once: a job two workers found is done by one of them.
        let asked = try server.requests().compactMap { request -> String? in
            let messages = request["messages"] as? [[String: String]] ?? []
            guard let content = messages.last?["content"], let found = content.range(of: #"Case \d+\."#, options: .regularExpression) else { return nil }
            return String(content[found])
        }
        XCTAssertEqual(asked.count, 60, "requests: \(asked.sorted())")
        XCTAssertEqual(Set(asked).count, 60)
    }
}
