import Foundation
@testable import Control
import RaddCore
import Synchronization
import XCTest

/// Answers `status` with a fixed result and anything else with not_found, and records every
/// refused connection or line, so that the server's own part (the socket, its mode, framing,
/// peer credentials) can be checked without a daemon. Deciding on requests is the daemon's
/// dispatcher's work (DaemonTests/ControlDispatcherTests).
private final class RecordingResponder: ControlResponder, Sendable {
    private let recorded = Mutex<[ControlErrorCode]>([])
    var refusals: [ControlErrorCode] { recorded.withLock { $0 } }

    func admit(_ peer: PeerCredentials) -> Result<ControlCaller, ControlError> {
        .success(ControlCaller(peer: peer, roles: Set(Role.allCases)))
    }

    func respond(to line: Data, from caller: ControlCaller) -> Data {
        guard let request = try? JSONDecoder().decode(ControlRequest.self, from: line) else {
            record(.badRequest)
            return ControlResponse<NoParams>.errorLine(id: 0, ControlError(.badRequest, "not a request"))
        }
        guard request.method == "status" else {
            return ControlResponse<NoParams>.errorLine(id: request.id, ControlError(.notFound, "nothing here"))
        }
        return ControlResponse(id: request.id, result: StatusResult(
            version: "t", protocolVersion: 1, pid: caller.peer.pid, startedAt: "", uptimeSeconds: 0, schemaVersion: 1,
            cipherVersion: "", queueDepth: 0, reportsByState: [:], deidMethod: "none", dropDirectory: "", folders: [])).line()
    }

    func refuseOverlongLine(from caller: ControlCaller) -> Data {
        record(.badRequest)
        return ControlResponse<NoParams>.errorLine(id: 0, ControlError(.badRequest, "too long"))
    }

    private func record(_ code: ControlErrorCode) {
        recorded.withLock { $0.append(code) }
    }
}

final class ControlServerTests: XCTestCase {
    var directory: String!
    var server: ControlServer!
    private var handler: RecordingResponder!
    var socketPath: String { directory + "/c.sock" }

    override func setUpWithError() throws {
        directory = NSTemporaryDirectory() + "radd-control-\(UUID().uuidString)"
        try FileManager.default.createDirectory(atPath: directory, withIntermediateDirectories: true)
        handler = RecordingResponder()
        server = ControlServer(path: socketPath, socketGroupID: getgid(), responder: handler)
        try server.listen()
    }

    override func tearDownWithError() throws {
        server.stop()
        try? FileManager.default.removeItem(atPath: directory)
    }

    /// Sends raw lines and returns the raw response lines.
    func exchange(_ lines: [String]) throws -> [String] {
        let fd = try UnixSocket.connect(socketPath)
        defer { close(fd) }
        let reader = LineReader(fd: fd, limit: 1 << 20)
        return try lines.map { line in
            try UnixSocket.writeAll(fd, Array((line + "\n").utf8))
            return String(decoding: try XCTUnwrap(try reader.nextLine()), as: UTF8.self)
        }
    }

    func testWithoutASocketGroupAnyoneMayConnectSoEveryAttemptIsSeen() throws {
        let open = ControlServer(path: directory + "/open.sock", responder: handler)
        try open.listen()
        defer { open.stop() }
        var info = stat()
        XCTAssertEqual(stat(directory + "/open.sock", &info), 0)
        XCTAssertEqual(info.st_mode & 0o777, 0o666)
    }

    func testWithASocketGroupTheSocketIsGroupReadWriteOnly() throws {
        var info = stat()
        XCTAssertEqual(stat(socketPath, &info), 0)
        XCTAssertEqual(info.st_mode & 0o777, 0o660)
        XCTAssertEqual(info.st_gid, getgid())
        XCTAssertEqual(info.st_mode & S_IFMT, S_IFSOCK)
    }

    func testClientGetsTypedResultsAndPeerCredentialsAreTheKernels() throws {
        let client = try ControlClient(socketPath: socketPath)
        let status = try client.call(Endpoints.Status.self)
        XCTAssertEqual(status.pid, getpid())
        XCTAssertThrowsError(try client.call(Endpoints.Report.self, .init(id: 3))) {
            XCTAssertEqual(($0 as? ControlError)?.code, .notFound)
        }
    }

    /// The server answers and hangs up once the limit is passed, possibly while the rest of the
    /// line is still being written: the write may then fail (EPIPE), but the answer must be there.
    func overlongExchange(_ line: String) throws -> String {
        let fd = try UnixSocket.connect(socketPath)
        defer { close(fd) }
        try? UnixSocket.writeAll(fd, Array((line + "\n").utf8))
        let reader = LineReader(fd: fd, limit: 1 << 20)
        return String(decoding: try XCTUnwrap(try reader.nextLine()), as: UTF8.self)
    }

