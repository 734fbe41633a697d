import Foundation
@testable import Labeling
import XCTest

final class LabelEvaluationTests: XCTestCase {
    /// Ten reports, two findings. Atelectasis: TP 3, FN 2, FP 1, TN 4. Edema: FN 1, FP 1, TN 8.
    static let gold = """
        id,Atelectasis,Edema
        r1,1,1
        r2,1,0
        r3,1,0
        r4,1,0
        r5,1,0
        r6,0,0
        r7,0,0
        r8,0,0
        r9,0,0
        r10,0,0
        """
    static let predicted = """
        id,Atelectasis,Edema
        r1,1.0,0.0
        r2,1.0,1.0
        r3,1.0,
        r4,0.0,
        r5,,
        r6,1.0,
        r7,0.0,
        r8,,
        r9,,
        r10,,
        """

    func evaluate(_ gold: String, _ predicted: String, policy: UncertainPolicy = .positive) throws -> LabelEvaluation {
        let aligned = try AlignedLabels(gold: LabelTable.parse(gold, file: "gold.csv"),
                                        predicted: LabelTable.parse(predicted, file: "pred.csv"))
        return LabelEvaluation(aligned: aligned, policy: policy)
    }

    func testPerFindingMetricsMatchHandComputedValues() throws {
        let evaluation = try evaluate(Self.gold, Self.predicted)
        let atelectasis = evaluation.findings[0].counts
        XCTAssertEqual(atelectasis, ConfusionCounts(truePositives: 3, falsePositives: 1, falseNegatives: 2, trueNegatives: 4))
        XCTAssertEqual(atelectasis.support, 5)
        XCTAssertEqual(try XCTUnwrap(atelectasis.precision), 0.75, accuracy: 1e-12)
        XCTAssertEqual(try XCTUnwrap(atelectasis.recall), 0.6, accuracy: 1e-12)
        XCTAssertEqual(try XCTUnwrap(atelectasis.f1), 2 * 0.75 * 0.6 / (0.75 + 0.6), accuracy: 1e-12)
        XCTAssertEqual(try XCTUnwrap(atelectasis.specificity), 0.8, accuracy: 1e-12)
        XCTAssertEqual(try XCTUnwrap(atelectasis.accuracy), 0.7, accuracy: 1e-12)
        // p_o = 0.7; p_e = (4·5 + 6·5) / 100 = 0.5; κ = (0.7 − 0.5) / 0.5.
        XCTAssertEqual(try XCTUnwrap(atelectasis.kappa), 0.4, accuracy: 1e-12)

        let edema = evaluation.findings[1].counts
        XCTAssertEqual(edema, ConfusionCounts(truePositives: 0, falsePositives: 1, falseNegatives: 1, trueNegatives: 8))
        XCTAssertEqual(edema.precision, 0)
        XCTAssertEqual(edema.f1, 0)
        // p_o = 0.8; p_e = (1·1 + 9·9) / 100 = 0.82.
        XCTAssertEqual(try XCTUnwrap(edema.kappa), (0.8 - 0.82) / (1 - 0.82), accuracy: 1e-12)
    }

    func testMicroPoolsCountsAndMacroAveragesFindingsWithPositives() throws {
        let evaluation = try evaluate(Self.gold, Self.predicted)
        let micro = evaluation.micro
        XCTAssertEqual(micro, ConfusionCounts(truePositives: 3, falsePositives: 2, falseNegatives: 3, trueNegatives: 12))
        XCTAssertEqual(try XCTUnwrap(micro.f1), 6.0 / 11.0, accuracy: 1e-12)
        // Pooled κ: p_o = 15/20; p_e = (5·6 + 15·14) / 400 = 0.6.
        XCTAssertEqual(try XCTUnwrap(micro.kappa), (0.75 - 0.6) / 0.4, accuracy: 1e-12)
        let macro = evaluation.macro
        XCTAssertEqual(macro.findingsAveraged, 2)
        XCTAssertEqual(try XCTUnwrap(macro.f1), (6.0 / 9.0 + 0) / 2, accuracy: 1e-12)
        XCTAssertEqual(try XCTUnwrap(macro.precision), 0.375, accuracy: 1e-12)
        XCTAssertEqual(try XCTUnwrap(macro.recall), 0.3, accuracy: 1e-12)
    }

