import Foundation
import RaddCore
@testable import Store
import XCTest

/// `raddctl export labels` through a real raddd: columns, rows, pseudonyms as the join key,
/// shifted dates, no identifiers, file mode, and the audit record's row count.
final class ExportCommandTests: XCTestCase {
    static let hl7 = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent()
        .appendingPathComponent("IngestTests/Fixtures/hl7/dcm4che_ORU_R01_v231_findings.hl7")

    func parseCSV(_ text: String) -> [[String]] { strictCSV(text) }

    func testLabelExportsCarryPseudonymsShiftedDatesAndFindingsAndNothingIdentifying() throws {
        let harness = try DaemonHarness()
        try harness.start(extraArguments: ["--tasks", "chestxray14", "--task-dir", LabelingDaemonTests.tasks, "--settle-time", "0"])
        // The sample carries its date in OBR-6 only; give it an observation time (OBR-7) too.
        let message = String(decoding: try Data(contentsOf: Self.hl7), as: UTF8.self)
            .replacingOccurrences(of: "||20010501141500.0000||", with: "||20010501141500.0000|20010501141500|")
        XCTAssertTrue(message.contains("|20010501141500|"))
        try harness.drop("mesa.hl7", bytes: Data(message.utf8))
        try harness.drop("e1.txt", "FINDINGS: Small left pleural effusion. No pneumothorax.\n")
        try harness.drop("e2.txt", "IMPRESSION: Lungs are clear.\n")
        try DaemonHarness.waitFor("three reports labelled") {
            let reports = try harness.allReports()
            return reports.count == 3 && reports.allSatisfy { $0.state == "labelled" }
        }

        let csvPath = harness.root + "/labels.csv", jsonPath = harness.root + "/labels.jsonl"
        let csv = harness.raddctl(["export", "labels", "--task", "chestxray14", "--format", "csv", "--out", csvPath])
        XCTAssertEqual(csv.status, 0, csv.stderr)
        XCTAssertTrue(csv.stderr.contains("wrote 3 rows"), csv.stderr)
        let json = harness.raddctl(["export", "labels", "--labeler", "rules", "--format", "jsonl", "--out", jsonPath])
        XCTAssertEqual(json.status, 0, json.stderr)
        var info = stat()
        XCTAssertEqual(stat(csvPath, &info), 0)
        XCTAssertEqual(info.st_mode & 0o777, 0o600)

        let csvText = try String(contentsOfFile: csvPath, encoding: .utf8)
        let rows = parseCSV(csvText)
        let header = try XCTUnwrap(rows.first)
        XCTAssertEqual(Array(header.prefix(6)), ["report_id", "patient_pseudonym", "accession_pseudonym", "exam_date", "modality", "exam_code"])
        XCTAssertEqual(Array(header.suffix(7)), ["labeler", "labeler_version", "model", "prompt_hash", "task_version", "labelled_at",
                                                 "language"])
        XCTAssertTrue(header.contains("Effusion") && header.contains("Pneumothorax"))
        XCTAssertEqual(rows.count, 4, "a header and one row per report")
        XCTAssertTrue(rows.allSatisfy { $0.count == header.count }, "every row parses to the header's width")
        let effusion = try XCTUnwrap(header.firstIndex(of: "Effusion"))
        let pneumothorax = try XCTUnwrap(header.firstIndex(of: "Pneumothorax"))
        let e1 = try XCTUnwrap(rows.first { $0[effusion] == "1.0" })
        XCTAssertEqual(e1[pneumothorax], "0.0")
        XCTAssertEqual(e1[header.count - 7], "rules", "the final label's source")
        XCTAssertEqual(e1[header.count - 1], "en", "the report's language")

        let objects = try String(contentsOfFile: jsonPath, encoding: .utf8).split(separator: "\n").map { line in
            try XCTUnwrap(try JSONSerialization.jsonObject(with: Data(line.utf8)) as? [String: Any])
        }
        XCTAssertEqual(objects.count, 3)
        XCTAssertTrue(objects.contains { $0["Effusion"] as? Double == 1.0 })
        XCTAssertTrue(objects.allSatisfy { $0["Cardiomegaly"] is NSNull || $0["Cardiomegaly"] is Double })

        // Nothing from the HL7 message's identifiers; its pseudonyms and shifted date instead.
        let exported = csvText + (try String(contentsOfFile: jsonPath, encoding: .utf8))
        for identifier in ["P33", "Shawn", "Mendes", "ACC1", "A601Z", "B601Z", "2001-05-01", "20010501", "19500131"] {
            XCTAssertFalse(exported.contains(identifier), "\(identifier) must not be exported")
        }
        XCTAssertEqual(harness.stop().status, 0)
        let store = try ReportStore(path: harness.databasePath, key: DatabaseKey(hex: harness.keyHex))
        defer { store.close() }
        let pseudonymizer = try XCTUnwrap(store.pseudonymizer)
        let patient = pseudonymizer.pseudonym("P33")
        let hl7Row = try XCTUnwrap(rows.first { $0[1] == patient }, "the patient pseudonym is HMAC(key, PID-3)")
        let expectedDate = try XCTUnwrap(pseudonymizer.shiftedDate("2001-05-01", patientPseudonym: patient))
        XCTAssertEqual(hl7Row[3], expectedDate)
        XCTAssertLessThan(hl7Row[3], "2001-05-01", "moved back")
        XCTAssertGreaterThanOrEqual(hl7Row[3], "2000-05-01", "by at most a year")
        let exports = try store.audit.records(limit: 1000).filter { $0.event == "export" }
        XCTAssertEqual(exports.count, 2)
        XCTAssertTrue(exports.allSatisfy { $0.object?.hasSuffix("rows=3") == true }, "\(exports.map(\.object))")
    }

    func testTheDateShiftIsThePatientsOwnAndKeepsIntervals() throws {
        let pseudonymizer = Pseudonymizer(key: [UInt8](repeating: 7, count: 32))
        let shift = pseudonymizer.dateShiftDays(patientPseudonym: "abc")
        XCTAssertTrue((1...365).contains(shift))
        let first = try XCTUnwrap(pseudonymizer.shiftedDate("2024-03-01T10:00:00", patientPseudonym: "abc"))
        let second = try XCTUnwrap(pseudonymizer.shiftedDate("20240311", patientPseudonym: "abc"))
        let formatter = ISO8601DateFormatter()
        formatter.formatOptions = [.withFullDate]
        let days = try XCTUnwrap(formatter.date(from: second)).timeIntervalSince(try XCTUnwrap(formatter.date(from: first))) / 86_400
        XCTAssertEqual(days, 10, "ten days apart before and after")
        XCTAssertNil(pseudonymizer.shiftedDate("2024-02-30", patientPseudonym: "abc"))
        XCTAssertNil(pseudonymizer.shiftedDate("2024-03-01", patientPseudonym: nil))
        let shifts = Set((0..<50).map { pseudonymizer.dateShiftDays(patientPseudonym: "patient-\($0)") })
        XCTAssertGreaterThan(shifts.count, 30, "patients are shifted by different amounts")
    }
}
