import Foundation
@testable import RaddDaemon
import XCTest

/// Language as a property of a folder and of a task (issue 20), through a real raddd: the folder
/// settings `language` and `encoding`, reports in Windows-1252, ISO 8859-1 and HL7 8859/1 whose
/// umlauts and ß survive the store, `raddctl report`, the label export and the instruction
/// export, and tasks that label only reports of their own language.
///
/// The German text is harmless (no names, dates or places), since German de-identification lands
/// separately; the assertions are on umlauts and languages. Umlauts are in lower-case words, which
/// the English name rules leave alone.
final class LanguageDaemonTests: XCTestCase {
    func configFile(_ text: String) throws -> String {
        let path = NSTemporaryDirectory() + "radd-conf-\(UUID().uuidString).conf"
        try Data(text.utf8).write(to: URL(fileURLWithPath: path))
        addTeardownBlock { try? FileManager.default.removeItem(atPath: path) }
        return path
    }

    func testLanguageAndEncodingAreFolderSettingsWithClearMistakes() throws {
        let path = try configFile("""
            language = auto
            [folder ris]
            path = /srv/ris
            language = de
            encoding = iso-8859-1
            [folder research]
            path = /srv/research
            """)
        var configuration = DaemonConfiguration()
        try configuration.apply(configFile: path)
        let folders = configuration.folders
        XCTAssertEqual(folders.map(\.name), ["drop", "ris", "research"])
        XCTAssertEqual(folders.map(\.effectiveLanguage), [.auto, .fixed(.de), .auto], "a folder without its own language takes the top-level one")
        XCTAssertEqual(folders.map(\.encoding), [nil, .latin1, nil])
        XCTAssertEqual(folders[1].reader(maxFileBytes: 1, maxReportsPerFile: 1).legacyEncoding, .latin1)
        // --print-config reads back as the same configuration.
        let printed = try configFile(configuration.effectiveSettings.joined(separator: "\n"))
        var again = DaemonConfiguration()
        try again.apply(configFile: printed)
        XCTAssertEqual(again, configuration)
        XCTAssertEqual(DaemonConfiguration().folders.first?.effectiveLanguage, .fixed(.en), "English unless said")

        for (text, expected) in [
            ("language = german\n", ":1: language 'german' is not one of en, de, auto (detected per report)"),
            ("[folder ris]\npath = /srv/ris\nlanguage = DE\n", ":3: language 'DE' is not one of en, de, auto"),
            ("[folder ris]\npath = /srv/ris\nencoding = latin9\n", ":3: encoding 'latin9' is not one of auto, windows-1252, iso-8859-1"),
        ] {
            let bad = try configFile(text)
            var configuration = DaemonConfiguration()
            XCTAssertThrowsError(try configuration.apply(configFile: bad), text) {
                XCTAssertTrue("\($0)".hasPrefix(bad + expected), "\($0)")
            }
        }
    }

    func testCheckConfigShowsEachFolderLanguageAndRefusesABadOne() throws {
        let harness = try DaemonHarness()
        try harness.write("""
            [folder ris]
            path = \(harness.root)/ris
            language = de
            encoding = windows-1252
            """, to: harness.configFile, mode: 0o644)
        let checked = harness.run(DaemonHarness.raddd, harness.standardArguments
                                  + ["--language", "auto", "--tasks", "chestxray14", "--task-dir", LabelingDaemonTests.tasks, "--check-config"])
        XCTAssertEqual(checked.status, 0, checked.stderr)
        XCTAssertTrue(checked.stdout.contains("task chestxray14: multilabel, 14 findings, version 2, reads en")
                      || checked.stdout.contains(", reads en"), checked.stdout)
        XCTAssertTrue(checked.stdout.contains("note: folder ris holds German reports and no task reads German"), checked.stdout)
        XCTAssertFalse(checked.stdout.contains("note: folder drop"), "auto may find English reports: \(checked.stdout)")
        XCTAssertTrue(checked.stdout.contains("folder drop: \(harness.dropDir)"), checked.stdout)
        XCTAssertTrue(checked.stdout.contains("language auto (detected per report)"), checked.stdout)
        XCTAssertTrue(checked.stdout.contains("language de, text and CSV that are not UTF-8 read as Windows-1252"), checked.stdout)

        try harness.write("[folder ris]\npath = \(harness.root)/ris\nlanguage = deutsch\n", to: harness.configFile, mode: 0o644)
        let refused = harness.run(DaemonHarness.raddd, harness.standardArguments + ["--check-config"])
        XCTAssertNotEqual(refused.status, 0)
        XCTAssertTrue(refused.stderr.contains("\(harness.configFile):3: language 'deutsch' is not one of en, de, auto"), refused.stderr)
    }

