import Foundation
import RaddCore
@testable import Store
import TestSupport
import XCTest

/// Backups, restore, migration backups, erasure and retention, on real SQLCipher files.
final class BackupAndErasureTests: XCTestCase {
    var directory: String!
    let keyHex = String(repeating: "a1", count: 32)
    var key: DatabaseKey { try! DatabaseKey(hex: keyHex) }
    let otherKey = try! DatabaseKey(hex: String(repeating: "5c", count: 32))
    let actor = AuditActor(uid: 1000, username: "tester", pid: 42)

    override func setUpWithError() throws {
        directory = NSTemporaryDirectory() + "radd-backup-\(UUID().uuidString.prefix(8))"
        try FileManager.default.createDirectory(atPath: directory + "/backups", withIntermediateDirectories: true)
    }

    override func tearDownWithError() throws {
        try? FileManager.default.removeItem(atPath: directory)
    }

    var databasePath: String { directory + "/radd.db" }

    func report(_ text: String, accession: String, patient: String) -> Report {
        Report(source: ReportSource(fileName: "r.txt", format: .plainText, claimID: "c-\(UUID().uuidString)", byteCount: text.utf8.count),
               metadata: ReportMetadata(accession: accession, patientID: patient, status: .final),
               text: text, receivedAt: Date())
    }

    @discardableResult
    func put(_ report: Report, into store: ReportStore) throws -> Int64 {
        let file = IngestedFile(claimID: report.source.claimID, folder: "drop", sourceName: "r.txt", format: .plainText, byteCount: 10,
                                sha256: UUID().uuidString)
        return try XCTUnwrap(store.commit(file, reports: [report.phiFree], actor: actor).stored.first)
    }

    func backup(_ store: ReportStore, _ name: String) throws -> PendingBackup {
        let pending = try DatabaseBackup.prepare(of: store.database, destination: directory + "/backups/" + name)
        try pending.place()
        return pending
    }

    func testABackupIsACompleteEncryptedCopyThatVerifies() throws {
        let store = try ReportStore(path: databasePath, key: key)
        for index in 1...20 { try put(report("Case \(index): small left pleural effusion.", accession: "A\(index)", patient: "P\(index % 3)"), into: store) }
        let pseudonymKey = try store.database.scalarText("SELECT value FROM secrets")
        let pending = try backup(store, "copy.db")
        XCTAssertFalse(FileManager.default.fileExists(atPath: pending.temporaryPath), "the .partial name is gone once placed")
        XCTAssertEqual(pending.counts.reports, 20)
        let mode = try FileManager.default.attributesOfItem(atPath: pending.destination)[.posixPermissions] as? Int
        XCTAssertEqual(mode, 0o600)
        let raw = try XCTUnwrap(FileManager.default.contents(atPath: pending.destination))
        XCTAssertFalse(String(decoding: raw, as: UTF8.self).contains("pleural effusion"), "the copy is encrypted")
        XCTAssertFalse(raw.starts(with: Array("SQLite format 3".utf8)))

        let verified = try DatabaseBackup.verify(path: pending.destination, key: key)
        XCTAssertEqual(verified.sha256, pending.sha256)
        XCTAssertEqual(verified.counts, pending.counts)
        XCTAssertEqual(verified.counts.schemaVersion, ReportStore.supportedSchemaVersion)
        XCTAssertEqual(verified.auditLastSeq, Int64(pending.counts.auditRecords))
        let copy = try ReportStore(path: pending.destination, key: key)
        XCTAssertEqual(try copy.database.scalarText("SELECT value FROM secrets"), pseudonymKey, "the pseudonym key travels with the copy")
        copy.close()

        XCTAssertThrowsError(try DatabaseBackup.prepare(of: store.database, destination: pending.destination)) {
            XCTAssertEqual($0 as? BackupError, .destinationExists(path: pending.destination))
        }
    }

