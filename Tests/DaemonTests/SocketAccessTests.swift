import Foundation
import Store
import XCTest
#if canImport(Glibc)
import Glibc
#endif

/// Real Unix users and groups, created here and removed afterwards. Needs root (CI runs as root).
final class SocketAccessTests: XCTestCase {
    let group = "radd-t-ctl"
    let member = "radd-t-member"
    let outsider = "radd-t-outsider"

    override func setUpWithError() throws {
        guard getuid() == 0 else { throw XCTSkip("creating test users needs root") }
        tearDownUsers()
        try sh("groupadd", ["--system", group])
        try sh("useradd", ["--system", "--no-create-home", "--shell", "/usr/sbin/nologin", "--groups", group, member])
        try sh("useradd", ["--system", "--no-create-home", "--shell", "/usr/sbin/nologin", outsider])
    }

    override func tearDown() {
        if getuid() == 0 { tearDownUsers() }
    }

    func tearDownUsers() {
        for user in [member, outsider] { _ = try? sh("userdel", [user], allowFailure: true) }
        _ = try? sh("groupdel", [group], allowFailure: true)
    }

    @discardableResult
    func sh(_ command: String, _ arguments: [String], allowFailure: Bool = false) throws -> Int32 {
        let process = Process()
        process.executableURL = URL(fileURLWithPath: "/usr/sbin/" + command)
        process.arguments = arguments
        process.standardOutput = FileHandle.nullDevice
        process.standardError = FileHandle.nullDevice
        try process.run()
        process.waitUntilExit()
        if !allowFailure && process.terminationStatus != 0 {
            throw DaemonHarness.Failure("\(command) \(arguments.joined(separator: " ")) exited \(process.terminationStatus)")
        }
        return process.terminationStatus
    }

    func uid(_ name: String) throws -> UInt32 {
        guard let entry = getpwnam(name) else { throw DaemonHarness.Failure("no user \(name)") }
        return entry.pointee.pw_uid
    }

    /// Runs raddctl as `user`, with that user's real groups from the group database.
    func raddctl(as user: String, _ harness: DaemonHarness, _ arguments: [String]) throws -> DaemonHarness.Output {
        let entry = try XCTUnwrap(getpwnam(user))
        let copy = harness.root + "/bin/raddctl"
        if !FileManager.default.fileExists(atPath: copy) {
            try FileManager.default.createDirectory(atPath: harness.root + "/bin", withIntermediateDirectories: true)
            try FileManager.default.copyItem(atPath: DaemonHarness.raddctl, toPath: copy)
            chmod(harness.root + "/bin", 0o755)
            chmod(copy, 0o755)
        }
        return harness.run("/usr/bin/setpriv", [
            "--reuid=\(entry.pointee.pw_uid)", "--regid=\(entry.pointee.pw_gid)", "--init-groups", "--",
            copy, "--socket", harness.socketPath,
        ] + arguments, environment: ["PATH": "/usr/bin:/bin"])
    }

    func testOnlyGroupMembersGetInEvenWhenTheSocketModeIsLoosened() throws {
        let harness = try DaemonHarness()
        try harness.start(extraArguments: ["--socket-group", group])

        var info = stat()
        XCTAssertEqual(stat(harness.socketPath, &info), 0)
        XCTAssertEqual(info.st_mode & 0o777, 0o660)
        XCTAssertEqual(getgrgid(info.st_gid).map { String(cString: $0.pointee.gr_name) }, group)

        let allowed = try raddctl(as: member, harness, ["status", "--json"])
        XCTAssertEqual(allowed.status, 0, allowed.stderr)

        // The file mode stops the outsider at connect(2); the daemon never sees it.
        let blocked = try raddctl(as: outsider, harness, ["status"])
        XCTAssertEqual(blocked.status, 77, blocked.stderr)
        XCTAssertTrue(blocked.stderr.contains("permission denied"), blocked.stderr)

        // With the mode loosened, SO_PEERCRED still identifies and refuses the outsider.
        XCTAssertEqual(chmod(harness.socketPath, 0o666), 0)
        let refused = try raddctl(as: outsider, harness, ["reports"])
        XCTAssertEqual(refused.status, 77, refused.stderr)
        XCTAssertTrue(refused.stderr.contains("may not use radd's control socket"), refused.stderr)
        XCTAssertEqual(try raddctl(as: member, harness, ["reports"]).status, 0)

        XCTAssertEqual(harness.stop().status, 0)
        let store = try ReportStore(path: harness.databasePath, key: DatabaseKey(hex: harness.keyHex))
        defer { store.close() }
        let records = try store.audit.records()
        let outsiderRecords = records.filter { $0.uid == (try? uid(outsider)) }
        XCTAssertEqual(outsiderRecords.count, 1, "exactly the one refusal the daemon saw: \(records)")
        XCTAssertEqual(outsiderRecords.first?.outcome, "denied")
        XCTAssertEqual(outsiderRecords.first?.event, "security_alert")
        XCTAssertEqual(outsiderRecords.first?.username, outsider)
        let memberRecords = records.filter { $0.uid == (try? uid(member)) }
        XCTAssertEqual(memberRecords.map(\.object), ["status", "reports state=* limit=100 after=0"])
        XCTAssertTrue(memberRecords.allSatisfy { $0.outcome == "success" && $0.username == member && $0.pid > 0 })
        XCTAssertEqual(records.first?.event, "application_start")
        XCTAssertEqual(records.last?.event, "application_stop")
    }

    func testOnlyRootOrRaddsUserMayRetryOrPurgeTheQuarantine() throws {
        let harness = try DaemonHarness()
        try harness.start(extraArguments: ["--socket-group", group])
        try harness.drop("bad.txt", bytes: Data([0xFF]))
        let deadline = Date().addingTimeInterval(10)
        while visibleFiles(harness.quarantineDir).count < 2 && Date() < deadline { usleep(50_000) }
        XCTAssertEqual(try raddctl(as: member, harness, ["quarantine", "list"]).status, 0)
        let refused = try raddctl(as: member, harness, ["quarantine", "purge", "--all"])
        XCTAssertEqual(refused.status, 77, refused.stderr)
        XCTAssertTrue(refused.stderr.contains("only root or raddd's own user may retry or purge"), refused.stderr)
        XCTAssertEqual(visibleFiles(harness.quarantineDir), ["bad.txt", "bad.txt.reason"])
        XCTAssertEqual(harness.stop().status, 0)
        let store = try ReportStore(path: harness.databasePath, key: DatabaseKey(hex: harness.keyHex))
        defer { store.close() }
        let denial = try XCTUnwrap(try store.audit.records().last { $0.uid == (try? uid(member)) })
        XCTAssertEqual(denial.outcome, "denied")
        XCTAssertEqual(denial.object, "method=quarantine.purge")
    }
}
