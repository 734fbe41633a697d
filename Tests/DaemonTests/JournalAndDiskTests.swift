import Foundation
import Store
import XCTest
#if canImport(Glibc)
import Glibc
#endif

final class JournalLoggingTests: XCTestCase {
    /// Uses the system's journald when one runs; otherwise starts a real systemd-journald for the
    /// test (it listens on /run/systemd/journal and writes /run/log/journal) and stops it after.
    func testStructuredJournalEntriesCarryIdsButNoReportText() throws {
        guard getuid() == 0 else { throw XCTSkip("starting journald needs root") }
        let journald = "/lib/systemd/systemd-journald"
        var started: Process?
        if !FileManager.default.fileExists(atPath: "/run/systemd/journal/socket") {
            guard FileManager.default.isExecutableFile(atPath: journald) else { throw XCTSkip("systemd-journald is not installed") }
            try FileManager.default.createDirectory(atPath: "/run/systemd/journal", withIntermediateDirectories: true)
            let process = Process()
            process.executableURL = URL(fileURLWithPath: journald)
            process.standardOutput = FileHandle.nullDevice
            process.standardError = FileHandle.nullDevice
            try process.run()
            started = process
            let deadline = Date().addingTimeInterval(5)
            while !FileManager.default.fileExists(atPath: "/run/systemd/journal/socket") && Date() < deadline { usleep(20_000) }
        }
        defer {
            if let started {
                started.terminate()
                started.waitUntilExit()
                try? FileManager.default.removeItem(atPath: "/run/systemd/journal")
                try? FileManager.default.removeItem(atPath: "/run/log/journal")
            }
        }

        let harness = try DaemonHarness()
        let sentence = "Small left apical pneumothorax, new since the prior study."
        let process = try harness.start(extraArguments: ["--log-target", "journal"])
        let pid = process.processIdentifier
        try harness.drop("journal-case.txt", sentence)
        let deadline = Date().addingTimeInterval(5)
        while try harness.allReports().isEmpty && Date() < deadline { usleep(20_000) }
        XCTAssertEqual(harness.stop().status, 0)

        var arguments = ["--no-pager", "-o", "json", "_PID=\(pid)"]
        if started != nil { arguments = ["-D", "/run/log/journal"] + arguments }
        var entries: [[String: Any]] = []
        let until = Date().addingTimeInterval(5)
        repeat {
            let output = harness.run("/usr/bin/journalctl", arguments)
            entries = output.stdout.split(separator: "\n").compactMap {
                try? JSONSerialization.jsonObject(with: Data($0.utf8)) as? [String: Any]
            }
            if entries.contains(where: { $0["MESSAGE"] as? String == "raddd stopped" }) { break }
            usleep(100_000)
        } while Date() < until
        let stored = try XCTUnwrap(entries.first { $0["MESSAGE"] as? String == "stored reports" }, "\(entries)")
        XCTAssertEqual(stored["SYSLOG_IDENTIFIER"] as? String, "raddd")
        XCTAssertEqual(stored["PRIORITY"] as? String, "6")
        XCTAssertEqual(stored["RADD_COMPONENT"] as? String, "ingest")
        XCTAssertNotNil(stored["RADD_CLAIM"])
        XCTAssertEqual(stored["RADD_REPORT"] as? String, "1")
        XCTAssertTrue(entries.contains { $0["MESSAGE"] as? String == "raddd started" })
        XCTAssertEqual(harness.log, "", "with the journal as target nothing goes to stderr")

        // The journal files themselves: no report text, no hospital file name.
        let journalDirectory = FileManager.default.fileExists(atPath: "/var/log/journal") && started == nil
            ? "/var/log/journal" : "/run/log/journal"
        for fragment in [sentence, "apical pneumothorax", "journal-case"] {
            XCTAssertEqual(harness.run("/bin/grep", ["-a", "-r", "-l", "-F", fragment, journalDirectory]).status, 1,
                           "'\(fragment)' found in \(journalDirectory)")
        }
    }
}