    func testVerifyRefusesAWrongKeyAChangedPageAndABrokenAuditChain() throws {
        let store = try ReportStore(path: databasePath, key: key)
        for index in 1...30 { try put(report("Case \(index): clear lungs.", accession: "A\(index)", patient: "P"), into: store) }
        let pending = try backup(store, "copy.db")
        XCTAssertThrowsError(try DatabaseBackup.verify(path: pending.destination, key: otherKey)) {
            XCTAssertEqual(($0 as? BackupError)?.code, "wrong_key")
        }
        // One byte changed in the middle of the file: SQLCipher's HMAC refuses that page.
        let damaged = directory + "/damaged.db"
        var bytes = try XCTUnwrap(FileManager.default.contents(atPath: pending.destination))
        bytes[bytes.count / 2] ^= 0x01
        try bytes.write(to: URL(fileURLWithPath: damaged))
        XCTAssertThrowsError(try DatabaseBackup.verify(path: damaged, key: key)) {
            XCTAssertEqual(($0 as? BackupError)?.code, "damaged", "\($0)")
        }
        // A record changed with the key (triggers dropped first): the chain in the copy breaks.
        let forged = directory + "/forged.db"
        try FileManager.default.copyItem(atPath: pending.destination, toPath: forged)
        let database = try Database(path: forged, key: key)
        try database.execute("DROP TRIGGER audit_never_changed; UPDATE audit SET username = 'mallory' WHERE seq = 3")
        _ = try database.scalarText("PRAGMA journal_mode = DELETE")
        database.close()
        XCTAssertThrowsError(try DatabaseBackup.verify(path: forged, key: key)) {
            XCTAssertEqual(($0 as? BackupError)?.code, "audit_chain_broken", "\($0)")
        }
    }

    func testABackupOpensOnlyWithTheKeyInForceWhenItWasMade() throws {
        let store = try ReportStore(path: databasePath, key: key)
        try put(report("Stable cardiomegaly.", accession: "A1", patient: "P1"), into: store)
        let before = try backup(store, "before-rotation.db")
        try store.database.rekey(to: otherKey)
        let after = try backup(store, "after-rotation.db")
        XCTAssertNoThrow(try DatabaseBackup.verify(path: before.destination, key: key))
        XCTAssertThrowsError(try DatabaseBackup.verify(path: before.destination, key: otherKey)) {
            XCTAssertEqual(($0 as? BackupError)?.code, "wrong_key")
        }
        XCTAssertNoThrow(try DatabaseBackup.verify(path: after.destination, key: otherKey))
        XCTAssertThrowsError(try DatabaseBackup.verify(path: after.destination, key: key))
    }

    func testAMigrationFromSchema7BacksUpFirstAndAFailedOneLeavesTheDatabaseAsItWas() throws {
        // A schema v7 database with a report, as the release before this one left it.
        let old = try Database(path: databasePath, key: key)
        try Migrations.run(on: old, upTo: 7)
        try old.execute("""
            INSERT INTO reports (claim_id, source_name, source_format, byte_count, state, text, deid_method, received_at, stored_at)
            VALUES ('c1', 'r.txt', 'txt', 10, 'stored', 'Old report text.', 'rules', '2026-01-01T00:00:00Z', '2026-01-01T00:00:00Z')
            """)
        old.close()
        let v7Copy = directory + "/v7.db"
        try FileManager.default.copyItem(atPath: databasePath, toPath: v7Copy)

        let store = try ReportStore(path: databasePath, key: key, backupDirectory: directory + "/backups")
        XCTAssertEqual(try store.schemaVersion(), ReportStore.supportedSchemaVersion)
        let automatic = try XCTUnwrap(store.migrationBackup, "a backup is made before migrating")
        XCTAssertTrue(automatic.destination.hasPrefix(directory + "/backups/radd-schema7-before-v\(ReportStore.supportedSchemaVersion)-"))
        let verified = try DatabaseBackup.verify(path: automatic.destination, key: key)
        XCTAssertEqual(verified.counts.schemaVersion, 7)
        XCTAssertEqual(verified.counts.reports, 1)
        store.close()

        // A migration that fails half-way (step 8's column already exists) changes nothing.
        let broken = directory + "/broken.db"
        try FileManager.default.copyItem(atPath: v7Copy, toPath: broken)
        let tampered = try Database(path: broken, key: key)
        try tampered.execute("ALTER TABLE quarantine ADD COLUMN pending_bytes BLOB")
        tampered.close()
        XCTAssertThrowsError(try ReportStore(path: broken, key: key, backupDirectory: directory + "/backups"))
        let after = try Database(path: broken, key: key)
        XCTAssertEqual(try Migrations.schemaVersion(of: after), 7, "no step of the failed migration committed")
        XCTAssertFalse(try after.prepare("PRAGMA table_info(quarantine)").all { $0.text(1) ?? "" }.contains("parent_claim"))
        XCTAssertEqual(try after.scalarText("SELECT text FROM reports"), "Old report text.")
        after.close()
    }

