import Foundation
import RaddCore
@testable import Store
import XCTest

/// The audit log's hash chain, on real SQLCipher files: each way of tampering with it that
/// someone holding the key could try is found, and the first bad record is named.
final class AuditChainTests: XCTestCase {
    var directory: String!
    let key = try! DatabaseKey(hex: String(repeating: "c3", count: 32))
    let actor = AuditActor(uid: 1000, username: "tester", pid: 42, role: "viewer")

    override func setUpWithError() throws {
        directory = NSTemporaryDirectory() + "radd-audit-\(UUID().uuidString)"
        try FileManager.default.createDirectory(atPath: directory, withIntermediateDirectories: true)
    }

    override func tearDownWithError() throws {
        try? FileManager.default.removeItem(atPath: directory)
    }

    var path: String { directory + "/radd.db" }

    /// A store with `count` audit records (seq 1...count).
    func storeWithRecords(_ count: Int) throws -> ReportStore {
        let store = try ReportStore(path: path, key: key, applianceID: "radd-test-1")
        for index in 1...count {
            try store.audit.append(event: .query, action: .read, outcome: .success, actor: actor, object: "report=\(index)")
        }
        return store
    }

    /// A second connection, as an attacker with the key would open it, with the guards removed.
    func tamper(_ sql: String) throws {
        let database = try Database(path: path, key: key)
        defer { database.close() }
        try database.execute("DROP TRIGGER IF EXISTS audit_never_changed; DROP TRIGGER IF EXISTS audit_never_deleted;")
        try database.execute(sql)
    }

    func testAnUntouchedLogVerifiesAndRecordsCarryRoleSourceAndChain() throws {
        let store = try storeWithRecords(5)
        defer { store.close() }
        let result = try store.audit.verify()
        XCTAssertTrue(result.intact, "\(result.problems)")
        XCTAssertEqual(result.records, 5)
        XCTAssertEqual(result.lastSeq, 5)
        let records = try store.audit.records()
        XCTAssertEqual(records.first?.role, "viewer")
        XCTAssertEqual(records.first?.source, "radd-test-1")
        XCTAssertEqual(records[1].hash, records[1].chainedHash(after: records[0].hash!))
        XCTAssertEqual(records[0].hash, records[0].chainedHash(after: AuditRecord.genesis))
    }

    func testRaddItselfCannotChangeOrDeleteARecord() throws {
        let store = try storeWithRecords(2)
        defer { store.close() }
        XCTAssertThrowsError(try store.database.execute("UPDATE audit SET object = 'x' WHERE seq = 1"))
        XCTAssertThrowsError(try store.database.execute("DELETE FROM audit WHERE seq = 2"))
        XCTAssertTrue(try store.audit.verify().intact)
    }

    func testAChangedRecordIsNamed() throws {
        try storeWithRecords(6).close()
        try tamper("UPDATE audit SET username = 'someone-else' WHERE seq = 4")
        let result = try ReportStore(path: path, key: key).audit.verify()
        XCTAssertFalse(result.intact)
        XCTAssertEqual(result.firstBadSeq, 4)
        XCTAssertEqual(result.problems.count, 1, "one changed record is one problem: \(result.problems)")
    }

    func testADeletedRecordIsNamed() throws {
        try storeWithRecords(6).close()
        try tamper("DELETE FROM audit WHERE seq = 3")
        let result = try ReportStore(path: path, key: key).audit.verify()
        XCTAssertEqual(result.firstBadSeq, 3)
        XCTAssertTrue(result.problems.first?.contains("record 4 follows 2: 1 record(s) missing") == true, "\(result.problems)")
    }

    func testReorderedRecordsAreNamed() throws {
        try storeWithRecords(6).close()
        // Swap records 2 and 5, hashes and all.
        try tamper("UPDATE audit SET seq = -2 WHERE seq = 2; UPDATE audit SET seq = 2 WHERE seq = 5; UPDATE audit SET seq = 5 WHERE seq = -2;")
        let result = try ReportStore(path: path, key: key).audit.verify()
        XCTAssertEqual(result.firstBadSeq, 2)
    }

    func testARecordInsertedWithAForgedHashIsNamed() throws {
        try storeWithRecords(4).close()
        try tamper("UPDATE audit SET seq = -seq WHERE seq >= 3; UPDATE audit SET seq = 1 - seq WHERE seq < 0;")
        try tamper("""
            INSERT INTO audit (seq, at, event, action, outcome, uid, username, pid, hash)
            VALUES (3, '2026-01-01T00:00:00Z', 'query', 'R', 'success', 0, 'root', 1, '\(String(repeating: "a", count: 64))')
            """)
        XCTAssertEqual(try ReportStore(path: path, key: key).audit.verify().firstBadSeq, 3)
    }

