import Foundation
import RaddCore
@testable import Store
import XCTest

/// A report's language in the store (migration 10): kept across versions, listed and filtered,
/// exported, and deciding which tasks' jobs a report gets. On a real SQLCipher file.
final class ReportLanguageStoreTests: XCTestCase {
    var directory: String!
    let key = try! DatabaseKey(hex: String(repeating: "c3", count: 32))
    let actor = AuditActor(uid: 1000, username: "tester", pid: 42)
    var databasePath: String { directory + "/radd.db" }

    override func setUpWithError() throws {
        directory = NSTemporaryDirectory() + "radd-language-\(UUID().uuidString)"
        try FileManager.default.createDirectory(atPath: directory, withIntermediateDirectories: true)
    }

    override func tearDownWithError() throws {
        try? FileManager.default.removeItem(atPath: directory)
    }

    @discardableResult
    func put(_ text: String, _ language: ReportLanguage, into store: ReportStore) throws -> Int64 {
        let claim = "c-\(UUID().uuidString)"
        let report = Report(source: ReportSource(fileName: "r.txt", format: .plainText, claimID: claim, byteCount: text.utf8.count),
                            metadata: ReportMetadata(), text: text, receivedAt: Date(), language: language)
        let file = IngestedFile(claimID: claim, folder: "drop", sourceName: "r.txt", format: .plainText, byteCount: 10,
                                sha256: UUID().uuidString)
        return try XCTUnwrap(try store.commit(file, reports: [report.phiFree], actor: actor).stored.first)
    }

    func testReportsStoredBeforeLanguagesAreEnglishAfterTheMigrationWhichBacksUpFirst() throws {
        let old = try Database(path: databasePath, key: key)
        try Migrations.run(on: old, upTo: 9)
        try old.execute("""
            INSERT INTO reports (claim_id, source_name, source_format, byte_count, state, text, deid_method, received_at, stored_at)
            VALUES ('c1', 'r.txt', 'text', 10, 'stored', 'No effusion.', 'rules', '2026-01-01T00:00:00Z', '2026-01-01T00:00:00Z')
            """)
        old.close()

        try FileManager.default.createDirectory(atPath: directory + "/backups", withIntermediateDirectories: true)
        let store = try ReportStore(path: databasePath, key: key, backupDirectory: directory + "/backups")
        defer { store.close() }
        XCTAssertEqual(try store.schemaVersion(), 10)
        let backup = try XCTUnwrap(store.migrationBackup)
        XCTAssertTrue(backup.destination.hasPrefix(directory + "/backups/radd-schema9-before-v10-"))
        XCTAssertEqual(try store.report(id: 1)?.language, .en)
        XCTAssertEqual(try store.currentCountsByLanguage(), [.en: 1])
        // The label export's covering index carries the language, so that the export reads no report rows.
        let plan = try store.database.prepare("EXPLAIN QUERY PLAN \(ReportStore.exportReports)")
            .bind([.integer(0), .null, .null, .text("t"), .integer(10)]).all { $0.text(3) ?? "" }
        XCTAssertTrue(plan.contains { $0.contains("COVERING INDEX reports_export") }, "\(plan)")
    }

    func testTheLanguageIsStoredListedFilteredAndCounted() throws {
        let store = try ReportStore(path: databasePath, key: key)
        defer { store.close() }
        let english = try put("No effusion.", .en, into: store)
        let german = try put("Kein Erguss. Größe regelrecht.", .de, into: store)
        XCTAssertEqual(try store.report(id: german)?.language, .de)
        XCTAssertEqual(try store.report(id: german)?.text, "Kein Erguss. Größe regelrecht.")
        XCTAssertEqual(try store.reports(language: .de).map(\.id), [german])
        XCTAssertEqual(try store.reports(language: .en).map(\.id), [english])
        XCTAssertEqual(try store.reports().map(\.language), [.en, .de])
        XCTAssertEqual(try store.currentCountsByLanguage(), [.en: 1, .de: 1])
        XCTAssertEqual(try store.trainingTexts([german], since: nil, until: nil)[german]?.language, .de)
    }

    func testAnUnknownLanguageInARowIsRefusedNotReadAsEnglish() throws {
        let store = try ReportStore(path: databasePath, key: key)
        defer { store.close() }
        let id = try put("Ingen effusion.", .en, into: store)
        try store.database.prepare("UPDATE reports SET language = 'sv' WHERE id = ?").bind([.integer(id)]).run()
        XCTAssertThrowsError(try store.report(id: id)) {
            guard case StoreError.unknownValue(_, let column, _) = $0 else { return XCTFail("\($0)") }
            XCTAssertEqual(column, "language")
        }
        XCTAssertThrowsError(try store.currentCountsByLanguage())
    }

    func testAReportGetsOnlyTheJobsOfTasksInItsLanguage() throws {
        let plan = LabelPlan(jobs: [("chestxray14", "rules"), ("chestxray14", "llm"), ("ankle-fracture-de", "rules")],
                             languages: ["ankle-fracture-de": .de])
        XCTAssertEqual(plan.languagesRead, [.en, .de])
        let store = try ReportStore(path: databasePath, key: key, labelPlan: plan)
        defer { store.close() }
        let english = try put("No effusion.", .en, into: store)
        let german = try put("Keine Fraktur.", .de, into: store)
        let jobs = try store.database.prepare("SELECT report_id, task, labeler FROM label_jobs ORDER BY id")
            .all { "\($0.integer(0)) \($0.text(1) ?? "") \($0.text(2) ?? "")" }
        XCTAssertEqual(jobs, ["\(english) chestxray14 rules", "\(english) chestxray14 llm", "\(german) ankle-fracture-de rules"])

        // Missing jobs are filled in by language too, and relabel runs select the task's language.
        try store.database.execute("DELETE FROM label_jobs")
        XCTAssertEqual(try store.enqueueMissingLabelJobs(actor: actor), 3)
        try store.database.execute("DELETE FROM label_jobs")
        let run = try store.startRelabelRun(task: "ankle-fracture-de", labeler: "rules", since: nil, language: .de, actor: actor)
        XCTAssertEqual(run.run.total, 1)
        XCTAssertEqual(try store.database.scalarText("SELECT report_id FROM label_jobs"), String(german))
        XCTAssertEqual(try store.finalLabelCounts(task: "ankle-fracture-de", language: .de, needs: [["rules"]]).current, 1)
    }

    func testAGermanReportNoTaskReadsGetsNoJobs() throws {
        let store = try ReportStore(path: databasePath, key: key, labelPlan: LabelPlan(jobs: [("chestxray14", "rules")]))
        defer { store.close() }
        try put("Kein Pneumothorax.", .de, into: store)
        XCTAssertEqual(try store.database.scalarText("SELECT count(*) FROM label_jobs"), "0")
        XCTAssertEqual(try store.enqueueMissingLabelJobs(actor: actor), 0)
        XCTAssertEqual(try store.finalLabelCounts(task: "chestxray14", needs: [["rules"]]).current, 0)
    }
}