    func testMacroLeavesOutFindingsWithoutGoldPositivesAndCountsMissingPrecisionAsZero() {
        let withPositivesNoPredictions = ConfusionCounts(truePositives: 0, falsePositives: 0, falseNegatives: 2, trueNegatives: 8)
        let perfect = ConfusionCounts(truePositives: 2, falsePositives: 0, falseNegatives: 0, trueNegatives: 8)
        let noPositives = ConfusionCounts(truePositives: 0, falsePositives: 3, falseNegatives: 0, trueNegatives: 7)
        XCTAssertNil(withPositivesNoPredictions.precision)
        let macro = MacroAverage([withPositivesNoPredictions, perfect, noPositives])
        XCTAssertEqual(macro.findingsAveraged, 2)
        XCTAssertEqual(macro.precision, 0.5)
        XCTAssertEqual(macro.f1, 0.5)
    }

    func testUndefinedMetricsAreNil() {
        let allNegative = ConfusionCounts(trueNegatives: 5)
        XCTAssertNil(allNegative.precision)
        XCTAssertNil(allNegative.recall)
        XCTAssertNil(allNegative.f1)
        XCTAssertNil(allNegative.kappa)
        XCTAssertEqual(allNegative.specificity, 1)
        XCTAssertEqual(allNegative.accuracy, 1)
    }

    func testUncertainPolicies() throws {
        let gold = "id,Edema\na,-1\nb,1\nc,0\nd,-1\n"
        let predicted = "id,Edema\na,1\nb,-1.0\nc,0\nd,-1\n"
        let positive = try evaluate(gold, predicted, policy: .positive).findings[0]
        XCTAssertEqual(positive.counts, ConfusionCounts(truePositives: 3, trueNegatives: 1))
        let negative = try evaluate(gold, predicted, policy: .negative).findings[0]
        XCTAssertEqual(negative.counts, ConfusionCounts(falsePositives: 1, falseNegatives: 1, trueNegatives: 2))
        let excluded = try evaluate(gold, predicted, policy: .exclude).findings[0]
        XCTAssertEqual(excluded.counts, ConfusionCounts(trueNegatives: 1))
        XCTAssertEqual(excluded.excluded, 3)
    }

    func testBinaryTaskValuesAndBlankCells() throws {
        let table = try LabelTable.parse("id,Urgent\na,Yes\nb,no\nc,Undefined\nd,\ne,1.00\n", file: "t.csv")
        XCTAssertEqual(table.values.map { $0[0] }, [.positive, .negative, .uncertain, .undefined, .positive])
        XCTAssertThrowsError(try LabelTable.parse("id,Urgent\na,maybe\n", file: "t.csv")) { error in
            XCTAssertEqual((error as? LabelFileError)?.line, 2)
            XCTAssertTrue(String(describing: error).hasPrefix("t.csv:2: \"maybe\""), "\(error)")
        }
    }

    func testQuotedReportTextWithLineBreaksAndCRLF() throws {
        let text = "Reports,Edema\r\n\"No edema, clear lungs.\r\nSecond \"\"line\"\".\",0\r\n\"Mild edema.\",1\r\n"
        let table = try LabelTable.parse(text, file: "chexpert.csv")
        XCTAssertEqual(table.idColumn, "Reports")
        XCTAssertEqual(table.rowIDs, ["No edema, clear lungs.\r\nSecond \"line\".", "Mild edema."])
        XCTAssertEqual(table.rowLines, [2, 4])
        XCTAssertEqual(table.values, [[.negative], [.positive]])
        XCTAssertThrowsError(try LabelTable.parse("id,A\n\"open,1\n", file: "bad.csv")) { error in
            XCTAssertEqual(String(describing: error), "bad.csv:2: a quoted field is never closed")
        }
    }

    func testMicroLeavesOutFindingsWithoutGoldPositives() throws {
        let evaluation = try evaluate("id,Edema,Hernia\na,1,0\nb,0,0\n", "id,Edema,Hernia\na,1.0,1.0\nb,,1.0\n")
        XCTAssertEqual(evaluation.micro, ConfusionCounts(truePositives: 1, trueNegatives: 1), "Hernia's false positives are not pooled")
        XCTAssertEqual(evaluation.microOverAllFindings, ConfusionCounts(truePositives: 1, falsePositives: 2, trueNegatives: 1))
        let report = EvaluationReport(task: "t", goldFile: "g", predictionFile: "p", evaluation: evaluation)
        XCTAssertTrue(report.notes.contains { $0.contains("Hernia; micro-F1 pooled over all findings would be 0.500") }, "\(report.notes)")
    }

    func testRowsMatchByIDAndColumnsByNormalizedName() throws {
        let gold = "uid,Pleural_Thickening,Edema\na,1,0\nb,0,1\n"
        let predicted = "id,EDEMA,pleural thickening,Hernia\nc,0,0,0\nb,1,0,0\na,0,1,0\n"
        let evaluation = try evaluate(gold, predicted)
        XCTAssertEqual(evaluation.aligned.rowMatching, .byID)
        XCTAssertEqual(evaluation.findings.map(\.finding), ["Pleural_Thickening", "Edema"])
        XCTAssertEqual(evaluation.micro, ConfusionCounts(truePositives: 2, trueNegatives: 2))
        XCTAssertTrue(evaluation.aligned.notes.contains { $0.contains("\"Hernia\"") }, "\(evaluation.aligned.notes)")
        XCTAssertTrue(evaluation.aligned.notes.contains { $0.contains("1 prediction row") }, "\(evaluation.aligned.notes)")
    }

