import Foundation
import RaddCore
import Store
import XCTest
#if canImport(Glibc)
import Glibc
#endif

/// Roles through real Unix users and groups, created here and removed afterwards, with raddctl
/// run as each user. Needs root (CI runs as root).
final class SocketAccessTests: XCTestCase {
    let socketGroup = "radd-t-ctl"
    let viewerGroup = "radd-t-viewer"
    let auditorGroup = "radd-t-auditor"
    let adminGroup = "radd-t-admin"
    let reviewerGroup = "radd-t-reviewer"
    let reviewer = "radd-t-reviewer1"
    /// In the viewer group (and the socket group).
    let viewer = "radd-t-viewer1"
    let auditor = "radd-t-auditor1"
    let outsider = "radd-t-outsider"

    override func setUpWithError() throws {
        guard getuid() == 0 else { throw XCTSkip("creating test users needs root") }
        tearDownUsers()
        for group in [socketGroup, viewerGroup, auditorGroup, adminGroup, reviewerGroup] { try sh("groupadd", ["--system", group]) }
        try sh("useradd", ["--system", "--no-create-home", "--shell", "/usr/sbin/nologin", "--groups", "\(viewerGroup),\(socketGroup)", viewer])
        try sh("useradd", ["--system", "--no-create-home", "--shell", "/usr/sbin/nologin", "--groups", auditorGroup, auditor])
        try sh("useradd", ["--system", "--no-create-home", "--shell", "/usr/sbin/nologin", outsider])
        try sh("useradd", ["--system", "--no-create-home", "--shell", "/usr/sbin/nologin", "--groups", reviewerGroup, reviewer])
    }

    override func tearDown() {
        if getuid() == 0 { tearDownUsers() }
    }

    func tearDownUsers() {
        for user in [viewer, auditor, outsider, reviewer] { _ = try? sh("userdel", [user], allowFailure: true) }
        for group in [socketGroup, viewerGroup, auditorGroup, adminGroup, reviewerGroup] { _ = try? sh("groupdel", [group], allowFailure: true) }
    }

    /// raddd with an access policy naming the test's groups.
    func startDaemon(_ harness: DaemonHarness, extra: [String] = []) throws {
        let policy = harness.root + "/access"
        try harness.write("viewer = \(viewerGroup)\nauditor = \(auditorGroup)\nadmin = \(adminGroup)\nreviewer = \(reviewerGroup)\n",
                          to: policy, mode: 0o644)
        try harness.start(extraArguments: ["--access-policy", policy, "--appliance-id", "radd-test"] + extra)
    }