    func testRestoreKeepsTheReplacedDatabaseAndIsAuditedInTheRestoredOne() throws {
        let store = try ReportStore(path: databasePath, key: key)
        let kept = try put(report("Kept report.", accession: "A1", patient: "P1"), into: store)
        let pending = try backup(store, "copy.db")
        try put(report("Stored after the backup.", accession: "A2", patient: "P2"), into: store)
        store.close()

        let result = try DatabaseRestore.restore(backup: pending.destination, databasePath: databasePath, key: key, actor: actor,
                                                 applianceID: "test", backupDirectory: directory + "/backups")
        let replaced = try XCTUnwrap(result.replacedPath)
        XCTAssertEqual(try ReportStore(path: replaced, key: key).countsByState()["stored"], 2, "the replaced database is kept whole")
        let restored = try ReportStore(path: databasePath, key: key)
        defer { restored.close() }
        XCTAssertEqual(try restored.report(id: kept)?.text, "Kept report.")
        XCTAssertEqual(try restored.countsByState()["stored"], 1)
        let last = try XCTUnwrap(restored.audit.records(after: 0, limit: 10_000).last)
        XCTAssertEqual(last.event, "restore")
        XCTAssertTrue(last.object?.contains("sha256=\(pending.sha256)") == true, last.object ?? "")
        XCTAssertTrue(try restored.audit.verify().intact)

        // A copy from a newer radd is refused before anything moves.
        let newer = directory + "/newer.db"
        try FileManager.default.copyItem(atPath: pending.destination, toPath: newer)
        let database = try Database(path: newer, key: key)
        try database.execute("PRAGMA user_version = \(ReportStore.supportedSchemaVersion + 1)")
        _ = try database.scalarText("PRAGMA journal_mode = DELETE")
        database.close()
        XCTAssertThrowsError(try DatabaseRestore.restore(backup: newer, databasePath: databasePath, key: key, actor: actor,
                                                         applianceID: "test", backupDirectory: nil)) {
            XCTAssertEqual(($0 as? BackupError)?.code, "schema_too_new")
        }
        XCTAssertEqual(try restored.countsByState()["stored"], 1, "the database in place is untouched")
    }

