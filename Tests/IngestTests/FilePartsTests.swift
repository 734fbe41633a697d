import Foundation
@testable import Ingest
import RaddCore
import XCTest

/// Batches, Bundles and NDJSON are read part by part: a part that fails is set aside with its
/// position, control id and own bytes, and the others are kept (issue 17, part 4).
final class FilePartsTests: XCTestCase {
    static let batch = URL(fileURLWithPath: #filePath).deletingLastPathComponent()
        .appendingPathComponent("Fixtures/hl7-batch/batch_50_with_3_bad.hl7")

    func testBatchOfFiftyWithThreeBadMessagesKeepsTheFortySeven() throws {
        let bytes = [UInt8](try Data(contentsOf: Self.batch))
        let parts = try HL7v2Reader.read(bytes)
        XCTAssertEqual(parts.reports.count, 47)
        XCTAssertEqual(Set(parts.reports.compactMap(\.accession)).count, 47)
        XCTAssertFalse(parts.reports.contains { ["ACC50-0007", "ACC50-0023", "ACC50-0041"].contains($0.accession ?? "") })
        XCTAssertEqual(parts.failures.map(\.location.position), [7, 23, 41])
        XCTAssertEqual(parts.failures.map(\.location.controlID), ["BATCH50-0007", "BATCH50-0023", "BATCH50-0041"])
        XCTAssertEqual(parts.failures.map(\.location.count), [50, 50, 50])
        XCTAssertEqual(parts.failures.map(\.error.code), ["malformed", "malformed", "malformed"])

        // Each failed part is its message alone, no envelope, and fails alone for the same reason.
        for failure in parts.failures {
            let text = String(decoding: failure.bytes, as: UTF8.self)
            XCTAssertTrue(text.hasPrefix("MSH|^~\\&|"), text)
            XCTAssertTrue(text.contains("|\(failure.location.controlID!)|"))
            XCTAssertFalse(text.contains("BHS|") || text.contains("BTS|") || text.contains("FTS|"))
            XCTAssertEqual(text.components(separatedBy: "MSH|").count, 2, "one message only")
            XCTAssertThrowsError(try HL7v2Reader.reports(from: failure.bytes)) { error in
                XCTAssertEqual(error as? IngestError, failure.error)
            }
        }
        // The reason says where, and never quotes the message (the patient's name or the MRN).
        let reason = parts.failures[0].located.reason(fileName: "batch.hl7")
        XCTAssertTrue(reason.hasPrefix("batch.hl7 message 7 of 50 (MSH-10 BATCH50-0007) is not valid HL7 v2: segment 1 (MSH), field 9: message type is ADT^A08"), reason)
        XCTAssertFalse(reason.contains("MRN7001"))
        XCTAssertTrue(parts.failures[1].located.problem.contains("message 23 of 50"))
        XCTAssertTrue(parts.failures[2].located.problem.contains("MDM^T01 is a document notification"), parts.failures[2].located.problem)
        XCTAssertEqual(parts.failures[0].fileName(partOf: "batch.hl7"), "batch.message7.hl7")

        // The whole-file reader (and the reader a drop folder uses) keeps the 47 and names the 3.
        let read = try ReportReader().normalise(bytes, format: .hl7v2, fileName: "batch.hl7", claimID: "cX")
        XCTAssertEqual(read.reports.count, 47)
        XCTAssertEqual(read.failedParts.count, 3)
        XCTAssertEqual(read.notes, ["3 of 50 messages quarantined as files of their own (messages 7, 23, 41)"])
        XCTAssertEqual(read.reports.first?.source.claimID, "cX#1")
        // All or nothing, for callers that want it: the first failure, located.
        XCTAssertThrowsError(try HL7v2Reader.reports(from: bytes)) { error in
            XCTAssertTrue((error as? IngestError)?.problem.hasPrefix("message 7 of 50") ?? false, "\(error)")
        }
    }

    /// A message whose segments break the format fails alone: the messages after it are found by
    /// their MSH, not by reading through the broken one.
    func testStructurallyBrokenMessageFailsAlone() throws {
        let good = "MSH|^~\\&|A|B|C|D|20240101||ORU^R01|OK1|P|2.5\rPID|||1\rOBR|1|X1|X1|71020\rOBX|1|TX|||Clear lungs.||||||F\r"
        let broken = "MSH|^~\\&|A|B|C|D|20240101||ORU^R01|BAD2|P|2.5\rPID|||2\r\u{7}\u{7}junk\rOBX|1|TX|||x||||||F\r"
        let also = good.replacingOccurrences(of: "OK1", with: "OK3").replacingOccurrences(of: "X1", with: "X3")
        let parts = try HL7v2Reader.read(Array((good + broken + also).utf8))
        XCTAssertEqual(parts.reports.map(\.accession), ["X1", "X3"])
        XCTAssertEqual(parts.failures.map(\.location.description), ["message 2 of 3 (MSH-10 BAD2)"])
        // Located in the message's own terms: segment 3 of the part's file.
        XCTAssertEqual(parts.failures.first?.error,
                       .malformed(format: "HL7 v2", location: "segment 3",
                                  problem: "is not an HL7 segment (expected a three-character segment ID followed by the field separator)"))
    }

    /// A control id that is not a short printable token is not shown at all.
    func testControlIDThatIsNotAPlainTokenIsNotShown() throws {
        let message = "MSH|^~\\&|A|B|C|D|20240101||ADT^A01|SMITH JOHN 1950-01-01 and more text than a control id|P|2.5\r"
        let good = "MSH|^~\\&|A|B|C|D|20240101||ORU^R01|OK1|P|2.5\rOBR|1|X1|X1|71020\rOBX|1|TX|||Clear lungs.||||||F\r"
        let parts = try HL7v2Reader.read(Array((message + good).utf8))
        XCTAssertEqual(parts.failures.first?.location.description, "message 1 of 2 (no MSH-10)")
    }

    func testEveryMessageFailingQuarantinesTheFileWithTheFirstReason() throws {
        let adt = "MSH|^~\\&|A|B|C|D|20240101||ADT^A01|M1|P|2.5\rPID|||1\r"
        let parts = try HL7v2Reader.read(Array((adt + adt.replacingOccurrences(of: "M1", with: "M2")).utf8))
        XCTAssertThrowsError(try parts.settled()) { error in
            let problem = (error as? IngestError)?.problem ?? ""
            XCTAssertTrue(problem.hasPrefix("message 1 of 2 (MSH-10 M1) is not valid HL7 v2"), problem)
            XCTAssertTrue(problem.hasSuffix("nothing in the file could be stored: 1 other message failed too"), problem)
            XCTAssertEqual((error as? IngestError)?.code, "malformed")
        }
        // One message alone keeps its own reason, as before batches were split.
        XCTAssertThrowsError(try HL7v2Reader.read(Array(adt.utf8)).settled()) { error in
            XCTAssertFalse(((error as? IngestError)?.problem ?? "").hasPrefix("message"), "\(error)")
        }
    }

    func testBundleEntryThatFailsIsSetAsideAsItsOwnResource() throws {
        let bundle = """
            {"resourceType": "Bundle", "type": "collection", "entry": [
              {"resource": {"resourceType": "Patient", "id": "p1"}},
              {"resource": {"resourceType": "DiagnosticReport", "id": "r1", "status": "final",
                            "code": {"text": "CT head"}, "conclusion": "No acute intracranial abnormality."}},
              {"resource": {"resourceType": "DiagnosticReport", "id": "r2", "status": "final",
                            "code": {"text": "CT chest"}, "subject": {"reference": "Patient/p1"}}},
              {"resource": {"resourceType": "DiagnosticReport", "id": "r3", "status": "final",
                            "code": {"text": "XR chest"}, "conclusion": "Clear lungs."}}
            ]}
            """
        let parts = try FHIRReader.read(Array(bundle.utf8))
        XCTAssertEqual(parts.reports.map(\.text), ["No acute intracranial abnormality.", "Clear lungs."])
        let failure = try XCTUnwrap(parts.failures.first)
        XCTAssertEqual(parts.failures.count, 1)
        XCTAssertEqual(failure.location.description, "Bundle entry[2] (DiagnosticReport id r2)")
        XCTAssertEqual(failure.fileName(partOf: "export.json"), "export.entry2.json")
        // The part is the DiagnosticReport alone, and fails alone the same way.
        let resource = try XCTUnwrap(try JSONSerialization.jsonObject(with: Data(failure.bytes)) as? [String: Any])
        XCTAssertEqual(resource["id"] as? String, "r2")
        XCTAssertThrowsError(try FHIRReader.reports(from: failure.bytes)) { error in
            XCTAssertEqual((error as? IngestError)?.code, failure.error.code)
        }
    }

    func testNDJSONLineThatFailsIsSetAsideAndTheOthersKept() throws {
        let lines = [
            #"{"resourceType":"DiagnosticReport","id":"a","status":"final","code":{"text":"XR"},"conclusion":"Normal chest."}"#,
            #"{"resourceType":"DiagnosticReport","id":"b","status":"final","code":{"text":"XR"},"conclusion":"#,
            #"{"resourceType":"Patient","id":"p"}"#,
            "",
            #"{"resourceType":"DiagnosticReport","id":"d","status":"final","code":{"text":"XR"},"conclusion":"Small effusion."}"#,
        ]
        let parts = try FHIRReader.read(Array(lines.joined(separator: "\n").utf8))
        XCTAssertEqual(parts.reports.map(\.text), ["Normal chest.", "Small effusion."])
        XCTAssertEqual(parts.failures.map(\.location.description), ["line 2", "line 3"])
        XCTAssertEqual(parts.failures.map(\.location.count), [4, 4])
        XCTAssertEqual(parts.failures.first.map { String(decoding: $0.bytes, as: UTF8.self) }, lines[1] + "\n")
        XCTAssertEqual(parts.failures.first?.fileName(partOf: "bulk.ndjson"), "bulk.line2.ndjson")
    }
}
