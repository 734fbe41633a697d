import Foundation
@testable import Ingest
import RaddCore
import XCTest

/// Messages as older RIS, dictation systems and integration engines send them
/// (Fixtures/hl7-variants, see its SOURCE.txt). Expected values are read off the raw files.
final class HL7v2VariantsTests: XCTestCase {
    static let fixtures = URL(fileURLWithPath: #filePath).deletingLastPathComponent()
        .appendingPathComponent("Fixtures/hl7-variants")

    func reports(_ name: String) throws -> [ParsedReport] {
        try HL7v2Reader.reports(from: [UInt8](try Data(contentsOf: Self.fixtures.appendingPathComponent(name))))
    }

    func testVersion22ORU() throws {
        let reports = try reports("oru_r01_v22.hl7")
        XCTAssertEqual(reports.count, 1)
        let report = try XCTUnwrap(reports.first)
        XCTAssertEqual(report.accession, "A97-22817")
        XCTAssertEqual(report.examCode, "71020")
        XCTAssertEqual(report.observedAt, "1997-03-14T08:15:00")
        XCTAssertEqual(report.status, .final)
        XCTAssertEqual(report.text, "CHEST, PA AND LATERAL:\nThe heart is normal in size. The lungs are clear. No pleural effusion or pneumothorax.\nIMPRESSION: No acute cardiopulmonary disease.")
    }

    /// v2.1 sends the message type alone in MSH-9 ("ORU"), and no character set field.
    func testVersion21ORUWithoutTriggerEvent() throws {
        let report = try XCTUnwrap(try reports("oru_v21.hl7").first)
        XCTAssertEqual(report.accession, "RAD4471")
        XCTAssertEqual(report.examDescription, "ANKLE 3 VIEWS RIGHT")
        XCTAssertTrue(report.text.hasPrefix("RIGHT ANKLE, THREE VIEWS:\nThere is an oblique fracture"), report.text)
        XCTAssertTrue(report.text.hasSuffix("IMPRESSION: Weber B fracture of the right distal fibula."), report.text)
    }

    func testMDMOriginalDocument() throws {
        let reports = try reports("mdm_t02_original.hl7")
        XCTAssertEqual(reports.count, 1)
        let report = try XCTUnwrap(reports.first)
        XCTAssertEqual(report.accession, "DOC-88213")
        XCTAssertEqual(report.examCode, "RAD")
        XCTAssertEqual(report.examDescription, "Radiology report")
        XCTAssertEqual(report.observedAt, "2024-03-14T08:45:00")
        XCTAssertEqual(report.reportedAt, "2024-03-14T08:50:00")
        XCTAssertEqual(report.patientID, "MRN55120")
        XCTAssertEqual(report.status, .preliminary, "TXA-17 DO: documented, not yet authenticated")
        XCTAssertEqual(report.text, "CT ABDOMEN AND PELVIS WITH CONTRAST\nFINDINGS: Mild hepatic steatosis. No focal liver lesion. The appendix is normal.\nIMPRESSION: No acute abdominal or pelvic process.")
    }

    /// A replacement and an addendum are keyed by the parent document (TXA-13), so that they
    /// supersede the stored version as a corrected ORU result does.
    func testMDMReplacementAndAddendumSupersedeTheirParent() throws {
        let replacement = try XCTUnwrap(try reports("mdm_t10_replacement.hl7").first)
        XCTAssertEqual(replacement.accession, "DOC-88213")
        XCTAssertEqual(replacement.status, .corrected)
        XCTAssertTrue(replacement.text.contains("Small fat-containing umbilical hernia."))
        let addendum = try XCTUnwrap(try reports("mdm_t06_addendum.hl7").first)
        XCTAssertEqual(addendum.accession, "DOC-88213")
        XCTAssertEqual(addendum.status, .corrected)
        XCTAssertEqual(addendum.text, "ADDENDUM: Comparison with the outside CT of 2023 shows the hernia is unchanged.\nIMPRESSION: Stable small umbilical hernia.")
    }

    func testMDMNotificationWithoutContentIsRefusedWithThatReason() throws {
        XCTAssertThrowsError(try reports("mdm_t01_notification.hl7")) { error in
            guard case IngestError.malformed(_, let location, let problem) = error else { return XCTFail("\(error)") }
            XCTAssertEqual(location, "segment 1 (MSH), field 9")
            XCTAssertTrue(problem.contains("MDM^T01 is a document notification without the document's text"), problem)
        }
    }

    func testOBXTextWithoutAnyOBRIsAReportKeyedByTheORC() throws {
        let reports = try reports("oru_obx_first_no_obr.hl7")
        XCTAssertEqual(reports.count, 1)
        XCTAssertEqual(reports[0].accession, "FL-6612")
        XCTAssertEqual(reports[0].text, "Single frontal view of the chest.\nThe lungs are clear. There is no pneumothorax.\nIMPRESSION: Normal chest radiograph.")
    }

    func testOBXBeforeTheOBRBelongsToIt() throws {
        let reports = try reports("oru_obx_before_obr.hl7")
        XCTAssertEqual(reports.count, 1)
        XCTAssertEqual(reports[0].accession, "FL-6650")
        XCTAssertEqual(reports[0].examCode, "73560")
        XCTAssertEqual(reports[0].text, "Right knee, two views. Small joint effusion. No fracture.\nIMPRESSION: Small effusion, no fracture.")
    }

    /// Document-level statuses and retractions: TXA-17 and TXA-19.
    func testDocumentStatuses() throws {
        func mdm(_ event: String, completion: String, availability: String = "AV") -> [UInt8] {
            Array(("MSH|^~\\&|D|H|R|H|20240101||MDM^\(event)|1|P|2.6\r"
                   + "TXA|1|RAD|TX|20240101||||||||DOC-1|DOC-0||||\(completion)||\(availability)\r"
                   + "OBX|1|TX|||Text.\r").utf8)
        }
        XCTAssertEqual(try HL7v2Reader.reports(from: mdm("T02", completion: "AU")).first?.status, .final)
        XCTAssertEqual(try HL7v2Reader.reports(from: mdm("T02", completion: "LA")).first?.accession, "DOC-1")
        XCTAssertEqual(try HL7v2Reader.reports(from: mdm("T04", completion: "IP")).first?.status, .preliminary)
        XCTAssertEqual(try HL7v2Reader.reports(from: mdm("T08", completion: "AU")).first?.status, .corrected)
        XCTAssertEqual(try HL7v2Reader.reports(from: mdm("T08", completion: "AU")).first?.accession, "DOC-0")
        XCTAssertThrowsError(try HL7v2Reader.reports(from: mdm("T02", completion: "AU", availability: "OB")))
        XCTAssertThrowsError(try HL7v2Reader.reports(from: Array("MSH|^~\\&|D|H|R|H|20240101||MDM^T02|1|P|2.6\rOBX|1|TX|||Text.\r".utf8))) {
            guard case IngestError.malformed(_, _, let problem) = $0 else { return XCTFail("\($0)") }
            XCTAssertTrue(problem.contains("before the TXA"), problem)
        }
    }
}
