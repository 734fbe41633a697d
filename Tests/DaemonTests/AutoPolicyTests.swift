import Foundation
import RaddCore
import Store
import TestSupport
import XCTest

/// `label_policy = auto`, raddd's default, on the 100 fixed Open-i development reports: before
/// gold the rule labeler decides every chestxray14 finding (they all have phrases), so the
/// default final labels score what the rules score; after the Open-i gold is imported, a
/// finding where the model beats the rules on that gold is decided by the model, the change is
/// audited as config_change, and `labels --explain`, `status` and `report` say so.
final class AutoPolicyTests: XCTestCase {
    static let dev100 = TrainingDataTests.repository.appendingPathComponent("Tests/LabelingTests/Fixtures/openi_dev100.csv").path

    struct Explained: Decodable {
        struct Decision: Decodable {
            struct Score: Decodable { var labeler: String; var f1: Double?; var lower: Double?; var upper: Double? }
            var task: String, finding: String, decider: String, why: String, basis: String
            var goldReports: Int, comparedReports: Int, goldPositives: Int
            var scores: [Score]
        }
        var explanation: [Decision]?
        var rows: [Row]
        struct Row: Decodable { var reportID: Int64; var source: String }
    }

    struct Queues: Decodable {
        struct Labeling: Decodable { var queues: [Queue] }
        struct Queue: Decodable { var labeler: String; var queued: Int; var failed: Int }
        var queueDepth: Int
        var reportsByState: [String: Int]
        var labeling: Labeling?
    }

    /// The dev reports in file order, with their uid and their text as raddd stores it.
    static func devReports() throws -> [(uid: String, text: String)] {
        let rows = strictCSV(try String(contentsOfFile: dev100, encoding: .utf8).replacingOccurrences(of: "\r\n", with: "\n"))
        return rows.dropFirst().filter { $0.count == 3 }.map { ($0[0], $0[1] + "\n" + $0[2]) }
    }

    /// NegBio's Open-i gold, by uid: the 14 findings' cells.
    static func negBioGold() throws -> [String: [String]] {
        let rows = strictCSV(try String(contentsOfFile: TrainingDataTests.openiGold, encoding: .utf8).replacingOccurrences(of: "\r\n", with: "\n"))
        return Dictionary(rows.dropFirst().map { (String($0[0].dropFirst(3)), Array($0[1...14])) }, uniquingKeysWith: { first, _ in first })
    }

