import Foundation
#if canImport(Glibc)
import Glibc
#endif
import Store
import XCTest

final class EndToEndTests: XCTestCase {
    let sentences = [
        "Interval increase in the moderate right pleural effusion.",
        "Mild cardiomegaly without pulmonary vascular congestion.",
        "No pneumothorax following removal of the chest tube.",
    ]

    func testDroppedReportIsListedWithinTwoSecondsAndTheOriginalIsRemoved() throws {
        let harness = try DaemonHarness()
        try harness.start()
        let dropped = Date()
        try harness.drop("cxr-0001.txt", sentences.joined(separator: "\n"))

        var listed: [DaemonHarness.ListedReport] = []
        while listed.isEmpty && Date().timeIntervalSince(dropped) < 5 {
            listed = try harness.allReports()
            if listed.isEmpty { usleep(20_000) }
        }
        let latency = Date().timeIntervalSince(dropped)
        XCTAssertEqual(listed.map(\.sourceName), ["cxr-0001.txt"])
        XCTAssertLessThan(latency, 2.0, "report took \(latency) s to show in 'raddctl reports'")
        XCTAssertEqual(visibleFiles(harness.dropDir), [], "the original must be removed after commit")
        XCTAssertEqual(visibleFiles(harness.dropDir + "/.radd-work"), [])

        struct Shown: Decodable { var text: String }
        let shown = try harness.decode(Shown.self, harness.raddctl(["report", "\(listed[0].id)", "--json"]))
        XCTAssertEqual(shown.text, sentences.joined(separator: "\n"))

        let stopped = harness.stop()
        XCTAssertEqual(stopped.reason, .exit)
        XCTAssertEqual(stopped.status, 0)

        // Nothing of the report may be readable at rest: database, WAL, shared memory, or the log.
        for path in [harness.databasePath, harness.databasePath + "-wal", harness.databasePath + "-shm", harness.logFile] {
            guard let bytes = FileManager.default.contents(atPath: path) else { continue }
            for sentence in sentences {
                for fragment in [sentence, String(sentence.prefix(24)), String(sentence.suffix(24))] {
                    XCTAssertNil(bytes.range(of: Data(fragment.utf8)), "'\(fragment)' readable in \(path)")
                }
            }
            XCTAssertNil(bytes.range(of: Data(harness.keyHex.utf8)), "key readable in \(path)")
            XCTAssertNil(bytes.range(of: Data("cxr-0001".utf8)), "hospital file name in \(path)")
        }
        XCTAssertEqual(harness.run("/bin/grep", ["-a", "-r", "-l", "pleural effusion", harness.stateDir, harness.logFile]).status, 1)
    }

    func testBadFilesAreQuarantinedWithAReasonAndCounted() throws {
        let harness = try DaemonHarness()
        try harness.start()
        XCTAssertTrue(FileManager.default.createFile(atPath: harness.dropDir + "/latin1.txt", contents: Data([0x52, 0xE9, 0x73])))
        XCTAssertTrue(FileManager.default.createFile(atPath: harness.dropDir + "/scan.pdf", contents: Data("%PDF-1.7".utf8)))
        XCTAssertTrue(FileManager.default.createFile(atPath: harness.dropDir + "/upload.part", contents: Data("partial".utf8)))
        let deadline = Date().addingTimeInterval(5)
        while visibleFiles(harness.quarantineDir).count < 4 && Date() < deadline { usleep(20_000) }
        XCTAssertEqual(visibleFiles(harness.quarantineDir),
                       ["latin1.txt", "latin1.txt.reason", "scan.pdf", "scan.pdf.reason"])
        let reason = try String(contentsOfFile: harness.quarantineDir + "/latin1.txt.reason", encoding: .utf8)
        XCTAssertEqual(reason, "latin1.txt is not valid UTF-8 text (first invalid byte at offset 1)\n")
        XCTAssertEqual(visibleFiles(harness.dropDir), ["upload.part"], "partial uploads are left for their writer")

        struct Status: Decodable { var reportsByState: [String: Int]; var schemaVersion: Int; var queueDepth: Int }
        let status = try harness.decode(Status.self, harness.raddctl(["status", "--json"]))
        XCTAssertEqual(status.reportsByState["quarantined"], 2)
        XCTAssertEqual(status.schemaVersion, ReportStore.supportedSchemaVersion)
        XCTAssertFalse(harness.log.contains("latin1"), "file names stay out of the log")
        XCTAssertEqual(harness.stop().status, 0)
    }