    /// A German binary task whose finding's name has an umlaut, so that the label export's header
    /// carries one too.
    static let germanTask = """
        {"name": "knoechel-de", "version": 1, "kind": "binary", "language": "de",
         "description": "Beschreibt der Befund eine Knöchelfraktur?",
         "findings": [{"name": "Knöchelfraktur", "mentions": ["fraktur", "frakturen"]}]}
        """

    /// A report without PHI: the German de-identifier leaves it whole, and "über" and "für" carry
    /// the umlaut through every path.
    static let germanText = "Befund: Schwellung über dem Außenknöchel, größer als zuvor. Keine Fraktur. Kontrolle für 2 Wochen empfohlen."
    static let umlautWords = ["über", "für"]

    func hl7(_ text: String, control: String) -> Data {
        let segments = [
            "MSH|^~\\&|RIS|KH|RADD|KH|20240314103000||ORU^R01|\(control)|P|2.5||||||8859/1",
            "PID|1||P\(control)",
            "OBR|1||ACC-\(control)|73610^OSG 2 Ebenen||||||||||||||ACC-\(control)||||||CR|F",
            "OBX|1|TX|||\(text)||||||F",
        ]
        return Data(segments.map { $0 + "\r" }.joined().unicodeScalars.map { UInt8($0.value) })
    }

    func latin1(_ text: String) -> Data { Data(text.unicodeScalars.map { UInt8($0.value) }) }

