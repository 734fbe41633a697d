import Foundation
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

    func testFilesDroppedWhileStoppedArePickedUpAtStart() throws {
        let harness = try DaemonHarness()
        try harness.drop("before-start.txt", "Lungs are clear.")
        try harness.start()
        let deadline = Date().addingTimeInterval(5)
        while try harness.allReports().isEmpty && Date() < deadline { usleep(20_000) }
        XCTAssertEqual(try harness.allReports().map(\.sourceName), ["before-start.txt"])
        XCTAssertEqual(harness.stop().status, 0)
    }

    func testHumanOutputAndErrorsOfRaddctl() throws {
        let harness = try DaemonHarness()
        try harness.start()
        let status = harness.raddctl(["status"])
        XCTAssertEqual(status.status, 0)
        XCTAssertTrue(status.stdout.contains("schema v1"), status.stdout)
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
