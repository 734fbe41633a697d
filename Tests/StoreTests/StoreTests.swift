import Foundation
import RaddCore
@testable import Store
import XCTest

final class StoreTests: XCTestCase {
    var directory: String!
    let key = try! DatabaseKey(hex: String(repeating: "a1", count: 32))
    let otherKey = try! DatabaseKey(hex: String(repeating: "5c", count: 32))
    let actor = AuditActor(uid: 1000, username: "tester", pid: 42)

    override func setUpWithError() throws {
        directory = NSTemporaryDirectory() + "radd-store-\(UUID().uuidString)"
        try FileManager.default.createDirectory(atPath: directory, withIntermediateDirectories: true)
    }

    override func tearDownWithError() throws {
        try? FileManager.default.removeItem(atPath: directory)
    }

    var databasePath: String { directory + "/radd.db" }

    func report(_ text: String, claim: String = "c-\(UUID().uuidString)") -> Report {
        Report(source: ReportSource(fileName: "r.txt", format: .plainText, claimID: claim, byteCount: text.utf8.count),
               text: text, receivedAt: Date())
    }

    func testCipherVersionComesFromSQLCipher() throws {
        XCTAssertTrue(try Database.cipherVersion().hasPrefix("3."))
    }

    func testDatabaseUsesWALSecureDeleteAndMemoryTempStore() throws {
        let store = try ReportStore(path: databasePath, key: key)
        XCTAssertEqual(try store.database.scalarText("PRAGMA journal_mode"), "wal")
        XCTAssertEqual(try store.database.scalarText("PRAGMA secure_delete"), "1")
        XCTAssertEqual(try store.database.scalarText("PRAGMA temp_store"), "2")
        XCTAssertEqual(try store.schemaVersion(), ReportStore.supportedSchemaVersion)
        try store.store(report("Clear."), deidMethod: "none", actor: actor)
        for path in [databasePath, databasePath + "-wal", databasePath + "-shm"] {
            let mode = try FileManager.default.attributesOfItem(atPath: path)[.posixPermissions] as? Int
            XCTAssertEqual(mode, 0o600, path)
        }
    }

    func testNoReportSentenceIsReadableInTheDatabaseOrItsWAL() throws {
        let sentence = "Moderate right pleural effusion with adjacent compressive atelectasis."
        let store = try ReportStore(path: databasePath, key: key)
        try store.store(report(sentence), deidMethod: "none", actor: actor)
        // Before any checkpoint the row lives in the WAL; both files must be ciphertext.
        for path in [databasePath, databasePath + "-wal"] {
            let bytes = try XCTUnwrap(FileManager.default.contents(atPath: path), path)
            XCTAssertGreaterThan(bytes.count, 0, path)
            XCTAssertNil(bytes.range(of: Data("pleural effusion".utf8)), "plain text found in \(path)")
            XCTAssertNil(bytes.range(of: Data("SQLite format 3".utf8)), "unencrypted header in \(path)")
        }
        store.close()
        let reopened = try ReportStore(path: databasePath, key: key)
        XCTAssertEqual(try reopened.report(id: 1)?.text, sentence)
    }

    func testAClosedDatabaseFailsInsteadOfCrashing() throws {
        let store = try ReportStore(path: databasePath, key: key)
        store.close()
        XCTAssertThrowsError(try store.countsByState())
        XCTAssertThrowsError(try store.store(report("Late."), deidMethod: "none", actor: actor))
    }

    func testWrongKeyIsRefused() throws {
        try ReportStore(path: databasePath, key: key).close()
        XCTAssertThrowsError(try ReportStore(path: databasePath, key: otherKey)) { error in
            XCTAssertEqual(error as? StoreError, .wrongKey(path: databasePath))
        }
    }

    func testSchemaNewerThanTheBinaryIsRefused() throws {
        let store = try ReportStore(path: databasePath, key: key)
        try store.database.execute("PRAGMA user_version = \(ReportStore.supportedSchemaVersion + 1)")
        store.close()
        XCTAssertThrowsError(try ReportStore(path: databasePath, key: key)) { error in
            XCTAssertEqual(error as? StoreError, .schemaTooNew(path: databasePath, found: ReportStore.supportedSchemaVersion + 1,
                                                               supported: ReportStore.supportedSchemaVersion))
        }
    }

