import Deid
import DeidCorpus
import Foundation
@testable import Labeling
import RaddCore
import XCTest

/// The acceptance figures of radd's de-identifier, on the generated corpus (the development
/// seed and one it was never tuned on) and on the real Open-i reports.
final class RuleDeidentifierTests: XCTestCase {
    let deidentifier = RuleDeidentifier()

    func assertTargets(seed: UInt64, file: StaticString = #filePath, line: UInt = #line) {
        let scores = DeidEvaluation.run(finder: deidentifier, seed: seed, count: 400)
        let recall = scores.overallRecall.rate ?? 0, precision = scores.overallPrecision.rate ?? 0
        print("RuleDeidentifier, seed \(seed): token recall \(recall), precision \(precision)")
        // Regression floors on the widened corpus (international names, lower-case reports,
        // nursing notes, year-less dates, addresses abroad; times of day are traps). rules-2
        // measured on 2026-12-04: recall 0.9878 (seed 7: 0.9901), precision 0.9740 (0.9779), the
        // weakest category place at 0.9431. rules-1 measured 0.9294 / 0.8623 on the same corpus.
        // Floors are the rules-2 figures less a small margin.
        XCTAssertGreaterThanOrEqual(recall, 0.98, "seed \(seed)", file: file, line: line)
        XCTAssertGreaterThanOrEqual(precision, 0.96, "seed \(seed)", file: file, line: line)
        for category in Scores.categories {
            guard let rate = scores.recall[category]?.rate else { continue }
            XCTAssertGreaterThanOrEqual(rate, 0.92, "recall of \(category), seed \(seed)", file: file, line: line)
        }
    }

    func testRecallAndPrecisionOnTheDevelopmentCorpus() {
        assertTargets(seed: SyntheticCorpus.defaultSeed)
    }

    func testRecallAndPrecisionOnACorpusTheRulesWereNotTunedOn() {
        assertTargets(seed: 7)
    }

    /// Clinical meaning: the safe-list terms in the 3,080 Open-i reports survive de-identification.
    func testClinicalTermsInOpenIReportsSurvive() throws {
        var terms = 0, destroyed = 0
        var lost: [String: Int] = [:]
        for text in try Self.openIReportTexts() {
            let spans = deidentifier.phiSpans(in: text, structured: StructuredPHI())
            let scalars = Array(text.unicodeScalars)
            for range in ClinicalSafeList.standard.protectedRanges(in: text) {
                terms += 1
                if spans.contains(where: { $0.start < range.upperBound && $0.start + $0.length > range.lowerBound }) {
                    destroyed += 1
                    lost[String(String.UnicodeScalarView(scalars[range])), default: 0] += 1
                }
            }
        }
        let kept = Double(terms - destroyed) / Double(terms)
        print("Open-i: \(terms) clinical safe-list terms, \(destroyed) touched by de-identification, \(kept * 100)% kept; \(lost)")
        XCTAssertGreaterThan(terms, 10_000)
        XCTAssertGreaterThanOrEqual(kept, 0.995)
    }

    /// Clinical meaning, measured with the rule labeler: the chestxray14 and chexpert labels of
    /// every Open-i report are the same before and after de-identification.
    func testOpenILabelsAreUnchangedByDeidentification() throws {
        let texts = try Self.openIReportTexts()
        var cells = 0, changed = 0
        for name in ["chestxray14", "chexpert"] {
            let labeler = RuleLabeler(task: try LabelTask.load(name, directories: [Self.repository.path + "/policies/tasks"]))
            for text in texts {
                let clean = RuleDeidentifier.replace(deidentifier.phiSpans(in: text, structured: StructuredPHI()), in: text,
                                                     policy: DeidPolicy())
                let before = labeler.labelColumns(text), after = labeler.labelColumns(clean)
                cells += before.count
                changed += zip(before, after).filter { $0 != $1 }.count
            }
        }
        let unchanged = Double(cells - changed) / Double(cells)
        print("Open-i: \(cells) report × finding labels, \(changed) changed by de-identification, \(unchanged * 100)% unchanged")
        XCTAssertGreaterThanOrEqual(unchanged, 0.995)
    }

    static let repository = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent()
        .deletingLastPathComponent()

