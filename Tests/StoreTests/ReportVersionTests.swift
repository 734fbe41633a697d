import Foundation
import RaddCore
@testable import Store
import XCTest

/// Duplicates, corrected versions, pseudonyms and the quarantine life cycle, on real SQLCipher files.
final class ReportVersionTests: XCTestCase {
    var directory: String!
    let key = try! DatabaseKey(hex: String(repeating: "b2", count: 32))
    let actor = AuditActor(uid: 1000, username: "tester", pid: 42)
    var databasePath: String { directory + "/radd.db" }

    override func setUpWithError() throws {
        directory = NSTemporaryDirectory() + "radd-versions-\(UUID().uuidString)"
        try FileManager.default.createDirectory(atPath: directory, withIntermediateDirectories: true)
    }

    override func tearDownWithError() throws {
        try? FileManager.default.removeItem(atPath: directory)
    }

    func report(_ text: String, claim: String, accession: String? = "ACC-1001", patient: String? = "MRN-778899",
                status: ReportStatus = .final) -> Report {
        Report(source: ReportSource(fileName: "r.hl7", format: .hl7v2, claimID: claim, byteCount: 100),
               metadata: ReportMetadata(accession: accession, patientID: patient, examCode: "71046",
                                        examDescription: "XR CHEST 2 VIEWS", modality: "CR", observedAt: "2024-03-01T10:15:00",
                                        status: status),
               text: text, receivedAt: Date())
    }

    @discardableResult
    func commit(_ reports: [Report], claim: String, sha256: String? = nil, in store: ReportStore) throws -> FileOutcome {
        let file = IngestedFile(claimID: claim, folder: "drop", sourceName: "r.hl7", format: .hl7v2, byteCount: 100,
                                sha256: sha256 ?? UUID().uuidString)
        return try store.commit(file, reports: reports.map(\.phiFree), actor: actor)
    }

    func testTheSameReportSentAgainIsANoOp() throws {
        let store = try ReportStore(path: databasePath, key: key)
        let first = try commit([report("FINDINGS: Clear.", claim: "c1")], claim: "c1", in: store)
        let again = try commit([report("FINDINGS: Clear.", claim: "c2")], claim: "c2", in: store)
        XCTAssertEqual(again.stored, [])
        XCTAssertEqual(again.unchanged, first.stored)
        XCTAssertEqual(try store.reports().count, 1)
        XCTAssertEqual(try store.settlement(claimID: "c2"), .stored, "the second file is settled too")
        XCTAssertEqual(try store.settledFiles().first { $0.claimID == "c2" }?.reportsUnchanged, 1)
    }

    func testACorrectedReportSupersedesTheStoredVersion() throws {
        let store = try ReportStore(path: databasePath, key: key)
        let first = try commit([report("IMPRESSION: Small effusion.", claim: "c1")], claim: "c1", in: store)
        let corrected = try commit([report("IMPRESSION: No effusion.", claim: "c2", status: .corrected)], claim: "c2", in: store)
        XCTAssertEqual(corrected.superseded, first.stored)
        let old = try XCTUnwrap(try store.report(id: first.stored[0]))
        let new = try XCTUnwrap(try store.report(id: corrected.stored[0]))
        XCTAssertEqual(old.state, .superseded)
        XCTAssertEqual(old.supersededBy, new.id)
        XCTAssertEqual(new.state, .stored)
        XCTAssertEqual(new.status, .corrected)
        XCTAssertEqual(try store.reports(state: .stored).map(\.id), [new.id])
        XCTAssertTrue(try store.audit.records().contains { $0.outcomeText == "superseded" && $0.object == "report=\(old.id) superseded_by=\(new.id)" })
    }

    func testALatePreliminaryNeverReplacesAFinalReport() throws {
        let store = try ReportStore(path: databasePath, key: key)
        let final = try commit([report("IMPRESSION: Fracture.", claim: "c1")], claim: "c1", in: store)
        let late = try commit([report("IMPRESSION: ?Fracture.", claim: "c2", status: .preliminary)], claim: "c2", in: store)
        XCTAssertEqual(late.superseded, [])
        XCTAssertEqual(try store.report(id: late.stored[0])?.state, .superseded)
        XCTAssertEqual(try store.report(id: final.stored[0])?.state, .stored)
    }

    func testAPreliminaryThenItsFinalInOneBatch() throws {
        let store = try ReportStore(path: databasePath, key: key)
        let outcome = try commit([report("Prelim.", claim: "c1#1", status: .preliminary), report("Final.", claim: "c1#2")],
                                 claim: "c1", in: store)
        XCTAssertEqual(outcome.stored, [1, 2])
        XCTAssertEqual(outcome.superseded, [1])
    }

