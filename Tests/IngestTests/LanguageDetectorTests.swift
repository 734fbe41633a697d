@testable import Ingest
import Foundation
import RaddCore
import XCTest

/// The per-report language detector behind `language = auto` (RaddCore's `LanguageDetector`).
/// It lives in this target because IngestTests already depends on RaddCore and holds the Open-i
/// fixture the accuracy figures are measured on.
final class LanguageDetectorTests: XCTestCase {
    func testShortTelegraphicGermanIsGerman() {
        for text in ["Kein Erguss.", "Keine Fraktur.", "Weber-B-Fraktur links.", "V.a. Weber B Fraktur re.",
                     "Thorax p.a.: Kein Pneumothorax.", "Magensonde regelrecht einliegend.", "Unauffälliger Befund.",
                     "Fraktur nicht auszuschließen."] {
            XCTAssertEqual(LanguageDetector.detect(text), .de, text)
        }
    }

    func testShortTelegraphicEnglishIsEnglish() {
        for text in ["No effusion.", "No fracture.", "Weber B fracture of the left ankle.", "Clear lungs.",
                     "Normal chest x-XXXX.", "No acute cardiopulmonary process.", "Stable appearance of the chest."] {
            XCTAssertEqual(LanguageDetector.detect(text), .en, text)
        }
    }

    func testWithoutEvidenceOrOnATieItIsEnglishAsBeforeLanguagesExisted() {
        XCTAssertEqual(LanguageDetector.detect(""), .en)
        XCTAssertEqual(LanguageDetector.detect("Thorax p.a. 12.03."), .en)
        XCTAssertEqual(LanguageDetector.detect("Pneumothorax"), .en)
        let tie = LanguageDetector.evidence("kein no")
        XCTAssertEqual(tie.german, tie.english)
        XCTAssertEqual(tie.language, .en)
    }

    func testDeidentificationTagsAndOpenIMarksAreNoEvidence() {
        XCTAssertEqual(LanguageDetector.words(of: "[NAME] am [DATE]: [AGE 90+] XXXX x-XXXX"), ["am", "x"])
        let evidence = LanguageDetector.evidence("Patient [NAME], Aufnahme vom [DATE]: kein Erguss.")
        XCTAssertFalse(evidence.englishWords.contains("name"))
        XCTAssertEqual(evidence.language, .de)
        // An unclosed bracket ends at the line's end, so the next line is still read.
        XCTAssertEqual(LanguageDetector.words(of: "siehe [oben\nkein Erguss"), ["siehe", "kein", "erguss"])
    }

    func testUmlautsSharpSAndGermanMorphologyCount() {
        XCTAssertEqual(LanguageDetector.score("größe").0, .de)
        XCTAssertEqual(LanguageDetector.score("verschattung").0, .de)
        XCTAssertEqual(LanguageDetector.score("auffälligkeit").0, .de)
        XCTAssertEqual(LanguageDetector.score("thickening").0, .en)
        // Words both languages write are no evidence.
        XCTAssertNil(LanguageDetector.score("pneumothorax").0)
        XCTAssertNil(LanguageDetector.score("in").0)
        XCTAssertNil(LanguageDetector.score("mediastinal").0)
    }

    func testEvidenceKeepsAFewWordsForMessages() {
        let evidence = LanguageDetector.evidence("Keine Fraktur. Kein Erguss. Regelrechte Stellung im OSG.")
        XCTAssertEqual(evidence.language, .de)
        XCTAssertEqual(Array(evidence.germanWords.prefix(3)), ["keine", "fraktur", "kein"])
        XCTAssertEqual(evidence.english, 0)
    }
}

