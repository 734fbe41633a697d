import Control
import Foundation
import Ingest
import Labeling
@testable import RaddDaemon
import RaddCore
import Store
import XCTest

/// The dispatcher and its actions in-process, against a temporary SQLCipher store: no daemon,
/// no socket. Every request gets exactly one audit record, and every refusal is the
/// dispatcher's to audit, whichever action refused it.
final class ControlDispatcherTests: XCTestCase {
    var root: String!
    var store: ReportStore!
    var dispatcher: ControlDispatcher!
    let everyRole = ControlCaller(peer: PeerCredentials(uid: 0, gid: 0, pid: 4242), roles: Set(Role.allCases))

    override func setUpWithError() throws {
        root = NSTemporaryDirectory() + "radd-dispatch-\(UUID().uuidString.prefix(8))"
        try FileManager.default.createDirectory(atPath: root + "/drop", withIntermediateDirectories: true)
        var configuration = DaemonConfiguration()
        configuration.tasks = ["chestxray14"]
        configuration.taskDirectory = LabelingDaemonTests.tasks
        configuration.stateDirectory = root
        store = try ReportStore(path: root + "/radd.db", key: DatabaseKey(hex: String(repeating: "ab", count: 32)))
        let actor = AuditActor(uid: 0, username: "root", pid: getpid())
        let tasks = try configuration.tasks.map { try LabelTask.load($0, directories: configuration.taskDirectories) }
        let labeling = try LabelingService(configuration: configuration, tasks: tasks, store: store, actor: actor)
        let live = LiveSettings(labelPolicy: configuration.labelPolicy)
        let access = CurrentAccessPolicy(AccessPolicy())
        let settings = configuration
        let reloader = ConfigurationReloader(configuration: configuration, access: access, live: live, store: store,
                                             reread: { settings })
        let checkpoints = AuditCheckpoints(path: root + "/checkpoints")
        let actions = ControlActions(
            store: store, facts: .init(startedAt: Date(), cipherVersion: "test", deidMethod: "rules", folders: configuration.folders),
            queueDepth: { 0 }, labeling: LabelingView(labeling: labeling, live: live),
            checkpoints: checkpoints, reloader: reloader,
            dropFolders: [try DropFolder(path: root + "/drop")], quarantine: try QuarantineFolder(path: root + "/quarantine"),
            backupDirectory: root, metrics: DaemonMetrics(store: store, queueDepth: { 0 }, labeling: labeling, checkpoints: checkpoints,
                                                          startedAt: Date()))
        dispatcher = ControlDispatcher(store: store, access: access, actions: actions)
    }

    override func tearDownWithError() throws {
        store?.close()
        if let root { try? FileManager.default.removeItem(atPath: root) }
    }

    /// Sends one request line; returns the answer and the audit records it added.
    func ask(_ line: String, as caller: ControlCaller? = nil) throws -> (answer: [String: Any], records: [AuditRecord]) {
        let before = try store.audit.records(after: 0, limit: 1_000_000, filter: .init()).last?.seq ?? 0
        let data = dispatcher.respond(to: Data(line.utf8), from: caller ?? everyRole)
        let answer = try XCTUnwrap(try JSONSerialization.jsonObject(with: data) as? [String: Any])
        return (answer, try store.audit.records(after: before, limit: 1_000_000, filter: .init()))
    }