    func testRowsMatchByOrderWhenIDsRepeat() throws {
        let gold = "id,Edema\nx,1\nx,0\n"
        let predicted = "id,Edema\ny,1\ny,0\n"
        let evaluation = try evaluate(gold, predicted)
        XCTAssertEqual(evaluation.aligned.rowMatching, .byRowOrder)
        XCTAssertEqual(evaluation.micro, ConfusionCounts(truePositives: 1, trueNegatives: 1))
        XCTAssertTrue(evaluation.aligned.notes.contains { $0.hasPrefix("matched reports by row order") })
        XCTAssertThrowsError(try evaluate(gold, "id,Edema\ny,1\n"))
    }

    func testMissingGoldIDsAndColumnsAreErrorsNamingThem() throws {
        XCTAssertThrowsError(try evaluate("id,Edema,Mass,Hernia\na,1,0,0\n", "id,edema\na,1\n")) { error in
            XCTAssertEqual(String(describing: error), "pred.csv: no columns for gold findings \"Mass\", \"Hernia\"")
        }
        XCTAssertThrowsError(try evaluate("id,Edema\na,1\nb,0\n", "id,Edema\na,1\nc,0\n")) { error in
            XCTAssertTrue(String(describing: error).contains("\"b\""), "\(error)")
            XCTAssertTrue(String(describing: error).contains("--only-common"), "\(error)")
        }
        let common = try AlignedLabels(gold: LabelTable.parse("id,Edema\na,1\nb,0\n", file: "gold.csv"),
                                       predicted: LabelTable.parse("id,Edema\na,1\nc,0\n", file: "pred.csv"), onlyCommon: true)
        XCTAssertEqual(common.reportIDs, ["a"])
        XCTAssertTrue(common.notes.contains { $0.hasPrefix("1 gold report is missing from the predictions") }, "\(common.notes)")
    }

    func testGoldIDsWithALetterPrefixMatchBareIDs() throws {
        let evaluation = try evaluate("filename,Edema\nCXR1,1\nCXR2,0\nCXR10,1\n", "uid,Edema\n10,1.0\n1,1.0\n2,\n")
        XCTAssertEqual(evaluation.aligned.rowMatching, .byID)
        XCTAssertEqual(evaluation.micro, ConfusionCounts(truePositives: 2, trueNegatives: 1))
        XCTAssertTrue(evaluation.aligned.notes.contains { $0.contains("prefix \"CXR\"") }, "\(evaluation.aligned.notes)")
        XCTAssertNil(AlignedLabels.sharedLetterPrefix(["a1", "b2"]))
        XCTAssertNil(AlignedLabels.sharedLetterPrefix(["abc", "abc"]), "an id that is all letters has no prefix to drop")
    }

    func testBootstrapIsDeterministicAndContainsThePointEstimate() throws {
        let rows = (0..<4).flatMap { copy in
            Self.gold.split(separator: "\n").dropFirst().map { "\(copy)-" + $0 }
        }
        let predictedRows = (0..<4).flatMap { copy in
            Self.predicted.split(separator: "\n", omittingEmptySubsequences: false).dropFirst().map { "\(copy)-" + $0 }
        }
        let evaluation = try evaluate("id,Atelectasis,Edema\n" + rows.joined(separator: "\n"),
                                      "id,Atelectasis,Edema\n" + predictedRows.joined(separator: "\n"))
        XCTAssertEqual(evaluation.reportCount, 40)
        let first = evaluation.bootstrap(), second = evaluation.bootstrap()
        XCTAssertEqual(first, second)
        XCTAssertNotEqual(first, evaluation.bootstrap(BootstrapSettings(seed: 7)))
        let micro = try XCTUnwrap(first.microF1), macro = try XCTUnwrap(first.macroF1)
        XCTAssertTrue(micro.contains(try XCTUnwrap(evaluation.micro.f1)), "\(micro)")
        XCTAssertTrue(macro.contains(try XCTUnwrap(evaluation.macro.f1)), "\(macro)")
        XCTAssertLessThan(micro.lower, micro.upper)
        let atelectasis = try XCTUnwrap(first.findingF1[0])
        XCTAssertTrue(atelectasis.contains(try XCTUnwrap(evaluation.findings[0].counts.f1)))
    }

