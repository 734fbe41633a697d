import Foundation
@testable import RaddDaemon
import XCTest

/// The settings table is the one place a setting is written: raddd's flags, the docs' table, the
/// reload and `--print-config` must all be the table.
final class SettingsTableTests: XCTestCase {
    /// A valid value for every key, different from its default.
    static let samples: [String: String] = [
        "state_dir": "/s", "drop_dir": "/d", "language": "de", "quarantine_dir": "/q", "socket": "/r.sock", "socket_group": "g",
        "access_policy": "/etc/radd/access", "appliance_id": "ward-7.radd", "audit_checkpoint_interval": "30",
        "key_file": "/k", "log_level": "error", "log_target": "stderr", "rescan_interval": "10", "settle_time": "0.5",
        "max_file_bytes": "1024", "max_reports_per_file": "500", "deid_policy": "/etc/radd/deid.policy",
        "tasks": "chestxray14,ankle-fracture", "task_dir": "/etc/radd/tasks", "llm_endpoint": "http://127.0.0.1:8091",
        "llm_model": "qwen", "llm_concurrency": "2", "llm_timeout": "60", "label_policy": "ensemble",
        "retention_days": "365", "metrics_file": "/m/radd.prom", "metrics_interval": "60",
    ]

    func testTheDocsTableIsTheSettingsTable() throws {
        let docs = URL(fileURLWithPath: #filePath).deletingLastPathComponent().appendingPathComponent("../../Docs/configuration.md")
        let text = try String(contentsOf: docs, encoding: .utf8)
        let section = try XCTUnwrap(text.components(separatedBy: "## Settings").dropFirst().first?.components(separatedBy: "\n## ").first)
        let rows = section.split(separator: "\n").filter { $0.hasPrefix("| `") }.map {
            $0.dropFirst(2).dropLast(2).components(separatedBy: " | ")
        }
        XCTAssertEqual(rows.map { $0[0] }, DaemonConfiguration.settings.map { "`\($0.key)`" }, "keys, in the table's order")
        for (row, setting) in zip(rows, DaemonConfiguration.settings) {
            XCTAssertEqual(row[1], "`\(setting.flag)`", setting.key)
            XCTAssertEqual(row[2].replacingOccurrences(of: "`", with: ""), setting.defaultText, setting.key)
            let saysReload = row[3].contains("raddctl reload")
            switch setting.effect {
            case .reload: XCTAssertTrue(saysReload, "\(setting.key): the docs must say a reload applies it")
            case .restart: XCTAssertFalse(saysReload, "\(setting.key): the docs must not say a reload applies it")
            }
        }
    }

    func testEverySettingParsesPrintsAndIsComparedOnReload() throws {
        XCTAssertEqual(Set(Self.samples.keys), Set(DaemonConfiguration.keys))
        XCTAssertEqual(DaemonConfiguration.reloadableKeys, ["access_policy", "label_policy"])
        let base = DaemonConfiguration()
        for setting in DaemonConfiguration.settings {
            var changed = base
            try changed.set(setting.key, try XCTUnwrap(Self.samples[setting.key]))
            XCTAssertEqual(changed.value(of: setting.key), Self.samples[setting.key], setting.key)
            XCTAssertEqual(base.changedKeys(to: changed), [setting.key], setting.key)
        }
    }

    /// Every typed option of raddd is a setting of the table and sets that setting, and every
    /// setting has its option: shown by raddd itself, with every flag given and `--print-config`.
    func testRadddsOptionsAreTheSettingsTable() throws {
        let harness = try DaemonHarness()
        let help = harness.run(DaemonHarness.raddd, ["--help"])
        XCTAssertEqual(help.status, 0, help.stderr)
        let optionsSection = try XCTUnwrap(help.stdout.components(separatedBy: "OPTIONS:").last)
        // An option's line starts with its flag two spaces in ("  --state-dir <state-dir>",
        // "  -h, --help"); wrapped help is indented further.
        let flags = Set(optionsSection.split(separator: "\n").filter { $0.hasPrefix("  -") }.compactMap { line in
            line.split(separator: " ").map { $0.trimmingCharacters(in: CharacterSet(charactersIn: ",")) }.first { $0.hasPrefix("--") }
        })
        // --restore is an action, not a setting: it restores a backup and exits.
        let own: Set<String> = ["--config", "--check-config", "--print-config", "--restore", "--version", "--help"]
        XCTAssertEqual(flags.subtracting(own), Set(DaemonConfiguration.settings.map(\.flag)))

        let arguments = ["--config", harness.configFile] + DaemonConfiguration.settings.flatMap { [$0.flag, Self.samples[$0.key]!] }
        let printed = harness.run(DaemonHarness.raddd, arguments + ["--print-config"])
        XCTAssertEqual(printed.status, 0, printed.stderr)
        XCTAssertEqual(printed.stdout.split(separator: "\n").map(String.init),
                       DaemonConfiguration.settings.map { "\($0.key) = \(Self.samples[$0.key]!)" })
    }

    /// `--print-config` reads back as the same configuration, folders and defaults included.
    func testPrintedConfigurationReadsBackTheSame() throws {
        var configuration = DaemonConfiguration()
        try configuration.set("llm_endpoint", "http://127.0.0.1:1, http://127.0.0.1:2")
        try configuration.set("appliance_id", "x")
        var folder = DropFolderSettings(name: "csv", path: "/srv/csv")
        try folder.set("format", "csv")
        try folder.set("csv_text", "findings, impression")
        try folder.set("csv_rows_without_text", "reject")
        try folder.set("archive_dir", "/srv/csv-archive")
        configuration.folderSections = [folder]
        let path = NSTemporaryDirectory() + "radd-printed-\(UUID().uuidString).conf"
        try (configuration.effectiveSettings.joined(separator: "\n") + "\n").write(toFile: path, atomically: true, encoding: .utf8)
        defer { try? FileManager.default.removeItem(atPath: path) }
        var readBack = DaemonConfiguration()
        try readBack.apply(configFile: path)
        XCTAssertEqual(readBack, configuration)
        XCTAssertTrue(configuration.effectiveSettings.contains("# quarantine_dir = (STATE_DIR/quarantine)"))
    }
}