    func testIdentifiersAreStoredOnlyAsKeyedPseudonyms() throws {
        let store = try ReportStore(path: databasePath, key: key)
        let id = try XCTUnwrap(try commit([report("FINDINGS: Clear.", claim: "c1")], claim: "c1", in: store).stored.first)
        let stored = try XCTUnwrap(try store.report(id: id))
        let pseudonymizer = try XCTUnwrap(store.pseudonymizer)
        XCTAssertEqual(stored.accessionPseudonym, pseudonymizer.pseudonym("ACC-1001"))
        XCTAssertEqual(stored.patientPseudonym, pseudonymizer.pseudonym("MRN-778899"))
        XCTAssertEqual(stored.patientPseudonym?.count, 64)
        XCTAssertEqual(stored.examDescription, "XR CHEST 2 VIEWS")
        XCTAssertEqual(stored.observedAt, "2024-03-01T10:15:00")
        XCTAssertEqual(stored.sections?.findings, "Clear.")
        let dump = try store.database.prepare("SELECT * FROM reports").all { row in
            (0..<30).compactMap { row.text(Int32($0)) }.joined(separator: "|")
        }.joined()
        XCTAssertFalse(dump.contains("778899"), "a patient id in clear")
        XCTAssertFalse(dump.contains("ACC-1001"), "an accession number in clear")

        // The key lives in the encrypted database: reopening gives the same pseudonyms.
        store.close()
        let reopened = try ReportStore(path: databasePath, key: key)
        XCTAssertEqual(reopened.pseudonymizer?.pseudonym("MRN-778899"), stored.patientPseudonym)
        let other = try ReportStore(path: directory + "/other.db", key: key)
        XCTAssertNotEqual(other.pseudonymizer?.pseudonym("MRN-778899"), stored.patientPseudonym, "each store has its own key")
    }

    func testAFileWithIdenticalBytesIsRecordedAsADuplicate() throws {
        let store = try ReportStore(path: databasePath, key: key)
        try commit([report("Clear.", claim: "c1")], claim: "c1", sha256: "abc", in: store)
        XCTAssertEqual(try store.settledFile(sha256: "abc"), "c1")
        XCTAssertNil(try store.settledFile(sha256: "abd"))
        let duplicate = IngestedFile(claimID: "c2", folder: "drop", sourceName: "r.hl7", format: .hl7v2, byteCount: 100, sha256: "abc")
        try store.commitDuplicate(duplicate, of: "c1", actor: actor)
        try store.commitDuplicate(duplicate, of: "c1", actor: actor)
        XCTAssertEqual(try store.settlement(claimID: "c2"), .stored)
        XCTAssertEqual(try store.settledFiles().map(\.outcome).sorted(), ["duplicate", "stored"])
        XCTAssertEqual(try store.audit.records().filter { $0.object == "claim=c2 duplicate_of=c1" }.count, 1)
    }

    func testQuarantineReleaseIsAuditedAndOnlyOnce() throws {
        let store = try ReportStore(path: databasePath, key: key)
        try store.quarantine(claimID: "c9", folder: "drop", sourceName: "x.hl7", fileName: "x.hl7", reason: "bad", actor: actor)
        XCTAssertThrowsError(try store.release(claimID: "c9", as: .purged, actor: actor) { _ in throw StoreError.notFound })
        XCTAssertEqual(try store.quarantineEntry(claimID: "c9")?.state, .held, "a failed move leaves the entry held")
        var moved: [String] = []
        try store.release(claimID: "c9", as: .purged, actor: actor) { moved.append($0.fileName ?? "") }
        XCTAssertEqual(moved, ["x.hl7"])
        XCTAssertEqual(try store.quarantined().count, 0)
        XCTAssertEqual(try store.quarantined(state: .purged).map(\.claimID), ["c9"])
        XCTAssertThrowsError(try store.release(claimID: "c9", as: .retried, actor: actor) { _ in }) {
            XCTAssertEqual($0 as? StoreError, .alreadyReleased(state: "purged"))
        }
        XCTAssertEqual(try store.audit.records().last { $0.event == "quarantine" }?.action, "D")
    }

    func testAVersion1DatabaseIsMigratedAndItsFilesStaySettled() throws {
        let database = try Database(path: databasePath, key: key)
        try database.transaction {
            try database.execute(Migrations.steps[0])
            try database.execute("PRAGMA user_version = 1")
            try database.execute("""
                INSERT INTO reports (claim_id, source_name, source_format, byte_count, state, text, deid_method, received_at, stored_at)
                VALUES ('cold#1', 'a.csv', 'csv', 9, 'stored', 'One.', 'none', 'x', 'y'),
                       ('cold#2', 'a.csv', 'csv', 9, 'stored', 'Two.', 'none', 'x', 'y')
                """)
        }
        database.close()
        let store = try ReportStore(path: databasePath, key: key)
        XCTAssertEqual(try store.schemaVersion(), ReportStore.supportedSchemaVersion)
        XCTAssertEqual(try store.settlement(claimID: "cold"), .stored)
        XCTAssertEqual(try store.settledFiles().map(\.reportsNew), [2])
        XCTAssertEqual(try store.reports().map(\.status), [.final, .final])
    }
}
