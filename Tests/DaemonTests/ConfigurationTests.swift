import Foundation
@testable import RaddDaemon
import XCTest

final class ConfigurationTests: XCTestCase {
    func configFile(_ text: String) throws -> String {
        let path = NSTemporaryDirectory() + "radd-conf-\(UUID().uuidString).conf"
        try Data(text.utf8).write(to: URL(fileURLWithPath: path))
        addTeardownBlock { try? FileManager.default.removeItem(atPath: path) }
        return path
    }

    func testFileWithCRLFCommentsAndQuotesIsRead() throws {
        let path = try configFile("""
            # radd\r
            state_dir = /var/lib/radd-test   # where the database lives\r
            drop_dir = "/srv/drop #1"\r
            socket_group=radd-ctl\r
            log_level = warning\r
            rescan_interval = 5\r

            """)
        var configuration = DaemonConfiguration()
        try configuration.apply(configFile: path)
        XCTAssertEqual(configuration.stateDirectory, "/var/lib/radd-test")
        XCTAssertEqual(configuration.dropDirectory, "/srv/drop #1")
        XCTAssertEqual(configuration.socketGroup, "radd-ctl")
        XCTAssertEqual(configuration.logLevel, .warning)
        XCTAssertEqual(configuration.rescanIntervalSeconds, 5)
        XCTAssertEqual(configuration.databasePath, "/var/lib/radd-test/radd.db")
        XCTAssertEqual(configuration.effectiveQuarantineDirectory, "/var/lib/radd-test/quarantine")
    }

    func testMistakesNameTheFileAndLine() throws {
        let cases = [
            ("state_dir = /a\nlog_level = loud\n", ":2: log_level 'loud' is not one of"),
            ("just words\n", ":1: expected 'key = value'"),
            ("drop_dir = \"/unterminated\n", ":1: unterminated quote"),
            ("rescan_interval = 0\n", ":1: rescan_interval '0' must be"),
            ("colour = blue\n", ":1: unknown setting 'colour'"),
        ]
        for (text, expected) in cases {
            let path = try configFile(text)
            var configuration = DaemonConfiguration()
            XCTAssertThrowsError(try configuration.apply(configFile: path), text) { error in
                XCTAssertTrue("\(error)".hasPrefix(path + expected), "\(error)")
            }
        }
    }

    func testEmptyAndMissingFiles() throws {
        var configuration = DaemonConfiguration()
        XCTAssertNoThrow(try configuration.apply(configFile: "/dev/null"))
        XCTAssertEqual(configuration, DaemonConfiguration())
        XCTAssertThrowsError(try configuration.apply(configFile: "/nonexistent/raddd.conf")) {
            XCTAssertEqual("\($0)", "cannot read config file /nonexistent/raddd.conf: No such file or directory")
        }
        XCTAssertThrowsError(try configuration.apply(configFile: NSTemporaryDirectory())) {
            XCTAssertTrue("\($0)".contains("Is a directory"), "\($0)")
        }
    }

    func testAuditSettingsAreValidated() throws {
        var configuration = DaemonConfiguration()
        for (key, value, problem) in [
            ("appliance_id", "ward 7", "appliance_id 'ward 7' must be 1 to 64 letters"),
            ("appliance_id", "", "appliance_id '' must be 1 to 64 letters"),
            ("audit_checkpoint_interval", "0", "audit_checkpoint_interval '0' must be a whole number of seconds"),
        ] {
            XCTAssertThrowsError(try configuration.set(key, value), key) { error in
                XCTAssertTrue("\(error)".hasPrefix(problem), "\(error)")
            }
        }
        try configuration.set("appliance_id", "ward-7.radd")
        XCTAssertEqual(configuration.effectiveApplianceID, "ward-7.radd")
        XCTAssertFalse(DaemonConfiguration().effectiveApplianceID.isEmpty, "the host name by default")
    }

    func testLabellingSettingsAreValidated() throws {
        var configuration = DaemonConfiguration()
        try configuration.set("llm_endpoint", "http://127.0.0.1:8091, unix:/run/radd-model/model.sock")
        XCTAssertEqual(configuration.llmEndpoints, ["http://127.0.0.1:8091", "unix:/run/radd-model/model.sock"])
        try configuration.set("llm_concurrency", "8, 1")
        XCTAssertEqual([0, 1].map { configuration.llmConcurrency(endpoint: $0) }, [8, 1], "each endpoint its own limit")
        try configuration.set("llm_endpoint", "http://127.0.0.1:8091")
        XCTAssertThrowsError(try configuration.checkLLMLists()) {
            XCTAssertEqual("\($0)", "llm_concurrency lists 2 numbers for 1 llm_endpoint entries; give one number, or one per endpoint")
        }
        try configuration.set("llm_concurrency", "4")
        XCTAssertEqual(configuration.llmConcurrency(endpoint: 0), 4)
        try configuration.set("tasks", "chestxray14 ankle-fracture")
        XCTAssertEqual(configuration.tasks, ["chestxray14", "ankle-fracture"])
        let bad: [(String, String, String)] = [
            ("llm_endpoint", "127.0.0.1:8091", "llm_endpoint '127.0.0.1:8091' must be http://HOST:PORT, https://HOST:PORT or unix:/PATH"),
            ("llm_concurrency", "0", "llm_concurrency '0' must be whole numbers from 1 to 64 (requests in flight per endpoint): one for all endpoints, or one per endpoint"),
            ("llm_timeout", "forever", "llm_timeout 'forever' must be a number of seconds from 1 to 3600"),
            ("label_policy", "majority", "label_policy 'majority' is not one of auto, llm-else-rules, rules, llm, ensemble"),
        ]
        for (key, value, message) in bad {
            XCTAssertThrowsError(try configuration.set(key, value)) { XCTAssertEqual("\($0)", message) }
        }
    }

    func testFlagsUseTheSameValidationAndRelativePathsAreAnchored() throws {
        var configuration = DaemonConfiguration()
        try configuration.set("drop_dir", "drop")
        XCTAssertEqual(configuration.dropDirectory, FileManager.default.currentDirectoryPath + "/drop")
        XCTAssertThrowsError(try configuration.set("log_target", "syslog"))
        XCTAssertThrowsError(try configuration.set("max_file_bytes", "-1"))
    }
}
