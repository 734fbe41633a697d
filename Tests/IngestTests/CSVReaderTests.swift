@testable import Ingest
import Foundation
import RaddCore
import XCTest

final class CSVReaderTests: XCTestCase {
    static let fixtures = URL(fileURLWithPath: #filePath).deletingLastPathComponent()
        .appendingPathComponent("Fixtures/csv")

    func fixture(_ name: String) throws -> [UInt8] {
        [UInt8](try Data(contentsOf: Self.fixtures.appendingPathComponent(name)))
    }

    func read(_ text: String, _ mapping: CSVReader.Mapping = .automatic) throws -> [ParsedReport] {
        try CSVReader(mapping: mapping).reports(from: Array(text.utf8))
    }

    func assertMalformed(_ bytes: [UInt8], _ mapping: CSVReader.Mapping = .automatic, location: String, problem: String,
                         file: StaticString = #filePath, line: UInt = #line) {
        XCTAssertThrowsError(try CSVReader(mapping: mapping).reports(from: bytes), file: file, line: line) { error in
            XCTAssertEqual(error as? IngestError, .malformed(format: "CSV", location: location, problem: problem),
                           file: file, line: line)
        }
    }

    // MARK: samples

    func testOpenIExcerptSkipsItsRowWithoutTextAndSaysWhichLine() throws {
        // uid 16 (line 13) has no indication, comparison, findings or impression.
        let result = try CSVReader().read(try fixture("openi_reports_first40.csv"))
        XCTAssertEqual(result.reports.count, 39)
        XCTAssertEqual(result.skippedLines, [13])
        XCTAssertFalse(result.reports.contains { $0.accession == "16" })
    }

    func testARejectingMappingMakesARowWithoutTextMalformed() throws {
        assertMalformed(try fixture("openi_reports_first40.csv"), CSVReader.Mapping(rowsWithoutText: .reject),
                        location: "line 13", problem: "no report text")
    }

    func testOpenIExcerptJoinsTheSectionColumnsUnderHeadings() throws {
        let reports = try CSVReader(mapping: CSVReader.Mapping(rowsWithoutText: .skip))
            .reports(from: try fixture("openi_reports_first40.csv"))
        XCTAssertEqual(reports.count, 39)
        XCTAssertEqual(reports[0], ParsedReport(accession: "1", text: """
            INDICATION: Positive TB test
            COMPARISON: None.
            FINDINGS: The cardiac silhouette and mediastinum size are within normal limits. There is no pulmonary edema. There is no focal consolidation. There are no XXXX of a pleural effusion. There is no evidence of pneumothorax.
            IMPRESSION: Normal chest x-XXXX.
            """))
        XCTAssertEqual(reports[1], ParsedReport(accession: "2", text: """
            INDICATION: Preop bariatric surgery.
            COMPARISON: None.
            FINDINGS: Borderline cardiomegaly. Midline sternotomy XXXX. Enlarged pulmonary arteries. Clear lungs. Inferior XXXX XXXX XXXX.
            IMPRESSION: No acute pulmonary findings.
            """))
        // uid 3: empty comparison and findings are left out.
        XCTAssertEqual(reports[2].accession, "3")
        XCTAssertEqual(reports[2].text, """
            INDICATION: rib pain after a XXXX, XXXX XXXX steps this XXXX. Pain to R back, R elbow and R rib XXXX, no previous heart or lung hx, non-XXXX, no hx ca
            IMPRESSION: No displaced rib fractures, pneumothorax, or pleural effusion identified. Well-expanded and clear lungs. Mediastinal contour within normal limits. No acute cardiopulmonary abnormality identified.
            """)
        XCTAssertFalse(reports.contains { $0.accession == "16" })
        XCTAssertEqual(reports.last?.accession, "57")
        XCTAssertEqual(reports.last?.text, """
            INDICATION: XXXX-year-old female with history of pneumonia, followup study
            FINDINGS: The tracheostomy tube tip is 5 cm above the carina. There are prominent diffuse bilateral interstitial opacities, stable from prior radiographs. There is no focal airspace consolidation. No pleural effusion. No pneumothorax. Heart size is within normal limits. There are mild degenerative changes of the spine.
            IMPRESSION: 1. No focal airspace consolidation. 2. Prominent bilateral interstitial opacities, stable from prior radiographs.
            """)
        XCTAssertTrue(reports.allSatisfy { $0.status == .final && $0.patientID == nil && !$0.text.contains("normal;") })
        let sections = ReportSections(parsing: reports[0].text)
        XCTAssertEqual(sections.impression, "Normal chest x-XXXX.")
    }

    func testCheXpertHeaderlessOneColumnLayout() throws {
        let reports = try CSVReader().reports(from: try fixture("chexpert_labeler_sample_reports.csv"))
        XCTAssertEqual(reports.count, 4)
        XCTAssertTrue(reports.allSatisfy { $0.accession == nil })
        XCTAssertEqual(reports[0].text, "Heart size normal and lungs are clear. No edema or pneumonia. No effusion")
        XCTAssertEqual(reports[1].text, """
            1. Left pleural effusion with adjacent atelectasis. Right effusion is also present.

            2. Cardiomegaly without overt edema.
            """)
        XCTAssertEqual(reports[3].text, "1. Stable mild cardiomegaly. 2. Hyperexpanded but clear lungs.")
        XCTAssertEqual(try CSVReader(mapping: .chexpert).reports(from: try fixture("chexpert_labeler_sample_reports.csv")), reports)
    }

    // MARK: RFC 4180

    func testQuotedNewlinesEscapedQuotesAndCommas() throws {
        let reports = try read("id,report\nA1,\"FINDINGS: \"\"Mild\"\" cardiomegaly, stable.\r\nIMPRESSION: Stable.\"\nA2,Plain\n")
        XCTAssertEqual(reports, [
            ParsedReport(accession: "A1", text: "FINDINGS: \"Mild\" cardiomegaly, stable.\nIMPRESSION: Stable."),
            ParsedReport(accession: "A2", text: "Plain"),
        ])
    }

    func testCRLFRecordsWithoutTrailingNewlineAndBlankLines() throws {
        let reports = try read("Accession_Number,Report_Text,MRN,Study_Date,Status\r\n\r\n"
                               + "X9,Normal.,P77,2024-03-05 08:15,amended\r\nX10,Clear.,P78,20240306,P")
        XCTAssertEqual(reports, [
            ParsedReport(accession: "X9", patientID: "P77", observedAt: "2024-03-05T08:15", status: .corrected, text: "Normal."),
            ParsedReport(accession: "X10", patientID: "P78", observedAt: "2024-03-06", status: .preliminary, text: "Clear."),
        ])
    }

    func testUTF8ByteOrderMarkIsDropped() throws {
        let reports = try CSVReader().reports(from: [0xEF, 0xBB, 0xBF] + Array("id,text\n1,Pneumothorax résolu\n".utf8))
        XCTAssertEqual(reports, [ParsedReport(accession: "1", text: "Pneumothorax résolu")])
    }

    func testWindows1252WhenNotUTF8() throws {
        let bytes = Array("id,report\n7,".utf8) + [0x93] + Array("Caf".utf8) + [0xE9, 0x94, 0x20, 0x96, 0x20, 0x80, 0x0A]
        XCTAssertEqual(try CSVReader().reports(from: bytes), [ParsedReport(accession: "7", text: "“Café” – €")])
    }

    func testABOMPromisesUTF8() {
        let bytes: [UInt8] = [0xEF, 0xBB, 0xBF] + Array("id,report\n1,".utf8) + [0xE9, 0x0A]
        XCTAssertThrowsError(try CSVReader().reports(from: bytes)) { error in
            XCTAssertEqual(error as? IngestError, .invalidUTF8(offset: 15))
        }
    }

    func testUnterminatedQuoteNamesTheLineWhereTheFieldStarted() {
        assertMalformed(Array("id,report\n1,ok\n2,\"never\nclosed\n\n".utf8), location: "line 3", problem: "quoted field never closed")
    }

    func testRaggedRowNamesTheLine() {
        assertMalformed(Array("id,report\n1,ok\n2,\"multi\nline\"\n3,a,b\n".utf8), location: "line 5",
                        problem: "row has 3 fields where the header has 2")
    }

    func testTextAfterAClosingQuote() {
        assertMalformed(Array("id,report\n1,\"say \"no\" here\"\n".utf8), location: "line 2",
                        problem: "text after the closing quote of field 2 (an unescaped quote inside a quoted field?)")
    }

    // MARK: mapping

    func testExplicitMappingJoinsTextColumnsWithHeadings() throws {
        let mapping = CSVReader.Mapping(id: "Exam Ref", text: ["findings", "Impression"], patient: "pid", date: "when")
        let reports = try read("Exam Ref,pid,when,findings,impression,report\nE1,9,2024-01-02,Clear lungs.,Normal.,ignored\n", mapping)
        XCTAssertEqual(reports, [ParsedReport(accession: "E1", patientID: "9", observedAt: "2024-01-02",
                                              text: "FINDINGS: Clear lungs.\nIMPRESSION: Normal.")])
    }

    func testMissingMappedColumnIsNamed() {
        assertMalformed(Array("id,report\n1,x\n".utf8), CSVReader.Mapping(text: ["body"]), location: "line 1 (header)",
                        problem: "no column named \"body\", which the mapping gives for the text")
    }

    func testHeaderWithoutTextColumn() {
        assertMalformed(Array("id,mesh\n1,x\n".utf8), location: "line 1 (header)",
                        problem: "no report text column (expected report, report_text, text, or findings/impression, or a column mapping)")
    }

    func testOneColumnWithKnownHeaderIsNotHeaderless() throws {
        XCTAssertEqual(try read("Report\nNormal chest.\n"), [ParsedReport(text: "Normal chest.")])
    }

    func testHeaderOnlyAndBlankRows() {
        assertMalformed(Array("id,report\r\n".utf8), location: "line 1", problem: "no rows")
        assertMalformed(Array("id,report\n1,  \n".utf8), CSVReader.Mapping(rowsWithoutText: .reject), location: "line 2",
                        problem: "no report text")
        assertMalformed(Array("id,report\n1,  \n".utf8), CSVReader.Mapping(rowsWithoutText: .skip), location: "line 1",
                        problem: "no row has report text")
    }

    func testBadDateAndStatusNameTheLineNotTheValue() {
        assertMalformed(Array("id,report,date\n1,x,03/05/2024\n".utf8), location: "line 2",
                        problem: "the date column is not a date in a supported form (YYYY-MM-DD, YYYY-MM-DD[T ]HH:MM[:SS], YYYYMMDD[HHMM[SS]])")
        assertMalformed(Array("id,report,status\n1,x,draft\n".utf8), location: "line 2",
                        problem: "the status column is not final, preliminary or corrected")
    }

    func testBinaryAndEmptyInput() {
        XCTAssertThrowsError(try CSVReader().reports(from: Array("id,report\n1,".utf8) + [0, 1])) { error in
            XCTAssertEqual(error as? IngestError, .binaryContent(offset: 12))
        }
        XCTAssertThrowsError(try CSVReader().reports(from: Array(" \r\n".utf8))) { error in
            XCTAssertEqual(error as? IngestError, .noText)
        }
    }

    /// The whole Open-i export: every report with text is read, and the 21 without are named by line.
    func testTheWholeOpenIExportIsReadAndItsEmptyRowsAreNamed() throws {
        let result = try CSVReader().read(try fixture("openi_reports.csv"))
        XCTAssertEqual(result.reports.count, 3059)
        XCTAssertEqual(result.skippedLines.count, 21)
        XCTAssertEqual(result.skippedLines.first, 13)
        XCTAssertEqual(Set(result.reports.compactMap(\.accession)).count, 3059, "every report keeps its own uid")
        XCTAssertTrue(result.reports.allSatisfy { !$0.text.isEmpty && $0.status == .final })
        let sections = result.reports.map { ReportSections(parsing: $0.text) }
        XCTAssertGreaterThan(sections.filter { $0.impression != nil }.count, 3000)
    }
}
