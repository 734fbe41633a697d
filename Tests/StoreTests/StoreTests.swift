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

    func report(_ text: String, claim: String = "c-\(UUID().uuidString)", accession: String? = nil,
                patient: String? = nil, status: ReportStatus = .final) -> Report {
        Report(source: ReportSource(fileName: "r.txt", format: .plainText, claimID: claim, byteCount: text.utf8.count),
               metadata: ReportMetadata(accession: accession, patientID: patient, status: status),
               text: text, receivedAt: Date())
    }

    func file(_ claim: String, sha256: String = UUID().uuidString) -> IngestedFile {
        IngestedFile(claimID: claim, folder: "drop", sourceName: "r.txt", format: .plainText, byteCount: 10, sha256: sha256)
    }

    /// Commits one report as a file of its own and returns its id.
    @discardableResult
    func put(_ report: Report, into store: ReportStore) throws -> Int64? {
        try store.commit(file(report.source.claimID), reports: [report.phiFree], actor: actor).stored.first
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
        try put(report("Clear."), into: store)
        for path in [databasePath, databasePath + "-wal", databasePath + "-shm"] {
            let mode = try FileManager.default.attributesOfItem(atPath: path)[.posixPermissions] as? Int
            XCTAssertEqual(mode, 0o600, path)
        }
    }

    func testNoReportSentenceIsReadableInTheDatabaseOrItsWAL() throws {
        let sentence = "Moderate right pleural effusion with adjacent compressive atelectasis."
        let store = try ReportStore(path: databasePath, key: key)
        try put(report(sentence), into: store)
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
        XCTAssertThrowsError(try put(report("Late."), into: store))
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
        try put(report("Normal chest."), into: store)
        store.close()
        let again = try ReportStore(path: databasePath, key: key)
        XCTAssertEqual(try again.reports().count, 1)
        XCTAssertEqual(try again.schemaVersion(), ReportStore.supportedSchemaVersion)
    }

    func testRekeyReencryptsUnderTheNewKey() throws {
        let store = try ReportStore(path: databasePath, key: key)
        try put(report("Stable cardiomegaly."), into: store)
        try store.database.rekey(to: otherKey)
        XCTAssertEqual(try store.database.scalarText("PRAGMA journal_mode"), "wal")
        store.close()
        XCTAssertThrowsError(try ReportStore(path: databasePath, key: key))
        let rekeyed = try ReportStore(path: databasePath, key: otherKey)
        XCTAssertEqual(try rekeyed.report(id: 1)?.text, "Stable cardiomegaly.")
    }

    func testCommittingTheSameClaimTwiceKeepsOneRow() throws {
        let store = try ReportStore(path: databasePath, key: key)
        let first = try store.commit(file("c1"), reports: [report("No acute disease.", claim: "c1").phiFree], actor: actor)
        let second = try store.commit(file("c1"), reports: [report("No acute disease.", claim: "c1").phiFree], actor: actor)
        XCTAssertEqual(first.stored.count, 1)
        XCTAssertEqual(second, FileOutcome())
        XCTAssertEqual(try store.reports().count, 1)
        XCTAssertEqual(try store.settlement(claimID: "c1"), .stored)
        XCTAssertEqual(try store.audit.records().filter { $0.event == "ingest" }.count, 1)
    }

    func testAFileOfSeveralReportsIsSettledAsOne() throws {
        let store = try ReportStore(path: databasePath, key: key)
        let reports = (1...3).map { report("Report \($0).", claim: "cabc#\($0)") }
        XCTAssertEqual(try store.commit(file("cabc"), reports: reports.map(\.phiFree), actor: actor).stored, [1, 2, 3])
        XCTAssertEqual(try store.settlement(claimID: "cabc"), .stored)
        XCTAssertNil(try store.settlement(claimID: "cab"), "a prefix of a claim id is another claim")
        XCTAssertEqual(try store.reports().map(\.claimID), ["cabc#1", "cabc#2", "cabc#3"])
    }

    func testQuarantineIsRecordedWithItsReasonAndAudited() throws {
        let store = try ReportStore(path: databasePath, key: key)
        try store.quarantine(claimID: "c9", folder: "drop", sourceName: "x.bin", fileName: "x.bin",
                             reason: "x.bin is empty (0 bytes)", actor: actor)
        XCTAssertEqual(try store.settlement(claimID: "c9"), .quarantined(reason: "x.bin is empty (0 bytes)", fileName: "x.bin"))
        XCTAssertTrue(try store.quarantineNameHeld("x.bin"))
        XCTAssertEqual(try store.countsByState()["quarantined"], 1)
        let record = try XCTUnwrap(try store.audit.records().last)
        XCTAssertEqual(record.outcome, "minor_failure")
        XCTAssertEqual(record.uid, 1000)
    }

    func testAuditedReadCommitsItsRecordAndAFailedReadIsAuditedToo() throws {
        let store = try ReportStore(path: databasePath, key: key)
        _ = try store.audited(event: .query, action: .read, actor: actor, object: "status") { try store.countsByState() }
        XCTAssertThrowsError(try store.audited(event: .query, action: .read, actor: actor, object: "report=7") {
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
        XCTAssertThrowsError(try put(report("Clear lungs.", claim: "c2"), into: store))
        XCTAssertEqual(try store.reports().count, 0, "the report must not be committed without its audit record")
        XCTAssertThrowsError(try store.audited(event: .query, action: .read, actor: actor, object: "status") { 1 })
    }
}