    func testUmlautsSurviveEveryEncodingAndTasksLabelOnlyTheirLanguage() throws {
        let harness = try DaemonHarness()
        let taskDir = harness.root + "/tasks"
        try FileManager.default.createDirectory(atPath: taskDir, withIntermediateDirectories: true)
        try harness.write(Self.germanTask, to: taskDir + "/knoechel-de.json", mode: 0o644)
        try FileManager.default.createDirectory(atPath: harness.root + "/de1252", withIntermediateDirectories: true)
        try FileManager.default.createDirectory(atPath: harness.root + "/delatin", withIntermediateDirectories: true)
        try FileManager.default.createDirectory(atPath: harness.root + "/auto", withIntermediateDirectories: true)
        try harness.write("""
            [folder de1252]
            path = \(harness.root)/de1252
            language = de
            encoding = windows-1252
            [folder delatin]
            path = \(harness.root)/delatin
            language = de
            encoding = iso-8859-1
            [folder auto]
            path = \(harness.root)/auto
            language = auto
            """, to: harness.configFile, mode: 0o644)
        try FileManager.default.copyItem(atPath: LabelingDaemonTests.tasks + "/chestxray14.json", toPath: taskDir + "/chestxray14.json")
        try harness.start(extraArguments: ["--tasks", "chestxray14,knoechel-de", "--task-dir", taskDir, "--settle-time", "0"])

        // Windows-1252 ("„" is 0x84 there) and ISO 8859-1 text and CSV, HL7 8859/1, UTF-8 detected as German.
        func put(_ folder: String, _ name: String, _ bytes: Data) throws {
            let staging = harness.root + "/\(folder)/.\(name).partial"
            XCTAssertTrue(FileManager.default.createFile(atPath: staging, contents: bytes))
            XCTAssertEqual(rename(staging, harness.root + "/\(folder)/\(name)"), 0)
        }
        // " „stabil“" in Windows-1252: 0x84 and 0x93 are its typographic quotes.
        try put("de1252", "text-1252.txt", latin1(Self.germanText) + Data([0x20, 0x84, 0x73, 0x74, 0x61, 0x62, 0x69, 0x6C, 0x93]))
        try put("de1252", "rows-1252.csv", latin1("id,report\r\nW1,\"\(Self.germanText)\"\r\n"))
        try put("delatin", "text-latin1.txt", latin1(Self.germanText))
        try put("delatin", "rows-latin1.csv", latin1("id,report\r\nL1,\"\(Self.germanText)\"\r\n"))
        try put("delatin", "oru-latin1.hl7", hl7(Self.germanText, control: "H1"))
        try put("auto", "utf8-de.txt", Data(Self.germanText.utf8))
        try put("auto", "utf8-en.txt", Data("FINDINGS: No pleural effusion. No fracture.\n".utf8))
        try harness.drop("english.txt", "IMPRESSION: Small left pleural effusion.\n")

        try DaemonHarness.waitFor("8 reports labelled") {
            let reports = try harness.allReports()
            return reports.count == 8 && reports.allSatisfy { $0.state == "labelled" }
        }
        let reports = try harness.allReports()
        let byName = Dictionary(reports.map { ($0.sourceName, $0.id) }, uniquingKeysWith: { first, _ in first })

        for name in ["text-1252.txt", "rows-1252.csv", "text-latin1.txt", "rows-latin1.csv", "oru-latin1.hl7", "utf8-de.txt"] {
            let id = try XCTUnwrap(byName[name], name)
            let shown = harness.raddctl(["report", String(id)])
            XCTAssertEqual(shown.status, 0, shown.stderr)
            XCTAssertTrue(shown.stdout.contains("language: de (German)"), "\(name): \(shown.stdout)")
            for word in Self.umlautWords { XCTAssertTrue(shown.stdout.contains(word), "\(name): \(word) in \(shown.stdout)") }
            XCTAssertFalse(shown.stdout.contains("Ã") || shown.stdout.contains("\u{FFFD}"), "\(name): no mojibake: \(shown.stdout)")
            let json = harness.raddctl(["report", String(id), "--json"])
            XCTAssertTrue(json.stdout.contains("\"language\" : \"de\""), json.stdout)
            XCTAssertTrue(json.stdout.contains("über"), json.stdout)
        }
        // Windows-1252's typographic quotes came through as themselves.
        let typographic = harness.raddctl(["report", String(try XCTUnwrap(byName["text-1252.txt"]))]).stdout
        XCTAssertTrue(typographic.contains("\u{201E}stabil\u{201C}"), typographic)
        for name in ["utf8-en.txt", "english.txt"] {
            let shown = harness.raddctl(["report", String(try XCTUnwrap(byName[name]))]).stdout
            XCTAssertTrue(shown.contains("language: en (English)"), "\(name): \(shown)")
        }

        // Each task labelled only its own language.
        let german = try harness.decode(LanguageReports.self, harness.raddctl(["reports", "--language", "de", "--json"]))
        XCTAssertEqual(german.reports.count, 6)
        XCTAssertTrue(german.reports.allSatisfy { $0.language == "de" })
        let english = try harness.decode(LanguageReports.self, harness.raddctl(["reports", "--language", "en", "--json"]))
        XCTAssertEqual(english.reports.count, 2)
        let chest = harness.raddctl(["export", "labels", "--task", "chestxray14", "--labeler", "rules", "--format", "csv",
                                     "--out", harness.root + "/chest.csv"])
        XCTAssertEqual(chest.status, 0, chest.stderr)
        let chestRows = try String(contentsOfFile: harness.root + "/chest.csv", encoding: .utf8).split(separator: "\n")
        XCTAssertEqual(chestRows.count, 3, "a header and the 2 English reports")
        XCTAssertTrue(chestRows[0].hasSuffix(",language"), String(chestRows[0]))
        XCTAssertTrue(chestRows.dropFirst().allSatisfy { $0.hasSuffix(",en") })

        let exported = harness.raddctl(["export", "labels", "--task", "knoechel-de", "--labeler", "rules", "--format", "csv",
                                        "--out", harness.root + "/de.csv"])
        XCTAssertEqual(exported.status, 0, exported.stderr)
        let rows = try String(contentsOfFile: harness.root + "/de.csv", encoding: .utf8).split(separator: "\n")
        XCTAssertEqual(rows.count, 7, "a header and the 6 German reports")
        XCTAssertTrue(rows[0].contains("Knöchelfraktur"), String(rows[0]))
        XCTAssertTrue(rows.dropFirst().allSatisfy { $0.hasSuffix(",de") }, rows.joined(separator: "\n"))

        let instruct = harness.raddctl(["export", "instruct", "--task", "knoechel-de", "--labeler", "rules", "--format", "jsonl",
                                        "--val-fraction", "0", "--out", harness.root + "/train"])
        XCTAssertEqual(instruct.status, 0, instruct.stderr)
        let lines = try String(contentsOfFile: harness.root + "/train/train.jsonl", encoding: .utf8).split(separator: "\n")
        XCTAssertEqual(lines.count, 6)
        for line in lines {
            for word in Self.umlautWords { XCTAssertTrue(line.contains(word), String(line)) }
            XCTAssertNoThrow(try JSONSerialization.jsonObject(with: Data(line.utf8)))
        }
        let manifest = try String(contentsOfFile: harness.root + "/train/manifest.csv", encoding: .utf8).split(separator: "\n")
        XCTAssertEqual(manifest.first, "file,line,report_id,group,language")
        XCTAssertTrue(manifest.dropFirst().allSatisfy { $0.hasSuffix(",de") })

        let status = harness.raddctl(["status"])
        XCTAssertTrue(status.stdout.contains("language:  2 English reports, read by chestxray14"), status.stdout)
        XCTAssertTrue(status.stdout.contains("language:  6 German reports, read by knoechel-de"), status.stdout)
        XCTAssertTrue(status.stdout.contains("labelled:  knoechel-de: 6 of 6 reports"), status.stdout)
        XCTAssertTrue(status.stdout.contains("labelled:  chestxray14: 2 of 2 reports"), status.stdout)
    }

