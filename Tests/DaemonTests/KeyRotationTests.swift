import Foundation
import RaddCore
@testable import Store
import XCTest

/// `raddctl key rotate` against a running raddd and a real SQLCipher file.
final class KeyRotationTests: XCTestCase {
    func keyInFile(_ harness: DaemonHarness) throws -> String {
        try String(contentsOfFile: harness.keyFile, encoding: .utf8).trimmingCharacters(in: .whitespacesAndNewlines)
    }

    func testRotationReencryptsWhileServingAndOnlyTheNewKeyOpensTheDatabase() throws {
        let harness = try DaemonHarness()
        try harness.start(extraArguments: ["--settle-time", "0"])
        try harness.drop("k1.txt", "IMPRESSION: Stable cardiomegaly.\n")
        try DaemonHarness.waitFor("the report stored") { try harness.allReports().count == 1 }
        let oldKey = try keyInFile(harness)

        let rotated = harness.raddctl(["key", "rotate", "--key-file", harness.keyFile])
        XCTAssertEqual(rotated.status, 0, rotated.stderr)
        XCTAssertTrue(rotated.stdout.contains("database re-keyed"), rotated.stdout)
        let newKey = try keyInFile(harness)
        XCTAssertNotEqual(newKey, oldKey)
        XCTAssertNotNil(DatabaseKey.decodeHex(newKey))
        XCTAssertFalse(rotated.stdout.contains(newKey) || rotated.stderr.contains(newKey), "the key is never printed")
        XCTAssertFalse(FileManager.default.fileExists(atPath: harness.keyFile + ".new"))
        var info = stat()
        XCTAssertEqual(stat(harness.keyFile, &info), 0)
        XCTAssertEqual(info.st_mode & 0o777, 0o600, "the key file keeps its mode")

        // raddd keeps serving and storing under the new key.
        XCTAssertTrue(harness.raddctl(["report", "1"]).stdout.contains("Stable cardiomegaly"))
        try harness.drop("k2.txt", "IMPRESSION: No acute disease.\n")
        try DaemonHarness.waitFor("a report stored after the rotation") { try harness.allReports().count == 2 }
        XCTAssertFalse(harness.log.contains(newKey), "the key is never logged")
        XCTAssertEqual(harness.stop().status, 0)

        XCTAssertThrowsError(try ReportStore(path: harness.databasePath, key: DatabaseKey(hex: oldKey))) { error in
            XCTAssertEqual(error as? StoreError, .wrongKey(path: harness.databasePath))
        }
        let store = try ReportStore(path: harness.databasePath, key: DatabaseKey(hex: newKey))
        let rotations = try store.audit.records(limit: 1000).filter { $0.event == "key_rotation" }
        XCTAssertEqual(rotations.map(\.outcomeText), ["started", "done"])
        XCTAssertTrue(rotations.allSatisfy { $0.uid == getuid() && !($0.object ?? "").contains(newKey) })
        XCTAssertTrue(try store.audit.verify().intact)
        store.close()

        try harness.start()
        XCTAssertEqual(harness.raddctl(["reports"]).status, 0, "raddd starts with the rotated key file")
    }

    /// Operations doc: a backup opens with the key that was in force when it was made, and only
    /// with it; a `raddctl key rotate` afterwards does not re-key copies already made.
    func testABackupMadeBeforeARotationOpensWithTheOldKeyOnly() throws {
        let harness = try DaemonHarness()
        try harness.start(extraArguments: ["--settle-time", "0"])
        try harness.drop("b1.txt", "IMPRESSION: Stable cardiomegaly.\n")
        try DaemonHarness.waitFor("the report stored") { try harness.allReports().count == 1 }
        let oldKeyFile = harness.stateDir + "/old.key"
        try FileManager.default.copyItem(atPath: harness.keyFile, toPath: oldKeyFile)
        let copy = harness.stateDir + "/backups/before-rotation.db"
        let backup = harness.raddctl(["backup", "--out", copy])
        XCTAssertEqual(backup.status, 0, backup.stderr)
        XCTAssertEqual(harness.raddctl(["key", "rotate", "--key-file", harness.keyFile]).status, 0)
        XCTAssertEqual(harness.stop().status, 0)

        let withOld = harness.run(DaemonHarness.raddctl, ["backup", "verify", copy, "--key-file", oldKeyFile])
        XCTAssertEqual(withOld.status, 0, withOld.stderr)
        XCTAssertTrue(withOld.stdout.contains("reports       1\n"), withOld.stdout)
        let withNew = harness.run(DaemonHarness.raddctl, ["backup", "verify", copy, "--key-file", harness.keyFile])
        XCTAssertEqual(withNew.status, 65, withNew.stdout + withNew.stderr)
        XCTAssertTrue(withNew.stderr.contains("key"), withNew.stderr)
    }

    func testAnUnfinishedRotationIsNamedInsteadOfGuessed() throws {
        let harness = try DaemonHarness()
        try harness.start()
        try harness.write(String(repeating: "ab", count: 32), to: harness.keyFile + ".new", mode: 0o600)
        let refused = harness.raddctl(["key", "rotate", "--key-file", harness.keyFile])
        XCTAssertEqual(refused.status, 73, refused.stderr)
        XCTAssertTrue(refused.stderr.contains("an earlier rotation did not finish"), refused.stderr)
        XCTAssertEqual(harness.stop().status, 0)

        // The database under the key in .new, as if raddd stopped before the file was moved.
        let pendingKey = try DatabaseKey(hex: String(repeating: "ab", count: 32))
        let database = try Database(path: harness.databasePath, key: DatabaseKey(hex: harness.keyHex))
        try database.rekey(to: pendingKey)
        database.close()
        let start = harness.run(DaemonHarness.raddd, harness.standardArguments)
        XCTAssertNotEqual(start.status, 0)
        XCTAssertTrue(start.stderr.contains("a key rotation did not finish"), start.stderr)
    }
}
