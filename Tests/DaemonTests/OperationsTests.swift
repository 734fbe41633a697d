import Foundation
import Control
import RaddCore
import Store
import TestSupport
import XCTest
#if canImport(Glibc)
import Glibc
#endif

/// Running radd for years, through a real raddd and raddctl: backups taken while it works,
/// restore, erasure, retention with a set clock (faketime), and metrics checked by promtool.
final class OperationsTests: XCTestCase {
    static let effusion = LabelingDaemonTests.effusion

    func labelling(endpoint: String) -> [String] {
        ["--tasks", "chestxray14", "--task-dir", LabelingDaemonTests.tasks, "--llm-endpoint", endpoint, "--settle-time", "0"]
    }

    /// An ORU^R01 for one patient and accession.
    func oru(patient: String, accession: String, text: String) -> String {
        [
            "MSH|^~\\&|RIS|HOSP|RADD|HOSP|20240301101500||ORU^R01|\(accession)|P|2.5.1",
            "PID|1||\(patient)^^^HOSP^MR||DOE^JANE||19600101|F",
            "OBR|1|ORD-\(accession)|\(accession)|71046^XR CHEST 2 VIEWS^CPT|||20240301100000||||||||||||||20240301101000||CR|F",
            "OBX|1|TX|71046^XR CHEST^CPT||\(text)||||||F",
        ].joined(separator: "\r") + "\r"
    }

    func openStore(_ harness: DaemonHarness) throws -> ReportStore {
        try ReportStore(path: harness.databasePath, key: DatabaseKey(hex: harness.keyHex), migrate: false)
    }

    func testABackupTakenDuringABurstWithLabellingVerifiesAndRestoresEverythingCommittedBeforeIt() throws {
        let server = try FakeModelServer(script: [], then: .slowAnswer(Self.effusion, seconds: 0.02))
        defer { server.stop() }
        let harness = try DaemonHarness()
        try harness.start(extraArguments: labelling(endpoint: server.url))
        let total = 2000
        for index in 1...total {
            try harness.drop("r\(index).hl7", oru(patient: "MRN\(index % 97)", accession: "ACC\(index)",
                                                  text: "Case \(index). No pneumothorax. Small left pleural effusion."))
        }
        let probe = harness.raddctl(["pseudonym", "--kind", "accession", "ACC7"])
        XCTAssertEqual(probe.status, 0, probe.stderr)
        // Busy: part of the burst is stored and the model is labelling.
        var committed: [Int64: String] = [:]
        try DaemonHarness.waitFor("a few hundred reports stored and some LLM labels", timeout: 120) {
            let store = try openStore(harness)
            defer { store.close() }
            let llm = try store.database.scalarText("SELECT count(*) FROM label_sets WHERE labeler = 'llm'") ?? "0"
            let rows = try store.database.prepare("SELECT id, accession_pseudonym FROM reports").all { ($0.integer(0), $0.text(1) ?? "") }
            guard rows.count >= 300, Int(llm) ?? 0 > 0 else { return false }
            committed = Dictionary(uniqueKeysWithValues: rows)
            return true
        }
        let copy = harness.stateDir + "/backups/busy.db"
        let backup = harness.raddctl(["backup", "--out", copy, "--json"])
        XCTAssertEqual(backup.status, 0, backup.stderr)
        let result = try JSONDecoder().decode(BackupResult.self, from: Data(backup.stdout.utf8))
        XCTAssertLessThan(result.counts.reports, total, "the backup was taken while the burst was still being stored")
        XCTAssertGreaterThanOrEqual(result.counts.reports, committed.count)
        XCTAssertEqual(Int64(try XCTUnwrap(FileManager.default.attributesOfItem(atPath: copy)[.size] as? Int)), result.bytes)
        XCTAssertEqual(try XCTUnwrap(FileManager.default.attributesOfItem(atPath: copy)[.posixPermissions] as? Int), 0o600)
        try DaemonHarness.waitFor("the rest of the burst", timeout: 180) { try harness.allReports().count == total }
        XCTAssertEqual(harness.stop().status, 0)

        let verify = harness.run(DaemonHarness.raddctl, ["backup", "verify", copy, "--key-file", harness.keyFile])
        XCTAssertEqual(verify.status, 0, verify.stderr)
        XCTAssertTrue(verify.stdout.contains("OK") && verify.stdout.contains(result.sha256), verify.stdout)

        let restore = harness.run(DaemonHarness.raddd, harness.standardArguments + ["--restore", copy])
        XCTAssertEqual(restore.status, 0, restore.stderr + restore.stdout)
        XCTAssertTrue(restore.stdout.contains("kept as \(harness.databasePath).replaced-"), restore.stdout)
        try harness.start(extraArguments: labelling(endpoint: server.url))
        let store = try openStore(harness)
        let restored = Dictionary(uniqueKeysWithValues: try store.database.prepare("SELECT id, accession_pseudonym FROM reports")
            .all { ($0.integer(0), $0.text(1) ?? "") })
        store.close()
        for (id, pseudonym) in committed {
            XCTAssertEqual(restored[id], pseudonym, "report \(id), committed before the backup began, is restored with its pseudonym")
        }
        let again = harness.raddctl(["pseudonym", "--kind", "accession", "ACC7"])
        XCTAssertEqual(again.stdout, probe.stdout, "the pseudonym key came back with the copy")
        let audit = harness.raddctl(["audit", "verify"])
        XCTAssertEqual(audit.status, 0, audit.stdout + audit.stderr)
        let records = harness.raddctl(["audit", "list", "--type", "backup", "--type", "restore", "--limit", "1000", "--json"])
        XCTAssertEqual(records.status, 0, records.stderr)
        XCTAssertTrue(records.stdout.contains("sha256=\(result.sha256)"), records.stdout)
        XCTAssertTrue(records.stdout.contains("\"restore\""), records.stdout)
        XCTAssertEqual(harness.stop().status, 0)
    }

