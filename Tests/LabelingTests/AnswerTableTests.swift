import Foundation
@testable import Labeling
import RaddCore
import XCTest

/// Stored answers scored against stored gold without writing label files: the tables and the
/// report must be exactly those of the CSV round trip raddd used before (written as raddctl eval
/// reads label files, then parsed back).
final class AnswerTableTests: XCTestCase {
    let chexpert = try! LabelTask.load("chexpert", directories: LabelerIDTests.directories)
    let bleed = try! LabelTask.load("active-extravasation", directories: LabelerIDTests.directories)
    static let goldName = "stored in raddd (the latest per report)", predictionName = "stored labels of final"

    func answer(_ values: [LabelValue], followUp: [String]? = nil) -> TaskAnswer {
        TaskAnswer(values: values, followUp: followUp, provenance: LabelProvenance(labeler: "x", version: "1"))
    }

    /// A multi-label task with "No Finding": every value, a report the labeler has not answered.
    var chexpertAnswers: (gold: [Int64: TaskAnswer], predicted: [Int64: TaskAnswer]) {
        let count = chexpert.findings.count
        func row(_ seed: Int) -> [LabelValue] { (0..<count).map { LabelValue.allCases[($0 * 7 + seed) % 4] } }
        let support = [LabelValue](repeating: .undefined, count: count - 1) + [.positive]
        let gold: [Int64: TaskAnswer] = [12: answer(row(0)), 3: answer(row(1)), 7: answer(row(2)), 40: answer(row(3)),
                                          41: answer(support), 5: answer(row(1))]
        let predicted: [Int64: TaskAnswer] = [3: answer(row(1)), 7: answer(row(3)), 12: answer(row(2)), 41: answer(support),
                                              5: answer(row(0)), 99: answer(row(0))]
        return (gold, predicted)
    }

    /// A binary task with a follow-up: Yes with options (one with a slash), Yes with none, No,
    /// Undefined and not mentioned, and options in another order.
    var bleedAnswers: (gold: [Int64: TaskAnswer], predicted: [Int64: TaskAnswer]) {
        let gold: [Int64: TaskAnswer] = [
            1: answer([.positive], followUp: ["liver", "spleen"]), 2: answer([.positive], followUp: []), 3: answer([.negative]),
            4: answer([.uncertain]), 5: answer([.undefined]), 6: answer([.positive], followUp: ["gluteal/thigh"]), 8: answer([.negative]),
        ]
        let predicted: [Int64: TaskAnswer] = [
            1: answer([.positive], followUp: ["spleen", "liver"]), 2: answer([.positive], followUp: ["bowel"]), 3: answer([.uncertain]),
            4: answer([.undefined]), 5: answer([.negative]), 6: answer([.positive], followUp: ["gluteal/thigh", "other"]),
        ]
        return (gold, predicted)
    }

    func testTheReportIsTheCSVRoundTripsForEveryUncertainPolicy() throws {
        for (task, answers) in [(chexpert, chexpertAnswers), (bleed, bleedAnswers)] {
            for uncertain in [nil] + UncertainPolicy.allCases.map(Optional.some) {
                let before = try Self.scoredThroughCSV(task: task, gold: answers.gold, predicted: answers.predicted, uncertain: uncertain)
                let now = try EvaluationReport.scoring(task: task, gold: answers.gold, predicted: answers.predicted,
                                                       goldName: Self.goldName, predictionName: Self.predictionName, uncertain: uncertain)
                XCTAssertEqual(now.text, before.text, "\(task.name) uncertain=\(uncertain?.rawValue ?? "default")")
                XCTAssertEqual(try now.json(), try before.json(), "\(task.name) uncertain=\(uncertain?.rawValue ?? "default")")
                XCTAssertEqual(now.reports, before.reports)
            }
        }
        let bleedReport = try EvaluationReport.scoring(task: bleed, gold: bleedAnswers.gold, predicted: bleedAnswers.predicted,
                                                       goldName: Self.goldName, predictionName: Self.predictionName, uncertain: nil)
        XCTAssertEqual(bleedReport.followUp?.bothYes, 3, "the follow-up is scored")
        XCTAssertEqual(bleedReport.followUp?.exactMatches, 1)
        let chexpertReport = try EvaluationReport.scoring(task: chexpert, gold: chexpertAnswers.gold, predicted: chexpertAnswers.predicted,
                                                          goldName: Self.goldName, predictionName: Self.predictionName, uncertain: nil)
        XCTAssertTrue(chexpertReport.notes.contains { $0.contains("No Finding") }, "\(chexpertReport.notes)")
        XCTAssertEqual(chexpertReport.reports, 5, "report 40 has no prediction; 99 has no gold")
    }