/// Accuracy of the detector on every English Open-i report and on German clinical and radiology
/// text, whole reports and single sections or paragraphs (short text is the hard case). Prints the
/// figures quoted in Docs/configuration.md:
/// `swift test --skip-build --scratch-path .build-test --filter LanguageDetectorAccuracyTests`
final class LanguageDetectorAccuracyTests: XCTestCase {
    static let fixtures = URL(fileURLWithPath: #filePath).deletingLastPathComponent().appendingPathComponent("Fixtures")

    struct Figure: CustomStringConvertible {
        let corpus: String
        var right = 0
        var total = 0
        var wrong: [String] = []
        var rate: Double { total == 0 ? 0 : Double(right) / Double(total) }
        var description: String {
            "\(corpus): \(right) of \(total) right (\(String(format: "%.2f", rate * 100))%)"
        }

        mutating func count(_ text: String, expected: ReportLanguage) {
            total += 1
            if LanguageDetector.detect(text) == expected { right += 1 } else if wrong.count < 10 { wrong.append(text) }
        }
    }

    /// The Open-i reports with text (3,059 of 3,080; 21 rows have none), as the CSV reader stores them.
    func openIReports() throws -> [String] {
        let bytes = [UInt8](try Data(contentsOf: Self.fixtures.appendingPathComponent("csv/openi_reports.csv")))
        return try CSVReader().read(bytes).reports.map(\.text)
    }

    func graSCCoLetters() throws -> [String] {
        let data = try String(contentsOf: Self.fixtures.appendingPathComponent("language/grascco_dev_letters.jsonl"),
                              encoding: .utf8)
        return try data.split(separator: "\n").map { line in
            let object = try JSONSerialization.jsonObject(with: Data(line.utf8)) as? [String: Any]
            return try XCTUnwrap(object?["text"] as? String)
        }
    }

    func germanRadiology() throws -> [String] {
        let text = try String(contentsOf: Self.fixtures.appendingPathComponent("language/german_radiology.txt"),
                              encoding: .utf8)
        return text.components(separatedBy: "\n\n").map { $0.trimmingCharacters(in: .whitespacesAndNewlines) }
            .filter { !$0.isEmpty }
    }

    /// A report's sections or a letter's paragraphs, without the heading ("FINDINGS: "), each with
    /// at least one letter: what a report holding only that text would be.
    func parts(_ text: String, separator: String) -> [String] {
        text.components(separatedBy: separator).map { part in
            var part = part.trimmingCharacters(in: .whitespacesAndNewlines)
            if let colon = part.firstIndex(of: ":"), part[..<colon].allSatisfy({ $0.isUppercase || $0 == " " }) {
                part = String(part[part.index(after: colon)...]).trimmingCharacters(in: .whitespaces)
            }
            return part
        }.filter { $0.contains(where: \.isLetter) }
    }

    func testAccuracyOnOpenIAndGermanText() throws {
        let openI = try openIReports()
        XCTAssertEqual(openI.count, 3059)
        let letters = try graSCCoLetters()
        XCTAssertEqual(letters.count, 20)
        let radiology = try germanRadiology()
        XCTAssertEqual(radiology.count, 40)

        var english = Figure(corpus: "Open-i reports (English)")
        var englishSections = Figure(corpus: "Open-i sections, one at a time (English)")
        for report in openI {
            english.count(report, expected: .en)
            for section in parts(report, separator: "\n") { englishSections.count(section, expected: .en) }
        }
        var germanLetters = Figure(corpus: "GraSCCo dev letters (German)")
        var germanParagraphs = Figure(corpus: "GraSCCo dev paragraphs, one at a time (German)")
        for letter in letters {
            germanLetters.count(letter, expected: .de)
            for paragraph in parts(letter, separator: "\n\n") { germanParagraphs.count(paragraph, expected: .de) }
        }
        var germanReports = Figure(corpus: "radd's German radiology reports and sentences (German)")
        for report in radiology { germanReports.count(report, expected: .de) }

        let figures = [english, englishSections, germanLetters, germanParagraphs, germanReports]
        for figure in figures {
            print("language detector: \(figure)")
            for text in figure.wrong { print("  wrong: \(text.prefix(120).replacingOccurrences(of: "\n", with: " / "))") }
        }
        let whole = figures.filter { !$0.corpus.contains("one at a time") }
        print("language detector: whole reports and letters: \(whole.map(\.right).reduce(0, +)) of \(whole.map(\.total).reduce(0, +)) right")

        // Whole reports and letters must all be right; single short sections may miss some: a
        // paragraph that is only a heading ("Histologie", "Procedere") or names and addresses
        // carries no evidence, and no evidence is English.
        XCTAssertEqual(english.right, english.total)
        XCTAssertEqual(germanLetters.right, germanLetters.total)
        XCTAssertEqual(germanReports.right, germanReports.total)
        XCTAssertGreaterThanOrEqual(englishSections.rate, 0.995)
        XCTAssertGreaterThanOrEqual(germanParagraphs.rate, 0.90)
    }
}
