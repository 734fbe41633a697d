import Foundation
import RaddCore
@testable import Store
import XCTest

/// `raddctl audit` against a real raddd: verification after someone with the key changed the
/// database, checkpoints, and the export formats checked against their standards.
final class AuditCommandTests: XCTestCase {
    func database(_ harness: DaemonHarness) throws -> Database {
        let database = try Database(path: harness.databasePath, key: DatabaseKey(hex: harness.keyHex))
        try database.execute("DROP TRIGGER IF EXISTS audit_never_changed; DROP TRIGGER IF EXISTS audit_never_deleted;")
        return database
    }

    /// Runs raddd, makes a few audit records, stops it (which writes a checkpoint).
    func harnessWithRecords() throws -> DaemonHarness {
        let harness = try DaemonHarness()
        try harness.start(extraArguments: ["--audit-checkpoint-interval", "1", "--appliance-id", "radd-test"])
        for _ in 0..<3 { XCTAssertEqual(harness.raddctl(["status"]).status, 0) }
        XCTAssertEqual(harness.raddctl(["reports", "--limit", "5"]).status, 0)
        XCTAssertEqual(harness.stop().status, 0)
        return harness
    }

    func testAChangedRecordIsNamedByVerify() throws {
        let harness = try harnessWithRecords()
        let database = try database(harness)
        try database.execute("UPDATE audit SET object = 'status' WHERE object LIKE 'reports%'")
        let changed = try XCTUnwrap(try database.prepare("SELECT seq FROM audit WHERE event = 'query' ORDER BY seq DESC LIMIT 1")
            .withReset { try $0.step() ? $0.integer(0) : nil })
        database.close()

        try harness.start()
        let verify = harness.raddctl(["audit", "verify"])
        XCTAssertEqual(verify.status, 2, verify.stdout + verify.stderr)
        XCTAssertTrue(verify.stdout.contains("audit log BROKEN: first bad record \(changed)"), verify.stdout)
        XCTAssertTrue(verify.stderr.contains("failed verification at record \(changed)"), verify.stderr)
        let output = harness.raddctl(["audit", "verify", "--json"])
        XCTAssertEqual(output.status, 2)
        let json = try JSONDecoder().decode(AuditVerifyJSON.self, from: Data(output.stdout.utf8))
        XCTAssertEqual(json.firstBadSeq, changed)
        XCTAssertFalse(json.intact)
    }

    /// Someone with the key deletes the newest records and rewinds the sequence, so that the
    /// chain is whole again: only the checkpoint written at the last stop shows it.
    func testACutOffTailIsFoundAgainstTheCheckpoint() throws {
        let harness = try harnessWithRecords()
        let checkpointFile = harness.stateDir + "/audit-checkpoints"
        let lines = try String(contentsOfFile: checkpointFile, encoding: .utf8).split(separator: "\n")
        let last = try XCTUnwrap(lines.last?.split(separator: " "))
        let checkpointSeq = try XCTUnwrap(Int64(last[0]))
        XCTAssertTrue(harness.log.contains("audit checkpoint"), "checkpoints go to the log too")
        XCTAssertTrue(harness.log.contains("seq=\(checkpointSeq)"), harness.log)
        XCTAssertTrue(harness.log.contains(String(last[1])))

        let database = try database(harness)
        try database.execute("""
            DELETE FROM audit WHERE seq > \(checkpointSeq - 3);
            UPDATE sqlite_sequence SET seq = (SELECT max(seq) FROM audit) WHERE name = 'audit';
            """)
        database.close()
        try harness.start()
        XCTAssertEqual(harness.raddctl(["status"]).status, 0)
        let verify = harness.raddctl(["audit", "verify"])
        XCTAssertEqual(verify.status, 2, verify.stdout + verify.stderr)
        XCTAssertTrue(verify.stdout.contains("differs from the checkpoint") || verify.stdout.contains("the tail was cut off"), verify.stdout)

        // The same check with a checkpoint copied from the journal or a remote syslog.
        let given = harness.raddctl(["audit", "verify", "--checkpoint", "\(checkpointSeq):\(last[1])"])
        XCTAssertEqual(given.status, 2)
        XCTAssertEqual(harness.raddctl(["audit", "verify", "--checkpoint", "12:nothex"]).status, 1)
    }

