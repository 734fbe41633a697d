import Deid
@testable import DeidCorpus
import Foundation
import XCTest

final class SyntheticCorpusTests: XCTestCase {
    static let corpus = SyntheticCorpus.generate()

    func testTheSameSeedGivesTheSameCorpus() {
        let again = SyntheticCorpus.generate()
        XCTAssertEqual(again.map(\.text), Self.corpus.map(\.text))
        XCTAssertEqual(again.map(\.gold), Self.corpus.map(\.gold))
        XCTAssertEqual(again.map(\.structured), Self.corpus.map(\.structured))
    }

    func testAnotherSeedGivesAnotherCorpus() {
        let other = SyntheticCorpus.generate(seed: 7, count: 20)
        XCTAssertNotEqual(other.map(\.text), Array(Self.corpus.prefix(20)).map(\.text))
    }

    func testAReportDoesNotDependOnTheCount() {
        XCTAssertEqual(SyntheticCorpus.generate(count: 5)[3].text, Self.corpus[3].text)
    }

    func testTheDefaultCorpusHasAtLeast300ReportsOfEveryExam() {
        XCTAssertGreaterThanOrEqual(Self.corpus.count, 300)
        XCTAssertEqual(Set(Self.corpus.map(\.exam)).count, ExamTemplate.all.count)
    }

    func testGoldSpansAreInBoundsSortedDisjointAndHoldWhatWasInserted() {
        for report in Self.corpus {
            let scalars = Array(report.text.unicodeScalars)
            var previousEnd = 0
            for gold in report.gold {
                let span = gold.span
                XCTAssertGreaterThan(span.length, 0, "report \(report.index)")
                XCTAssertGreaterThanOrEqual(span.start, previousEnd, "report \(report.index): unsorted or overlapping")
                XCTAssertLessThanOrEqual(span.start + span.length, scalars.count, "report \(report.index)")
                guard span.start + span.length <= scalars.count else { continue }
                XCTAssertEqual(text(scalars, span.start, span.length), gold.text, "report \(report.index)")
                XCTAssertEqual(gold.text.trimmingCharacters(in: .whitespacesAndNewlines), gold.text,
                               "report \(report.index): gold spans do not carry surrounding blanks")
                previousEnd = span.start + span.length
            }
        }
    }

    func testEveryCategoryAppears() {
        let categories = Set(Self.corpus.flatMap { $0.gold.map(\.span.category.rawValue) })
        XCTAssertEqual(categories, Set(Scores.categories.map(\.rawValue)))
    }

    func testTrapPhrasesAppearOutsideEveryGoldSpan() {
        var trapTexts: [String] = []
        for report in Self.corpus {
            let scalars = Array(report.text.unicodeScalars)
            for trap in report.traps {
                XCTAssertEqual(text(scalars, trap.start, trap.length), trap.text, "report \(report.index)")
                let overlapping = report.gold.filter {
                    $0.span.start < trap.start + trap.length && trap.start < $0.span.start + $0.span.length
                }
                XCTAssertTrue(overlapping.isEmpty, "report \(report.index): trap \(trap.text) inside gold PHI")
                trapTexts.append(trap.text.lowercased())
            }
        }
        let required = ["parkinson", "hodgkin", "crohn", "graves", "cushing", "murphy's sign", "kerley b lines",
                        "swan-ganz", "hunt and hess", "lewy body", "wilms", "baker's cyst", "hounsfield", "bi-rads",
                        "t12", "l1-l2", "5/5", "/7 weeks", " mg", " x ", "-year-old", "mass", "white matter",
                        "bone", "wall", "small", "large", "young", "o'clock"]
        for phrase in required {
            XCTAssertTrue(trapTexts.contains { $0.contains(phrase) }, "no trap containing \(phrase)")
        }
    }

    func testAgesOver89AreGoldAndYoungerAgesAreTraps() {
        let goldAges = Self.corpus.flatMap { $0.gold.filter { $0.span.category == .age }.map(\.text) }
        XCTAssertFalse(goldAges.isEmpty)
        XCTAssertTrue(goldAges.allSatisfy { (Int($0) ?? 0) > 89 }, "\(goldAges)")
        let trapAges = Self.corpus.flatMap { $0.traps.map(\.text) }.filter { $0.contains("year-old") }
        XCTAssertTrue(trapAges.allSatisfy { (Int($0.prefix { $0.isNumber }) ?? 999) <= 89 })
    }