    func testPercentileIntervalInterpolatesOrderStatistics() {
        let interval = LabelEvaluation.percentileInterval((0...100).map(Double.init), confidence: 0.95)
        XCTAssertEqual(interval.lower, 2.5, accuracy: 1e-12)
        XCTAssertEqual(interval.upper, 97.5, accuracy: 1e-12)
    }

    func testReportNamesPolicyAndHTMLIsOneSelfContainedPage() throws {
        let evaluation = try evaluate(Self.gold, Self.predicted, policy: .exclude)
        let report = EvaluationReport(task: "demo", goldFile: "gold.csv", predictionFile: "pred.csv", evaluation: evaluation,
                                      bootstrap: BootstrapSettings(rounds: 200))
        XCTAssertTrue(report.text.hasPrefix("Task demo: pred.csv against gold gold.csv; uncertain policy exclude"), report.text)
        XCTAssertTrue(report.text.contains("Macro average: mean over the 2 findings with gold positives"))
        let html = report.html
        XCTAssertTrue(html.contains("<svg"))
        XCTAssertTrue(html.contains("uncertain policy exclude"))
        XCTAssertFalse(html.contains("<script"))
        XCTAssertFalse(html.contains("src="))
        XCTAssertFalse(html.contains("href="))
        let decoded = try JSONDecoder().decode(EvaluationReport.self, from: report.json())
        XCTAssertEqual(decoded.uncertainPolicy, .exclude)
        XCTAssertEqual(decoded.findings[0].metrics.truePositives, 3)
    }

    func testOpenIGoldParsesAndScoresPerfectlyAgainstItself() throws {
        let path = URL(fileURLWithPath: #filePath).deletingLastPathComponent()
            .appendingPathComponent("Fixtures/openi_gold_chestxray14.csv").path
        let table = try LabelTable.load(path: path)
        XCTAssertGreaterThan(table.rowCount, 3000)
        for finding in ["Atelectasis", "Cardiomegaly", "Effusion", "Pleural Thickening", "Hernia"] {
            XCTAssertTrue(table.findings.map(LabelTable.normalizedFindingName).contains(LabelTable.normalizedFindingName(finding)),
                          finding)
        }
        XCTAssertFalse(table.values.joined().contains(.uncertain))
        let evaluation = LabelEvaluation(aligned: try AlignedLabels(gold: table, predicted: table), policy: .positive)
        XCTAssertEqual(evaluation.aligned.rowMatching, .byID)
        for score in evaluation.findings where score.support > 0 {
            XCTAssertEqual(score.counts.f1, 1, score.finding)
            XCTAssertEqual(score.counts.kappa, 1, score.finding)
        }
        XCTAssertEqual(evaluation.micro.f1, 1)
        XCTAssertEqual(evaluation.macro.f1, 1)
        let intervals = evaluation.bootstrap(BootstrapSettings(rounds: 100))
        XCTAssertEqual(intervals.microF1, ConfidenceInterval(lower: 1, upper: 1))
    }

    func testFollowUpAgreementOnlyWhereBothSayYes() throws {
        let gold = try LabelTable.parse("""
            id,Active extravasation,Site
            a,Yes,spleen;liver
            b,Yes,bowel
            c,No,
            d,Yes,kidney
            e,Yes,Undefined
            """, file: "gold.csv", answerColumns: ["Site"])
        let predicted = try LabelTable.parse("""
            id,Active_Extravasation,site
            e,Yes,
            d,Undefined,
            c,No,
            b,Yes,Bowel
            a,Yes,Liver; spleen
            """, file: "pred.csv", answerColumns: ["Site"])
        XCTAssertEqual(gold.findings, ["Active extravasation"], "the follow-up column is text, not a finding")
        let aligned = try AlignedLabels(gold: gold, predicted: predicted)
        let agreement = try XCTUnwrap(FollowUpAgreement(column: "Site", finding: "Active extravasation",
                                                        gold: gold, predicted: predicted, aligned: aligned))
        XCTAssertEqual(agreement.bothYes, 3, "d is Undefined in the predictions, c is No in both")
        XCTAssertEqual(agreement.exactMatches, 3, "case, order and spaces do not matter; Undefined and blank are both no answer")
        XCTAssertEqual(agreement.options.map(\.option), ["bowel", "liver", "spleen"])
        XCTAssertTrue(agreement.summary.contains("agree exactly on 3 (100.0%)"), agreement.summary)
        XCTAssertThrowsError(try LabelTable.parse("id,Active extravasation,Site\na,Yes,spleen\n", file: "x.csv")) { error in
            XCTAssertTrue("\(error)".contains("\"spleen\" in column \"Site\" is not a label"), "\(error)")
        }
    }
}