    func testErasingAPatientRemovesTheirTextFromEveryPageOfTheDatabaseAndWAL() throws {
        let store = try ReportStore(path: databasePath, key: key)
        let erasedWords = ["Zygomaticfracturexq", "Quintessentialopacityzw"]
        let keptWords = ["Pneumoperitoneumkv", "Hydropneumothoraxjb"]
        var erasedIDs: [Int64] = []
        for index in 1...6 {
            // Long enough to spill into overflow pages, which are freed (and must be zeroed) too.
            let filler = String(repeating: "No acute cardiopulmonary process. ", count: index * 20)
            erasedIDs.append(try put(report("FINDINGS: \(erasedWords[index % 2]) noted. \(filler)", accession: "E\(index)", patient: "MRN-ERASE"), into: store))
            try put(report("FINDINGS: \(keptWords[index % 2]) noted. \(filler)", accession: "K\(index)", patient: "MRN-KEEP"), into: store)
        }
        _ = try store.storeGold([GoldAnswer(reportID: erasedIDs[0], values: [("Effusion", .negative)], followUp: nil)], task: "chestxray14",
                                version: "1", provenance: LabelProvenance(labeler: "gold", version: "1", reviewer: "dr"), actor: actor)
        let pageKey = SQLCipherPages.key(hex: keyHex)
        func pages() throws -> [[UInt8]] {
            try SQLCipherPages.plaintext(of: databasePath, key: pageKey) + SQLCipherPages.plaintext(of: databasePath + "-wal", key: pageKey, wal: true)
        }
        XCTAssertTrue(erasedWords.allSatisfy { SQLCipherPages.contains(try! pages(), $0) }, "the page search finds stored text")

        let pseudonym = try XCTUnwrap(store.pseudonymizer).pseudonym("MRN-ERASE")
        let erased = try store.erasePatient(pseudonym: pseudonym, actor: actor)
        XCTAssertEqual(erased.reports, 6)
        XCTAssertEqual(erased.goldSets, 1)
        XCTAssertGreaterThan(erased.phiSpans + erased.files, 0)
        XCTAssertEqual(try store.database.scalarText("SELECT count(*) FROM reports WHERE patient_pseudonym = '\(pseudonym)'"), "0")
        XCTAssertEqual(try store.database.scalarText("SELECT count(*) FROM label_sets WHERE report_id IN (\(erasedIDs.map(String.init).joined(separator: ",")))"), "0")
        XCTAssertEqual(try store.database.scalarText("SELECT count(*) FROM reports"), "6")

        let after = try pages()
        for word in erasedWords { XCTAssertFalse(SQLCipherPages.contains(after, word), "\(word) is still in a page of the database or WAL") }
        XCTAssertTrue(keptWords.allSatisfy { SQLCipherPages.contains(after, $0) }, "the other patient's text is still there")
        let wal = (try? FileManager.default.attributesOfItem(atPath: databasePath + "-wal")[.size] as? Int) ?? 0
        XCTAssertEqual(wal, 0, "the WAL is emptied")

        let records = try store.audit.records(after: 0, limit: 10_000)
        let erasures = records.filter { $0.event == "erasure" }
        XCTAssertEqual(erasures.count, 1)
        XCTAssertEqual(erasures.first?.object?.hasPrefix("patient=\(pseudonym) reports=6"), true, erasures.first?.object ?? "")
        XCTAssertFalse(records.contains { ($0.object ?? "").contains("MRN-ERASE") || ($0.outcomeText ?? "").contains("MRN-ERASE") })
        XCTAssertTrue(try store.audit.verify().intact, "audit records stay, and the chain verifies")
    }

    func testRetentionDeletesOnlyReportsStoredBeforeTheCutoff() throws {
        let store = try ReportStore(path: databasePath, key: key)
        let old = try put(report("Old report.", accession: "A1", patient: "P1"), into: store)
        let recent = try put(report("Recent report.", accession: "A2", patient: "P2"), into: store)
        // The clock: reports stored "40 days ago" and "2 days ago", swept "now" with 30 days.
        let now = Date()
        try store.database.execute("UPDATE reports SET stored_at = '\(Timestamp.string(now.addingTimeInterval(-40 * 86_400)))' WHERE id = \(old)")
        try store.database.execute("UPDATE reports SET stored_at = '\(Timestamp.string(now.addingTimeInterval(-2 * 86_400)))' WHERE id = \(recent)")
        let erased = try store.eraseReports(storedBefore: now.addingTimeInterval(-30 * 86_400), retentionDays: 30, actor: actor)
        XCTAssertEqual(erased.reports, 1)
        XCTAssertNil(try store.report(id: old))
        XCTAssertEqual(try store.report(id: recent)?.text, "Recent report.")
        XCTAssertEqual(try store.audit.records(after: 0, limit: 1000).filter { $0.event == "retention" }.count, 1)
        // A sweep that finds nothing writes no record.
        XCTAssertEqual(try store.eraseReports(storedBefore: now.addingTimeInterval(-30 * 86_400), retentionDays: 30, actor: actor).reports, 0)
        XCTAssertEqual(try store.audit.records(after: 0, limit: 1000).filter { $0.event == "retention" }.count, 1)
    }
}