    /// Per method, params it must refuse: a field it does not take, a value of the wrong type,
    /// and what its action finds wrong with values of the right type.
    static let invalid: [ControlMethod: [String]] = [
        .status: [#"{"verbose":true}"#],
        .reports: [#"{"state":"bogus"}"#, #"{"limit":"ten"}"#],
        .report: [#"{}"#, #"{"id":"one"}"#],
        .labels: [#"{"task":"nope"}"#, #"{"after":[1]}"#],
        .review: [#"{"task":"nope"}"#],
        .reviewShow: [#"{"task":"chestxray14"}"#, #"{"id":1,"task":"nope"}"#],
        .reviewResolve: [#"{"task":"chestxray14"}"#, #"{"id":1,"task":"chestxray14","values":{"Nonsense":"1"}}"#,
                         #"{"id":1,"task":"chestxray14","values":{"Effusion":"maybe"}}"#, #"{"id":1,"accept":"nobody"}"#],
        .quarantineList: [#"{"state":"bogus"}"#],
        .quarantineRetry: [#"{}"#, #"{"claim":"no-such-claim"}"#],
        .quarantinePurge: [#"{"all":true,"claim":"x"}"#, #"{"all":"yes"}"#],
        .auditList: [#"{"types":["bogus"]}"#, #"{"since":"yesterday"}"#, #"{"outcome":"bogus"}"#, #"{"types":"query"}"#],
        .auditVerify: [#"{"checkpoints":["x"]}"#],
        .auditExport: [#"{"user":5}"#, #"{"until":"later"}"#],
        .reload: [#"{"force":true}"#],
        .keyRotate: [#"{}"#, #"{"key":"nothex"}"#],
        .pseudonym: [#"{"kind":"bogus","value":"x"}"#, #"{"kind":"accession"}"#],
        .relabel: [#"{"task":"chestxray14"}"#, #"{"task":"chestxray14","labeler":"rules"}"#, #"{"task":"nope","labeler":"rules","all":true}"#],
        .exportLabels: [#"{"format":"xml"}"#, #"{"since":"soon"}"#],
        .exportInstruct: [#"{"labeler":"nobody"}"#],
        .goldSample: [#"{"count":0}"#, #"{"stratifyBy":"nobody"}"#, #"{"seed":-1}"#],
        .goldImport: [#"{}"#, #"{"rows":[{"line":2,"reportID":1,"values":{"Atelectasis":"maybe"}}]}"#],
        .evaluate: [#"{"uncertain":"maybe"}"#, #"{"labeler":"nobody"}"#],
        .backup: [#"{"path":"relative.db"}"#, #"{"path":7}"#],
        .purge: [#"{}"#, #"{"patient":"   "}"#, #"{"patient":42}"#],
        .metrics: [#"{"format":"json"}"#],
    ]

    func testEveryMethodRefusedForItsParamsIsAuditedExactlyOnceByTheDispatcher() throws {
        XCTAssertEqual(Set(Self.invalid.keys), Set(ControlMethod.allCases), "every method is tried")
        var id = 0
        for method in ControlMethod.allCases {
            for params in Self.invalid[method]! + [#"{"notAParamOfAnyMethod":1}"#] {
                id += 1
                let line = #"{"v":1,"id":\#(id),"method":"\#(method.rawValue)","params":\#(params)}"#
                let (answer, records) = try ask(line)
                let error = answer["error"] as? [String: Any]
                XCTAssertEqual(answer["ok"] as? Bool, false, line)
                XCTAssertEqual(answer["id"] as? Int, id, line)
                XCTAssertTrue(["bad_request", "not_found"].contains(error?["code"] as? String ?? ""), "\(line): \(answer)")
                XCTAssertEqual(records.count, 1, "one audit record for \(line), found \(records.map(\.object))")
                XCTAssertEqual(records.first?.outcome, AuditOutcome.minorFailure.rawValue, line)
                XCTAssertEqual(records.first?.object, "method=\(method.rawValue)", line)
                XCTAssertEqual(records.first?.uid, 0)
            }
        }
    }

    func testEnvelopeAndRoleRefusalsAreAuditedOnceAndDeniedOnesAsSecurityAlerts() throws {
        let viewer = ControlCaller(peer: PeerCredentials(uid: 3_999_999, gid: 3_999_999, pid: 7), roles: [.viewer])
        let cases: [(String, ControlCaller, String, AuditEvent)] = [
            ("not json", everyRole, "bad_request", .query),
            (#"{"v":2,"id":1,"method":"status"}"#, everyRole, "unsupported_version", .query),
            (#"{"v":1,"id":2,"method":"no.such.method"}"#, everyRole, "unknown_method", .query),
            (#"{"v":1,"id":3,"method":"audit.list"}"#, viewer, "permission_denied", .securityAlert),
            (#"{"v":1,"id":4,"method":"key.rotate","params":{"key":"nothex"}}"#, viewer, "permission_denied", .securityAlert),
        ]
        for (line, caller, code, event) in cases {
            let (answer, records) = try ask(line, as: caller)
            XCTAssertEqual((answer["error"] as? [String: Any])?["code"] as? String, code, line)
            XCTAssertEqual(records.count, 1, line)
            XCTAssertEqual(records.first?.event, event.rawValue, line)
            XCTAssertEqual(records.first?.outcomeText, code, line)
        }
        if case .success = dispatcher.admit(PeerCredentials(uid: 3_999_999, gid: 3_999_999, pid: 8)) {
            XCTFail("a caller with no role is admitted")
        }
        XCTAssertEqual(try store.audit.records(after: 0, limit: 100, filter: .init()).last?.outcome, AuditOutcome.denied.rawValue)
    }

    func testValidRequestsAreAnsweredInTheTransactionOfTheirOneRecord() throws {
        for (line, object) in [
            (#"{"v":1,"id":1,"method":"status"}"#, "status"),
            (#"{"v":1,"id":2,"method":"reports","params":{"limit":5}}"#, "reports state=* limit=5 after=0"),
            (#"{"v":1,"id":3,"method":"labels"}"#, "labels task=chestxray14 limit=100 after=0"),
            (#"{"v":1,"id":4,"method":"export.labels","params":{"format":"jsonl"}}"#,
             "export labels task=chestxray14 labeler=final format=jsonl after=0 rows=0"),
            (#"{"v":1,"id":5,"method":"pseudonym","params":{"kind":"patient","value":"MRN-1"}}"#, "pseudonym kind=patient"),
        ] {
            let (answer, records) = try ask(line)
            XCTAssertEqual(answer["ok"] as? Bool, true, "\(line): \(answer)")
            XCTAssertEqual(records.map(\.object), [object], line)
            XCTAssertEqual(records.first?.outcome, AuditOutcome.success.rawValue)
        }
        // What is not found is found out inside the transaction, and audited there as a failure.
        let (missing, records) = try ask(#"{"v":1,"id":6,"method":"report","params":{"id":99}}"#)
        XCTAssertEqual((missing["error"] as? [String: Any])?["message"] as? String, "no report with id 99")
        XCTAssertEqual(records.map(\.object), ["report=99"])
        XCTAssertEqual(records.first?.outcomeText, "not found")
    }

    func testAPseudonymIsNeverInTheAnswerOrTheAuditRecordAsTheValue() throws {
        let (answer, records) = try ask(#"{"v":1,"id":1,"method":"pseudonym","params":{"kind":"accession","value":"ACC-SECRET-77"}}"#)
        let text = String(decoding: try JSONSerialization.data(withJSONObject: answer), as: UTF8.self)
        XCTAssertFalse(text.contains("ACC-SECRET-77"))
        XCTAssertFalse(records.contains { ($0.object ?? "").contains("ACC-SECRET") })
    }
}