    func testPHIComesInManyForms() {
        let golds = Self.corpus.flatMap(\.gold)
        func count(_ category: PHISpan.Category, _ pattern: String) -> Int {
            golds.filter { $0.span.category == category && $0.text.range(of: pattern, options: .regularExpression) != nil }.count
        }
        let forms: [(PHISpan.Category, String)] = [
            (.name, #"^[A-Z'\- ]+, [A-Z]+"#), (.name, #"^[A-Z]\. \w"#), (.name, #"^\w+ \w+$"#), (.name, #"^[A-Z][a-z]+$"#),
            (.date, #"^\d\d/\d\d/\d{4}$"#), (.date, #"^\d{1,2}/\d{1,2}/\d\d$"#), (.date, #"^\d{4}-\d\d-\d\d$"#),
            (.date, #"^[A-Z][a-z]+ \d{1,2}, \d{4}$"#), (.date, #"^\d{1,2} [A-Z][a-z]{2} \d{4}$"#),
            (.date, #"^\d{1,2}-[A-Z]{3}-\d{4}$"#), (.date, #"^\d{8}$"#), (.date, #"^\d{1,2}/\d{1,2}$"#),
            // No time forms (10:32, 10:32 AM, 1032, 22:15:07): times of day are not PHI, so not gold.
            (.contact, #"^\(\d{3}\) 555-01\d\d$"#), (.contact, #"^\d{3}-555-01\d\d$"#), (.contact, #"^\d{3}\.555\.01\d\d$"#),
            (.contact, #"ext\. \d+$"#), (.contact, "@"), (.contact, "^(https?://|www\\.)"), (.contact, #"^\d+\.\d+\.\d+\.\d+$"#),
            (.identifier, #"^9\d\d-\d\d-\d{4}$"#), (.identifier, "^RAD-"), (.place, #"IN \d{5}"#), (.place, "Hospital"),
            (.place, "Riley Children's Hospital"), (.other, "."), (.age, #"^\d+$"#),
        ]
        for (category, pattern) in forms {
            XCTAssertGreaterThan(count(category, pattern), 0, "no \(category) matching \(pattern)")
        }
    }

    func testClinicalWordSurnamesAppearBothAsNamesAndAsClinicalWords() {
        let words = Set(CensusNames.clinicalWordSurnames.map { $0.lowercased() })
        let asNames = Set(Self.corpus.flatMap { $0.gold.filter { $0.span.category == .name } }
            .flatMap { $0.text.lowercased().split { !$0.isLetter }.map(String.init) }).intersection(words)
        let asTraps = Set(Self.corpus.flatMap(\.traps).flatMap { $0.text.lowercased().split { !$0.isLetter }.map(String.init) })
            .intersection(words)
        XCTAssertFalse(asNames.intersection(asTraps).isEmpty)
        XCTAssertGreaterThanOrEqual(asNames.count, 10)
    }

    func testSomeReportsNeedScalarOffsetsRatherThanCharacterOffsets() {
        XCTAssertTrue(Self.corpus.contains { $0.text.unicodeScalars.count != $0.text.count })
    }

    func testStructuredPHIDescribesThePatient() {
        for report in Self.corpus {
            XCTAssertEqual(report.structured.patientNames.count, 1)
            XCTAssertGreaterThanOrEqual(report.structured.identifiers.count, 2)
            XCTAssertEqual(report.structured.dates.count, 1)
            XCTAssertNotNil(report.structured.dates[0].range(of: #"^\d{4}-\d\d-\d\d$"#, options: .regularExpression))
        }
    }

    func testGeneratingTheDefaultCorpusIsFast() {
        let start = Date()
        _ = SyntheticCorpus.generate()
        // The target is well under a second in a debug build; the margin is for a busy CI machine.
        XCTAssertLessThan(Date().timeIntervalSince(start), 3)
    }

    private func text(_ scalars: [Unicode.Scalar], _ start: Int, _ length: Int) -> String {
        var view = String.UnicodeScalarView()
        view.append(contentsOf: scalars[start..<start + length])
        return String(view)
    }
}