    func testKillNineDuringABackupNeverLeavesAPartialFileUnderTheFinalName() throws {
        let harness = try DaemonHarness()
        try harness.start(extraArguments: ["--settle-time", "0"])
        // Enough text that the copy takes a moment.
        let filler = String(repeating: "Mild bibasilar atelectasis without focal consolidation. ", count: 40)
        for index in 1...400 { try harness.drop("r\(index).txt", "FINDINGS: Case \(index). \(filler)\n") }
        try DaemonHarness.waitFor("400 reports", timeout: 120) { try harness.allReports().count == 400 }
        var partialsSeen = 0
        for attempt in 0..<6 {
            let copy = harness.stateDir + "/backups/killed-\(attempt).db"
            let client = Process()
            client.executableURL = URL(fileURLWithPath: DaemonHarness.raddctl)
            client.arguments = ["backup", "--out", copy, "--socket", harness.socketPath]
            client.standardOutput = FileHandle.nullDevice
            client.standardError = FileHandle.nullDevice
            try client.run()
            usleep(UInt32(attempt) * 15_000)
            XCTAssertEqual(harness.stop(signal: SIGKILL).reason, .uncaughtSignal)
            client.waitUntilExit()
            if FileManager.default.fileExists(atPath: copy + ".partial") { partialsSeen += 1 }
            if FileManager.default.fileExists(atPath: copy) {
                let verify = harness.run(DaemonHarness.raddctl, ["backup", "verify", copy, "--key-file", harness.keyFile])
                XCTAssertEqual(verify.status, 0, "a file under the final name is a complete backup: \(verify.stderr)")
            }
            try harness.start(extraArguments: ["--settle-time", "0"])
            XCTAssertFalse(FileManager.default.fileExists(atPath: copy + ".partial"), "raddd removes an unfinished copy at start")
        }
        print("kill -9 during backup: \(partialsSeen) of 6 kills left a .partial file (removed at the next start)")
        let audit = harness.raddctl(["audit", "verify"])
        XCTAssertEqual(audit.status, 0, audit.stdout + audit.stderr)
        XCTAssertEqual(harness.stop().status, 0)
    }

