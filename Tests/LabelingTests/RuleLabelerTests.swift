import Foundation
@testable import Labeling
import RaddCore
import XCTest

/// Each negation and uncertainty construct on real Open-i report sentences, and the labeler's
/// quality on the Open-i development set against NegBio's gold standard.
final class RuleLabelerTests: XCTestCase {
    static let repository = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent()
        .deletingLastPathComponent()
    static let task = try! LabelTask.load("chestxray14", directories: [repository.path + "/policies/tasks"])
    let labeler = RuleLabeler(task: RuleLabelerTests.task)

    func value(_ finding: String, in text: String) -> LabelValue {
        let index = Self.task.findings.firstIndex { $0.name == finding }!
        return labeler.label(text)[index]
    }

    func testAssertedMentionsArePositive() {
        XCTAssertEqual(value("Cardiomegaly", in: "Mild cardiomegaly."), .positive)
        XCTAssertEqual(value("Nodule", in: "Stable 2.5 cm nodule in the right upper lobe."), .positive)
        XCTAssertEqual(value("Effusion", in: "Small bilateral pleural effusions."), .positive)
        XCTAssertEqual(value("Pneumothorax", in: "The lungs are clear."), .undefined)
    }

    func testNegationReachesThroughAList() {
        let sentence = "No focal consolidation, suspicious pulmonary opacity, pleural effusion, or pneumothorax."
        XCTAssertEqual(value("Consolidation", in: sentence), .negative)
        XCTAssertEqual(value("Effusion", in: sentence), .negative)
        XCTAssertEqual(value("Pneumothorax", in: sentence), .negative)
        XCTAssertEqual(value("Effusion", in: "The lungs are clear without evidence of focal airspace disease, pleural effusion, or pneumothorax."), .negative)
        XCTAssertEqual(value("Effusion", in: "Interval resolution of the right pleural effusion."), .negative)
        XCTAssertEqual(value("Effusion", in: "The left pleural effusion has resolved."), .negative)
        XCTAssertEqual(value("Cardiomegaly", in: "The cardiac silhouette is not enlarged."), .negative)
    }

    func testScopeEndsAtButHoweverAndTheSentence() {
        XCTAssertEqual(value("Effusion", in: "No pneumothorax, but there is a small right pleural effusion."), .positive)
        XCTAssertEqual(value("Atelectasis", in: "No pneumothorax; there is bibasilar atelectasis."), .positive)
        XCTAssertEqual(value("Effusion", in: "No pneumothorax. Small left pleural effusion."), .positive)
        XCTAssertEqual(value("Atelectasis", in: "No effusion, however there is left basilar atelectasis."), .positive)
    }

    func testPseudoNegationsNegateNothing() {
        XCTAssertEqual(value("Effusion", in: "No change in the small left pleural effusion."), .positive)
        XCTAssertEqual(value("Effusion", in: "No significant interval change in the right pleural effusion."), .positive)
    }

    func testUncertaintyBeforeNegationWins() {
        XCTAssertEqual(value("Pneumothorax", in: "Small apical pneumothorax cannot be excluded."), .uncertain)
        XCTAssertEqual(value("Effusion", in: "Cannot exclude a small left pleural effusion."), .uncertain)
        XCTAssertEqual(value("Nodule", in: "Upper lobe airspace disease or pulmonary nodule is not entirely excluded."), .uncertain)
    }

    func testUncertaintyCues() {
        XCTAssertEqual(value("Atelectasis", in: "Increased opacity at the right base which may represent atelectasis."), .uncertain)
        XCTAssertEqual(value("Pneumonia", in: "Right lower lobe pneumonia is suspected."), .uncertain)
        XCTAssertEqual(value("Atelectasis", in: "Patchy right lower lobe infiltrate, probable left basilar infiltrate versus atelectasis."), .uncertain)
        XCTAssertEqual(value("Infiltration", in: "Patchy right lower lobe infiltrate, probable left basilar infiltrate versus atelectasis."), .positive,
                       "one asserted mention makes the finding positive")
        XCTAssertEqual(value("Cardiomegaly", in: "The cardiac silhouette is borderline enlarged."), .uncertain)
    }

    func testUnmentionsAreNotMentions() {
        XCTAssertEqual(value("Emphysema", in: "Subcutaneous emphysema of the neck."), .undefined)
        XCTAssertEqual(value("Effusion", in: "Small pericardial effusion."), .undefined)
    }

    /// Quality on the 3,059 Open-i reports with text (findings and impression) against NegBio's
    /// gold labels, uncertain counted as positive. The floor guards against regressions; the
    /// issue's target (micro-F1 0.90) is not reached yet.
    func testQualityOnTheOpenIDevelopmentSet() throws {
        let gold = try Self.goldLabels()
        let reports = try Self.openIReports()
        var counts = Array(repeating: (tp: 0, fp: 0, fn: 0), count: Self.task.findings.count)
        for (uid, text) in reports {
            guard let truth = gold[uid] else { continue }
            for (index, predicted) in labeler.label(text).enumerated() {
                let positive = predicted == .positive || predicted == .uncertain
                let actual = truth[Self.task.findings[index].name] ?? false
                if positive && actual { counts[index].tp += 1 } else if positive { counts[index].fp += 1 } else if actual { counts[index].fn += 1 }
            }
        }
        var pooled = (tp: 0, fp: 0, fn: 0)
        for (index, finding) in Self.task.findings.enumerated() {
            let c = counts[index]
            let f1 = c.tp == 0 ? 0 : 2.0 * Double(c.tp) / Double(2 * c.tp + c.fp + c.fn)
            print(String(format: "%-20@ support %4d  tp %4d  fp %4d  fn %4d  F1 %.3f", finding.name as NSString, c.tp + c.fn, c.tp, c.fp, c.fn, f1))
            if c.tp + c.fn > 0 { pooled.tp += c.tp; pooled.fp += c.fp; pooled.fn += c.fn }
        }
        let micro = 2.0 * Double(pooled.tp) / Double(2 * pooled.tp + pooled.fp + pooled.fn)
        print("Open-i chestxray14, uncertain as positive: micro-F1 \(micro) over findings with positives")
        XCTAssertEqual(reports.count, 3059)
        XCTAssertGreaterThanOrEqual(micro, 0.85)
    }

    static func records(_ relativePath: String) throws -> [[String]] {
        let url = repository.appendingPathComponent(relativePath)
        return try CSVRecords.parse([UInt8](Data(contentsOf: url)), file: url.path).map(\.fields)
    }

    static func goldLabels() throws -> [String: [String: Bool]] {
        let rows = try records("Tests/LabelingTests/Fixtures/openi_gold_chestxray14.csv")
        let header = rows[0]
        var gold: [String: [String: Bool]] = [:]
        for row in rows.dropFirst() where row.count == header.count {
            gold[String(row[0].dropFirst(3))] = Dictionary(uniqueKeysWithValues: zip(header, row).map { ($0, $1 == "1") })
        }
        return gold
    }

    /// uid and findings + impression of every Open-i report that has text.
    static func openIReports() throws -> [(String, String)] {
        try records("Tests/IngestTests/Fixtures/csv/openi_reports.csv").dropFirst().filter { $0.count == 8 }.compactMap { row in
            let text = [row[6], row[7]].filter { !$0.trimmingCharacters(in: .whitespaces).isEmpty }.joined(separator: "\n")
            return text.isEmpty ? nil : (row[0], text)
        }
    }
}
