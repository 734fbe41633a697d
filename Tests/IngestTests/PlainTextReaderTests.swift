@testable import Ingest
import RaddCore
import XCTest

final class PlainTextReaderTests: XCTestCase {
    func read(_ text: String) throws -> ParsedReport {
        let reports = try PlainTextReader.reports(from: Array(text.utf8))
        XCTAssertEqual(reports.count, 1)
        return reports[0]
    }

    func testHeaderLinesBecomeFieldsAndLeaveTheText() throws {
        let report = try read("""
            Accession: ACC-7781
            Patient ID: 00412
            Exam: XR CHEST PA AND LATERAL
            Exam Code: 71046
            Modality: CR
            Date: 2024-03-05T08:15
            Report Date: 20240305093000
            Status: corrected

            FINDINGS: No pleural effusion.
            IMPRESSION: Normal chest.
            """)
        XCTAssertEqual(report, ParsedReport(
            accession: "ACC-7781", patientID: "00412", examCode: "71046", examDescription: "XR CHEST PA AND LATERAL",
            modality: "CR", observedAt: "2024-03-05T08:15", reportedAt: "2024-03-05T09:30:00", status: .corrected,
            text: "FINDINGS: No pleural effusion.\nIMPRESSION: Normal chest."))
    }

    func testAReportWithoutHeadersIsAllText() throws {
        let text = "FINDINGS: Heart size normal.\nStatus of the lines: unchanged.\n"
        let report = try read(text)
        XCTAssertEqual(report.text, text)
        XCTAssertNil(report.accession)
        XCTAssertEqual(report.status, .final)
    }

    func testTheBodyKeepsItsOwnLineEnds() throws {
        let report = try read("Accession: 9\r\n\r\nLine one.\r\nLine two.\r\n")
        XCTAssertEqual(report.accession, "9")
        XCTAssertEqual(report.text, "Line one.\r\nLine two.\r\n")
    }

    func testBadHeaderValuesNameTheLineButNotTheValue() {
        XCTAssertThrowsError(try read("Accession: 1\nDate: 03/05/2024\n\nNormal.")) { error in
            XCTAssertEqual((error as? IngestError)?.code, "malformed")
            let message = (error as? IngestError)?.problem ?? ""
            XCTAssertTrue(message.contains("line 2") && !message.contains("03/05/2024"), message)
        }
        XCTAssertThrowsError(try read("Status: maybe\n\nNormal.")) { error in
            XCTAssertTrue(((error as? IngestError)?.problem ?? "").contains("line 1"))
        }
        XCTAssertThrowsError(try read("Accession: 12\n\n  \n")) { XCTAssertEqual($0 as? IngestError, .noText) }
    }
}

final class ReportSectionsTests: XCTestCase {
    func testRecognisedHeadingsSplitTheReport() {
        let sections = ReportSections(parsing: """
            EXAM: Chest, 2 views.
            Clinical History: Cough for 3 weeks.
            COMPARISON: None.
            TECHNIQUE: PA and lateral.
            FINDINGS: The heart is normal in size.
            The lungs are clear.
            Impression:
            1. No acute disease.
            """)
        XCTAssertEqual(sections, ReportSections(
            indication: "Cough for 3 weeks.", comparison: "None.",
            findings: "The heart is normal in size.\nThe lungs are clear.", impression: "1. No acute disease."))
    }

    func testTextWithoutHeadingsHasNoSections() {
        XCTAssertEqual(ReportSections(parsing: "Heart size normal and lungs are clear. No edema: none."), ReportSections())
    }
}