    func testACutOffTailIsFoundAgainstTheLatestCheckpoint() throws {
        let store = try storeWithRecords(8)
        let checkpoint = try XCTUnwrap(try store.audit.head())
        store.close()
        try tamper("DELETE FROM audit WHERE seq > 6")
        let reopened = try ReportStore(path: path, key: key)
        XCTAssertTrue(try reopened.audit.verify().intact, "the chain alone cannot tell a cut-off tail")
        let result = try reopened.audit.verify(checkpoints: [checkpoint])
        XCTAssertFalse(result.intact)
        XCTAssertEqual(result.firstBadSeq, 7)
        XCTAssertTrue(result.problems.first?.contains("the log ends at record 6") == true, "\(result.problems)")
    }

    func testARewrittenChainDisagreesWithTheCheckpoint() throws {
        let store = try storeWithRecords(5)
        let checkpoint = try XCTUnwrap(try store.audit.head())
        store.close()
        // Someone with the key changes record 2 and recomputes every hash after it.
        try tamper("UPDATE audit SET object = 'report=999' WHERE seq = 2")
        let database = try Database(path: path, key: key)
        var previous = AuditRecord.genesis
        for record in try database.prepare("SELECT \(AuditLog.columns) FROM audit ORDER BY seq").all(AuditLog.record) {
            let hash = record.chainedHash(after: previous)
            try database.prepare("UPDATE audit SET hash = ? WHERE seq = ?").bind([.text(hash), .integer(record.seq)]).run()
            previous = hash
        }
        database.close()
        let reopened = try ReportStore(path: path, key: key)
        XCTAssertTrue(try reopened.audit.verify().intact)
        let result = try reopened.audit.verify(checkpoints: [checkpoint])
        XCTAssertEqual(result.firstBadSeq, 5)
        XCTAssertTrue(result.problems.first?.contains("differs from the checkpoint") == true, "\(result.problems)")
    }

    func testRecordsFromBeforeTheChainAreChainedByTheMigration() throws {
        let database = try Database(path: path, key: key)
        try Migrations.run(on: database, upTo: 4)
        try database.execute("""
            INSERT INTO audit (at, event, action, outcome, uid, username, pid, object)
            VALUES ('2026-11-01T00:00:00Z', 'application_start', 'E', 'success', 0, 'root', 1, 'version=0.1.0'),
                   ('2026-11-01T00:00:01Z', 'query', 'R', 'success', 1000, 'alice', 2, 'status');
            """)
        database.close()
        let store = try ReportStore(path: path, key: key)
        defer { store.close() }
        try store.audit.append(event: .query, action: .read, outcome: .success, actor: actor, object: "status")
        let result = try store.audit.verify()
        XCTAssertTrue(result.intact, "\(result.problems)")
        XCTAssertEqual(result.records, 3)
        XCTAssertNil(try store.audit.records().first?.role, "old records keep what they had")
    }

    func testFiltersSelectByTimeUserTypeAndOutcome() throws {
        let store = try ReportStore(path: path, key: key)
        defer { store.close() }
        let day = Timestamp.date("2026-11-20T10:00:00Z")!
        try store.audit.append(event: .query, action: .read, outcome: .success, actor: actor, object: "a", at: day)
        try store.audit.append(event: .securityAlert, action: .execute, outcome: .denied,
                               actor: AuditActor(uid: 2000, username: "mallory", pid: 7, role: "none"), object: "b",
                               at: day.addingTimeInterval(86_400))
        try store.audit.append(event: .export, action: .read, outcome: .success, actor: actor, object: "c",
                               at: day.addingTimeInterval(2 * 86_400))
        func objects(_ filter: AuditLog.Filter) throws -> [String?] { try store.audit.records(filter: filter).map(\.object) }
        XCTAssertEqual(try objects(.init(since: "2026-11-21T00:00:00Z")), ["b", "c"])
        XCTAssertEqual(try objects(.init(until: "2026-11-21T00:00:00Z")), ["a"])
        XCTAssertEqual(try objects(.init(username: "mallory")), ["b"])
        XCTAssertEqual(try objects(.init(uid: 1000)), ["a", "c"])
        XCTAssertEqual(try objects(.init(events: ["export", "security_alert"])), ["b", "c"])
        XCTAssertEqual(try objects(.init(outcome: "denied")), ["b"])
    }
}