    func testMigrationsRunOnceAndKeepData() throws {
        let store = try ReportStore(path: databasePath, key: key)
        try store.store(report("Normal chest."), deidMethod: "none", actor: actor)
        store.close()
        let again = try ReportStore(path: databasePath, key: key)
        XCTAssertEqual(try again.reports().count, 1)
        XCTAssertEqual(try again.schemaVersion(), ReportStore.supportedSchemaVersion)
    }

    func testRekeyReencryptsUnderTheNewKey() throws {
        let store = try ReportStore(path: databasePath, key: key)
        try store.store(report("Stable cardiomegaly."), deidMethod: "none", actor: actor)
        try store.database.rekey(to: otherKey)
        XCTAssertEqual(try store.database.scalarText("PRAGMA journal_mode"), "wal")
        store.close()
        XCTAssertThrowsError(try ReportStore(path: databasePath, key: key))
        let rekeyed = try ReportStore(path: databasePath, key: otherKey)
        XCTAssertEqual(try rekeyed.report(id: 1)?.text, "Stable cardiomegaly.")
    }

    func testStoringTheSameClaimTwiceKeepsOneRow() throws {
        let store = try ReportStore(path: databasePath, key: key)
        let first = try store.store(report("No acute disease.", claim: "c1"), deidMethod: "none", actor: actor)
        let second = try store.store(report("No acute disease.", claim: "c1"), deidMethod: "none", actor: actor)
        XCTAssertEqual(first, second)
        XCTAssertEqual(try store.reports().count, 1)
        XCTAssertEqual(try store.settlement(claimID: "c1"), .stored)
        XCTAssertEqual(try store.audit.records().filter { $0.event == "ingest" }.count, 1)
    }

    func testAFileOfSeveralReportsIsSettledByAnyOfThem() throws {
        let store = try ReportStore(path: databasePath, key: key)
        try store.database.transaction {
            for n in 1...3 { try store.store(report("Report \(n).", claim: "cabc#\(n)"), deidMethod: "none", actor: actor) }
        }
        XCTAssertEqual(try store.settlement(claimID: "cabc"), .stored)
        XCTAssertNil(try store.settlement(claimID: "cab"), "a prefix of a claim id is another claim")
        XCTAssertEqual(try store.reports().count, 3)
    }

    func testQuarantineIsRecordedWithItsReasonAndAudited() throws {
        let store = try ReportStore(path: databasePath, key: key)
        try store.quarantine(claimID: "c9", sourceName: "x.bin", reason: "x.bin is empty (0 bytes)", actor: actor)
        XCTAssertEqual(try store.settlement(claimID: "c9"), .quarantined(reason: "x.bin is empty (0 bytes)"))
        XCTAssertEqual(try store.countsByState()["quarantined"], 1)
        let record = try XCTUnwrap(try store.audit.records().last)
        XCTAssertEqual(record.outcome, "minor_failure")
        XCTAssertEqual(record.uid, 1000)
    }

    func testAuditedReadCommitsItsRecordAndAFailedReadIsAuditedToo() throws {
        let store = try ReportStore(path: databasePath, key: key)
        _ = try store.audited(event: "query", action: .read, actor: actor, object: "status") { try store.countsByState() }
        XCTAssertThrowsError(try store.audited(event: "query", action: .read, actor: actor, object: "report=7") {
            throw StoreError.notFound
        })
        let records = try store.audit.records()
        XCTAssertEqual(records.map(\.outcome), ["success", "minor_failure"])
        XCTAssertEqual(records.map(\.object), ["status", "report=7"])
        XCTAssertEqual(records.last?.outcomeText, "not found")
    }

    func testActionFailsWhenItsAuditRecordCannotBeWritten() throws {
        let store = try ReportStore(path: databasePath, key: key)
        // Make every audit insert fail, as a broken audit table would.
        try store.database.execute("""
            CREATE TRIGGER refuse_audit BEFORE INSERT ON audit BEGIN SELECT RAISE(ABORT, 'audit unavailable'); END
            """)
        XCTAssertThrowsError(try store.store(report("Clear lungs.", claim: "c2"), deidMethod: "none", actor: actor))
        XCTAssertEqual(try store.reports().count, 0, "the report must not be committed without its audit record")
        XCTAssertThrowsError(try store.audited(event: "query", action: .read, actor: actor, object: "status") { 1 })
    }
}
