import Foundation
import Store
import XCTest

/// raddd labelling with the real bundled model behind the real llama-server, end to end: what
/// install.sh sets up, minus the systemd unit. Slow on purpose (a report takes about 15 s on two
/// cores); kept to a handful of short reports.
final class RealModelTests: XCTestCase {
    func labelling(_ model: ModelServerHarness) -> [String] {
        ["--tasks", "chestxray14", "--task-dir", LabelingDaemonTests.tasks, "--llm-endpoint", model.url, "--settle-time", "0",
         "--llm-timeout", "600"]
    }

    struct Shown: Decodable {
        struct Set: Decodable {
            struct Value: Decodable { var finding: String; var value: String }
            var task: String
            var labeler: String
            var labels: [Value]
            var followUp: [String]?
            var provenance: Provenance
        }
        struct Provenance: Decodable {
            var labeler: String
            var version: String
            var model: String?
            var endpoint: String?
            var promptHash: String?
            var task: String?
            var taskVersion: Int?
            var temperature: Double?
            var latencyMilliseconds: Int?
            var promptTokens: Int?
            var evaluatedPromptTokens: Int?
            var completionTokens: Int?
            var requests: Int?
        }
        struct Final: Decodable { var task: String; var source: String; var labels: [Set.Value]; var followUp: [String]? }
        var labelSets: [Set]?
        var finalLabels: [Final]?
    }

    func shown(_ harness: DaemonHarness, _ id: Int) throws -> Shown {
        try harness.decode(Shown.self, harness.raddctl(["report", "\(id)", "--json"]))
    }

    func llmSets(_ harness: DaemonHarness) throws -> [Int64: Int] {
        let store = try ReportStore(path: harness.databasePath, key: DatabaseKey(hex: harness.keyHex))
        defer { store.close() }
        var counts: [Int64: Int] = [:]
        for (id, count) in try store.database.prepare("SELECT report_id, count(*) FROM label_sets WHERE labeler = 'llm' GROUP BY report_id")
            .all({ ($0.integer(0), Int($0.integer(1))) }) { counts[id] = count }
        return counts
    }

    func testTheBundledModelLabelsDroppedReportsWithProvenance() throws {
        let harness = try DaemonHarness()
        let model = try ModelServerHarness(logFile: harness.root + "/llama-server.log")
        try model.start()
        try harness.start(extraArguments: labelling(model))
        try harness.drop("effusion.txt", "FINDINGS: Large right pleural effusion. No pneumothorax.\nIMPRESSION: Large right pleural effusion.\n")
        try DaemonHarness.waitFor("the model's labels", timeout: 600) { try llmSets(harness).count == 1 }

        let report = try shown(harness, 1)
        let llm = try XCTUnwrap(report.labelSets?.first { $0.labeler == "llm" })
        XCTAssertEqual(llm.task, "chestxray14")
        XCTAssertEqual(llm.labels.count, 14)
        XCTAssertEqual(llm.labels.first { $0.finding == "Effusion" }?.value, "positive", "a large effusion stated twice")
        XCTAssertNotEqual(llm.labels.first { $0.finding == "Pneumothorax" }?.value, "positive")
        let provenance = llm.provenance
        XCTAssertEqual(provenance.labeler, "llm")
        XCTAssertEqual(provenance.model, ModelServerHarness.alias, "the model id the server reports")
        XCTAssertEqual(provenance.endpoint, model.url)
        XCTAssertEqual(provenance.promptHash?.count, 64)
        XCTAssertEqual(provenance.taskVersion, 2)
        XCTAssertEqual(provenance.temperature, 0)
        XCTAssertGreaterThan(provenance.latencyMilliseconds ?? 0, 0)
        XCTAssertGreaterThan(provenance.promptTokens ?? 0, 300)
        XCTAssertNotNil(provenance.evaluatedPromptTokens)
        XCTAssertGreaterThan(provenance.completionTokens ?? 0, 0)
        XCTAssertEqual(report.finalLabels?.first?.source, "rules", "auto, with no gold yet: the rules decide every chestxray14 finding")
        print("real model: \(provenance.latencyMilliseconds ?? 0) ms, \(provenance.promptTokens ?? 0) prompt tokens "
              + "(\(provenance.evaluatedPromptTokens ?? 0) evaluated), \(provenance.completionTokens ?? 0) completion tokens")
    }