    func testAnUntouchedLogVerifiesAcrossRestarts() throws {
        let harness = try harnessWithRecords()
        try harness.start()
        let verify = harness.raddctl(["audit", "verify"])
        XCTAssertEqual(verify.status, 0, verify.stdout + verify.stderr)
        XCTAssertTrue(verify.stdout.contains("audit log intact"), verify.stdout)
        XCTAssertTrue(verify.stdout.contains("checkpoints matched") || verify.stdout.contains("checkpoint matched"), verify.stdout)
    }

    func testReloadReadsTheConfigurationAndAccessPolicyAgainAndABadFileChangesNothing() throws {
        let harness = try DaemonHarness()
        let policy = harness.root + "/access"
        try harness.write("viewer = radd-t-nobody-has-this\n", to: policy, mode: 0o644)
        try harness.start(extraArguments: ["--access-policy", policy])
        try harness.write("viewer = radd-t-readers\nauditor = radd-t-compliance\n", to: policy, mode: 0o644)
        let reloaded = harness.raddctl(["reload"])
        XCTAssertEqual(reloaded.status, 0, reloaded.stderr)
        XCTAssertTrue(reloaded.stdout.contains("access policy reloaded from \(policy): viewer: radd-t-readers; exporter: (no group); auditor: radd-t-compliance"),
                      reloaded.stdout)
        // The configuration file is read again too: label_policy applies at once, the rest on restart.
        try harness.write("label_policy = rules\nsettle_time = 3\n", to: harness.configFile, mode: 0o644)
        let changed = harness.raddctl(["reload"])
        XCTAssertEqual(changed.status, 0, changed.stderr)
        XCTAssertTrue(changed.stdout.contains("label_policy changed"), changed.stdout)
        XCTAssertTrue(changed.stdout.contains("read only at start (restart raddd to apply): settle_time"), changed.stdout)
        XCTAssertTrue(harness.raddctl(["status", "--json"]).stdout.contains("\"policy\" : \"rules\""), "status shows the label policy in force")
        try harness.write("viewer = radd-t-readers\nsuperuser = wheel\n", to: policy, mode: 0o644)
        let refused = harness.raddctl(["reload"])
        XCTAssertEqual(refused.status, 1, refused.stderr)
        XCTAssertTrue(refused.stderr.contains("\(policy):2: unknown role 'superuser'"), refused.stderr)
        XCTAssertTrue(refused.stderr.contains("the one in force stays"), refused.stderr)
        XCTAssertTrue(harness.raddctl(["status", "--json"]).stdout.contains("\"policy\" : \"rules\""), "a failed reload changes nothing")
        try harness.write("admin = radd-t-ops\n", to: policy, mode: 0o644)
        let process = try XCTUnwrap(harness.process)
        kill(process.processIdentifier, SIGHUP)
        try DaemonHarness.waitFor("the SIGHUP reload in the audit log") {
            try harness.decode(AuditPageJSON.self, harness.raddctl(["audit", "list", "--type", "config_change", "--json"])).records.count == 4
        }
        let changes = try harness.decode(AuditPageJSON.self, harness.raddctl(["audit", "list", "--type", "config_change", "--json"])).records
        XCTAssertEqual(changes.map(\.outcome), ["success", "success", "minor_failure", "success"])
        XCTAssertEqual(changes.map(\.role), ["all", "all", "all", "daemon"])
        XCTAssertTrue(changes[1].object?.contains("label_policy=rules restart_needed=settle_time") == true, "\(changes[1])")
        XCTAssertTrue(changes[3].object?.contains("admin: radd-t-ops") == true, "\(changes[3])")
    }