    func testEachLineIsAnsweredInTurnAndAnOverlongLineEndsTheConnection() throws {
        let replies = try exchange(["this is not json", #"{"v":1,"id":7,"method":"status"}"#])
        XCTAssertTrue(replies[0].contains(#""code":"bad_request""#), replies[0])
        XCTAssertTrue(replies[1].contains(#""ok":true"#) && replies[1].contains(#""id":7"#), replies[1])
        let long = try overlongExchange(String(repeating: "x", count: 4 * ControlProtocol.maxRequestBytes))
        XCTAssertTrue(long.contains(#""message":"too long""#), long)
        XCTAssertEqual(handler.refusals, [.badRequest, .badRequest])
    }

    func testASecondServerOnALiveSocketIsRefused() throws {
        let second = ControlServer(path: socketPath, responder: handler)
        XCTAssertThrowsError(try second.listen())
    }
}

/// Roles from the access policy file and the group database, never from the client.
final class AccessPolicyTests: XCTestCase {
    /// A uid with no passwd entry has only the group the kernel reports, so these need no users.
    let stranger = UInt32(3_999_999)

    func testRootAndTheDaemonUserHoldEveryRoleAndOthersTheirGroups() throws {
        // gid 0 is "root" on every Linux system.
        let policy = try AccessPolicy(parsing: "viewer = root\nauditor = nogroup-radd-test\n", file: "access", daemonUID: 999)
        XCTAssertEqual(policy.roles(of: PeerCredentials(uid: 0, gid: 0, pid: 1)), Set(Role.allCases))
        XCTAssertEqual(policy.roles(of: PeerCredentials(uid: 999, gid: 999, pid: 1)), Set(Role.allCases))
        XCTAssertEqual(policy.roles(of: PeerCredentials(uid: stranger, gid: 0, pid: 1)), [.viewer])
        XCTAssertEqual(policy.roles(of: PeerCredentials(uid: stranger, gid: 4242, pid: 1)), [])
        XCTAssertEqual(policy.missingGroups, ["nogroup-radd-test"])
    }

    func testEveryMethodNeedsARoleAndAuditorsCannotReadReports() {
        for method in ControlMethod.allCases { XCTAssertFalse(method.allowedRoles.isEmpty, method.rawValue) }
        XCTAssertFalse(ControlMethod.report.allowedRoles.contains(.auditor))
        XCTAssertFalse(ControlMethod.auditList.allowedRoles.contains(.viewer))
        XCTAssertEqual(ControlMethod.quarantinePurge.allowedRoles, [.admin])
        XCTAssertEqual(ControlMethod.keyRotate.allowedRoles, [.admin])
        XCTAssertEqual(ControlMethod.reload.allowedRoles, [.admin])
        XCTAssertEqual(ControlMethod.relabel.allowedRoles, [.admin])
        XCTAssertEqual(ControlMethod.status.allowedRoles, Set(Role.allCases))
    }

    func testTheShippedPolicyParsesAndBadFilesAreRefusedWithTheirLine() throws {
        let shipped = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent()
            .deletingLastPathComponent().appendingPathComponent("policies/access").path
        XCTAssertEqual(try AccessPolicy(contentsOf: shipped).groups, AccessPolicy.defaultGroups)
        let cases = [
            ("viewer = radd-viewer\nsuperuser = wheel\n", "access:2: unknown role 'superuser'"),
            ("viewer = a\nviewer = b\n", "access:2: role viewer is given twice"),
            ("# comment\nauditor radd-auditor\n", "access:2: expected 'ROLE = GROUP'"),
            ("admin = bad;group\n", "access:1: 'bad;group' is not a valid group name"),
        ]
        for (text, expected) in cases {
            XCTAssertThrowsError(try AccessPolicy(parsing: text, file: "access")) { error in
                XCTAssertTrue("\(error)".hasPrefix(expected), "\(error)")
            }
        }
        let partial = try AccessPolicy(parsing: "auditor = compliance, radd-auditor # two groups\n", file: "access")
        XCTAssertEqual(partial.groups, [.auditor: ["compliance", "radd-auditor"]], "roles not named are held by nobody")
    }
}

final class ControlProtocolTests: XCTestCase {
    func testRequestsEncodeAsDocumented() throws {
        let line = try ControlRequest.line(Endpoints.Reports.self, id: 3, params: .init(state: "stored", limit: 10))
        XCTAssertEqual(String(decoding: line, as: UTF8.self), #"{"id":3,"method":"reports","params":{"limit":10,"state":"stored"},"v":1}"#)
        let status = try ControlRequest.line(Endpoints.Status.self, id: 4, params: NoParams())
        XCTAssertEqual(String(decoding: status, as: UTF8.self), #"{"id":4,"method":"status","v":1}"#, "no params for a method that takes none")
    }

    func testErrorResponsesCarryCodeAndMessage() throws {
        let json = String(decoding: ControlResponse<ReportsResult>.errorLine(id: 9, ControlError(.notFound, "no report with id 9")), as: UTF8.self)
        XCTAssertEqual(json, #"{"error":{"code":"not_found","message":"no report with id 9"},"id":9,"ok":false,"v":1}"#)
    }

    func testEveryMethodHasExactlyOneEndpoint() {
        let methods = Endpoints.all.map { $0.method }
        XCTAssertEqual(Set(methods), Set(ControlMethod.allCases))
        XCTAssertEqual(methods.count, ControlMethod.allCases.count)
    }

    func testParamsAreTheMethodsOwnAndAreNamedWhenWrong() throws {
        func params<E: ControlEndpoint>(_ endpoint: E.Type, _ line: String) throws(ControlError) -> E.Params {
            try ControlRequest.params(of: endpoint, from: Data(line.utf8))
        }
        XCTAssertEqual(try params(Endpoints.Report.self, #"{"v":1,"id":1,"method":"report","params":{"id":5}}"#).id, 5)
        XCTAssertNil(try params(Endpoints.Reports.self, #"{"v":1,"id":1,"method":"reports"}"#).limit, "no params is an empty object")
        XCTAssertNil(try params(Endpoints.Reports.self, #"{"v":1,"id":1,"method":"reports","params":null}"#).state)
        let cases: [(() throws -> Void, String)] = [
            ({ _ = try params(Endpoints.Report.self, #"{"v":1,"id":1,"method":"report","params":{"id":5,"task":"x"}}"#) },
             "report does not take the param 'task'; it takes: id"),
            ({ _ = try params(Endpoints.Status.self, #"{"v":1,"id":1,"method":"status","params":{"verbose":true}}"#) },
             "status does not take the param 'verbose'; it takes no params"),
            ({ _ = try params(Endpoints.Report.self, #"{"v":1,"id":1,"method":"report","params":{"id":"five"}}"#) },
             "report: params.id is not a whole number"),
            ({ _ = try params(Endpoints.AuditList.self, #"{"v":1,"id":1,"method":"audit.list","params":{"types":"query"}}"#) },
             "audit.list: params.types is not a list"),
            ({ _ = try params(Endpoints.Report.self, #"{"v":1,"id":1,"method":"report","params":[1]}"#) },
             "report: params is not an object"),
        ]
        for (call, message) in cases {
            do {
                try call()
                XCTFail("accepted; expected: \(message)")
            } catch {
                XCTAssertEqual((error as? ControlError)?.code, .badRequest)
                XCTAssertEqual((error as? ControlError)?.message, message)
            }
        }
    }

    /// The request lines the previous release's raddctl sent (ProtocolReplayTests' transcript)
    /// read as this release's typed params and are written back byte for byte: old and new
    /// clients speak the same protocol v1.
    func testRecordedRequestLinesRoundTripThroughTheTypedParams() throws {
        let transcript = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent()
            .appendingPathComponent("DaemonTests/Fixtures/protocol-v1/transcript.jsonl").path
        struct Exchange: Decodable { var request: String }
        var checked = 0
        for line in try String(contentsOfFile: transcript, encoding: .utf8).split(separator: "\n") {
            let request = try JSONDecoder().decode(Exchange.self, from: Data(line.utf8)).request
            guard let envelope = try? JSONDecoder().decode(ControlRequest.self, from: Data(request.utf8)), envelope.v == 1,
                  let method = ControlMethod(rawValue: envelope.method),
                  let endpoint = Endpoints.all.first(where: { $0.method == method }) else { continue }
            XCTAssertEqual(try Self.roundTrip(endpoint, request: request, id: envelope.id), request)
            checked += 1
        }
        XCTAssertGreaterThan(checked, 50)
    }

    static func roundTrip<E: ControlEndpoint>(_ endpoint: E.Type, request: String, id: Int) throws -> String {
        let params = try ControlRequest.params(of: endpoint, from: Data(request.utf8))
        return String(decoding: try ControlRequest.line(endpoint, id: id, params: params), as: UTF8.self)
    }
}

final class ExportLineTests: XCTestCase {
    func testJSONLinesParseBackWithNumbersNullsAndEscapes() throws {
        let columns = ["id", "Effusion", "Edema", "model"]
        let line = JSONLine.object(columns: columns, cells: ["7", "1.0", "", "a \"b\"\\\n\u{1}é"], numeric: ["Effusion", "Edema"])
        let object = try XCTUnwrap(try JSONSerialization.jsonObject(with: Data(line.utf8)) as? [String: Any])
        XCTAssertEqual(object["id"] as? String, "7")
        XCTAssertEqual(object["Effusion"] as? Double, 1.0)
        XCTAssertTrue(object["Edema"] is NSNull)
        XCTAssertEqual(object["model"] as? String, "a \"b\"\\\n\u{1}é")
        XCTAssertFalse(line.contains("\n"), "one line per row")
        XCTAssertEqual(JSONLine.object(columns: ["x"], cells: ["-1.0"], numeric: ["x"]), #"{"x":-1.0}"#)
        XCTAssertEqual(CSVRow.line(["a,b", "c\"d", "e"]), #""a,b","c""d",e"#)
    }
}