    /// The report text of each Open-i row: all cells after the first four columns (uid, MeSH,
    /// Problems, image), read with Labeling's RFC 4180 reader.
    static func openIReportTexts() throws -> [String] {
        let path = repository.appendingPathComponent("Tests/IngestTests/Fixtures/csv/openi_reports.csv").path
        let bytes = try [UInt8](Data(contentsOf: URL(fileURLWithPath: path)))
        return try CSVRecords.parse(bytes, file: path).dropFirst().filter { $0.fields.count >= 8 }
            .map { $0.fields[4...].joined(separator: "\n") }
    }

    func testStructuredPHIIsScrubbedInEveryVariant() throws {
        var metadata = ReportMetadata(accession: "ACC-77123", patientID: "MRN-0042")
        metadata.patientName = PatientName(family: "Quixote", given: ["Zebediah"])
        metadata.birthDate = "1950-01-31"
        let report = Report(source: ReportSource(fileName: "r.txt", format: .plainText, claimID: "c1", byteCount: 10),
                            metadata: metadata,
                            text: "QUIXOTE, ZEBEDIAH (MRN-0042, ACC-77123). Z. Quixote has Parkinson disease; Mr Quixote fell.",
                            receivedAt: Date())
        let clean = try deidentifier.deidentify(report)
        XCTAssertEqual(clean.report.text, "[NAME] ([ID], [ID]). [NAME] has Parkinson disease; Mr [NAME] fell.")
        XCTAssertEqual(clean.method, "rules-2+tags")
        XCTAssertEqual(clean.report.fingerprint, report.fingerprint, "the fingerprint is of the text as received")
    }

    func testClinicalNumbersAndEponymsAreNotPHI() {
        let text = """
            Strength 5/5. Gestational age 24 2/7 weeks. Given 2.5 mg. Mass 3.2 x 1.5 cm at T12 and L1-L2.
            Murphy's sign positive. Kerley B lines. Swan-Ganz catheter tip. BI-RADS 4. Hunt and Hess grade 2.
            Lewy body dementia. Hounsfield units 20. The 45-year-old has Crohn disease and Graves disease.
            """
        XCTAssertEqual(deidentifier.phiSpans(in: text, structured: StructuredPHI()), [])
    }

    func testSurrogatesAreConsistentAndDatesShiftTogether() throws {
        let policy = DeidPolicy(replacement: .surrogates, shiftDates: true)
        let surrogates = RuleDeidentifier(policy: policy, pseudonymizer: Pseudonymizer(key: Array(repeating: 7, count: 32)))
        let report = Report(source: ReportSource(fileName: "r.txt", format: .plainText, claimID: "c1", byteCount: 10),
                            metadata: ReportMetadata(patientID: "MRN-1"),
                            text: "Seen 03/14/2024 by Dr. Alvarez. Follow-up 03/21/2024 with Dr. Alvarez.", receivedAt: Date())
        let text = try surrogates.deidentify(report).report.text
        XCTAssertFalse(text.contains("Alvarez"))
        XCTAssertFalse(text.contains("03/14/2024"))
        let dates = text.split(separator: " ").filter { $0.contains("/") }.map { $0.trimmingCharacters(in: .punctuationCharacters) }
        XCTAssertEqual(dates.count, 2)
        let formatter = DateFormatter()
        formatter.dateFormat = "MM/dd/yyyy"
        formatter.timeZone = TimeZone(identifier: "UTC")
        let days = try XCTUnwrap(formatter.date(from: dates[1])).timeIntervalSince(try XCTUnwrap(formatter.date(from: dates[0]))) / 86_400
        XCTAssertEqual(days, 7, "the interval between a patient's dates is kept: \(text)")
        let names = text.components(separatedBy: "Dr. ").dropFirst().map { $0.prefix { $0.isLetter } }
        XCTAssertEqual(names.count, 2)
        XCTAssertEqual(names[0], names[1], "one person, one surrogate: \(text)")
    }

    func testPolicyFileMistakesNameTheLine() throws {
        let path = NSTemporaryDirectory() + "deid-\(UUID().uuidString).policy"
        try "replacement = surrogates\nshift_dates = maybe\n".write(toFile: path, atomically: true, encoding: .utf8)
        defer { try? FileManager.default.removeItem(atPath: path) }
        XCTAssertThrowsError(try DeidPolicy(contentsOf: path)) {
            XCTAssertEqual("\($0)", "\(path):2: shift_dates must be yes or no")
        }
        let shipped = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent()
            .deletingLastPathComponent().appendingPathComponent("policies/deid.policy").path
        XCTAssertEqual(try DeidPolicy(contentsOf: shipped), DeidPolicy())
    }
}