    func testAGermanReportNoTaskReadsIsStoredCountedAndSaidSo() throws {
        let harness = try DaemonHarness()
        try harness.start(extraArguments: ["--tasks", "chestxray14", "--task-dir", LabelingDaemonTests.tasks, "--settle-time", "0",
                                           "--language", "auto"])
        try harness.drop("de.txt", Self.germanText)
        try harness.drop("en.txt", "IMPRESSION: No acute cardiopulmonary process.\n")
        try DaemonHarness.waitFor("2 reports stored, the English one labelled") {
            let reports = try harness.allReports()
            return reports.count == 2 && reports.contains { $0.sourceName == "en.txt" && $0.state == "labelled" }
        }
        let status = harness.raddctl(["status"])
        XCTAssertTrue(status.stdout.contains("language:  1 German report: no task reads German"), status.stdout)
        XCTAssertTrue(status.stdout.contains("language:  1 English report, read by chestxray14"), status.stdout)
        XCTAssertTrue(status.stdout.contains("labelled:  chestxray14: 1 of 1 reports"), status.stdout)
        XCTAssertFalse(status.stdout.contains("waiting,"), "no job waits for the German report: \(status.stdout)")
        let json = try harness.decode(StatusLanguages.self, harness.raddctl(["status", "--json"]))
        XCTAssertEqual(json.languages, [.init(language: "en", reports: 1, tasks: ["chestxray14"]),
                                        .init(language: "de", reports: 1, tasks: [])])
        let german = try XCTUnwrap(try harness.allReports().first { $0.sourceName == "de.txt" })
        let shown = harness.raddctl(["report", String(german.id)]).stdout
        XCTAssertTrue(shown.contains("language: de (German)"), shown)
        XCTAssertTrue(shown.contains("labels: none yet") || !shown.contains("chestxray14"), shown)
    }

    struct LanguageReports: Decodable {
        struct Row: Decodable { var id: Int64; var language: String? }
        var reports: [Row]
    }

    struct StatusLanguages: Decodable {
        struct Count: Decodable, Equatable { var language: String; var reports: Int; var tasks: [String] }
        var languages: [Count]?
    }
}
