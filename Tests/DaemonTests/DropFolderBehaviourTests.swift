import Foundation
import Store
import XCTest
#if canImport(Glibc)
import Glibc
#endif

/// What integration engineers expect of the watched folders, through the real raddd and raddctl:
/// several folders with their own formats, re-sent and corrected reports, settle time, limits,
/// archived originals and operator commands on the quarantine.
final class DropFolderBehaviourTests: XCTestCase {
    static let fixtures = URL(fileURLWithPath: #filePath).deletingLastPathComponent()
        .deletingLastPathComponent().appendingPathComponent("IngestTests/Fixtures")

    struct Shown: Decodable {
        struct Summary: Decodable {
            var id: Int64
            var state: String
            var status: String?
            var folder: String?
            var format: String
            var accessionPseudonym: String?
            var patientPseudonym: String?
            var examDescription: String?
            var modality: String?
            var observedAt: String?
            var supersededBy: Int64?
        }
        var report: Summary
        var text: String
        var sections: [String: String]
    }

    struct QuarantineList: Decodable {
        struct File: Decodable {
            var claim: String
            var folder: String
            var fileName: String?
            var reason: String
            var state: String
        }
        var files: [File]
    }

    func shown(_ harness: DaemonHarness, _ id: Int64) throws -> Shown {
        try harness.decode(Shown.self, harness.raddctl(["report", "\(id)", "--json"]))
    }

    func waitFor(_ what: String, timeout: TimeInterval = 15, file: StaticString = #filePath, line: UInt = #line,
                 _ condition: () throws -> Bool) throws {
        try DaemonHarness.waitFor(what, timeout: timeout, file: file, line: line, condition)
    }

    /// An ORU^R01 with the accession in OBR-3 and the status in OBR-25 and OBX-11.
    func oru(accession: String, status: String, text: String, control: String) -> String {
        var obr = Array(repeating: "", count: 26)
        obr[0] = "OBR"; obr[1] = "1"; obr[2] = "ORD-" + accession; obr[3] = accession
        obr[4] = "71046^XR CHEST 2 VIEWS^CPT"; obr[7] = "20240301100000"; obr[22] = "20240301101000"
        obr[24] = "CR"; obr[25] = status
        return [
            "MSH|^~\\&|RIS|HOSP|RADD|HOSP|20240301101500||ORU^R01|\(control)|P|2.5.1",
            "PID|1||MRN778899^^^HOSP^MR||DOE^JANE||19600101|F",
            obr.joined(separator: "|"),
            "OBX|1|TX|71046^XR CHEST^CPT||\(text)||||||\(status)",
        ].joined(separator: "\r") + "\r"
    }

    func testTheWholeOpenIExportIsStoredAndItsRowsWithoutTextAreRecorded() throws {
        let harness = try DaemonHarness()
        try harness.start()
        let data = try Data(contentsOf: Self.fixtures.appendingPathComponent("csv/openi_reports.csv"))
        try harness.drop("openi_reports.csv", bytes: data)
        try waitFor("3,059 Open-i reports", timeout: 60) { try harness.allReports().count == 3059 }
        XCTAssertEqual(visibleFiles(harness.dropDir), [])
        XCTAssertEqual(visibleFiles(harness.quarantineDir), [])
        let first = try shown(harness, 1)
        XCTAssertEqual(first.report.format, "csv")
        XCTAssertEqual(first.report.accessionPseudonym?.count, 64, "uid 1 is kept only as a pseudonym")
        XCTAssertEqual(first.sections["indication"], "Positive TB test")
        XCTAssertEqual(first.sections["impression"], "Normal chest x-XXXX.")
        XCTAssertTrue(harness.log.contains("21 CSV rows without report text skipped (lines 13, "), harness.log)
        XCTAssertEqual(harness.stop().status, 0)
        let store = try ReportStore(path: harness.databasePath, key: DatabaseKey(hex: harness.keyHex))
        defer { store.close() }
        let file = try XCTUnwrap(try store.settledFiles().first)
        XCTAssertEqual(file.reportsNew, 3059)
        XCTAssertTrue(file.note?.hasPrefix("21 CSV rows without report text skipped") ?? false, "\(file)")
        XCTAssertTrue(try store.audit.records(limit: 10_000).contains { $0.outcomeText?.contains("21 CSV rows without report text") ?? false })
    }

    func testSeveralFoldersEachReadTheirOwnFormatAndMapping() throws {
        let harness = try DaemonHarness()
        try harness.write("""
            [folder ris]
            path = \(harness.root)/ris
            format = hl7v2
            archive_dir = \(harness.root)/ris-done

            [folder research]
            path = \(harness.root)/research
            format = csv
            csv_id = study
            csv_text = body
            csv_rows_without_text = reject

            """, to: harness.configFile, mode: 0o644)
        try harness.start()
        let status = harness.raddctl(["status"]).stdout
        XCTAssertTrue(status.contains("folder:    ris \(harness.root)/ris (format hl7v2, language en, originals archived to \(harness.root)/ris-done)"), status)

        let message = oru(accession: "ACC1001", status: "F", text: "IMPRESSION: Small left effusion.", control: "M1")
        XCTAssertTrue(FileManager.default.createFile(atPath: harness.root + "/ris/msg0001.msg", contents: Data(message.utf8)))
        XCTAssertTrue(FileManager.default.createFile(atPath: harness.root + "/research/export.dat",
                                                     contents: Data("study,body,other\nS1,Clear lungs.,x\nS2,Small effusion.,y\n".utf8)))
        XCTAssertTrue(FileManager.default.createFile(atPath: harness.root + "/research/gaps.dat",
                                                     contents: Data("study,body\nS3,Clear.\nS4,  \n".utf8)))
        try waitFor("three reports and one quarantined file") {
            try harness.allReports().count == 3 && visibleFiles(harness.quarantineDir).count == 2
        }
        let reports = try harness.allReports().map { try shown(harness, $0.id) }
        let hl7 = try XCTUnwrap(reports.first { $0.report.folder == "ris" })
        XCTAssertEqual(hl7.report.format, "hl7v2")
        XCTAssertEqual(hl7.report.status, "final")
        XCTAssertEqual(hl7.report.examDescription, "XR CHEST 2 VIEWS")
        XCTAssertEqual(hl7.report.observedAt, "2024-03-01T10:00:00")
        XCTAssertEqual(hl7.text, "IMPRESSION: Small left effusion.")
        XCTAssertEqual(reports.filter { $0.report.folder == "research" }.map(\.text), ["Clear lungs.", "Small effusion."])
        XCTAssertEqual(visibleFiles(harness.root + "/ris-done"), ["msg0001.msg"], "the original is archived, not deleted")
        XCTAssertEqual(visibleFiles(harness.root + "/ris"), [])
        let reason = try String(contentsOfFile: harness.quarantineDir + "/gaps.dat.reason", encoding: .utf8)
        XCTAssertEqual(reason, "gaps.dat is not valid CSV: line 3: no report text\n")
        let list = try harness.decode(QuarantineList.self, harness.raddctl(["quarantine", "list", "--json"]))
        XCTAssertEqual(list.files.map(\.folder), ["research"])
        XCTAssertEqual(harness.stop().status, 0)
    }

    func testAResentReportIsANoOpAndACorrectionSupersedesIt() throws {
        let harness = try DaemonHarness()
        try harness.start()
        let original = oru(accession: "ACC2002", status: "F", text: "IMPRESSION: Right lower lobe pneumonia.", control: "M1")
        try harness.drop("first.hl7", original)
        try waitFor("the first report") { try harness.allReports().count == 1 }
        try harness.drop("same-bytes.hl7", original)
        try harness.drop("same-report.hl7", oru(accession: "ACC2002", status: "F", text: "IMPRESSION: Right lower lobe pneumonia.",
                                                 control: "M2"))
        try waitFor("both re-sent files to be settled") { visibleFiles(harness.dropDir).isEmpty }
        XCTAssertEqual(try harness.allReports().count, 1, "re-sending changes nothing")

        try harness.drop("corrected.hl7", oru(accession: "ACC2002", status: "C", text: "IMPRESSION: No pneumonia.", control: "M3"))
        try waitFor("the corrected version") { try harness.allReports().count == 2 }
        let reports = try harness.allReports()
        let old = try shown(harness, reports[0].id), new = try shown(harness, reports[1].id)
        XCTAssertEqual(old.report.state, "superseded")
        XCTAssertEqual(old.report.supersededBy, new.report.id)
        XCTAssertEqual(new.report.status, "corrected")
        XCTAssertEqual(new.report.state, "stored")
        XCTAssertEqual(new.report.accessionPseudonym, old.report.accessionPseudonym)
        XCTAssertNotNil(new.report.patientPseudonym)
        XCTAssertFalse(harness.raddctl(["report", "\(new.report.id)", "--json"]).stdout.contains("778899"),
                       "the patient id is never shown or stored in clear")
        let listed = harness.raddctl(["reports", "--state", "superseded"]).stdout
        XCTAssertTrue(listed.contains("superseded  final"), listed)
        XCTAssertEqual(visibleFiles(harness.dropDir), [])
        XCTAssertEqual(harness.stop().status, 0)
    }

    /// A dictation system's MDM documents: the original, its replacement and an addendum are
    /// versions of one document, each superseding the one before; a notification without the
    /// document's text is quarantined with that reason.
    func testMDMReplacementAndAddendumSupersedeTheOriginal() throws {
        let harness = try DaemonHarness()
        try harness.start()
        let variants = Self.fixtures.appendingPathComponent("hl7-variants")
        for (index, name) in ["mdm_t02_original.hl7", "mdm_t10_replacement.hl7", "mdm_t06_addendum.hl7"].enumerated() {
            try harness.drop(name, bytes: try Data(contentsOf: variants.appendingPathComponent(name)))
            try waitFor("\(name) stored") { try harness.allReports().count == index + 1 }
        }
        try harness.drop("mdm_t01_notification.hl7", bytes: try Data(contentsOf: variants.appendingPathComponent("mdm_t01_notification.hl7")))
        try waitFor("the notification quarantined") {
            FileManager.default.fileExists(atPath: harness.quarantineDir + "/mdm_t01_notification.hl7.reason")
        }
        let reports = try harness.allReports().map { try shown(harness, $0.id) }
        XCTAssertEqual(reports.map(\.report.state), ["superseded", "superseded", "stored"])
        XCTAssertEqual(reports.map(\.report.status), ["preliminary", "corrected", "corrected"])
        XCTAssertEqual(reports[0].report.supersededBy, reports[1].report.id)
        XCTAssertEqual(reports[1].report.supersededBy, reports[2].report.id)
        XCTAssertEqual(Set(reports.map(\.report.accessionPseudonym)).count, 1)
        XCTAssertTrue(reports[2].text.hasPrefix("ADDENDUM:"), reports[2].text)
        let reason = try String(contentsOfFile: harness.quarantineDir + "/mdm_t01_notification.hl7.reason", encoding: .utf8)
        XCTAssertTrue(reason.contains("MDM^T01 is a document notification without the document's text"), reason)
        XCTAssertEqual(harness.stop().status, 0)
    }

    /// A batch is stored message by message: the 47 good messages of a 50-message batch are
    /// stored, and each of the 3 bad ones is quarantined as a file of its own, named by its
    /// position and MSH-10. A repaired message can be retried alone. NDJSON is split by line.
    func testABatchIsStoredMessageByMessageAndEachBadMessageQuarantinedAlone() throws {
        let harness = try DaemonHarness()
        try harness.start()
        let batch = try Data(contentsOf: Self.fixtures.appendingPathComponent("hl7-batch/batch_50_with_3_bad.hl7"))
        try harness.drop("batch.hl7", bytes: batch)
        try waitFor("47 reports and 3 quarantined messages") {
            try harness.allReports().count == 47 && visibleFiles(harness.quarantineDir).count == 6
        }
        XCTAssertEqual(visibleFiles(harness.dropDir), [])
        XCTAssertEqual(visibleFiles(harness.quarantineDir), [
            "batch.message23.hl7", "batch.message23.hl7.reason", "batch.message41.hl7", "batch.message41.hl7.reason",
            "batch.message7.hl7", "batch.message7.hl7.reason",
        ])
        for (position, problem) in [(7, "message type is ADT^A08"), (23, "no report text"), (41, "MDM^T01 is a document notification")] {
            let name = "batch.message\(position).hl7"
            let reason = try String(contentsOfFile: harness.quarantineDir + "/\(name).reason", encoding: .utf8)
            XCTAssertTrue(reason.hasPrefix(String(format: "batch.hl7 message %d of 50 (MSH-10 BATCH50-%04d) is not valid HL7 v2: ", position, position)), reason)
            XCTAssertTrue(reason.contains(problem), reason)
            XCTAssertFalse(reason.contains("MRN7001"), "a reason never quotes the message")
            let part = try String(contentsOfFile: harness.quarantineDir + "/" + name, encoding: .utf8)
            XCTAssertTrue(part.hasPrefix("MSH|^~\\&|"), part)
            XCTAssertTrue(part.contains(String(format: "|BATCH50-%04d|", position)))
            XCTAssertEqual(part.components(separatedBy: "MSH|").count, 2, "the message alone")
        }
        XCTAssertFalse(harness.log.contains("MRN7001"), "nothing of a message reaches the log")
        let list = try harness.decode(QuarantineList.self, harness.raddctl(["quarantine", "list", "--json"]))
        XCTAssertEqual(list.files.map { $0.claim.components(separatedBy: "#").last ?? "" }.sorted(),
                       ["message23", "message41", "message7"])
        XCTAssertEqual(Set(list.files.map { $0.claim.components(separatedBy: "#")[0] }).count, 1, "parts of one claim")

        // The bad ORU is repaired and retried: it arrives alone, as a new file.
        let name = "batch.message23.hl7"
        var repaired = try String(contentsOfFile: harness.quarantineDir + "/" + name, encoding: .utf8)
        repaired += "OBX|1|TX|71020^IMPRESSION||IMPRESSION: No acute cardiopulmonary abnormality.||||||F\r"
        XCTAssertTrue(FileManager.default.createFile(atPath: harness.quarantineDir + "/" + name, contents: Data(repaired.utf8)))
        let claim = try XCTUnwrap(list.files.first { $0.fileName == name }?.claim)
        let retried = harness.raddctl(["quarantine", "retry", claim])
        XCTAssertEqual(retried.status, 0, retried.stderr)
        try waitFor("the repaired message stored") { try harness.allReports().count == 48 }

        // The same batch again is a duplicate file: nothing stored, nothing quarantined twice.
        try harness.drop("batch-again.hl7", bytes: batch)
        try waitFor("the duplicate settled") { visibleFiles(harness.dropDir).isEmpty }
        XCTAssertEqual(try harness.allReports().count, 48)
        XCTAssertEqual(visibleFiles(harness.quarantineDir).count, 4)

        // NDJSON: a bad line is quarantined as its own line; the others are stored.
        let line = { (id: String, text: String) in
            #"{"resourceType":"DiagnosticReport","id":"\#(id)","status":"final","code":{"text":"XR chest"},"conclusion":"\#(text)"}"#
        }
        let ndjson = [line("n1", "Normal chest."), #"{"resourceType":"DiagnosticReport","id":"n2","status":"final""#,
                      line("n3", "Small left effusion.")].joined(separator: "\n") + "\n"
        try harness.drop("bulk.ndjson", ndjson)
        try waitFor("two NDJSON reports and the bad line quarantined") {
            try harness.allReports().count == 50 && FileManager.default.fileExists(atPath: harness.quarantineDir + "/bulk.line2.ndjson")
        }
        let reason = try String(contentsOfFile: harness.quarantineDir + "/bulk.line2.ndjson.reason", encoding: .utf8)
        XCTAssertTrue(reason.hasPrefix("bulk.ndjson line 2 is not valid FHIR: line 2, column "), reason)
        XCTAssertEqual(harness.stop().status, 0)

        // The audit trail records each part under its own claim, as part of its file.
        let store = try ReportStore(path: harness.databasePath, key: DatabaseKey(hex: harness.keyHex))
        defer { store.close() }
        let quarantined = try store.quarantined(state: nil, limit: 100)
        XCTAssertEqual(quarantined.count, 4)
        XCTAssertEqual(try store.pendingParts(ofClaim: claim.components(separatedBy: "#")[0]), [], "no bytes left pending")
        let files = try store.settledFiles()
        let batchFile = try XCTUnwrap(files.first { $0.sourceName == "batch.hl7" })
        XCTAssertEqual(batchFile.reportsNew, 47)
        XCTAssertEqual(batchFile.note, "3 of 50 messages quarantined as files of their own (messages 7, 23, 41)")
    }

    /// A dropped PDF is read through its text layer and stored as format pdf; a scan is
    /// quarantined saying it has no text layer.
    func testADroppedPDFIsStoredAndAScanIsQuarantinedWithTheReason() throws {
        let harness = try DaemonHarness()
        try harness.start()
        let pdfs = Self.fixtures.appendingPathComponent("pdf")
        try harness.drop("ankle.pdf", bytes: try Data(contentsOf: pdfs.appendingPathComponent("ankle_report_text.pdf")))
        try harness.drop("scan.pdf", bytes: try Data(contentsOf: pdfs.appendingPathComponent("scanned_image_only.pdf")))
        try waitFor("the PDF stored and the scan quarantined") {
            try harness.allReports().count == 1 && FileManager.default.fileExists(atPath: harness.quarantineDir + "/scan.pdf.reason")
        }
        let stored = try shown(harness, try XCTUnwrap(harness.allReports().first).id)
        XCTAssertEqual(stored.report.format, "pdf")
        XCTAssertTrue(stored.text.contains("IMPRESSION: Weber B fracture of the left lateral malleolus."), stored.text)
        let reason = try String(contentsOfFile: harness.quarantineDir + "/scan.pdf.reason", encoding: .utf8)
        XCTAssertEqual(reason, "scan.pdf is a PDF that has no text layer (a scanned image?): radd reads the text of PDFs and does no OCR; export the report as text or a text PDF\n")
        XCTAssertEqual(visibleFiles(harness.dropDir), [])
        XCTAssertEqual(harness.stop().status, 0)
    }

    /// PDF bombs dropped into a running raddd, under its real limits: each is quarantined within
    /// them, raddd stays up and answers, and a good PDF dropped after them is stored.
    func testPDFBombsAreQuarantinedWithinTheLimitsAndRaddStaysUp() throws {
        let harness = try DaemonHarness()
        let process = try harness.start()
        let pdfs = Self.fixtures.appendingPathComponent("pdf")
        let started = Date()
        let bombs = ["bomb_stream_1gib.pdf": "could not be read within the limits", "bomb_pages_10m.pdf": "could not be read within the limits",
                     "bomb_nesting_100k.pdf": "has no text layer"]
        for name in bombs.keys.sorted() { try harness.drop(name, bytes: try Data(contentsOf: pdfs.appendingPathComponent(name))) }
        try harness.drop("ankle.pdf", bytes: try Data(contentsOf: pdfs.appendingPathComponent("ankle_report_text.pdf")))
        try waitFor("the bombs quarantined and the report stored", timeout: 60) {
            try harness.allReports().count == 1 && visibleFiles(harness.quarantineDir).count == 6
        }
        // Three bombs one after another, each within the 15 s wall-clock limit.
        XCTAssertLessThan(Date().timeIntervalSince(started), 45)
        for (name, phrase) in bombs {
            let reason = try String(contentsOfFile: harness.quarantineDir + "/\(name).reason", encoding: .utf8)
            XCTAssertTrue(reason.hasPrefix("\(name) is a PDF that \(phrase)"), reason)
        }
        XCTAssertTrue(process.isRunning, "raddd went down; log:\n\(harness.log)")
        XCTAssertEqual(harness.raddctl(["status"]).status, 0)
        XCTAssertEqual(harness.stop().status, 0)
    }

    func testAFileReopenedWithinTheSettleTimeIsClaimedWhole() throws {
        let harness = try DaemonHarness()
        try harness.start(extraArguments: ["--settle-time", "1.5"])
        let path = harness.dropDir + "/slow-writer.txt"
        // Two write sessions, each ending in IN_CLOSE_WRITE, as an SMB client may do.
        XCTAssertTrue(FileManager.default.createFile(atPath: path, contents: Data("FINDINGS: Clear lungs.\n".utf8)))
        usleep(500_000)
        let handle = try XCTUnwrap(FileHandle(forWritingAtPath: path))
        handle.seekToEndOfFile()
        handle.write(Data("IMPRESSION: Normal.\n".utf8))
        try handle.close()
        try waitFor("the report") { try harness.allReports().count == 1 }
        let report = try shown(harness, try harness.allReports()[0].id)
        XCTAssertEqual(report.text, "FINDINGS: Clear lungs.\nIMPRESSION: Normal.\n")
        XCTAssertEqual(report.sections, ["findings": "Clear lungs.", "impression": "Normal."])
        XCTAssertEqual(harness.stop().status, 0)
    }

    func testAFileOverTheReportLimitIsQuarantinedWhole() throws {
        let harness = try DaemonHarness()
        try harness.start(extraArguments: ["--max-reports-per-file", "3"])
        try harness.drop("five.csv", "id,report\n1,a\n2,b\n3,c\n4,d\n5,e\n")
        try harness.drop("three.csv", "id,report\n1,a\n2,b\n3,c\n")
        try waitFor("one file stored and one quarantined") {
            try harness.allReports().count == 3 && visibleFiles(harness.quarantineDir).count == 2
        }
        let reason = try String(contentsOfFile: harness.quarantineDir + "/five.csv.reason", encoding: .utf8)
        XCTAssertEqual(reason, "five.csv holds 5 reports, over the limit of 3 reports per file (max_reports_per_file); split the export\n")
        XCTAssertEqual(harness.stop().status, 0)
    }

    func testQuarantinedFilesCanBeFixedAndRetriedOrPurged() throws {
        let harness = try DaemonHarness()
        try harness.start()
        try harness.drop("fixable.txt", bytes: Data([0x46, 0x49, 0x4E, 0xFF, 0x0A]))
        try harness.drop("junk.txt", bytes: Data([0xFE, 0xFF]))
        try waitFor("two quarantined files") { visibleFiles(harness.quarantineDir).count == 4 }
        var list = try harness.decode(QuarantineList.self, harness.raddctl(["quarantine", "list", "--json"]))
        XCTAssertEqual(Set(list.files.compactMap(\.fileName)), ["fixable.txt", "junk.txt"])
        let human = harness.raddctl(["quarantine", "list"]).stdout
        XCTAssertTrue(human.contains("fixable.txt is not valid UTF-8 text (first invalid byte at offset 3)"), human)

        // The operator repairs the export in place, then retries it.
        let fixable = try XCTUnwrap(list.files.first { $0.fileName == "fixable.txt" })
        XCTAssertTrue(FileManager.default.createFile(atPath: harness.quarantineDir + "/fixable.txt",
                                                     contents: Data("FINDINGS: Repaired.\n".utf8)))
        let retried = harness.raddctl(["quarantine", "retry", fixable.claim])
        XCTAssertEqual(retried.status, 0, retried.stderr)
        XCTAssertEqual(retried.stdout, "\(fixable.claim): retried, back in its drop folder as fixable.txt\n")
        try waitFor("the repaired report") { try harness.allReports().count == 1 }
        XCTAssertEqual(try shown(harness, try harness.allReports()[0].id).text, "FINDINGS: Repaired.\n")

        let purged = harness.raddctl(["quarantine", "purge", "--all"])
        XCTAssertEqual(purged.status, 0, purged.stderr)
        XCTAssertEqual(visibleFiles(harness.quarantineDir), [])
        list = try harness.decode(QuarantineList.self, harness.raddctl(["quarantine", "list", "--json"]))
        XCTAssertEqual(list.files.count, 0)
        let all = try harness.decode(QuarantineList.self, harness.raddctl(["quarantine", "list", "--state", "all", "--json"]))
        XCTAssertEqual(all.files.map(\.state).sorted(), ["purged", "retried"])

        let again = harness.raddctl(["quarantine", "purge", fixable.claim])
        XCTAssertEqual(again.status, 1)
        XCTAssertEqual(again.stderr, "raddctl: claim \(fixable.claim): the quarantined file was already retried\n")
        let unknown = harness.raddctl(["quarantine", "retry", "cnope"])
        XCTAssertEqual(unknown.status, 4)
        XCTAssertEqual(harness.raddctl(["quarantine", "retry"]).status, 64, "a claim or --all is required")
        XCTAssertEqual(harness.stop().status, 0)

        let store = try ReportStore(path: harness.databasePath, key: DatabaseKey(hex: harness.keyHex))
        defer { store.close() }
        let records = try store.audit.records().filter { $0.event == "quarantine" }
        XCTAssertEqual(records.map(\.action), ["U", "D", "D"])
        XCTAssertEqual(records.map(\.outcome), ["success", "success", "minor_failure"])
    }
}