    func testListFiltersAndExportFormatsMeetTheirStandards() throws {
        let harness = try harnessWithRecords()
        try harness.start(extraArguments: ["--appliance-id", "radd-test"])
        XCTAssertEqual(harness.raddctl(["report", "999"]).status, 4)
        let listed = harness.raddctl(["audit", "list", "--type", "application_start"])
        XCTAssertEqual(listed.status, 0, listed.stderr)
        XCTAssertEqual(listed.stdout.split(separator: "\n").filter { $0.contains("application_start") }.count, 2, listed.stdout)
        let failures = harness.raddctl(["audit", "list", "--outcome", "minor_failure", "--json"])
        XCTAssertTrue(failures.stdout.contains("report=999"), failures.stdout)
        XCTAssertEqual(harness.raddctl(["audit", "list", "--since", "yesterday"]).status, 1)

        var exports: [String: String] = [:]
        for format in ["csv", "jsonl", "fhir", "syslog"] {
            let out = harness.root + "/audit.\(format)"
            let result = harness.raddctl(["audit", "export", "--format", format, "--out", out])
            XCTAssertEqual(result.status, 0, result.stderr)
            exports[format] = try String(contentsOfFile: out, encoding: .utf8)
        }
        let jsonLines = exports["jsonl"]!.split(separator: "\n")
        XCTAssertGreaterThan(jsonLines.count, 8)
        XCTAssertEqual(exports["csv"]!.split(separator: "\n").first, "seq,at,event,action,outcome,outcome_text,uid,username,pid,role,source,object,hash")

        // FHIR R4 AuditEvent: type, recorded, agent (with requestor), source (with observer) are required.
        let events = try exports["fhir"]!.split(separator: "\n").map { line in
            try XCTUnwrap(try JSONSerialization.jsonObject(with: Data(line.utf8)) as? [String: Any])
        }
        XCTAssertGreaterThanOrEqual(events.count, jsonLines.count - 1, "each export sees the records before it")
        for event in events {
            XCTAssertEqual(event["resourceType"] as? String, "AuditEvent")
            let type = try XCTUnwrap(event["type"] as? [String: Any])
            XCTAssertEqual(type["system"] as? String, "http://dicom.nema.org/resources/ontology/DCM")
            XCTAssertNotNil(type["code"] as? String)
            XCTAssertNotNil(Timestamp.date(try XCTUnwrap(event["recorded"] as? String)))
            let agents = try XCTUnwrap(event["agent"] as? [[String: Any]])
            XCTAssertFalse(agents.isEmpty)
            XCTAssertNotNil(agents[0]["requestor"] as? Bool)
            let source = try XCTUnwrap(event["source"] as? [String: Any])
            XCTAssertNotNil(source["observer"] as? [String: Any])
            XCTAssertEqual(source["site"] as? String, "radd-test")
            XCTAssertTrue(["0", "4", "8", "12"].contains(event["outcome"] as? String ?? ""))
        }
        XCTAssertTrue(events.contains { ($0["type"] as? [String: Any])?["code"] as? String == "110100" })

        // RFC 5424: every line parses, with radd's structured data.
        let syslogLines = exports["syslog"]!.split(separator: "\n").map(String.init)
        XCTAssertGreaterThanOrEqual(syslogLines.count, events.count)
        for line in syslogLines {
            let message = try XCTUnwrap(RFC5424Message(line), line)
            XCTAssertEqual(message.facility, 13, line)
            XCTAssertEqual(message.appName, "raddd")
            XCTAssertEqual(message.hostname, "radd-test")
            XCTAssertEqual(message.structuredData.first?.id, "radd@32473")
            XCTAssertNotNil(message.structuredData.first?.parameters["seq"])
        }
        harness.stop()
        let store = try ReportStore(path: harness.databasePath, key: DatabaseKey(hex: harness.keyHex))
        defer { store.close() }
        XCTAssertEqual(try store.audit.records(limit: 10_000).filter { $0.event == "export" }.count, 4, "each export is audited")
    }
}