    /// A prompt-only binary task with the bundled model: the model alone answers, and the
    /// follow-up is asked after a Yes only, never after a No or Undefined.
    /// The reports are written for this test (no real CT reports are in the data we have).
    func testThePromptOnlyBleedingTaskIsLabelledByTheBundledModelWithTheFollowUpOnlyAfterYes() throws {
        let harness = try DaemonHarness()
        let model = try ModelServerHarness(logFile: harness.root + "/llama-server.log")
        try model.start()
        try harness.start(extraArguments: ["--tasks", "active-extravasation-prompt", "--task-dir", LabelingDaemonTests.tasks,
                                           "--llm-endpoint", model.url, "--settle-time", "0", "--llm-timeout", "600"])
        try harness.drop("a-yes.txt", "IMPRESSION: Liver laceration with active contrast extravasation from the right hepatic lobe.\n")
        try harness.drop("b-no.txt", "IMPRESSION: Small splenic laceration. No active extravasation.\n")
        try DaemonHarness.waitFor("the model's answers", timeout: 900) { try llmSets(harness).count == 2 }
        var answers: [String] = []
        for id in [1, 2] {
            let report = try shown(harness, id)
            XCTAssertEqual(report.labelSets?.map(\.labeler), ["llm"], "the model alone labels a prompt-only task")
            let llm = try XCTUnwrap(report.labelSets?.first)
            let value = try XCTUnwrap(llm.labels.first?.value)
            let requests = llm.provenance.requests ?? 1
            // A request the model answered off-schema is asked once more, so requests count up to
            // one extra per question.
            if value == "positive" {
                XCTAssertGreaterThanOrEqual(requests, 2, "a Yes is followed by the follow-up question")
                XCTAssertNotNil(llm.followUp)
            } else {
                XCTAssertLessThanOrEqual(requests, 2, "no follow-up after \(value)")
                XCTAssertNil(llm.followUp, "no follow-up after \(value)")
            }
            let final = try XCTUnwrap(report.finalLabels?.first)
            XCTAssertEqual(final.source, "llm")
            XCTAssertEqual(final.labels.first?.value, value)
            answers.append("\(value)\(llm.followUp.map { " " + $0.joined(separator: ";") } ?? "") in \(requests) request(s)")
        }
        print("real model, active-extravasation-prompt: " + answers.joined(separator: "; "))
    }

