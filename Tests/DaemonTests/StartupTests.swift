import Foundation
import XCTest
#if canImport(Glibc)
import Glibc
#endif

/// Fail closed: each refusal is one line on stderr and exit status 1, never a crash.
final class StartupTests: XCTestCase {
    func assertRefusesToStart(_ harness: DaemonHarness, extra: [String] = [], environment: [String: String] = [:],
                              mentioning phrase: String, file: StaticString = #filePath, line: UInt = #line) throws {
        var env = ProcessInfo.processInfo.environment
        env.removeValue(forKey: "CREDENTIALS_DIRECTORY")
        for (key, value) in environment { env[key] = value }
        let output = harness.run(DaemonHarness.raddd, harness.standardArguments + extra, environment: env)
        XCTAssertEqual(output.reason, .exit, "raddd crashed: \(output.stderr)", file: file, line: line)
        XCTAssertEqual(output.status, 1, output.stderr, file: file, line: line)
        let lines = output.stderr.split(separator: "\n")
        XCTAssertEqual(lines.count, 1, "expected one line, got: \(output.stderr)", file: file, line: line)
        XCTAssertTrue(output.stderr.hasPrefix("raddd: error: "), output.stderr, file: file, line: line)
        XCTAssertTrue(output.stderr.contains(phrase), "'\(phrase)' not in: \(output.stderr)", file: file, line: line)
        XCTAssertFalse(FileManager.default.fileExists(atPath: harness.socketPath), "a refused start must not listen", file: file, line: line)
    }

    /// One raddd per state directory: a second one exits 1 naming the first one's pid, before it
    /// touches the database or the drop folder; the lock dies with the holder, even by kill -9.
    func testASecondRaddOnTheSameStateDirectoryIsRefusedAndKillNineLeavesNoStaleLock() throws {
        let harness = try DaemonHarness()
        let first = try harness.start()
        try harness.drop("waiting.txt", "FINDINGS: Clear lungs.\n")
        try DaemonHarness.waitFor("the first report") { try harness.allReports().count == 1 }
        let second = harness.run(DaemonHarness.raddd, harness.standardArguments)
        XCTAssertEqual(second.reason, .exit, second.stderr)
        XCTAssertEqual(second.status, 1, second.stderr)
        XCTAssertEqual(second.stderr, "raddd: error: another raddd (pid \(first.processIdentifier)) is already running on state directory \(harness.stateDir) (it holds \(harness.stateDir)/raddd.lock); stop it first, or give this one its own state_dir\n")
        XCTAssertTrue(first.isRunning)
        XCTAssertEqual(harness.raddctl(["status"]).status, 0, "the first raddd still answers on its socket")

        XCTAssertEqual(harness.stop(signal: SIGKILL).reason, .uncaughtSignal)
        XCTAssertTrue(FileManager.default.fileExists(atPath: harness.stateDir + "/raddd.lock"), "the lock file is never deleted")
        let restarted = try harness.start()
        XCTAssertTrue(restarted.isRunning, "a killed holder leaves no stale lock; log:\n\(harness.log)")
        XCTAssertEqual(try harness.allReports().count, 1)
        XCTAssertEqual(try String(contentsOfFile: harness.stateDir + "/raddd.lock", encoding: .utf8), "\(restarted.processIdentifier)\n")
        let info = try FileManager.default.attributesOfItem(atPath: harness.stateDir + "/raddd.lock")
        XCTAssertEqual((info[.posixPermissions] as? NSNumber)?.intValue, 0o600)
        XCTAssertEqual(harness.stop().status, 0)
    }

    /// Only a model can label a prompt-only task: without one, every report would wait forever.
    func testAPromptOnlyTaskWithoutAModelServerIsRefused() throws {
        let harness = try DaemonHarness()
        try assertRefusesToStart(harness, extra: ["--tasks", "ankle-fracture-prompt", "--task-dir", LabelingDaemonTests.tasks],
                                 mentioning: "task 'ankle-fracture-prompt' is prompt-only")
    }

    func testMissingKeyIsRefused() throws {
        let harness = try DaemonHarness()
        try FileManager.default.removeItem(atPath: harness.keyFile)
        try assertRefusesToStart(harness, mentioning: "no database key")
    }

    func testWrongKeyIsRefused() throws {
        let harness = try DaemonHarness()
        try harness.start()
        XCTAssertEqual(harness.stop().status, 0)
        try harness.write(String(repeating: "7e", count: 32), to: harness.keyFile, mode: 0o600)
        try assertRefusesToStart(harness, mentioning: "does not open")
    }

    func testKeyFileReadableByOthersIsRefused() throws {
        let harness = try DaemonHarness()
        chmod(harness.keyFile, 0o644)
        try assertRefusesToStart(harness, mentioning: "chmod 0400")
    }

    func testPlainSQLiteLibraryIsRefused() throws {
        let plain = "/usr/lib/x86_64-linux-gnu/libsqlite3.so.0"
        guard FileManager.default.fileExists(atPath: plain) else { throw XCTSkip("\(plain) is not installed") }
        let harness = try DaemonHarness()
        // LD_PRELOAD makes every sqlite3_* symbol resolve to plain SQLite, exactly the silent
        // failure that would otherwise write an unencrypted database.
        try assertRefusesToStart(harness, environment: ["LD_PRELOAD": plain], mentioning: "cipher_version")
        XCTAssertFalse(FileManager.default.fileExists(atPath: harness.databasePath), "no database may be created")
    }

    func testUnknownSocketGroupAndBadConfigAreRefused() throws {
        let harness = try DaemonHarness()
        try assertRefusesToStart(harness, extra: ["--socket-group", "no-such-group-radd"], mentioning: "does not exist")
        try harness.write("drop_dir = /tmp\nbogus = 1\n", to: harness.configFile, mode: 0o644)
        try assertRefusesToStart(harness, mentioning: "raddd.conf:2: unknown setting 'bogus'")
    }

    func testCheckConfigValidatesAndExits() throws {
        let harness = try DaemonHarness()
        let ok = harness.run(DaemonHarness.raddd, harness.standardArguments + ["--check-config"])
        XCTAssertEqual(ok.status, 0, ok.stderr)
        XCTAssertTrue(ok.stdout.hasSuffix("configuration OK\n"), ok.stdout)
        XCTAssertFalse(FileManager.default.fileExists(atPath: harness.socketPath))
        chmod(harness.keyFile, 0o640)
        let bad = harness.run(DaemonHarness.raddd, harness.standardArguments + ["--check-config"])
        XCTAssertEqual(bad.status, 1)
        XCTAssertTrue(bad.stderr.contains("lets group or others read it"), bad.stderr)
    }

    func testSystemdCredentialIsUsedInsteadOfTheKeyFile() throws {
        let harness = try DaemonHarness()
        let credentials = harness.root + "/credentials"
        try FileManager.default.createDirectory(atPath: credentials, withIntermediateDirectories: true)
        try harness.write(harness.keyHex, to: credentials + "/db-key", mode: 0o400)
        try FileManager.default.removeItem(atPath: harness.keyFile)
        try harness.start(environment: ["CREDENTIALS_DIRECTORY": credentials])
        XCTAssertEqual(harness.stop().status, 0)
    }
}