    func testPurgeErasesAPatientFromTheStoreTheFilesAndLaterExports() throws {
        let harness = try DaemonHarness()
        try harness.start(extraArguments: ["--tasks", "chestxray14", "--task-dir", LabelingDaemonTests.tasks, "--settle-time", "0"])
        let erasedWords = ["Bronchiolitisobliteransqz", "Lymphangioleiomyomatosiswx"]
        for index in 0..<4 {
            try harness.drop("e\(index).hl7", oru(patient: "MRN-ERASE-1", accession: "E\(index)",
                                                  text: "FINDINGS: \(erasedWords[index % 2]) pattern. Small left pleural effusion."))
            try harness.drop("k\(index).hl7", oru(patient: "MRN-KEEP-2", accession: "K\(index)",
                                                  text: "FINDINGS: Clear lungs. No pleural effusion. Case \(index)."))
        }
        try DaemonHarness.waitFor("8 reports labelled", timeout: 60) {
            try harness.allReports().filter { $0.state == "labelled" }.count == 8
        }
        let pseudonym = harness.raddctl(["pseudonym", "--kind", "patient", "MRN-ERASE-1"]).stdout.trimmingCharacters(in: .whitespacesAndNewlines)
        let before = harness.root + "/before.csv"
        XCTAssertEqual(harness.raddctl(["export", "labels", "--task", "chestxray14", "--format", "csv", "--out", before]).status, 0)
        XCTAssertTrue(try String(contentsOfFile: before, encoding: .utf8).contains(pseudonym))

        let purge = harness.raddctl(["purge", "--patient", "MRN-ERASE-1", "--json"])
        XCTAssertEqual(purge.status, 0, purge.stderr)
        let result = try JSONDecoder().decode(PurgeResult.self, from: Data(purge.stdout.utf8))
        XCTAssertEqual(result.patientPseudonym, pseudonym)
        XCTAssertEqual(result.erased.reports, 4)
        XCTAssertGreaterThanOrEqual(result.erased.labelSets, 4)
        XCTAssertEqual(result.erased.files, 4)
        XCTAssertTrue(result.walTruncated)

        XCTAssertEqual(try harness.allReports().count, 4)
        let after = harness.root + "/after.csv"
        XCTAssertEqual(harness.raddctl(["export", "labels", "--task", "chestxray14", "--format", "csv", "--out", after]).status, 0)
        let exported = try String(contentsOfFile: after, encoding: .utf8)
        XCTAssertFalse(exported.contains(pseudonym), "an export made after the purge holds none of the patient's rows")
        XCTAssertEqual(exported.split(separator: "\n").count, 5, "the header and the other patient's 4 reports")

        // With the key, every page of the live database and its WAL, decrypted and searched.
        let key = SQLCipherPages.key(hex: harness.keyHex)
        let pages = try SQLCipherPages.plaintext(of: harness.databasePath, key: key)
            + SQLCipherPages.plaintext(of: harness.databasePath + "-wal", key: key, wal: true)
        XCTAssertGreaterThan(pages.count, 10)
        for word in erasedWords { XCTAssertFalse(SQLCipherPages.contains(pages, word), "\(word) is still on a page") }
        XCTAssertTrue(SQLCipherPages.contains(pages, "Clear lungs"), "the page search does find stored text")
        // A backup made afterwards holds none of it either.
        let copy = harness.stateDir + "/backups/after-purge.db"
        XCTAssertEqual(harness.raddctl(["backup", "--out", copy]).status, 0)
        let copied = try SQLCipherPages.plaintext(of: copy, key: key)
        for word in erasedWords { XCTAssertFalse(SQLCipherPages.contains(copied, word)) }

        let audit = harness.raddctl(["audit", "verify"])
        XCTAssertEqual(audit.status, 0, audit.stdout + audit.stderr)
        let erasures = harness.raddctl(["audit", "list", "--type", "erasure", "--json"])
        XCTAssertEqual(erasures.stdout.components(separatedBy: "patient=\(pseudonym) reports=4").count, 2, erasures.stdout)
        XCTAssertFalse(harness.log.contains("MRN-ERASE-1"), "the patient id never reaches the log")
        XCTAssertEqual(harness.stop().status, 0)
    }

