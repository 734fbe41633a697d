import Deid
@testable import DeidCorpus
import Foundation
import RaddCore
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
            (.date, #"^'\d\d$"#), (.date, #"^[a-z]{3} \d{1,2}$"#),
            (.name, #"^[a-z]+ [a-z]+$"#), (.name, "Kovács|Nguyễn|Yılmaz|Wiśniewski|Mäkinen|Shevchenko|Okafor"),
            (.place, "Budapest|Helsinki|Warszawa|Kyiv|Lagos|Hà Nội|İstanbul"),
            (.contact, #"^\(\d{3}\) 555-01\d\d$"#), (.contact, #"^\d{3}-555-01\d\d$"#), (.contact, #"^\d{3}\.555\.01\d\d$"#),
            (.contact, #"ext\. \d+$"#), (.contact, "@"), (.contact, "^(https?://|www\\.)"), (.contact, #"^\d+\.\d+\.\d+\.\d+$"#),
            (.identifier, #"^9\d\d-\d\d-\d{4}$"#), (.identifier, "^RAD-"), (.place, #"IN \d{5}"#), (.place, "Hospital"),
            (.place, "Riley Children's Hospital"), (.other, "."), (.age, #"^\d+$"#),
        ]
        for (category, pattern) in forms {
            XCTAssertGreaterThan(count(category, pattern), 0, "no \(category) matching \(pattern)")
        }
    }

    /// HIPAA's Safe Harbor lists dates, not times of day: times are traps, never gold.
    func testTimesOfDayAreNotGoldPHI() {
        let time = #"^\d{1,2}:\d\d|^\d{4}h?$|[ap]\.?m\.?$"#
        let goldTimes = Self.corpus.flatMap(\.gold).filter {
            $0.span.category == .date && $0.text.range(of: time, options: [.regularExpression, .caseInsensitive]) != nil
        }
        XCTAssertEqual(goldTimes.map(\.text), [])
        let trapTimes = Self.corpus.flatMap(\.traps).filter { $0.text.range(of: #"^\d{1,2}:\d\d"#, options: .regularExpression) != nil }
        XCTAssertGreaterThan(trapTimes.count, 100)
    }

    func testSomeReportsAreInCapitalsSomeInLowerCaseAndSomeAreNursingNotes() {
        let letters = Self.corpus.map { $0.text.unicodeScalars.filter { $0.properties.isAlphabetic } }
        let capitals = letters.filter { $0.allSatisfy { !$0.properties.isLowercase } }.count
        let lower = letters.filter { $0.allSatisfy { !$0.properties.isUppercase } }.count
        let notes = Self.corpus.filter { $0.exam == "nursing note" }
        XCTAssertGreaterThanOrEqual(capitals, 15)
        XCTAssertGreaterThanOrEqual(lower - notes.count, 15)
        XCTAssertGreaterThanOrEqual(notes.count, 25)
        XCTAssertTrue(notes.allSatisfy { $0.gold.contains { $0.span.category == .date && !$0.text.contains(where: { $0.isLetter }) && $0.text.split(separator: "/").count == 2 } })
    }

    func testInternationalNamesOfEveryOriginAppear() {
        let names = Set(Self.corpus.flatMap { $0.gold.filter { $0.span.category == .name } }
            .flatMap { $0.text.split(separator: " ").map { String($0).lowercased() } })
        for origin in NameOrigin.all {
            let used = origin.family.filter { names.contains($0.lowercased()) }
            XCTAssertFalse(used.isEmpty, "no \(origin.origin) family name in the corpus")
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
