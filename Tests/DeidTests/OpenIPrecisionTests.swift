import Deid
import DeidCorpus
import Foundation
@testable import Labeling
import RaddCore
import XCTest

/// The radiology precision target: at most 1% of the Open-i reports' word tokens outside
/// the curators' `XXXX` marks are replaced. Those tokens are non-PHI, so every replacement is a
/// false positive. `swift run -c release radd-bench` prints the same figure.
final class OpenIPrecisionTests: XCTestCase {
    /// uid and report text (indication, comparison, findings, impression joined by newlines) of
    /// every Open-i row, read with Labeling's RFC 4180 reader.
    static func openIReports() throws -> [(uid: Int, text: String)] {
        let repository = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent()
            .deletingLastPathComponent()
        let path = repository.appendingPathComponent("Tests/IngestTests/Fixtures/csv/openi_reports.csv").path
        let bytes = try [UInt8](Data(contentsOf: URL(fileURLWithPath: path)))
        return try CSVRecords.parse(bytes, file: path).dropFirst().filter { $0.fields.count >= 8 }
            .compactMap { record in Int(record.fields[0]).map { (uid: $0, text: record.fields[4...].joined(separator: "\n")) } }
    }

    func testAtMostOnePercentOfOpenIWordTokensAreReplaced() throws {
        let reports = try Self.openIReports()
        XCTAssertEqual(reports.count, 3080)
        let figure = OpenIPrecision.measure(reports, finder: RuleDeidentifier())
        print(figure.line)
        let top = figure.topWords(30).map { "\($0.word) \($0.count)" }
        print("most often replaced (non-PHI radiology words): " + (top.isEmpty ? "none" : top.joined(separator: ", ")))
        XCTAssertGreaterThan(figure.even.tokens, 50_000, "the held-out half is most of a corpus, not a sample")
        XCTAssertLessThanOrEqual(figure.even.rate, 0.01, "held-out (even) uids: \(figure.even.summary)")
        XCTAssertLessThanOrEqual(figure.all.rate, 0.01, "all uids: \(figure.all.summary)")
    }

    func testMarksAndTokensAreCountedAsDefined() {
        // "x-XXXX" is one mark (it was "x-ray"); "XXXX" marks the PHI; the rest are 7 tokens.
        struct Everything: PHIFinder {
            func phiSpans(in text: String, structured: StructuredPHI) -> [PHISpan] {
                [PHISpan(start: 0, length: text.unicodeScalars.count, category: .name)]
            }
        }
        let figure = OpenIPrecision.measure([(uid: 2, text: "Chest x-XXXX. XXXX XXXX, 2 views: no XXXXs effusion L4-5.")],
                                            finder: Everything())
        XCTAssertEqual(figure.even, OpenIPrecision.Count(replaced: 7, tokens: 7))
        XCTAssertEqual(figure.odd.tokens, 0)
        XCTAssertEqual(figure.topWords(2).map(\.word), ["2", "5"])
    }
}