    func testRetentionDeletesOldReportsWithTheClockMovedForward() throws {
        guard FileManager.default.isExecutableFile(atPath: "/usr/bin/faketime") else {
            return XCTFail("faketime is not installed (Debian package faketime; install.sh --test installs it)")
        }
        let harness = try DaemonHarness()
        try harness.start(extraArguments: ["--settle-time", "0"])
        for index in 1...3 { try harness.drop("old\(index).txt", "FINDINGS: Old case \(index). Clear lungs.\n") }
        try DaemonHarness.waitFor("3 reports", timeout: 30) { try harness.allReports().count == 3 }
        XCTAssertEqual(harness.stop().status, 0)

        // Forty days on, with 30 days' retention: the sweep at start deletes them.
        let wrapper = try harness.start(extraArguments: ["--settle-time", "0", "--retention-days", "30"],
                                        launcher: ["/usr/bin/faketime", "-f", "+40d"])
        try DaemonHarness.waitFor("the old reports gone", timeout: 30) { try harness.allReports().isEmpty }
        try harness.drop("new.txt", "FINDINGS: New case. Clear lungs.\n")
        try DaemonHarness.waitFor("the new report", timeout: 30) { try harness.allReports().count == 1 }
        let records = harness.raddctl(["audit", "list", "--type", "retention", "--json"])
        XCTAssertTrue(records.stdout.contains("retention_days=30"), records.stdout)
        XCTAssertTrue(records.stdout.contains("reports=3"), records.stdout)
        XCTAssertEqual(harness.raddctl(["audit", "verify"]).status, 0)
        // faketime runs raddd as its child and does not pass signals on: raddd is stopped itself.
        let children = (try? String(contentsOfFile: "/proc/\(wrapper.processIdentifier)/task/\(wrapper.processIdentifier)/children", encoding: .utf8)) ?? ""
        for child in children.split(separator: " ").compactMap({ Int32($0) }) { kill(child, SIGTERM) }
        wrapper.waitUntilExit()
        XCTAssertEqual(wrapper.terminationStatus, 0)
    }