    /// A scripted model that reads one finding exactly as the gold does and mentions nothing
    /// else, quoting the report's own word for it (so the quote check keeps it).
    static func modelAnswering(_ finding: String, pattern: String) throws -> [FakeModelServer.Action] {
        let column = try XCTUnwrap(TrainingDataTests.findings.firstIndex(of: finding))
        let gold = try negBioGold()
        return try devReports().map { report in
            guard gold[report.uid]?[column] == "1",
                  let range = report.text.range(of: pattern, options: [.regularExpression, .caseInsensitive]) else {
                return .answer(#"{"mentions": []}"#)
            }
            return .answer(#"{"mentions": [{"text": "\#(report.text[range])", "finding": "\#(finding)", "status": "present"}]}"#)
        }
    }

    /// micro-F1 of an export of `labeler`'s labels against the filled worksheet, scored by
    /// offline `raddctl eval`.
    static func microF1(_ harness: DaemonHarness, labeler: String, against worksheet: String) throws -> Double {
        let export = harness.root + "/\(labeler)-\(UUID().uuidString.prefix(6)).csv"
        let run = harness.raddctl(["export", "labels", "--task", "chestxray14", "--labeler", labeler, "--format", "csv", "--out", export])
        XCTAssertEqual(run.status, 0, run.stderr)
        let eval = harness.raddctl(["eval", "--task", "chestxray14", "--task-dir", LabelingDaemonTests.tasks, "--gold", worksheet,
                                    "--pred", export, "--json"])
        XCTAssertEqual(eval.status, 0, eval.stderr)
        let figures = try JSONDecoder().decode(TrainingDataTests.Evaluation.self, from: Data(eval.stdout.utf8))
        XCTAssertEqual(figures.reports, 100)
        return try XCTUnwrap(figures.micro.f1)
    }

    /// The whole acceptance run against `endpoint`: the micro-F1 of the rules, of the model and
    /// of the default final labels before and after the gold import, and the explanations.
    struct Run {
        var rules: Double, model: Double, finalBefore: Double, finalAfter: Double
        var before: [Explained.Decision], after: [Explained.Decision]
        var explainBefore: String, explainAfter: String, statusText: String
    }

    static func run(_ harness: DaemonHarness, endpoint: String, modelTimeout: TimeInterval) throws -> Run {
        try harness.start(extraArguments: ["--tasks", "chestxray14", "--task-dir", LabelingDaemonTests.tasks, "--llm-endpoint", endpoint,
                                           "--settle-time", "0", "--llm-timeout", "600"])
        let reports = try devReports()
        try harness.drop("dev100.csv", try String(contentsOfFile: dev100, encoding: .utf8))
        try DaemonHarness.waitFor("the rules' and the model's answers for all 100 reports", timeout: modelTimeout) {
            // Under auto the rules alone make every report "labelled", so wait for the model's
            // queue too: a job the model failed twice leaves it as failed, not queued.
            let status = try harness.decode(Queues.self, harness.raddctl(["status", "--json"]))
            return status.queueDepth == 0 && status.reportsByState["labelled", default: 0] == reports.count
                && (status.labeling?.queues ?? []).allSatisfy { $0.queued == 0 }
        }
        let policy = harness.raddctl(["status"])
        XCTAssertTrue(policy.stdout.contains("final label: auto"), "auto is the default: " + policy.stdout)

        // A worksheet of every report from gold sample, filled from NegBio's gold: what the
        // exports are scored against, and later what is imported.
        let worksheet = harness.root + "/worksheet.csv"
        let sample = harness.raddctl(["gold", "sample", "--task", "chestxray14", "--n", "100", "--seed", "1", "--out", worksheet])
        XCTAssertEqual(sample.status, 0, sample.stderr)
        let store = try ReportStore(path: harness.databasePath, key: DatabaseKey(hex: harness.keyHex))
        let pseudonymizer = try XCTUnwrap(store.pseudonymizer)
        store.close()
        let uidByPseudonym = Dictionary(reports.map { (pseudonymizer.pseudonym($0.uid), $0.uid) }, uniquingKeysWith: { first, _ in first })
        let gold = try negBioGold()
        let sheet = strictCSV(try String(contentsOfFile: worksheet, encoding: .utf8))
        XCTAssertEqual(sheet.count, 101)
        var filled = CSVLine.join(sheet[0]) + "\n"
        for row in sheet.dropFirst() {
            filled += CSVLine.join(Array(row[0...2]) + (try XCTUnwrap(gold[try XCTUnwrap(uidByPseudonym[row[1]])]))) + "\n"
        }
        try filled.write(toFile: worksheet, atomically: true, encoding: .utf8)

        let before = try harness.decode(Explained.self, harness.raddctl(["labels", "--task", "chestxray14", "--explain", "--json"]))
        let explainBefore = harness.raddctl(["labels", "--task", "chestxray14", "--explain", "--limit", "1"]).stdout
        let rules = try microF1(harness, labeler: "rules", against: worksheet)
        let model = try microF1(harness, labeler: "llm", against: worksheet)
        let finalBefore = try microF1(harness, labeler: "final", against: worksheet)

        let imported = harness.raddctl(["gold", "import", "--task", "chestxray14", worksheet])
        XCTAssertEqual(imported.status, 0, imported.stderr)
        let after = try harness.decode(Explained.self, harness.raddctl(["labels", "--task", "chestxray14", "--explain", "--json"]))
        let finalAfter = try microF1(harness, labeler: "final", against: worksheet)
        return Run(rules: rules, model: model, finalBefore: finalBefore, finalAfter: finalAfter, before: before.explanation ?? [],
                   after: after.explanation ?? [], explainBefore: explainBefore,
                   explainAfter: harness.raddctl(["labels", "--task", "chestxray14", "--explain", "--limit", "1"]).stdout,
                   statusText: harness.raddctl(["status"]).stdout)
    }

    func testTheDefaultPolicyMatchesTheRulesBeforeGoldAndHandsAFindingToTheModelThatBeatsThemOnGold() throws {
        // The rules miss 2 of the 9 Nodule positives of these reports (F1 0.875, interval from
        // 0.625); this scripted model reads Nodule exactly as the gold does and nothing else.
        let server = try FakeModelServer(script: try Self.modelAnswering("Nodule", pattern: "nodul[a-z]*"), then: .answer(#"{"mentions": []}"#))
        defer { server.stop() }
        let harness = try DaemonHarness()
        let run = try Self.run(harness, endpoint: "http://127.0.0.1:\(server.port)", modelTimeout: 120)

        // Before gold: the rules decide every finding, and the final labels are theirs.
        XCTAssertEqual(run.before.count, 14)
        for decision in run.before {
            XCTAssertEqual(decision.decider, "rules", decision.finding)
            XCTAssertEqual(decision.basis, "no-gold", decision.finding)
            XCTAssertEqual(decision.why, "no gold yet: rules have phrases")
            XCTAssertEqual(decision.goldReports, 0)
        }
        XCTAssertEqual(run.rules, 0.975, accuracy: 0.0005)
        XCTAssertGreaterThanOrEqual(run.finalBefore, run.rules - 0.005)
        XCTAssertEqual(run.finalBefore, run.rules, "the same labels")
        XCTAssertTrue(run.explainBefore.contains("chestxray14: rules decides every finding\n  why: no gold yet: rules have phrases; 0 gold reports"),
                      run.explainBefore)

        // After gold: Nodule goes to the model, findings where the rules are better stay theirs,
        // and findings with too few gold positives stay with the rules' phrases.
        let byFinding = Dictionary(uniqueKeysWithValues: run.after.map { ($0.finding, $0) })
        let nodule = try XCTUnwrap(byFinding["Nodule"])
        XCTAssertEqual(nodule.decider, "llm")
        XCTAssertEqual(nodule.basis, "gold")
        XCTAssertEqual(nodule.goldReports, 100)
        XCTAssertEqual(nodule.comparedReports, 100)
        XCTAssertEqual(nodule.goldPositives, 9)
        XCTAssertEqual(nodule.scores.map(\.labeler), ["rules", "llm"])
        XCTAssertEqual(try XCTUnwrap(nodule.scores[0].f1), 0.875, accuracy: 0.0005)
        XCTAssertEqual(nodule.scores[1].f1, 1)
        XCTAssertGreaterThan(try XCTUnwrap(nodule.scores[1].lower), try XCTUnwrap(nodule.scores[0].lower))
        XCTAssertTrue(nodule.why.contains("rules F1 0.875 (95% CI 0.625–1.000) vs llm F1 1.000 (95% CI 1.000–1.000)"), nodule.why)
        let atelectasis = try XCTUnwrap(byFinding["Atelectasis"])
        XCTAssertEqual(atelectasis.decider, "rules", "the model never mentions it")
        XCTAssertEqual(atelectasis.basis, "gold")
        let mass = try XCTUnwrap(byFinding["Mass"])
        XCTAssertEqual(mass.decider, "rules")
        XCTAssertEqual(mass.basis, "too-little-gold", "2 gold positives")
        XCTAssertTrue(mass.why.hasPrefix("too little gold yet (100 reports answered by both, 2 positive; needs 30 and 5): rules have phrases"), mass.why)
        XCTAssertEqual(run.after.filter { $0.decider == "llm" }.map(\.finding), ["Nodule"])
        XCTAssertGreaterThan(run.finalAfter, run.rules, "the rules' labels with the model's Nodule")

        XCTAssertTrue(run.explainAfter.contains("chestxray14: llm decides Nodule"), run.explainAfter)
        XCTAssertTrue(run.explainAfter.contains("why: gold on 100 reports, 9 positive: rules F1 0.875"), run.explainAfter)
        XCTAssertTrue(run.statusText.contains("decides:   chestxray14: llm decides Nodule"), run.statusText)

        // The new choice is audited with the gold that made it.
        let changes = try harness.decode(AuditPageJSON.self, harness.raddctl(["audit", "list", "--type", "config_change", "--json"])).records
        XCTAssertEqual(changes.count, 1)
        XCTAssertEqual(changes.first?.object, "label choice (gold import): chestxray14/Nodule: rules -> models")

        // The report names who decided each finding; its source says the labels are mixed.
        let rows = try harness.decode(Explained.self, harness.raddctl(["labels", "--task", "chestxray14", "--limit", "1000", "--json"])).rows
        XCTAssertEqual(rows.count, 100)
        XCTAssertTrue(rows.allSatisfy { $0.source == "per finding: rules, llm" }, "\(Set(rows.map(\.source)))")
        let shown = harness.raddctl(["report", "\(rows[0].reportID)"])
        XCTAssertTrue(shown.stdout.contains("final (per finding: rules, llm)"), shown.stdout)
        XCTAssertTrue(shown.stdout.contains("decided by: rules (Atelectasis, Cardiomegaly, Effusion, Infiltration, Mass, Pneumonia, "), shown.stdout)
        XCTAssertTrue(shown.stdout.contains("llm (Nodule)"), shown.stdout)

        // A restart works the same choice out from the stored gold, and records what it starts with.
        _ = harness.stop()
        try harness.start(extraArguments: ["--tasks", "chestxray14", "--task-dir", LabelingDaemonTests.tasks,
                                           "--llm-endpoint", "http://127.0.0.1:\(server.port)", "--settle-time", "0"])
        let again = try harness.decode(Explained.self, harness.raddctl(["labels", "--task", "chestxray14", "--explain", "--json"]))
        XCTAssertEqual(again.explanation?.filter { $0.decider == "llm" }.map(\.finding), ["Nodule"])
        let afterRestart = try harness.decode(AuditPageJSON.self, harness.raddctl(["audit", "list", "--type", "config_change", "--json"])).records
        XCTAssertEqual(afterRestart.count, 2, "the start records the choice it starts with")
        XCTAssertEqual(afterRestart.last?.object, "label choice (start): chestxray14/Nodule: rules -> models")
    }

    /// The same run with the bundled model behind llama-server: about 37 minutes on two cores,
    /// so it runs only when asked (RADD_DEV100=1) and prints the figures Docs/models.md gives.
    func testTheDefaultPolicyWithTheBundledModelOnTheHundredDevReports() throws {
        try XCTSkipUnless(ProcessInfo.processInfo.environment["RADD_DEV100"] == "1", "set RADD_DEV100=1 to run (about 37 minutes)")
        let harness = try DaemonHarness()
        let model = try ModelServerHarness(logFile: harness.root + "/llama-server.log")
        try model.start()
        let started = Date()
        let run = try Self.run(harness, endpoint: model.url, modelTimeout: 4 * 3600)
        print("""
            dev100 with the bundled model (\(Int(Date().timeIntervalSince(started))) s):
              micro-F1 against NegBio's gold: rules \(String(format: "%.3f", run.rules)), bundled model \(String(format: "%.3f", run.model)),
              default final labels (auto) before gold \(String(format: "%.3f", run.finalBefore)), after importing the gold \(String(format: "%.3f", run.finalAfter))
            raddctl labels --explain before the gold import:
            \(run.explainBefore)
            raddctl labels --explain after it:
            \(run.explainAfter)
            """)
        XCTAssertGreaterThanOrEqual(run.finalBefore, run.rules - 0.005)
        XCTAssertGreaterThanOrEqual(run.finalAfter, run.rules - 0.005)
        XCTAssertTrue(run.before.allSatisfy { $0.decider == "rules" && $0.basis == "no-gold" })
        XCTAssertTrue(run.after.allSatisfy { $0.goldReports == 100 })
    }

    /// The thresholds inside raddd, and a review resolution as the gold that crosses them: 29
    /// gold reports are not enough however much better the model is; the 30th, recorded by
    /// `review resolve`, hands the finding to the model, audited with that resolution.
    func testAReviewThatBringsTheGoldToThirtyReportsHandsTheFindingToTheBetterModel() throws {
        // 30 ankle reports without any fracture word, so the rules answer Undefined for all; the
        // scripted model answers Yes for the first 5 (as the gold will), No for the rest.
        var csv = "uid,findings,impression\n"
        var script: [FakeModelServer.Action] = []
        for index in 1...30 {
            csv += "A\(index),Ankle radiograph number \(index) is described here.,Study \(index) read.\n"
            script.append(.answer(index <= 5 ? #"{"evidence": "Ankle radiograph number \#(index)", "answer": "Yes"}"#
                                             : #"{"evidence": "Ankle radiograph number \#(index)", "answer": "No"}"#))
        }
        let server = try FakeModelServer(script: script, then: .answer(#"{"evidence": "", "answer": "No"}"#))
        defer { server.stop() }
        let harness = try DaemonHarness()
        try harness.start(extraArguments: ["--tasks", "ankle-fracture", "--task-dir", LabelingDaemonTests.tasks,
                                           "--llm-endpoint", "http://127.0.0.1:\(server.port)", "--settle-time", "0"])
        try harness.drop("ankles.csv", csv)
        try DaemonHarness.waitFor("30 reports answered by the rules and the model") {
            try harness.allReports().filter { $0.state == "labelled" }.count == 30
        }
        let store = try ReportStore(path: harness.databasePath, key: DatabaseKey(hex: harness.keyHex))
        let pseudonymizer = try XCTUnwrap(store.pseudonymizer)
        store.close()
        let worksheet = harness.root + "/worksheet.csv"
        XCTAssertEqual(harness.raddctl(["gold", "sample", "--task", "ankle-fracture", "--n", "30", "--seed", "3", "--out", worksheet]).status, 0)
        let sheet = strictCSV(try String(contentsOfFile: worksheet, encoding: .utf8))
        let indexByPseudonym = Dictionary(uniqueKeysWithValues: (1...30).map { (pseudonymizer.pseudonym("A\($0)"), $0) })
        var filled = CSVLine.join(sheet[0]) + "\n"
        var leftOut: Int64?
        for row in sheet.dropFirst() {
            let index = try XCTUnwrap(indexByPseudonym[row[1]])
            if index == 30 { leftOut = Int64(row[0]); continue }
            filled += CSVLine.join(Array(row[0...2]) + [index <= 5 ? "Yes" : "No"]) + "\n"
        }
        try filled.write(toFile: worksheet, atomically: true, encoding: .utf8)
        XCTAssertEqual(harness.raddctl(["gold", "import", "--task", "ankle-fracture", worksheet]).status, 0)

        let before = try XCTUnwrap(try harness.decode(Explained.self, harness.raddctl(["labels", "--task", "ankle-fracture", "--explain", "--json"])).explanation?.first)
        XCTAssertEqual(before.decider, "rules")
        XCTAssertEqual(before.basis, "too-little-gold")
        XCTAssertEqual(before.comparedReports, 29)
        XCTAssertEqual(before.goldPositives, 5)
        XCTAssertEqual(before.scores.map(\.f1), [0, 1], "the model is better, but on 29 reports")
        XCTAssertTrue(try harness.decode(AuditPageJSON.self, harness.raddctl(["audit", "list", "--type", "config_change", "--json"])).records.isEmpty)

        let resolved = harness.raddctl(["review", "resolve", String(try XCTUnwrap(leftOut)), "--task", "ankle-fracture", "--set", "Ankle fracture=No"])
        XCTAssertEqual(resolved.status, 0, resolved.stderr)
        let after = try XCTUnwrap(try harness.decode(Explained.self, harness.raddctl(["labels", "--task", "ankle-fracture", "--explain", "--json"])).explanation?.first)
        XCTAssertEqual(after.decider, "llm")
        XCTAssertEqual(after.basis, "gold")
        XCTAssertEqual(after.comparedReports, 30)
        let changes = try harness.decode(AuditPageJSON.self, harness.raddctl(["audit", "list", "--type", "config_change", "--json"])).records
        XCTAssertEqual(changes.map(\.object), ["label choice (review resolved): ankle-fracture/Ankle fracture: rules -> models"])
        let rows = try harness.decode(Explained.self, harness.raddctl(["labels", "--task", "ankle-fracture", "--limit", "100", "--json"])).rows
        XCTAssertEqual(Set(rows.map(\.source)), ["llm"], "the model's answers are the final labels now")
    }

    /// A task mixing findings with and without phrases: the rule labeler leaves the finding it
    /// cannot read out of its set (no "not mentioned"), and the model decides it.
    func testAFindingWithoutPhrasesIsLeftOutByTheRulesAndDecidedByTheModel() throws {
        let harness = try DaemonHarness()
        let taskDir = harness.root + "/tasks"
        try FileManager.default.createDirectory(atPath: taskDir, withIntermediateDirectories: true)
        var task = try XCTUnwrap(try JSONSerialization.jsonObject(with: Data(contentsOf: URL(fileURLWithPath: LabelingDaemonTests.tasks + "/chestxray14.json"))) as? [String: Any])
        task["name"] = "chest-mixed"
        var findings = try XCTUnwrap(task["findings"] as? [[String: Any]])
        let edema = try XCTUnwrap(findings.firstIndex { $0["name"] as? String == "Edema" })
        findings[edema].removeValue(forKey: "mentions")
        task["findings"] = findings
        try JSONSerialization.data(withJSONObject: task).write(to: URL(fileURLWithPath: taskDir + "/chest-mixed.json"))
        let server = try FakeModelServer(script: [], then: .answer(#"{"mentions": [{"text": "mild pulmonary edema", "finding": "Edema", "status": "present"}, {"text": "No pleural effusion", "finding": "Effusion", "status": "present"}]}"#))
        defer { server.stop() }
        try harness.start(extraArguments: ["--tasks", "chest-mixed", "--task-dir", taskDir, "--llm-endpoint", "http://127.0.0.1:\(server.port)",
                                           "--settle-time", "0"])
        try harness.drop("r.txt", "FINDINGS: There is mild pulmonary edema. No pleural effusion.\n")
        try DaemonHarness.waitFor("the rules and the model answered") { try harness.allReports().first?.state == "labelled" }

        let store = try ReportStore(path: harness.databasePath, key: DatabaseKey(hex: harness.keyHex))
        let rules = try XCTUnwrap(try store.labelSets(reportID: 1).first { $0.labeler == "rules" })
        store.close()
        XCTAssertFalse(rules.values.contains { $0.finding == "Edema" }, "the rule labeler has no answer for a finding it has no phrases for")
        XCTAssertEqual(rules.values.first { $0.finding == "Effusion" }?.value, .negative)
        let shown = harness.raddctl(["report", "1"]).stdout
        XCTAssertTrue(shown.contains("final (per finding: rules, llm): Effusion negative, Edema positive"), shown)
        XCTAssertTrue(shown.contains("llm (Edema)"), shown)
        let explained = try harness.decode(Explained.self, harness.raddctl(["labels", "--task", "chest-mixed", "--explain", "--json"]))
        let decision = try XCTUnwrap(explained.explanation?.first { $0.finding == "Edema" })
        XCTAssertEqual(decision.decider, "llm")
        XCTAssertEqual(decision.why, "no rule phrases: the models decide")
    }
}
