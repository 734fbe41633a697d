import Foundation
import Store
import TestSupport
import XCTest

/// The extraction task findings-open inside raddd: phrases quoted by the model, checked against
/// the report and stored with provenance, shown, exported as labels and instruction data,
/// sampled for gold, imported as gold and scored. The scripted-server half runs in every test
/// run; the bundled model labels 20 real Open-i reports in `testTheBundledModelExtracts…`.
final class ExtractionDaemonTests: XCTestCase {
    static let fixtures = TrainingDataTests.repository.appendingPathComponent("Tests/DaemonTests/Fixtures/findings-open").path

    struct Evaluation: Decodable {
        struct Totals: Decodable, Equatable { var predicted: Int, gold: Int, matchedPredicted: Int, matchedGold: Int }
        struct Errors: Decodable, Equatable {
            var uncertainIncluded: Int, otherExtra: Int, missed: Int, split: Int, joined: Int, droppedInvented: Int
            var goldNotInText: Int, codedPairs: Int, sameCode: Int
        }
        var reports: Int
        var totals: Totals
        var errors: Errors
    }

    /// Fills a gold worksheet's phrase column from `gold`, keyed by report text prefix.
    static func fill(_ worksheet: String, _ phrasesByText: (String) -> String?) throws -> Int {
        let sheet = strictCSV(try String(contentsOfFile: worksheet, encoding: .utf8))
        XCTAssertEqual(sheet.first, ["report_id", "accession_pseudonym", "report_text", "Phrases"])
        var filled = CSVLine.join(sheet[0]) + "\n", count = 0
        for row in sheet.dropFirst() {
            guard let phrases = phrasesByText(row[2]) else { continue }
            filled += CSVLine.join(Array(row[0...2]) + [phrases]) + "\n"
            count += 1
        }
        try filled.write(toFile: worksheet, atomically: true, encoding: .utf8)
        return count
    }