struct AuditPageJSON: Decodable {
    var records: [AuditRecord]
}

struct AuditVerifyJSON: Decodable {
    var intact: Bool
    var firstBadSeq: Int64?
}

/// A strict reader of RFC 5424's ABNF: HEADER SP STRUCTURED-DATA [SP MSG].
struct RFC5424Message {
    struct Element { var id: String; var parameters: [String: String] }
    var facility: Int
    var severity: Int
    var timestamp: String
    var hostname: String
    var appName: String
    var procID: String
    var messageID: String
    var structuredData: [Element]
    var message: String?

    init?(_ line: String) {
        var rest = Substring(line)
        guard rest.first == "<", let close = rest.firstIndex(of: ">") else { return nil }
        guard let pri = Int(rest[rest.index(after: rest.startIndex)..<close]), (0...191).contains(pri),
              rest.distance(from: rest.startIndex, to: close) <= 4 else { return nil }
        facility = pri / 8
        severity = pri % 8
        rest = rest[rest.index(after: close)...]
        guard rest.hasPrefix("1 ") else { return nil }
        rest = rest.dropFirst(2)
        func field(_ limit: Int) -> String? {
            guard let space = rest.firstIndex(of: " ") else { return nil }
            let value = String(rest[..<space])
            rest = rest[rest.index(after: space)...]
            guard !value.isEmpty, value.count <= limit, value.unicodeScalars.allSatisfy({ $0.value >= 33 && $0.value <= 126 }) else { return nil }
            return value
        }
        guard let timestamp = field(64), timestamp == "-" || Timestamp.date(timestamp) != nil,
              let hostname = field(255), let appName = field(48), let procID = field(128), let messageID = field(32) else { return nil }
        (self.timestamp, self.hostname, self.appName, self.procID, self.messageID) = (timestamp, hostname, appName, procID, messageID)
        structuredData = []
        if rest.hasPrefix("-") {
            rest = rest.dropFirst()
        } else {
            while rest.first == "[" {
                rest = rest.dropFirst()
                guard let idEnd = rest.firstIndex(where: { $0 == " " || $0 == "]" }) else { return nil }
                var element = Element(id: String(rest[..<idEnd]), parameters: [:])
                guard !element.id.isEmpty, element.id.count <= 32, !element.id.contains("=") else { return nil }
                rest = rest[idEnd...]
                while rest.first == " " {
                    rest = rest.dropFirst()
                    guard let equals = rest.firstIndex(of: "=") else { return nil }
                    let name = String(rest[..<equals])
                    guard !name.isEmpty, name.count <= 32, !name.contains(" "), !name.contains("\"") else { return nil }
                    rest = rest[rest.index(after: equals)...]
                    guard rest.first == "\"" else { return nil }
                    rest = rest.dropFirst()
                    var value = ""
                    var closed = false
                    while let character = rest.first {
                        rest = rest.dropFirst()
                        if character == "\\", let next = rest.first, next == "\"" || next == "\\" || next == "]" {
                            value.append(next)
                            rest = rest.dropFirst()
                        } else if character == "\"" {
                            closed = true
                            break
                        } else if character == "]" {
                            return nil
                        } else {
                            value.append(character)
                        }
                    }
                    guard closed else { return nil }
                    element.parameters[name] = value
                }
                guard rest.first == "]" else { return nil }
                rest = rest.dropFirst()
                structuredData.append(element)
            }
            guard !structuredData.isEmpty else { return nil }
        }
        if rest.isEmpty {
            message = nil
        } else {
            guard rest.first == " " else { return nil }
            message = String(rest.dropFirst())
        }
    }
}