    func testMetricsCountKnownActivityPassPromtoolAndCarryNoFileNamesOrText() throws {
        let promtool = "/usr/bin/promtool"
        guard FileManager.default.isExecutableFile(atPath: promtool) else {
            return XCTFail("promtool is not installed (Debian package prometheus; install.sh --test installs it)")
        }
        let server = try FakeModelServer(script: [], then: .answer(Self.effusion))
        defer { server.stop() }
        let harness = try DaemonHarness()
        let textfile = harness.root + "/radd.prom"
        try harness.start(extraArguments: labelling(endpoint: server.url) + ["--metrics-file", textfile, "--metrics-interval", "1"])
        let names = ["Smith_John_chest.txt", "Garcia_Maria_chest.txt", "Nguyen_An_chest.txt"]
        for (index, name) in names.enumerated() {
            try harness.drop(name, "FINDINGS: Pleural effusion case \(index). Small left pleural effusion.\n")
        }
        try DaemonHarness.waitFor("3 reports labelled", timeout: 30) {
            try harness.allReports().filter { $0.state == "labelled" }.count == 3
        }
        try harness.drop("Smith_John_copy.txt", "FINDINGS: Pleural effusion case 0. Small left pleural effusion.\n")
        try harness.drop("Empty_Patient_Name.txt", "")
        try DaemonHarness.waitFor("the empty file quarantined", timeout: 30) { visibleFiles(harness.quarantineDir).count == 2 }
        try DaemonHarness.waitFor("the duplicate settled", timeout: 30) { visibleFiles(harness.dropDir).isEmpty }

        let output = harness.raddctl(["metrics"])
        XCTAssertEqual(output.status, 0, output.stderr)
        let text = output.stdout
        func value(_ sample: String) -> Double? {
            text.split(separator: "\n").first { $0.hasPrefix(sample + " ") }.flatMap { Double($0.split(separator: " ").last ?? "") }
        }
        XCTAssertEqual(value("radd_reports{state=\"labelled\"}"), 3, text)
        XCTAssertEqual(value("radd_reports{state=\"stored\"}"), 0)
        XCTAssertEqual(value("radd_files{outcome=\"stored\"}"), 3)
        XCTAssertEqual(value("radd_files{outcome=\"duplicate\"}"), 1)
        XCTAssertEqual(value("radd_quarantined_files{reason=\"empty\"}"), 1)
        XCTAssertEqual(value("radd_label_jobs{labeler=\"llm\",state=\"queued\"}"), 0)
        XCTAssertEqual(value("radd_label_jobs{labeler=\"rules\",state=\"failed\"}"), 0)
        let llm = text.split(separator: "\n").filter { $0.hasPrefix("radd_llm_request_duration_seconds_count{") }
        XCTAssertEqual(llm.count, 1, text)
        XCTAssertEqual(llm.first.flatMap { Double($0.split(separator: " ").last ?? "") }, 3, "one request per report")
        XCTAssertTrue(text.contains("radd_model_endpoint_up{endpoint=\""), text)
        XCTAssertTrue(text.split(separator: "\n").contains { $0.hasPrefix("radd_model_circuit_state{") && $0.contains("state=\"closed\"") && $0.hasSuffix(" 1") })
        XCTAssertNotNil(value("radd_seconds_since_last_stored_report"))
        XCTAssertGreaterThan(value("radd_audit_records") ?? 0, 10)
        XCTAssertGreaterThan(value("radd_database_size_bytes{file=\"main\"}") ?? 0, 0)

        // No label value is a file name, a word of report text or a patient value.
        let labelValues = text.split(separator: "\n").filter { !$0.hasPrefix("#") }.flatMap { line -> [String] in
            guard let open = line.firstIndex(of: "{"), let close = line.lastIndex(of: "}") else { return [] }
            return line[line.index(after: open)..<close].split(separator: ",").map { String($0.split(separator: "=", maxSplits: 1).last ?? "") }
        }
        XCTAssertFalse(labelValues.isEmpty)
        for forbidden in ["Smith", "Garcia", "Nguyen", "Empty_Patient", ".txt", "effusion", "Pleural", "case"] {
            XCTAssertFalse(labelValues.contains { $0.localizedCaseInsensitiveContains(forbidden) }, "a label holds \(forbidden)")
        }

        let check = Process()
        check.executableURL = URL(fileURLWithPath: promtool)
        check.arguments = ["check", "metrics"]
        let input = Pipe(), out = Pipe()
        check.standardInput = input
        check.standardOutput = out
        check.standardError = out
        try check.run()
        input.fileHandleForWriting.write(Data(text.utf8))
        input.fileHandleForWriting.closeFile()
        let lint = String(decoding: out.fileHandleForReading.readDataToEndOfFile(), as: UTF8.self)
        check.waitUntilExit()
        XCTAssertEqual(check.terminationStatus, 0, "promtool check metrics: \(lint)")

        try DaemonHarness.waitFor("the textfile", timeout: 10) { FileManager.default.fileExists(atPath: textfile) }
        let file = harness.run("/bin/sh", ["-c", "\(promtool) check metrics < \(textfile)"])
        XCTAssertEqual(file.status, 0, file.stdout + file.stderr)
        let mode = try XCTUnwrap(FileManager.default.attributesOfItem(atPath: textfile)[.posixPermissions] as? Int)
        XCTAssertEqual(mode, 0o644)
        try DaemonHarness.waitFor("the textfile rewritten with the duplicate", timeout: 10) {
            try String(contentsOfFile: textfile, encoding: .utf8).contains("radd_files{outcome=\"duplicate\"} 1")
        }
        XCTAssertEqual(harness.stop().status, 0)
    }
}