final class FullDiskTests: XCTestCase {
    /// The state directory is a 1 MiB tmpfs that the test fills up. A report that cannot be
    /// committed stays claimed, and once space is back it is stored exactly once.
    func testReportsSurviveAFullDiskAndAreStoredOnceSpaceReturns() throws {
        guard getuid() == 0 else { throw XCTSkip("mounting a tmpfs needs root") }
        let harness = try DaemonHarness()
        try FileManager.default.createDirectory(atPath: harness.stateDir, withIntermediateDirectories: true)
        XCTAssertEqual(harness.run("/bin/mount", ["-t", "tmpfs", "-o", "size=1m,mode=0700", "tmpfs", harness.stateDir]).status, 0)
        defer { _ = harness.run("/bin/umount", ["-l", harness.stateDir]) }

        try harness.start()
        let filler = harness.stateDir + "/filler"
        _ = harness.run("/bin/dd", ["if=/dev/zero", "of=\(filler)", "bs=4k"])
        let text = (0..<400).map { "Line \($0): the cardiomediastinal silhouette is within normal limits." }.joined(separator: "\n")
        try harness.drop("full-disk.txt", text)

        let deadline = Date().addingTimeInterval(4)
        while !harness.log.contains("could not commit") && Date() < deadline { usleep(50_000) }
        XCTAssertTrue(harness.log.contains("the disk is full"), harness.log)
        XCTAssertEqual(visibleFiles(harness.dropDir + "/.radd-work").count, 1, "the report must stay claimed, not be lost")
        // Small writes such as audit records may still fit in pages the WAL already holds; the
        // fail-closed rule for audit writes is tested in StoreTests with a refusing audit table.

        try FileManager.default.removeItem(atPath: filler)
        var reports: [DaemonHarness.ListedReport] = []
        let recovered = Date().addingTimeInterval(10)
        while reports.isEmpty && Date() < recovered {
            reports = (try? harness.allReports()) ?? []
            usleep(100_000)
        }
        XCTAssertEqual(reports.map(\.sourceName), ["full-disk.txt"])
        XCTAssertEqual(visibleFiles(harness.dropDir + "/.radd-work"), [])
        XCTAssertEqual(harness.stop().status, 0)
    }

    /// The moment between a batch's commit and its bad messages reaching the quarantine folder,
    /// held open by a full quarantine filesystem, then ended by kill -9: the restarted raddd
    /// writes each bad message once, from the store, and only then removes the original.
    func testBadMessagesOfACommittedBatchSurviveAFullQuarantineAndKillNine() throws {
        guard getuid() == 0 else { throw XCTSkip("mounting a tmpfs needs root") }
        let harness = try DaemonHarness()
        try FileManager.default.createDirectory(atPath: harness.quarantineDir, withIntermediateDirectories: true)
        XCTAssertEqual(harness.run("/bin/mount", ["-t", "tmpfs", "-o", "size=64k,mode=0750", "tmpfs", harness.quarantineDir]).status, 0)
        defer { _ = harness.run("/bin/umount", ["-l", harness.quarantineDir]) }
        let filler = harness.quarantineDir + "/.filler"
        _ = harness.run("/bin/dd", ["if=/dev/zero", "of=\(filler)", "bs=4k"])

        try harness.start()
        let batch = try Data(contentsOf: DropFolderBehaviourTests.fixtures.appendingPathComponent("hl7-batch/batch_50_with_3_bad.hl7"))
        try harness.drop("batch.hl7", bytes: batch)
        try DaemonHarness.waitFor("the batch committed and its bad messages refused by the full disk") {
            try harness.allReports().count == 47 && harness.log.contains("could not commit")
        }
        XCTAssertEqual(visibleFiles(harness.dropDir + "/.radd-work").count, 1, "the batch stays claimed until its parts are out")
        XCTAssertEqual(harness.stop(signal: SIGKILL).reason, .uncaughtSignal)

        try FileManager.default.removeItem(atPath: filler)
        try harness.start()
        try DaemonHarness.waitFor("the bad messages placed and the batch finished") {
            visibleFiles(harness.dropDir + "/.radd-work").isEmpty
        }
        XCTAssertEqual(try harness.allReports().count, 47, "nothing stored twice")
        XCTAssertEqual(visibleFiles(harness.quarantineDir), [
            "batch.message23.hl7", "batch.message23.hl7.reason", "batch.message41.hl7", "batch.message41.hl7.reason",
            "batch.message7.hl7", "batch.message7.hl7.reason",
        ])
        XCTAssertEqual(allEntries(harness.quarantineDir).filter { $0.hasPrefix(".") }, [], "no half-written part left")
        let part = try String(contentsOfFile: harness.quarantineDir + "/batch.message7.hl7", encoding: .utf8)
        XCTAssertTrue(part.hasPrefix("MSH|^~\\&|ADT1|MERCY|") && part.contains("|BATCH50-0007|"), part)
        XCTAssertEqual(harness.stop().status, 0)
    }
}
