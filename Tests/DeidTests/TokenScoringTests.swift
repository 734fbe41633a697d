import Deid
import DeidCorpus
import RaddCore
import XCTest

final class TokenScoringTests: XCTestCase {
    func testTokensAreRunsOfLettersAndDigits() {
        let text = "Dr. O'Brien: 3.2 x 1.5 cm, T12."
        let tokens = Token.tokens(in: text).map { token in
            String(String.UnicodeScalarView(Array(text.unicodeScalars)[token.start..<token.end]))
        }
        XCTAssertEqual(tokens, ["Dr", "O", "Brien", "3", "2", "x", "1", "5", "cm", "T12"])
    }

    func testACombiningMarkStaysInItsToken() {
        XCTAssertEqual(Token.tokens(in: "Jose\u{301} Mu\u{308}ller").map(\.end), [5, 13])
    }

    func testPerfectPredictionScoresOne() {
        var scores = Scores()
        let gold = [PHISpan(start: 0, length: 10, category: .name)]
        scores.add(text: "John Smith has a mass.", gold: gold, predicted: gold)
        XCTAssertEqual(scores.overallRecall, Tally(total: 2, hits: 2))
        XCTAssertEqual(scores.overallPrecision, Tally(total: 2, hits: 2))
        XCTAssertEqual(scores.tokenCount, 5)
    }

    func testRecallByGoldCategoryAndPrecisionByPredictedCategory() {
        // "John Smith seen 03/14/2024 for mass."
        //  0    5     11   16         27  31
        var scores = Scores()
        scores.add(text: "John Smith seen 03/14/2024 for mass.",
                   gold: [PHISpan(start: 0, length: 10, category: .name), PHISpan(start: 16, length: 10, category: .date)],
                   predicted: [PHISpan(start: 0, length: 4, category: .name),
                               PHISpan(start: 16, length: 10, category: .identifier),
                               PHISpan(start: 31, length: 4, category: .other)])
        XCTAssertEqual(scores.recall[.name], Tally(total: 2, hits: 1))
        XCTAssertEqual(scores.recall[.date], Tally(total: 3, hits: 3), "any predicted category counts for recall")
        XCTAssertEqual(scores.overallRecall, Tally(total: 5, hits: 4))
        XCTAssertEqual(scores.precision[.name], Tally(total: 1, hits: 1))
        XCTAssertEqual(scores.precision[.identifier], Tally(total: 3, hits: 3))
        XCTAssertEqual(scores.precision[.other], Tally(total: 1, hits: 0))
        XCTAssertEqual(scores.overallPrecision, Tally(total: 5, hits: 4))
        XCTAssertEqual(scores.overallRecall.rate, 0.8)
        XCTAssertNil(scores.recall[.place]?.rate)

        XCTAssertEqual(scores.misses.map(\.token), ["Smith"])
        XCTAssertEqual(scores.misses.first?.category, .name)
        XCTAssertEqual(scores.falsePositives.map(\.token), ["mass"])
        XCTAssertEqual(scores.falsePositives.first?.context, "John Smith seen 03/14/2024 for [mass].")
    }

    func testAPartialOverlapMarksTheWholeToken() {
        var scores = Scores()
        // Gold "Smith" only; the finder took "Dr. Smi": "Dr" is a false positive, "Smith" is found.
        scores.add(text: "Dr. Smith", gold: [PHISpan(start: 4, length: 5, category: .name)],
                   predicted: [PHISpan(start: 0, length: 7, category: .name)])
        XCTAssertEqual(scores.overallRecall, Tally(total: 1, hits: 1))
        XCTAssertEqual(scores.overallPrecision, Tally(total: 2, hits: 1))
    }

    func testOffsetsAreUnicodeScalars() {
        var scores = Scores()
        // "José" written decomposed is five scalars; a span in Characters would end inside "Ruiz".
        scores.add(text: "Jose\u{301} Ruiz, MD", gold: [PHISpan(start: 0, length: 10, category: .name)],
                   predicted: [PHISpan(start: 0, length: 10, category: .name)])
        XCTAssertEqual(scores.overallRecall, Tally(total: 2, hits: 2))
        XCTAssertEqual(scores.overallPrecision, Tally(total: 2, hits: 2))
    }

    func testSpansBreakingTheFinderContractAreClampedAndCounted() {
        var scores = Scores()
        scores.add(text: "MRN 12345", gold: [PHISpan(start: 4, length: 5, category: .identifier)],
                   predicted: [PHISpan(start: 4, length: 50, category: .identifier), PHISpan(start: 2, length: 0, category: .other)])
        XCTAssertEqual(scores.overallRecall, Tally(total: 1, hits: 1))
        XCTAssertEqual(scores.invalidPredictedSpans, 2)
    }

    func testAnOracleFinderScoresOneOnTheCorpus() {
        let reports = SyntheticCorpus.generate(count: 40)
        let scores = DeidEvaluation.run(finder: OracleFinder(reports: reports), reports: reports)
        XCTAssertEqual(scores.overallRecall.rate, 1)
        XCTAssertEqual(scores.overallPrecision.rate, 1)
        XCTAssertEqual(scores.reportCount, 40)
        XCTAssertTrue(ScoreTable.render(scores).contains("meets the targets"))
    }

    func testANothingFinderHasNoPrecisionAndZeroRecall() {
        let scores = DeidEvaluation.run(finder: NothingFinder(), seed: 3, count: 10)
        XCTAssertEqual(scores.overallRecall.rate, 0)
        XCTAssertNil(scores.overallPrecision.rate)
        XCTAssertEqual(scores.misses.count, scores.overallRecall.total)
        let table = ScoreTable.render(scores)
        XCTAssertTrue(table.contains("below target"))
        XCTAssertTrue(ScoreTable.renderExamples(scores, limit: 3).contains("First 3 of \(scores.misses.count) missed"))
    }
}

/// Answers with the gold spans, looked up by text: what a perfect finder would return.
private struct OracleFinder: PHIFinder {
    let goldByText: [String: [PHISpan]]

    init(reports: [SyntheticReport]) {
        goldByText = Dictionary(reports.map { ($0.text, $0.goldSpans) }, uniquingKeysWith: { first, _ in first })
    }

    func phiSpans(in text: String, structured: StructuredPHI) -> [PHISpan] {
        goldByText[text] ?? []
    }
}

private struct NothingFinder: PHIFinder {
    func phiSpans(in text: String, structured: StructuredPHI) -> [PHISpan] { [] }
}