    func testPhrasesAreCheckedStoredShownExportedAndScoredAgainstGold() throws {
        let reports = [
            ("r1.txt", "FINDINGS: The heart is mildly enlarged. Small left pleural effusion.\nIMPRESSION: Cardiomegaly.\n",
             #"{"phrases": [{"text": "heart is mildly enlarged", "code": "I51.7"}, {"text": "Small left pleural effusion", "code": "J90"}, {"text": "right lower lobe pneumonia", "code": "J18.9"}]}"#),
            ("r2.txt", "IMPRESSION: No acute cardiopulmonary abnormality.\n", #"{"phrases": []}"#),
            ("r3.txt", "FINDINGS: Patchy opacity in the left lower lobe, which may represent pneumonia. Mild scoliosis.\n",
             #"{"phrases": [{"text": "pneumonia", "code": "J18.9"}, {"text": "Mild scoliosis", "code": "M41.9"}]}"#),
        ]
        let server = try FakeModelServer(script: reports.map { .answer($0.2) })
        defer { server.stop() }
        let harness = try DaemonHarness()
        try harness.start(extraArguments: ["--tasks", "findings-open", "--task-dir", LabelingDaemonTests.tasks,
                                           "--llm-endpoint", "http://127.0.0.1:\(server.port)", "--settle-time", "0"])
        // One at a time, so that the scripted answers meet their reports.
        for (index, report) in reports.enumerated() {
            try harness.drop(report.0, report.1)
            try DaemonHarness.waitFor("report \(index + 1) labelled by the model") { (try harness.allReports().filter { $0.state == "labelled" }.count) == index + 1 }
        }
        let ids = try harness.allReports().sorted { $0.sourceName < $1.sourceName }.map(\.id)

        // The invented phrase is not stored, and is counted.
        let shown = harness.raddctl(["report", "\(ids[0])"]).stdout
        XCTAssertTrue(shown.contains("final (llm): 2 phrases: \"heart is mildly enlarged [I51.7]\"; \"Small left pleural effusion [J90]\""), shown)
        XCTAssertTrue(shown.contains("1 invented quote discarded"), shown)
        XCTAssertFalse(shown.contains("right lower lobe"), shown)
        XCTAssertTrue(harness.raddctl(["report", "\(ids[1])"]).stdout.contains("final (llm): no phrases"))
        let status = harness.raddctl(["status"]).stdout
        XCTAssertTrue(status.contains("labelled:  findings-open: 3 of 3 reports have their final label"), status)
        XCTAssertFalse(status.contains("labeler:   rules"), "no rule-labeler queue for a task without phrases: " + status)

        // Label export: one Phrases column.
        let export = harness.root + "/phrases.csv"
        XCTAssertEqual(harness.raddctl(["export", "labels", "--task", "findings-open", "--format", "csv", "--out", export]).status, 0)
        let rows = strictCSV(try String(contentsOfFile: export, encoding: .utf8))
        XCTAssertEqual(rows.first?[6], "Phrases")
        XCTAssertEqual(rows[1][6], "heart is mildly enlarged [I51.7]; Small left pleural effusion [J90]")
        XCTAssertEqual(rows[2][6], "none")
        XCTAssertEqual(rows[1][7], "llm")

        // Instruction data: the phrases as the assistant's answer.
        let instructDir = harness.root + "/instruct"
        let instruct = harness.raddctl(["export", "instruct", "--task", "findings-open", "--format", "jsonl", "--val-fraction", "0", "--out", instructDir])
        XCTAssertEqual(instruct.status, 0, instruct.stderr)
        let lines = try String(contentsOfFile: instructDir + "/train.jsonl", encoding: .utf8).split(separator: "\n")
        XCTAssertEqual(lines.count, 3)
        let first = try XCTUnwrap(try JSONSerialization.jsonObject(with: Data(lines[0].utf8)) as? [String: [[String: String]]])
        XCTAssertEqual(first["messages"]?[2]["content"],
                       #"{"phrases": [{"text": "heart is mildly enlarged", "code": "I51.7"}, {"text": "Small left pleural effusion", "code": "J90"}]}"#)
        XCTAssertTrue(first["messages"]?[0]["content"]?.contains("\"phrases\"") == true)

        // Gold: a worksheet with one Phrases column; a code not in the task's list is refused.
        let worksheet = harness.root + "/worksheet.csv"
        XCTAssertEqual(harness.raddctl(["gold", "sample", "--task", "findings-open", "--n", "3", "--seed", "2", "--out", worksheet]).status, 0)
        let bad = harness.root + "/bad.csv"
        try FileManager.default.copyItem(atPath: worksheet, toPath: bad)
        _ = try Self.fill(bad) { $0.hasPrefix("IMPRESSION: No acute") ? "abnormality [Q99]" : nil }
        let refused = harness.raddctl(["gold", "import", "--task", "findings-open", bad])
        XCTAssertEqual(refused.status, 1)
        XCTAssertTrue(refused.stderr.contains("'Q99' in column 'Phrases' is not one of the task's codes"), refused.stderr)
        let filled = try Self.fill(worksheet) { text in
            if text.hasPrefix("FINDINGS: The heart") { return "The heart is mildly enlarged [I51.7]; Small left pleural effusion [J90]; Cardiomegaly [I51.7]" }
            if text.hasPrefix("IMPRESSION: No acute") { return "none" }
            return "Patchy opacity in the left lower lobe [R91.8]; Mild scoliosis [M41.9]"
        }
        XCTAssertEqual(filled, 3)
        let imported = harness.raddctl(["gold", "import", "--task", "findings-open", worksheet])
        XCTAssertEqual(imported.status, 0, imported.stderr)
        XCTAssertTrue(imported.stdout.contains("imported 3 gold answers"), imported.stdout)

        // Scored: 3 of 4 predicted phrases match (the hedged pneumonia does not), 3 of 5 gold phrases are found.
        let eval = try harness.decode(Evaluation.self, harness.raddctl(["eval", "--task", "findings-open", "--against", "gold", "--json"]))
        XCTAssertEqual(eval.reports, 3)
        XCTAssertEqual(eval.totals, .init(predicted: 4, gold: 5, matchedPredicted: 3, matchedGold: 3))
        XCTAssertEqual(eval.errors, .init(uncertainIncluded: 1, otherExtra: 0, missed: 2, split: 0, joined: 0, droppedInvented: 1,
                                          goldNotInText: 0, codedPairs: 3, sameCode: 3))
        // Offline, the filled worksheet against the label export gives the same figures.
        let offline = try harness.decode(Evaluation.self, harness.raddctl(["eval", "--task", "findings-open", "--task-dir", LabelingDaemonTests.tasks,
                                                                           "--gold", worksheet, "--pred", export, "--json"]))
        XCTAssertEqual(offline.totals, eval.totals)
        XCTAssertEqual(offline.errors.uncertainIncluded, 1)
        let text = harness.raddctl(["eval", "--task", "findings-open", "--against", "gold"]).stdout
        XCTAssertTrue(text.contains("0.750   0.600  0.667"), text)
        XCTAssertTrue(text.contains("uncertain phrases included (a hedge in or just before the phrase): 1"), text)
        XCTAssertTrue(text.contains("invented phrases dropped before storing (quote check):           1"), text)
    }

    /// The bundled model on 20 real Open-i reports: every stored phrase is in its report, and the
    /// phrases are scored against our 20-report gold (Fixtures/findings-open/SOURCE.txt).
    func testTheBundledModelExtractsPhrasesFromTwentyOpenIReports() throws {
        let harness = try DaemonHarness()
        let model = try ModelServerHarness(logFile: harness.root + "/llama-server.log")
        try model.start()
        try harness.start(extraArguments: ["--tasks", "findings-open", "--task-dir", LabelingDaemonTests.tasks, "--llm-endpoint", model.url,
                                           "--settle-time", "0", "--llm-timeout", "600"])
        let started = Date()
        try harness.drop("openi20.csv", try String(contentsOfFile: Self.fixtures + "/openi20.csv", encoding: .utf8))
        try DaemonHarness.waitFor("the bundled model's phrases for 20 reports", timeout: 1800) {
            try harness.allReports().filter { $0.state == "labelled" }.count == 20
        }
        let seconds = Date().timeIntervalSince(started)

        // Every stored phrase occurs, word for word, in its stored (de-identified) report.
        let store = try ReportStore(path: harness.databasePath, key: DatabaseKey(hex: harness.keyHex))
        let pseudonymizer = try XCTUnwrap(store.pseudonymizer)
        var phrases = 0, dropped = 0
        for (id, sets) in try store.labelSetsByReport(task: "findings-open") {
            let text = try XCTUnwrap(try store.textForLabeling(reportID: id)).lowercased()
            let words = text.split { !($0.isLetter || $0.isNumber) }
            for set in sets where set.labeler == "llm" {
                dropped += set.provenance.discardedQuotes ?? 0
                for cell in set.followUp ?? [] {
                    phrases += 1
                    let phrase = cell.replacingOccurrences(of: #"\s*\[[^\] ]+\]$"#, with: "", options: .regularExpression)
                    let wanted = phrase.lowercased().split { !($0.isLetter || $0.isNumber) }
                    XCTAssertTrue(!wanted.isEmpty && (0...max(0, words.count - wanted.count)).contains { words[$0..<min(words.count, $0 + wanted.count)].elementsEqual(wanted) },
                                  "report \(id): a stored phrase is not in the report")
                }
            }
        }
        store.close()

        // Gold for the 20 reports from our own reading, then raddctl eval.
        let worksheet = harness.root + "/worksheet.csv"
        XCTAssertEqual(harness.raddctl(["gold", "sample", "--task", "findings-open", "--n", "20", "--seed", "1", "--out", worksheet]).status, 0)
        let goldRows = strictCSV(try String(contentsOfFile: Self.fixtures + "/gold.csv", encoding: .utf8))
        let goldByUID = Dictionary(goldRows.dropFirst().map { ($0[0], $0[1]) }, uniquingKeysWith: { first, _ in first })
        let sheet = strictCSV(try String(contentsOfFile: worksheet, encoding: .utf8))
        let uidByPseudonym = Dictionary(goldByUID.keys.map { (pseudonymizer.pseudonym($0), $0) }, uniquingKeysWith: { first, _ in first })
        var filled = CSVLine.join(sheet[0]) + "\n"
        for row in sheet.dropFirst() {
            let uid = try XCTUnwrap(uidByPseudonym[row[1]], "worksheet row \(row[0]) (\(row[1].prefix(12))…) is none of the fixture's uids; the sheet has \(sheet.count - 1) rows")
            filled += CSVLine.join(Array(row[0...2]) + [try XCTUnwrap(goldByUID[uid], "no gold for uid \(uid)")]) + "\n"
        }
        try filled.write(toFile: worksheet, atomically: true, encoding: .utf8)
        XCTAssertEqual(harness.raddctl(["gold", "import", "--task", "findings-open", worksheet]).status, 0)
        let eval = harness.raddctl(["eval", "--task", "findings-open", "--against", "gold"])
        XCTAssertEqual(eval.status, 0, eval.stderr)
        XCTAssertTrue(eval.stdout.contains("Precision  Recall     F1"), eval.stdout)
        XCTAssertTrue(eval.stdout.contains("Error classes:"), eval.stdout)
        let figures = try harness.decode(Evaluation.self, harness.raddctl(["eval", "--task", "findings-open", "--against", "gold", "--json"]))
        XCTAssertEqual(figures.reports, 20)
        XCTAssertEqual(figures.totals.predicted, phrases)
        XCTAssertEqual(figures.errors.droppedInvented, dropped)
        XCTAssertEqual(figures.totals.gold, 38, "our gold's phrases")
        print("findings-open, bundled model, 20 Open-i reports in \(Int(seconds)) s; \(phrases) phrases stored, \(dropped) invented dropped\n" + eval.stdout)
    }
}