    /// Real exports from the shared samples, byte for byte: HL7 v2 ORU^R01 (plain findings, SR,
    /// CDA), a FHIR DiagnosticReport, the CheXpert labeler's one-column CSV (four reports in one
    /// file), and two exports that hold their report only as a PDF, read through its text layer.
    func testRealExportsBecomeReportsOrAreQuarantinedWithTheReason() throws {
        let fixtures = URL(fileURLWithPath: #filePath).deletingLastPathComponent()
            .deletingLastPathComponent().appendingPathComponent("IngestTests/Fixtures")
        let harness = try DaemonHarness()
        try harness.start()
        let files = [("hl7", "dcm4che_ORU_R01_v231_findings.hl7"), ("hl7", "dcm4che_ORU_R01_SR_v251.hl7"),
                     ("hl7", "dcm4che_ORU_R01_CDA_v251.hl7"), ("hl7", "dcm4che_ORU_R01_PDF_v251.hl7"),
                     ("fhir", "uscore_DiagnosticReport-chest-xray-report.json"),
                     ("fhir", "uscore_DiagnosticReport-bone-density-report.json"),
                     ("csv", "chexpert_labeler_sample_reports.csv")]
        for (folder, name) in files {
            let data = try Data(contentsOf: fixtures.appendingPathComponent(folder).appendingPathComponent(name))
            try harness.drop(name, bytes: data)
        }
        let deadline = Date().addingTimeInterval(10)
        while try harness.allReports().count < 10 && Date() < deadline {
            usleep(20_000)
        }
        let reports = try harness.allReports()
        var perFile: [String: [Int64]] = [:]
        for report in reports { perFile[report.sourceName, default: []].append(report.id) }
        XCTAssertEqual(perFile.mapValues(\.count), [
            "dcm4che_ORU_R01_v231_findings.hl7": 1, "dcm4che_ORU_R01_SR_v251.hl7": 1, "dcm4che_ORU_R01_CDA_v251.hl7": 1,
            "uscore_DiagnosticReport-chest-xray-report.json": 1, "chexpert_labeler_sample_reports.csv": 4,
            "dcm4che_ORU_R01_PDF_v251.hl7": 1, "uscore_DiagnosticReport-bone-density-report.json": 1,
        ])
        struct Shown: Decodable {
            struct Summary: Decodable { var format: String }
            var report: Summary
            var text: String
        }
        func shown(_ name: String) throws -> Shown {
            try harness.decode(Shown.self, harness.raddctl(["report", "\(perFile[name]?.first ?? 0)", "--json"]))
        }
        let hl7 = try shown("dcm4che_ORU_R01_v231_findings.hl7")
        XCTAssertEqual(hl7.report.format, "hl7v2")
        XCTAssertTrue(hl7.text.contains("There is a small mass in the left lung measuring approximately 3mmx2mm."), hl7.text)
        let fhir = try shown("uscore_DiagnosticReport-chest-xray-report.json")
        XCTAssertEqual(fhir.report.format, "fhir")
        XCTAssertTrue(fhir.text.contains("LUNGS AND PLEURA:\nClear lungs. Normal pulmonary vascularity."), fhir.text)
        let csv = try shown("chexpert_labeler_sample_reports.csv")
        XCTAssertEqual(csv.report.format, "csv")
        XCTAssertEqual(csv.text, "Heart size normal and lungs are clear. No edema or pneumonia. No effusion")
        // Its text came from the PDF in OBX ED, and the report says so.
        let pdf = try shown("dcm4che_ORU_R01_PDF_v251.hl7")
        XCTAssertEqual(pdf.report.format, "pdf")
        XCTAssertTrue(pdf.text.contains("Continued on page 2 ...\n\nSimple PDF File 2"), pdf.text)
        XCTAssertTrue(try shown("uscore_DiagnosticReport-bone-density-report.json").text.contains("DXA Bone density"))
        XCTAssertEqual(visibleFiles(harness.quarantineDir), [])
        XCTAssertEqual(harness.stop().status, 0)
    }

    func testFilesDroppedWhileStoppedArePickedUpAtStart() throws {
        let harness = try DaemonHarness()
        try harness.drop("before-start.txt", "Lungs are clear.")
        try harness.start()
        let deadline = Date().addingTimeInterval(5)
        while try harness.allReports().isEmpty && Date() < deadline { usleep(20_000) }
        XCTAssertEqual(try harness.allReports().map(\.sourceName), ["before-start.txt"])
        XCTAssertEqual(harness.stop().status, 0)
    }

    /// A writer that writes in place (no rename) for longer than the rescan interval: the
    /// rescans must not claim the half-written file; its close does.
    func testAFileStillBeingWrittenIsNotClaimedByARescan() throws {
        let harness = try DaemonHarness()
        try harness.start()
        let path = harness.dropDir + "/slow.txt"
        // One open(2) for the whole write, as an exporter writing in place does.
        let fd = open(path, O_WRONLY | O_CREAT | O_EXCL, 0o644)
        XCTAssertGreaterThanOrEqual(fd, 0)
        let writer = FileHandle(fileDescriptor: fd, closeOnDealloc: true)
        var expected = ""
        for chunk in 0..<10 {
            let line = "Line \(chunk) of a report exported slowly.\n"
            writer.write(Data(line.utf8))
            expected += line
            usleep(500_000)
        }
        XCTAssertTrue(FileManager.default.fileExists(atPath: path), "claimed while still being written")
        try writer.close()
        let deadline = Date().addingTimeInterval(5)
        while try harness.allReports().isEmpty && Date() < deadline { usleep(20_000) }
        let reports = try harness.allReports()
        XCTAssertEqual(reports.map(\.sourceName), ["slow.txt"])
        struct Shown: Decodable { var text: String }
        XCTAssertEqual(try harness.decode(Shown.self, harness.raddctl(["report", "\(reports[0].id)", "--json"])).text, expected)
        XCTAssertEqual(harness.stop().status, 0)
    }

    func testHumanOutputAndErrorsOfRaddctl() throws {
        let harness = try DaemonHarness()
        try harness.start()
        let status = harness.raddctl(["status"])
        XCTAssertEqual(status.status, 0)
        XCTAssertTrue(status.stdout.contains("schema v\(ReportStore.supportedSchemaVersion)"), status.stdout)
        XCTAssertTrue(status.stdout.contains("folder:    drop \(harness.dropDir) (format auto (by extension), language en)"), status.stdout)
        let missing = harness.raddctl(["report", "999"])
        XCTAssertEqual(missing.status, 4)
        XCTAssertEqual(missing.stderr, "raddctl: no report with id 999\n")
        XCTAssertEqual(harness.raddctl(["reports"]).stdout, "no reports\n")
        XCTAssertEqual(harness.stop().status, 0)

        let unreachable = harness.raddctl(["status"])
        XCTAssertEqual(unreachable.status, 69)
        XCTAssertTrue(unreachable.stderr.contains("no daemon is listening"), unreachable.stderr)
        let env = ["RADD_SOCKET": harness.socketPath, "PATH": "/usr/bin:/bin"]
        XCTAssertEqual(harness.run(DaemonHarness.raddctl, ["status"], environment: env).status, 69)
        for command in [["--help"], ["status", "--help"], ["reports", "--help"], ["report", "--help"]] {
            let help = harness.run(DaemonHarness.raddctl, command)
            XCTAssertEqual(help.status, 0)
            XCTAssertTrue(help.stdout.contains("raddctl"), "\(command): \(help.stdout)")
            XCTAssertTrue(help.stdout.lowercased().contains("example"), "\(command) --help has no example")
        }
    }
}

final class ControlRefusalTests: XCTestCase {
    /// Sends raw protocol lines over one connection and returns the raw answers.
    func exchange(_ socketPath: String, _ lines: [String]) throws -> [String] {
        let fd = socket(AF_UNIX, Int32(SOCK_STREAM.rawValue), 0)
        defer { close(fd) }
        var address = sockaddr_un()
        address.sun_family = sa_family_t(AF_UNIX)
        withUnsafeMutableBytes(of: &address.sun_path) { $0.copyBytes(from: Array(socketPath.utf8) + [0]) }
        let rc = withUnsafePointer(to: &address) {
            $0.withMemoryRebound(to: sockaddr.self, capacity: 1) { connect(fd, $0, socklen_t(MemoryLayout<sockaddr_un>.size)) }
        }
        XCTAssertEqual(rc, 0)
        let input = FileHandle(fileDescriptor: fd, closeOnDealloc: false)
        var answers: [String] = []
        var pending = Data()
        for line in lines {
            input.write(Data((line + "\n").utf8))
            while !pending.contains(UInt8(ascii: "\n")) {
                let chunk = input.availableData
                if chunk.isEmpty { break }
                pending.append(chunk)
            }
            guard let newline = pending.firstIndex(of: UInt8(ascii: "\n")) else { break }
            answers.append(String(decoding: pending[pending.startIndex..<newline], as: UTF8.self))
            pending = Data(pending[pending.index(after: newline)...])
        }
        return answers
    }

