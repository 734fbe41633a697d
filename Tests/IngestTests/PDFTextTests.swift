import Foundation
@testable import Ingest
import RaddCore
import XCTest

/// PDFs through poppler's pdftotext in its sandboxed process: as a dropped file, inside an HL7 ED
/// and inside a FHIR presentedForm; a scan, an encrypted, a truncated PDF and a bomb are each
/// refused naming which they are (Fixtures/pdf, see its SOURCE.txt).
final class PDFTextTests: XCTestCase {
    static let fixtures = URL(fileURLWithPath: #filePath).deletingLastPathComponent().appendingPathComponent("Fixtures/pdf")
    static let ankleText = """
        XR ANKLE 3 VIEWS LEFT
        CLINICAL HISTORY: Inversion injury.
        FINDINGS: There is a nondisplaced fracture of the lateral malleolus
        at the level of the tibial plafond (Weber B). The mortise is congruent.

        IMPRESSION: Weber B fracture of the left lateral malleolus.
        """

    func pdf(_ name: String) throws -> [UInt8] {
        [UInt8](try Data(contentsOf: Self.fixtures.appendingPathComponent(name)))
    }

    /// The three ways a PDF arrives, each giving the report or the error for `name`.
    func readEveryWay(_ name: String) throws -> [Result<String, IngestError>] {
        let bytes = try pdf(name)
        let b64 = Data(bytes).base64EncodedString()
        let hl7 = Array(("MSH|^~\\&|RIS|H|R|H|20240101||ORU^R01|1|P|2.5.1\rPID|||MRN1\rOBR|1||ACC1|73610^ANKLE\r"
                         + "OBX|1|ED|PDF^Report||^Application^PDF^Base64^\(b64)||||||F\r").utf8)
        let fhir = Array(#"{"resourceType":"DiagnosticReport","status":"final","code":{"text":"XR ankle"},"presentedForm":[{"contentType":"application/pdf","data":"\#(b64)"}]}"#.utf8)
        func run(_ body: () throws -> [ParsedReport]) -> Result<String, IngestError> {
            do { return .success(try body().map(\.text).joined()) } catch let error as IngestError { return .failure(error) } catch {
                XCTFail("\(error)")
                return .failure(.noText)
            }
        }
        // Every way records that the text came from a PDF: the report's source format is pdf.
        func formats(_ bytes: [UInt8], _ format: SourceFormat) -> [SourceFormat] {
            ((try? ReportReader().normalise(bytes, format: format, fileName: name, claimID: "c").reports) ?? []).map(\.source.format)
        }
        if name == "ankle_report_text.pdf" {
            XCTAssertEqual(formats(bytes, .pdf) + formats(hl7, .hl7v2) + formats(fhir, .fhir), [.pdf, .pdf, .pdf])
        }
        return [
            run { try ReportReader().normalise(bytes, format: .pdf, fileName: name, claimID: "c").reports.map { ParsedReport(text: $0.text) } },
            run { try HL7v2Reader.reports(from: hl7) },
            run { try FHIRReader.reports(from: fhir) },
        ]
    }

    func testATextPDFIsReadWithItsPageBreakAsABlankLine() throws {
        for result in try readEveryWay("ankle_report_text.pdf") {
            XCTAssertEqual(try result.get(), Self.ankleText)
        }
        XCTAssertEqual(ReportReader.format(forExtension: "pdf"), .pdf)
    }

    func testAScanEncryptedOrTruncatedPDFIsRefusedNamingWhichItIs() throws {
        let expected: [(String, PDFProblem)] = [("scanned_image_only.pdf", .noTextLayer), ("encrypted_password.pdf", .encrypted),
                                                ("truncated.pdf", .malformed)]
        let locations: [String?] = [nil, "segment 4 (OBX), field 5", "DiagnosticReport.presentedForm[0]"]
        for (name, problem) in expected {
            for (result, location) in zip(try readEveryWay(name), locations) {
                XCTAssertEqual(result, .failure(.pdf(problem, location: location)), name)
            }
        }
        let reason = IngestError.pdf(.noTextLayer, location: nil).reason(fileName: "scan.pdf")
        XCTAssertEqual(reason, "scan.pdf is a PDF that has no text layer (a scanned image?): radd reads the text of PDFs and does no OCR; export the report as text or a text PDF")
        XCTAssertEqual(IngestError.pdf(.encrypted, location: nil).code, "pdf_encrypted")
    }

    /// Bombs are stopped by the limits (here 2 s of CPU instead of the 10 s raddd allows, to keep
    /// the test short) and named; the caller goes on. The 1 GiB stream runs into the CPU limit,
    /// ten million pages into the memory limit; poppler drops the 100,000-deep arrays with syntax
    /// errors, which leaves a page without text.
    func testABombIsRefusedWithinTheLimits() throws {
        var limits = PDFText.Limits()
        limits.cpuSeconds = 2
        limits.wallSeconds = 4
        for (name, problem) in [("bomb_stream_1gib.pdf", PDFProblem.tooComplex), ("bomb_pages_10m.pdf", .tooComplex),
                                ("bomb_nesting_100k.pdf", .noTextLayer)] {
            let started = Date()
            XCTAssertEqual(try PDFText.extract(try pdf(name), limits: limits), .problem(problem), name)
            XCTAssertLessThan(Date().timeIntervalSince(started), 6, name)
        }
        // The output cap stops a PDF whose text alone is too much.
        limits = PDFText.Limits()
        limits.maxTextBytes = 100
        XCTAssertEqual(try PDFText.extract(try pdf("ankle_report_text.pdf"), limits: limits), .problem(.tooComplex))
        XCTAssertEqual(try PDFText.extract(try pdf("ankle_report_text.pdf")), .text(Self.ankleText))
    }

    func testNotAPDFAtAllIsMalformed() throws {
        XCTAssertEqual(try PDFText.extract(Array("hello".utf8)), .problem(.malformed))
        XCTAssertEqual(try PDFText.extract([]), .problem(.malformed))
    }
}