    static let promptTaskReports = URL(fileURLWithPath: #filePath).deletingLastPathComponent()
        .appendingPathComponent("Fixtures/prompt-tasks").path

    /// The prompt-only tasks scored inside raddd against gold, the way a site would check a new
    /// question: 20 reports of our own (Fixtures/prompt-tasks/SOURCE.txt) labelled by the bundled
    /// model, a gold worksheet sampled by raddctl and filled from our gold, imported, and
    /// `raddctl eval --against gold`. The figures are printed, not asserted: the 1.5B model's
    /// quality is measured here, the path is what must hold.
    func testThePromptOnlyTasksAreScoredAgainstAGoldWorksheetOfTwentyReports() throws {
        let model = try ModelServerHarness(logFile: NSTemporaryDirectory() + "radd-prompt-tasks-llama-\(getpid()).log")
        try model.start()
        for task in ["active-extravasation-prompt", "ankle-fracture-prompt"] {
            let rows = strictCSV(try String(contentsOfFile: Self.promptTaskReports + "/" + task.replacingOccurrences(of: "-prompt", with: "") + ".csv",
                                            encoding: .utf8))
            XCTAssertEqual(rows.first, ["name", "answer", "site", "text"])
            let cases = rows.dropFirst().filter { $0.count == 4 }
            XCTAssertEqual(cases.count, 20)
            let harness = try DaemonHarness()
            try harness.start(extraArguments: ["--tasks", task, "--task-dir", LabelingDaemonTests.tasks, "--llm-endpoint", model.url,
                                               "--settle-time", "0", "--llm-timeout", "600"])
            for row in cases { try harness.drop(row[0] + ".txt", row[3] + "\n") }
            try DaemonHarness.waitFor("the model's answers to all 20 \(task) reports", timeout: 1800) { try llmSets(harness).count == 20 }

            let worksheet = harness.root + "/worksheet.csv"
            let sample = harness.raddctl(["gold", "sample", "--task", task, "--n", "20", "--out", worksheet])
            XCTAssertEqual(sample.status, 0, sample.stderr)
            let sheet = strictCSV(try String(contentsOfFile: worksheet, encoding: .utf8))
            let columns = try LabelTaskColumns.of(task)
            XCTAssertEqual(sheet.first, ["report_id", "accession_pseudonym", "report_text"] + columns)
            let nameByID = Dictionary(uniqueKeysWithValues: try harness.allReports().map { (String($0.id), $0.sourceName) })
            let goldByName = Dictionary(uniqueKeysWithValues: cases.map { ($0[0] + ".txt", $0) })
            var filled = CSVLine.join(sheet[0]) + "\n"
            for row in sheet.dropFirst() where row.count >= 3 {
                let gold = try XCTUnwrap(goldByName[try XCTUnwrap(nameByID[row[0]])])
                let cells = columns.count == 2 ? [gold[1], gold[1] == "Yes" ? gold[2] : ""] : [gold[1]]
                filled += CSVLine.join(Array(row[0...2]) + cells) + "\n"
            }
            try filled.write(toFile: worksheet, atomically: true, encoding: .utf8)
            let imported = harness.raddctl(["gold", "import", "--task", task, worksheet])
            XCTAssertEqual(imported.status, 0, imported.stderr)
            XCTAssertTrue(imported.stdout.contains("imported 20 gold answers"), imported.stdout)

            let scored = harness.raddctl(["eval", "--task", task, "--labeler", "llm", "--against", "gold", "--json"])
            XCTAssertEqual(scored.status, 0, scored.stderr)
            let figures = try JSONDecoder().decode(TrainingDataTests.Evaluation.self, from: Data(scored.stdout.utf8))
            XCTAssertEqual(figures.reports, 20)
            XCTAssertNotNil(figures.micro.f1)
            let rules = harness.raddctl(["eval", "--task", task, "--labeler", "rules", "--against", "gold"])
            XCTAssertEqual(rules.status, 1, rules.stdout)
            XCTAssertTrue(rules.stderr.contains("no answers from labeler 'rules' for task \(task); labelers: final, llm"), rules.stderr)
            let table = harness.raddctl(["eval", "--task", task, "--labeler", "llm", "--against", "gold"])
            print("real model, \(task) against our 20-report gold:\n" + table.stdout)
            XCTAssertEqual(harness.stop().status, 0)
        }
    }

    func testKillingTheModelServerMidBatchLosesNothingAndStatusAnswersThroughout() throws {
        let harness = try DaemonHarness()
        let model = try ModelServerHarness(logFile: harness.root + "/llama-server.log")
        try model.start()
        try harness.start(extraArguments: labelling(model))
        let reports = [
            "Heart size normal. Lungs clear. No pneumothorax.",
            "Small left pleural effusion.",
            "Mild cardiomegaly. No effusion.",
            "Right lower lobe atelectasis.",
        ]
        for (index, text) in reports.enumerated() { try harness.drop("b\(index).txt", text + "\n") }
        try DaemonHarness.waitFor("the first model answer", timeout: 600) { try !llmSets(harness).isEmpty }
        model.kill()
        let labelledBefore = try llmSets(harness).count
        XCTAssertLessThan(labelledBefore, reports.count, "killed in the middle of the batch")

        var sawItWaiting = false
        try DaemonHarness.waitFor("raddctl status to say the model is not answering", timeout: 60) {
            let status = harness.raddctl(["status"])
            XCTAssertEqual(status.status, 0, "status answers while the model server is down")
            sawItWaiting = status.stdout.contains("waiting because:")
            return sawItWaiting
        }
        try model.start()
        try DaemonHarness.waitFor("every report labelled once the server is back", timeout: 900) {
            XCTAssertEqual(harness.raddctl(["status"]).status, 0)
            return try llmSets(harness).count == reports.count
        }
        XCTAssertEqual(Set(try llmSets(harness).values), [1], "each report labelled exactly once")
        XCTAssertTrue(harness.raddctl(["reports", "--state", "stored"]).stdout.contains("no reports"), "all labelled")
    }
}

/// A task's worksheet columns, read from the shipped task file.
enum LabelTaskColumns {
    static func of(_ task: String) throws -> [String] {
        struct File: Decodable {
            struct Finding: Decodable { var name: String }
            struct FollowUp: Decodable { var name: String }
            var findings: [Finding]
            var followUp: FollowUp?
        }
        let data = try Data(contentsOf: URL(fileURLWithPath: LabelingDaemonTests.tasks + "/" + task + ".json"))
        let file = try JSONDecoder().decode(File.self, from: data)
        return file.findings.map(\.name) + (file.followUp.map { [$0.name] } ?? [])
    }
}
