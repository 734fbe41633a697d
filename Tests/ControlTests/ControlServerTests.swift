import Foundation
@testable import Control
import RaddCore
import XCTest

/// Answers `status` with a fixed result and records every refusal, so the server's own behaviour
/// (framing, versioning, refusals, file mode) can be checked without a daemon.
private final class RecordingHandler: ControlHandler, @unchecked Sendable {
    private let lock = NSLock()
    private var _refusals: [ControlErrorCode] = []
    var refusals: [ControlErrorCode] { lock.lock(); defer { lock.unlock() }; return _refusals }

    func handle(_ request: ControlRequest, method: ControlMethod, from caller: ControlCaller) throws -> any Encodable {
        let peer = caller.peer
        guard method == .status else { throw ControlError(.notFound, "nothing here") }
        return StatusResult(version: "t", protocolVersion: 1, pid: peer.pid, startedAt: "", uptimeSeconds: 0,
                            schemaVersion: 1, cipherVersion: "", queueDepth: 0, reportsByState: [:],
                            deidMethod: "none", dropDirectory: "", folders: [])
    }

    func refused(_ caller: ControlCaller, error: ControlError, method: String?) throws {
        lock.lock(); defer { lock.unlock() }
        _refusals.append(error.code)
    }
}

final class ControlServerTests: XCTestCase {
    var directory: String!
    var server: ControlServer!
    private var handler: RecordingHandler!
    var socketPath: String { directory + "/c.sock" }

    override func setUpWithError() throws {
        directory = NSTemporaryDirectory() + "radd-control-\(UUID().uuidString)"
        try FileManager.default.createDirectory(atPath: directory, withIntermediateDirectories: true)
        handler = RecordingHandler()
        server = ControlServer(path: socketPath, access: AccessPolicy(), socketGroupID: getgid(), handler: handler)
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
        let open = ControlServer(path: directory + "/open.sock", access: AccessPolicy(), handler: handler)
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
        let status = try client.call(.status, as: StatusResult.self)
        XCTAssertEqual(status.pid, getpid())
        XCTAssertThrowsError(try client.call(.report, .init(id: 3), as: ReportResult.self)) {
            XCTAssertEqual(($0 as? ControlError)?.code, .notFound)
        }
    }

    func testMalformedUnknownAndFutureRequestsAreRefusedAndReported() throws {
        let replies = try exchange([
            "this is not json",
            #"{"v":1,"id":5,"method":"explode"}"#,
            #"{"v":2,"id":6,"method":"status"}"#,
            #"{"v":1,"id":7,"method":"status"}"#,
        ])
        XCTAssertTrue(replies[0].contains(#""code":"bad_request""#), replies[0])
        XCTAssertTrue(replies[1].contains(#""code":"unknown_method""#) && replies[1].contains(#""id":5"#), replies[1])
        XCTAssertTrue(replies[2].contains(#""code":"unsupported_version""#), replies[2])
        XCTAssertTrue(replies[3].contains(#""ok":true"#), replies[3])
        XCTAssertEqual(handler.refusals, [.badRequest, .unknownMethod, .unsupportedVersion])
    }

    func testASecondServerOnALiveSocketIsRefused() throws {
        let second = ControlServer(path: socketPath, access: AccessPolicy(), handler: handler)
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
        let request = ControlRequest(id: 3, method: .reports, params: .init(state: "stored", limit: 10))
        let json = String(decoding: try JSONEncoder.controlProtocol.encode(request), as: UTF8.self)
        XCTAssertEqual(json, #"{"id":3,"method":"reports","params":{"limit":10,"state":"stored"},"v":1}"#)
    }

    func testErrorResponsesCarryCodeAndMessage() throws {
        let response = ControlResponse<ReportsResult>(id: 9, error: ControlError(.notFound, "no report with id 9"))
        let json = String(decoding: try JSONEncoder.controlProtocol.encode(response), as: UTF8.self)
        XCTAssertEqual(json, #"{"error":{"code":"not_found","message":"no report with id 9"},"id":9,"ok":false,"v":1}"#)
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
