import Foundation
import RaddCore
@testable import Store
import XCTest

/// What the store reads back from its rows: enum columns decoded strictly, and each report's
/// de-identification record kept with that report.
final class StoredRowTests: XCTestCase {
    var directory: String!
    let key = try! DatabaseKey(hex: String(repeating: "d4", count: 32))
    let actor = AuditActor(uid: 1000, username: "tester", pid: 42)

    override func setUpWithError() throws {
        directory = NSTemporaryDirectory() + "radd-rows-\(UUID().uuidString)"
        try FileManager.default.createDirectory(atPath: directory, withIntermediateDirectories: true)
    }

    override func tearDownWithError() throws {
        try? FileManager.default.removeItem(atPath: directory)
    }

    func report(_ text: String, claim: String) -> Report {
        Report(source: ReportSource(fileName: "r.txt", format: .plainText, claimID: claim, byteCount: text.utf8.count),
               metadata: ReportMetadata(), text: text, receivedAt: Date())
    }

    func file(_ claim: String) -> IngestedFile {
        IngestedFile(claimID: claim, folder: "drop", sourceName: "r.txt", format: .plainText, byteCount: 10,
                     sha256: UUID().uuidString)
    }

    /// A value written by something other than this raddd (by hand, or by a newer version) must not
    /// be read as some default state, status or format: the read fails and names the row.
    func testAnUnknownStateStatusOrFormatFailsTheReadInsteadOfDefaulting() throws {
        let store = try ReportStore(path: directory + "/radd.db", key: key)
        for column in ["state", "status", "source_format"] {
            let claim = "c-\(column)"
            let id = try XCTUnwrap(try store.commit(file(claim), reports: [report("Clear.", claim: claim).phiFree],
                                                    actor: actor).stored.first)
            XCTAssertNotNil(try store.report(id: id), "the row reads before it is changed")
            try store.database.prepare("UPDATE reports SET \(column) = 'archived' WHERE id = ?").bind([.integer(id)]).run()

            let expected = StoreError.unknownValue(table: "reports", column: column, rowID: id)
            XCTAssertThrowsError(try store.report(id: id), column) {
                XCTAssertEqual($0 as? StoreError, expected)
                XCTAssertFalse("\($0)".contains("archived"), "the error must not quote the row's content")
            }
            XCTAssertThrowsError(try store.reports(), column) { XCTAssertEqual($0 as? StoreError, expected) }
            try store.database.prepare("DELETE FROM reports WHERE id = ?").bind([.integer(id)]).run()
        }
    }

    /// Method and spans travel inside each report, so a file's reports cannot be stored with each
    /// other's de-identification record.
    func testEachReportIsStoredWithItsOwnMethodAndSpans() throws {
        let store = try ReportStore(path: directory + "/radd.db", key: key)
        let reports = [
            DeidentifiedReport(report: report("Seen by [NAME] on [DATE].", claim: "c1#1"),
                               spans: [PHISpan(start: 8, length: 9, category: .name), PHISpan(start: 21, length: 10, category: .date)],
                               method: "rules-2+tags"),
            report("Clear.", claim: "c1#2").phiFree,
        ]
        let ids = try store.commit(file("c1"), reports: reports, actor: actor).stored
        XCTAssertEqual(ids.count, 2)
        XCTAssertEqual(try store.phiSpanCounts(reportID: ids[0]), ["name": 1, "date": 1])
        XCTAssertEqual(try store.phiSpanCounts(reportID: ids[1]), [:])
        XCTAssertEqual(try store.report(id: ids[0])?.deidMethod, "rules-2+tags")
        XCTAssertEqual(try store.report(id: ids[1])?.deidMethod, "none")
    }
}