    func records(_ harness: DaemonHarness) throws -> [AuditRecord] {
        let store = try ReportStore(path: harness.databasePath, key: DatabaseKey(hex: harness.keyHex))
        defer { store.close() }
        return try store.audit.records(limit: 100_000)
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

    func testEachRoleDoesOnlyItsOwnWorkAndEveryAttemptIsAudited() throws {
        let harness = try DaemonHarness()
        try startDaemon(harness, extra: ["--tasks", "chestxray14", "--task-dir", LabelingDaemonTests.tasks, "--settle-time", "0"])
        var info = stat()
        XCTAssertEqual(stat(harness.socketPath, &info), 0)
        XCTAssertEqual(info.st_mode & 0o777, 0o666, "anyone may connect, so that every attempt is seen")
        try harness.drop("r1.txt", "FINDINGS: Small left pleural effusion.\n")
        try DaemonHarness.waitFor("the report labelled") { try harness.allReports().first?.state == "labelled" }

        // A viewer queries reports and labels, and may not read the audit log.
        for arguments in [["reports"], ["report", "1"], ["labels"], ["review"], ["status"]] {
            let result = try raddctl(as: viewer, harness, arguments)
            XCTAssertEqual(result.status, 0, "\(arguments): \(result.stderr)")
        }
        let outbox = harness.root + "/outbox"
        try FileManager.default.createDirectory(atPath: outbox, withIntermediateDirectories: true, attributes: [.posixPermissions: 0o777])
        chmod(outbox, 0o1777)
        let viewerExport = try raddctl(as: viewer, harness, ["export", "labels", "--format", "csv", "--out", outbox + "/v.csv"])
        XCTAssertEqual(viewerExport.status, 77, "a viewer cannot export: \(viewerExport.stderr)")
        XCTAssertTrue(viewerExport.stderr.contains("export.labels needs the role exporter"), viewerExport.stderr)
        let viewerAudit = try raddctl(as: viewer, harness, ["audit", "list"])
        XCTAssertEqual(viewerAudit.status, 77, viewerAudit.stderr)
        XCTAssertTrue(viewerAudit.stderr.contains("audit.list needs the role auditor; user \(viewer) holds viewer"), viewerAudit.stderr)
        XCTAssertEqual(try raddctl(as: viewer, harness, ["quarantine", "list"]).status, 77)

        // An auditor lists, verifies and exports the log, and may not read report text.
        let listed = try raddctl(as: auditor, harness, ["audit", "list", "--json"])
        XCTAssertEqual(listed.status, 0, listed.stderr)
        let verified = try raddctl(as: auditor, harness, ["audit", "verify"])
        XCTAssertEqual(verified.status, 0, verified.stderr)
        XCTAssertTrue(verified.stdout.contains("audit log intact"), verified.stdout)
        let exported = try raddctl(as: auditor, harness, ["audit", "export", "--format", "fhir"])
        XCTAssertEqual(exported.status, 0, exported.stderr)
        XCTAssertTrue(exported.stdout.contains("\"resourceType\":\"AuditEvent\""), exported.stdout)
        XCTAssertFalse(exported.stdout.contains("effusion"), "no report text in the audit log")
        for arguments in [["report", "1"], ["reports"], ["labels"]] {
            let refused = try raddctl(as: auditor, harness, arguments)
            XCTAssertEqual(refused.status, 77, "\(arguments): \(refused.stderr)")
            XCTAssertFalse(refused.stdout.contains("effusion"))
        }

        // A user in no group is refused outright.
        let stranger = try raddctl(as: outsider, harness, ["status"])
        XCTAssertEqual(stranger.status, 77, stranger.stderr)
        XCTAssertTrue(stranger.stderr.contains("holds no radd role"), stranger.stderr)

        XCTAssertEqual(harness.stop().status, 0)
        let log = try records(harness)
        func attempts(_ user: String) throws -> [(String, String, String?)] {
            let id = try uid(user)
            return log.filter { $0.uid == id }.map { ($0.event, $0.outcome, $0.object) }
        }
        let viewerAttempts = try attempts(viewer)
        XCTAssertEqual(viewerAttempts.map(\.1), ["success", "success", "success", "success", "success", "denied", "denied", "denied"],
                       "\(viewerAttempts)")
        XCTAssertEqual(viewerAttempts.suffix(3).map(\.2), ["method=export.labels", "method=audit.list", "method=quarantine.list"])
        let auditorAttempts = try attempts(auditor)
        XCTAssertEqual(auditorAttempts.map(\.0), ["audit_log_used", "audit_log_used", "export", "security_alert", "security_alert", "security_alert"],
                       "\(auditorAttempts)")
        XCTAssertEqual(auditorAttempts.map(\.1), ["success", "success", "success", "denied", "denied", "denied"])
        XCTAssertEqual(try attempts(outsider).map(\.1), ["denied"])
        let viewerID = try uid(viewer)
        XCTAssertTrue(log.filter { $0.uid == viewerID }.allSatisfy { $0.username == viewer && $0.pid > 0 && $0.source == "radd-test" })
        XCTAssertEqual(log.first { $0.uid == viewerID && $0.outcome == "success" }?.role, "viewer")
        XCTAssertEqual(log.first { $0.uid == (try? uid(outsider)) }?.role, "none")
        XCTAssertEqual(log.first?.event, "application_start")
        XCTAssertEqual(log.last?.event, "application_stop")
    }

    func testASocketGroupIsAFilesystemGateInFrontOfTheRoles() throws {
        let harness = try DaemonHarness()
        try startDaemon(harness, extra: ["--socket-group", socketGroup])
        var info = stat()
        XCTAssertEqual(stat(harness.socketPath, &info), 0)
        XCTAssertEqual(info.st_mode & 0o777, 0o660)
        XCTAssertEqual(getgrgid(info.st_gid).map { String(cString: $0.pointee.gr_name) }, socketGroup)
        XCTAssertEqual(try raddctl(as: viewer, harness, ["reports"]).status, 0)

        // The file mode stops the auditor (not in the socket group) at connect(2); raddd never sees it.
        let blocked = try raddctl(as: auditor, harness, ["audit", "list"])
        XCTAssertEqual(blocked.status, 77, blocked.stderr)
        XCTAssertTrue(blocked.stderr.contains("permission denied"), blocked.stderr)

        // With the mode loosened, SO_PEERCRED and the roles still decide.
        XCTAssertEqual(chmod(harness.socketPath, 0o666), 0)
        XCTAssertEqual(try raddctl(as: auditor, harness, ["audit", "list"]).status, 0)
        XCTAssertEqual(try raddctl(as: outsider, harness, ["reports"]).status, 77)
        XCTAssertEqual(harness.stop().status, 0)
        let log = try records(harness)
        XCTAssertEqual(log.filter { $0.uid == (try? uid(auditor)) }.count, 1, "only the attempt that reached raddd")
        XCTAssertEqual(log.filter { $0.uid == (try? uid(outsider)) }.map(\.outcome), ["denied"])
    }

    func testAReloadedPolicyGivesItsRolesFromTheNextRequest() throws {
        let harness = try DaemonHarness()
        try startDaemon(harness)
        XCTAssertEqual(try raddctl(as: viewer, harness, ["audit", "list"]).status, 77)
        XCTAssertEqual(try raddctl(as: viewer, harness, ["reload"]).status, 77, "reloading needs the admin role")
        let relabel = try raddctl(as: viewer, harness, ["relabel", "--task", "chestxray14", "--labeler", "rules", "--all"])
        XCTAssertEqual(relabel.status, 77, "relabelling needs the admin role: \(relabel.stderr)")
        XCTAssertTrue(relabel.stderr.contains("relabel needs the role admin"), relabel.stderr)
        try harness.write("viewer = \(viewerGroup)\nauditor = \(auditorGroup), \(viewerGroup)\n", to: harness.root + "/access", mode: 0o644)
        XCTAssertEqual(harness.raddctl(["reload"]).status, 0)
        let listed = try raddctl(as: viewer, harness, ["audit", "list"])
        XCTAssertEqual(listed.status, 0, listed.stderr)
    }

    func testOnlyAdminsMayTouchTheQuarantine() throws {
        let harness = try DaemonHarness()
        try startDaemon(harness)
        try harness.drop("bad.txt", bytes: Data([0xFF]))
        let deadline = Date().addingTimeInterval(10)
        while visibleFiles(harness.quarantineDir).count < 2 && Date() < deadline { usleep(50_000) }
        let refused = try raddctl(as: viewer, harness, ["quarantine", "purge", "--all"])
        XCTAssertEqual(refused.status, 77, refused.stderr)
        XCTAssertTrue(refused.stderr.contains("quarantine.purge needs the role admin"), refused.stderr)
        XCTAssertEqual(visibleFiles(harness.quarantineDir), ["bad.txt", "bad.txt.reason"])
        try sh("usermod", ["-a", "-G", adminGroup, viewer])
        let allowed = try raddctl(as: viewer, harness, ["quarantine", "purge", "--all"])
        XCTAssertEqual(allowed.status, 0, "a membership added is effective on the next request: \(allowed.stderr)")
        XCTAssertEqual(visibleFiles(harness.quarantineDir), [])
        XCTAssertEqual(harness.stop().status, 0)
        let mine = try records(harness).filter { $0.uid == (try? uid(viewer)) }
        XCTAssertEqual(mine.map(\.outcome), ["denied", "success"])
        XCTAssertEqual(mine.first?.object, "method=quarantine.purge")
        XCTAssertEqual(mine.last?.role, "viewer,admin")
    }

    /// Training data needs its roles: exports the exporter, gold and review decisions the
    /// reviewer, pseudonyms the admin; each refusal is audited with the method.
    func testTrainingDataCommandsNeedTheirRoles() throws {
        let harness = try DaemonHarness()
        try startDaemon(harness, extra: ["--tasks", "chestxray14", "--task-dir", LabelingDaemonTests.tasks, "--settle-time", "0"])
        try harness.drop("r1.txt", "FINDINGS: Small left pleural effusion. Possible pneumothorax.\n")
        try DaemonHarness.waitFor("the report labelled") { try harness.allReports().first?.state == "labelled" }
        let outbox = harness.root + "/outbox"
        try FileManager.default.createDirectory(atPath: outbox, withIntermediateDirectories: true)
        chmod(outbox, 0o1777)
        let worksheet = outbox + "/sheet.csv"
        try harness.write("report_id,accession_pseudonym,report_text,Effusion\n1,,x,1\n", to: worksheet, mode: 0o644)

        let refusals: [(String, [String], String)] = [
            (viewer, ["export", "instruct", "--labeler", "rules", "--out", outbox + "/v"], "export.instruct needs the role exporter"),
            (viewer, ["gold", "sample", "--n", "5", "--out", outbox + "/v.csv"], "gold.sample needs the role reviewer"),
            (viewer, ["gold", "import", worksheet], "gold.import needs the role reviewer"),
            (viewer, ["review", "resolve", "1", "--set", "Effusion=1"], "review.resolve needs the role reviewer"),
            (reviewer, ["export", "labels", "--format", "csv", "--out", outbox + "/r.csv"], "export.labels needs the role exporter"),
            (reviewer, ["pseudonym", "--kind", "accession", "ACC1"], "pseudonym needs the role admin"),
            (reviewer, ["report", "1"], "report needs the role viewer"),
        ]
        for (user, arguments, message) in refusals {
            let result = try raddctl(as: user, harness, arguments)
            XCTAssertEqual(result.status, 77, "\(user) \(arguments): \(result.stderr)")
            XCTAssertTrue(result.stderr.contains(message), result.stderr)
        }
        XCTAssertFalse(FileManager.default.fileExists(atPath: outbox + "/v/train.jsonl"))

        let sampled = try raddctl(as: reviewer, harness, ["gold", "sample", "--n", "5", "--seed", "1", "--out", outbox + "/g.csv"])
        XCTAssertEqual(sampled.status, 0, sampled.stderr)
        XCTAssertEqual(try raddctl(as: reviewer, harness, ["review", "show", "1"]).status, 0)
        let resolved = try raddctl(as: reviewer, harness, ["review", "resolve", "1", "--set", "Pneumothorax=0"])
        XCTAssertEqual(resolved.status, 0, resolved.stderr)
        let scored = try raddctl(as: viewer, harness, ["eval", "--task", "chestxray14", "--labeler", "rules", "--against", "gold", "--json"])
        XCTAssertEqual(scored.status, 0, scored.stderr)
        XCTAssertTrue(scored.stdout.contains("\"reports\" : 1") || scored.stdout.contains("\"reports\":1"), scored.stdout)

        XCTAssertEqual(harness.stop().status, 0)
        let log = try records(harness)
        let denied = log.filter { $0.outcome == "denied" }.compactMap(\.object)
        XCTAssertEqual(denied, ["method=export.instruct", "method=gold.sample", "method=gold.import", "method=review.resolve",
                                "method=export.labels", "method=pseudonym", "method=report"])
        let reviewerID = try uid(reviewer)
        let gold = try XCTUnwrap(log.first { $0.uid == reviewerID && $0.object?.hasPrefix("review resolve report=1") == true })
        XCTAssertEqual(gold.role, "reviewer")
        XCTAssertEqual(gold.outcome, "success")
    }
}