    func testEveryRefusedRequestIsAnsweredAndAudited() throws {
        let harness = try DaemonHarness()
        try harness.start()
        let answers = try exchange(harness.socketPath, [
            "not json at all",
            #"{"v":1,"id":2,"method":"explode"}"#,
            #"{"v":1,"id":3,"method":"report"}"#,
            #"{"v":1,"id":4,"method":"reports","params":{"state":"bogus"}}"#,
            #"{"v":9,"id":5,"method":"status"}"#,
            #"{"v":1,"id":6,"method":"status"}"#,
        ])
        XCTAssertEqual(answers.count, 6, "\(answers)")
        let codes = answers.map { answer -> String in
            guard let object = try? JSONSerialization.jsonObject(with: Data(answer.utf8)) as? [String: Any] else { return "?" }
            return ((object["error"] as? [String: Any])?["code"] as? String) ?? "ok"
        }
        XCTAssertEqual(codes, ["bad_request", "unknown_method", "bad_request", "bad_request", "unsupported_version", "ok"])
        XCTAssertEqual(harness.stop().status, 0)

        let store = try ReportStore(path: harness.databasePath, key: DatabaseKey(hex: harness.keyHex))
        defer { store.close() }
        let refusals = try store.audit.records().filter { $0.outcome == "minor_failure" }
        XCTAssertEqual(refusals.map(\.outcomeText), ["bad_request", "unknown_method", "bad_request", "bad_request", "unsupported_version"])
        XCTAssertEqual(refusals.map(\.object), [nil, "method=explode", "method=report", "method=reports", "method=status"])
        XCTAssertTrue(refusals.allSatisfy { $0.uid == getuid() && $0.pid > 0 })
    }

    func testTerminalControlCharactersInReportsAreNotReplayed() throws {
        let harness = try DaemonHarness()
        try harness.start()
        let hostile = "\u{1B}]0;owned\u{07}\u{1B}[2JNo acute disease.\r\nStable."
        try harness.drop("esc.txt", hostile)
        let deadline = Date().addingTimeInterval(5)
        while try harness.allReports().isEmpty && Date() < deadline { usleep(20_000) }
        let human = harness.raddctl(["report", "1"])
        XCTAssertEqual(human.status, 0)
        XCTAssertFalse(human.stdout.contains("\u{1B}") || human.stdout.contains("\u{07}"), human.stdout)
        XCTAssertTrue(human.stdout.contains("No acute disease.\nStable."), human.stdout)
        struct Shown: Decodable { var text: String }
        XCTAssertEqual(try harness.decode(Shown.self, harness.raddctl(["report", "1", "--json"])).text, hostile)
        XCTAssertEqual(harness.stop().status, 0)
    }
}