    func testTheTablesAreThoseTheLabelFilesReadBackAs() throws {
        for (task, answers) in [(chexpert, chexpertAnswers), (bleed, bleedAnswers)] {
            let ids = answers.gold.keys.sorted()
            let files = Self.labelFiles(task: task, gold: answers.gold, predicted: answers.predicted)
            let columns = EvaluationReport.readColumns(of: task)
            let pairs: [(LabelTable, LabelTable)] = [
                (LabelTable(answers: ids.map { (String($0), answers.gold[$0]!) }, task: task, columns: .gold, file: "gold"),
                 try LabelTable.parse(files.gold, file: "gold", answerColumns: columns.answers, onlyFindings: columns.findings)),
                (LabelTable(answers: ids.compactMap { id in answers.predicted[id].map { (String(id), $0) } }, task: task,
                            columns: .prediction, file: "predicted"),
                 try LabelTable.parse(files.predicted, file: "predicted", answerColumns: columns.answers, onlyFindings: columns.findings)),
            ]
            for (built, parsed) in pairs {
                XCTAssertEqual(built.file, parsed.file)
                XCTAssertEqual(built.idColumn, parsed.idColumn)
                XCTAssertEqual(built.findings, parsed.findings, task.name)
                XCTAssertEqual(built.rowIDs, parsed.rowIDs, task.name)
                XCTAssertEqual(built.values, parsed.values, task.name)
                XCTAssertEqual(built.answers, parsed.answers, task.name)
                XCTAssertEqual(built.rowLines, parsed.rowLines, task.name)
            }
        }
        let undefined = LabelTable(answers: [("1", answer([.undefined]))], task: bleed, columns: .prediction, file: "p")
        XCTAssertEqual(undefined.values, [[.uncertain]], "a binary task's Undefined reads back as uncertain")
        XCTAssertEqual(undefined.answers, ["Site": [""]])
    }

    // MARK: - the CSV path raddd took before

    /// raddd's `evaluate` before: the gold and prediction files as raddctl eval reads them.
    static func labelFiles(task: LabelTask, gold: [Int64: TaskAnswer], predicted: [Int64: TaskAnswer]) -> (gold: String, predicted: String) {
        let ids = gold.keys.sorted()
        let columns = EvaluationReport.readColumns(of: task)
        var goldFile = csvLine(["report_id"] + task.findings.map(\.name) + columns.answers) + "\n"
        for id in ids {
            goldFile += csvLine([String(id)] + Array(task.cells(for: gold[id]!).dropFirst(task.noFinding == nil ? 0 : 1))) + "\n"
        }
        var predictionFile = csvLine(["report_id"] + task.columns) + "\n"
        for id in ids { if let answer = predicted[id] { predictionFile += csvLine([String(id)] + task.cells(for: answer)) + "\n" } }
        return (goldFile, predictionFile)
    }

    static func scoredThroughCSV(task: LabelTask, gold: [Int64: TaskAnswer], predicted: [Int64: TaskAnswer],
                                 uncertain: UncertainPolicy?) throws -> EvaluationReport {
        let files = labelFiles(task: task, gold: gold, predicted: predicted)
        let columns = EvaluationReport.readColumns(of: task)
        return try EvaluationReport.scoring(
            task: task.name, definition: task,
            gold: try LabelTable.parse(files.gold, file: goldName, answerColumns: columns.answers, onlyFindings: columns.findings),
            predicted: try LabelTable.parse(files.predicted, file: predictionName, answerColumns: columns.answers, onlyFindings: columns.findings),
            goldName: goldName, predictionName: predictionName, uncertain: uncertain, onlyCommon: true)
    }

    /// Control's `CSVRow.line`, which Labeling does not depend on.
    static func csvLine(_ fields: [String]) -> String {
        fields.map { field in
            guard field.unicodeScalars.contains(where: { $0 == "," || $0 == "\"" || $0 == "\n" || $0 == "\r" }) else { return field }
            return "\"" + field.replacingOccurrences(of: "\"", with: "\"\"") + "\""
        }.joined(separator: ",")
    }
}
