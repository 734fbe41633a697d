import Foundation
import Store
import XCTest
#if canImport(Glibc)
import Glibc
#endif

/// The setting of the published ankle-fracture work, end to end: a German RIS sends an HL7 v2.5
/// ORU^R01 in ISO-8859-1 to a German drop folder; raddd stores it de-identified with the German
/// rules, labels it with `ankle-fracture-de` by the rules and by the bundled model (its German
/// prompt), and exports labels and instruction data in which no name, birth date or address is
/// left and every umlaut is intact. The model is the real one behind the real llama-server.
final class GermanEndToEndTests: XCTestCase {
    /// PHI in PID and in the text; each must be gone from everything raddctl shows or exports.
    /// (Bare numbers such as the year or the MRN are left out: a hex digest may hold them.)
    static let phi = ["Müller", "Jürgen", "MÜLLER", "14.03.1961", "19610314", "Schönhauser", "Größmann", "Sabine", "030/4471234",
                      "10437 Berlin"]
    /// Words of the report that must come through with their umlauts and ß.
    static let umlautWords = ["Röntgen", "Schräge", "Höhe", "Außenknöchel", "Weichteilschwellung", "Sprunggelenksgabel"]

    /// The ORU as bytes: every character of it is in ISO-8859-1, one byte each.
    static func oru() -> Data {
        let segments = [
            "MSH|^~\\&|RIS|CHARITE|RADD|KH|20240314103000||ORU^R01^ORU_R01|DE0001|P|2.5||||||8859/1",
            "PID|1||4711^^^KH^MR||Müller^Jürgen^^^Dr.||19610314|M|||Schönhauser Allee 12^^Berlin^^10437^DE||030/4471234",
            "OBR|1||ACC-DE-0001|73610^Röntgen OSG 2 Ebenen|||20240314101500|||||||||||ACC-DE-0001||||20240314102500||CR|F",
            "OBX|1|TX|73610^Röntgen OSG||Röntgen OSG links in 2 Ebenen vom 14.03.2024.||||||F",
            "OBX|2|TX|73610^Röntgen OSG||Klinik: Umknicktrauma beim Treppensteigen. Herr Müller, geb. 14.03.1961, wohnhaft Schönhauser Allee 12, 10437 Berlin.||||||F",
            "OBX|3|TX|73610^Röntgen OSG||Befund: Schräge Frakturlinie der distalen Fibula auf Höhe der Syndesmose, Außenknöchel gering disloziert. Deutliche Weichteilschwellung lateral. Sprunggelenksgabel kongruent.||||||F",
            "OBX|4|TX|73610^Röntgen OSG||Beurteilung: Distale Fibulafraktur Typ Weber B links.||||||F",
            "OBX|5|TX|73610^Röntgen OSG||Befundet von Dr. med. Sabine Größmann, Tel. 030/4471234.||||||F",
        ]
        let text = segments.map { $0 + "\r" }.joined()
        return Data(text.unicodeScalars.map { scalar in
            precondition(scalar.value < 0x100, "the fixture must be ISO-8859-1")
            return UInt8(scalar.value)
        })
    }

    struct Shown: Decodable {
        struct Set: Decodable {
            struct Value: Decodable { var finding: String; var value: String }
            var task: String
            var labeler: String
            var labels: [Value]
            var followUp: [String]?
        }
        struct Summary: Decodable { var language: String? }
        var report: Summary
        var labelSets: [Set]?
    }

    func testAGermanHL7ReportInLatin1IsStoredDeidentifiedLabelledByRulesAndModelAndExportedWithItsUmlauts() throws {
        let harness = try DaemonHarness()
        let model = try ModelServerHarness(logFile: harness.root + "/llama-server.log")
        try model.start()
        let ris = harness.root + "/ris-de"
        try FileManager.default.createDirectory(atPath: ris, withIntermediateDirectories: true)
        try harness.write("""
            [folder ris-de]
            path = \(ris)
            language = de
            """, to: harness.configFile, mode: 0o644)
        try harness.start(extraArguments: ["--tasks", "ankle-fracture-de", "--task-dir", LabelingDaemonTests.tasks,
                                           "--llm-endpoint", model.url, "--settle-time", "0", "--llm-timeout", "600"])
        let staging = ris + "/.oru.hl7.partial"
        XCTAssertTrue(FileManager.default.createFile(atPath: staging, contents: Self.oru()))
        XCTAssertEqual(rename(staging, ris + "/oru.hl7"), 0)

        try DaemonHarness.waitFor("the rules' and the model's labels", timeout: 900) {
            let reports = try harness.allReports()
            return reports.count == 1 && reports[0].state == "labelled"
        }
        let id = try XCTUnwrap(harness.allReports().first?.id)

        // Stored de-identified, in German, umlauts intact.
        let text = harness.raddctl(["report", String(id)])
        XCTAssertEqual(text.status, 0, text.stderr)
        XCTAssertTrue(text.stdout.contains("language: de (German)"), text.stdout)
        for word in Self.umlautWords { XCTAssertTrue(text.stdout.contains(word), "\(word) in \(text.stdout)") }
        for value in Self.phi { XCTAssertFalse(text.stdout.contains(value), "\(value) left in \(text.stdout)") }
        XCTAssertTrue(text.stdout.contains("Weber B"), "the classification is clinical, not a name: \(text.stdout)")
        print("raddctl report of the German ORU:\n\(text.stdout)")

        let shown = try harness.decode(Shown.self, harness.raddctl(["report", String(id), "--json"]))
        XCTAssertEqual(shown.report.language, "de")
        let rules = try XCTUnwrap(shown.labelSets?.first { $0.labeler == "rules" }, "the rules' set")
        XCTAssertEqual(rules.task, "ankle-fracture-de")
        XCTAssertEqual(rules.labels.first?.value, "positive", "Distale Fibulafraktur Typ Weber B: \(rules.labels)")
        let llm = try XCTUnwrap(shown.labelSets?.first { $0.labeler.hasPrefix("llm") }, "the model's set")
        XCTAssertEqual(llm.task, "ankle-fracture-de")
        XCTAssertEqual(llm.labels.count, 1)
        print("ankle-fracture-de on the German ORU: rules \(rules.labels.map(\.value)), model \(llm.labels.map(\.value)), model follow-up \(llm.followUp ?? [])")

        // The label export and the instruction export: no PHI, umlauts intact.
        for labeler in ["rules", "llm"] {
            let out = harness.root + "/labels-\(labeler).csv"
            let exported = harness.raddctl(["export", "labels", "--task", "ankle-fracture-de", "--labeler", labeler,
                                            "--format", "csv", "--out", out])
            XCTAssertEqual(exported.status, 0, exported.stderr)
            let csv = try String(contentsOfFile: out, encoding: .utf8)
            XCTAssertTrue(csv.split(separator: "\n").dropFirst().allSatisfy { $0.hasSuffix(",de") }, csv)
            for value in Self.phi { XCTAssertFalse(csv.contains(value), "\(value) in \(csv)") }
        }
        let instruct = harness.raddctl(["export", "instruct", "--task", "ankle-fracture-de", "--labeler", "rules",
                                        "--format", "jsonl", "--val-fraction", "0", "--out", harness.root + "/train"])
        XCTAssertEqual(instruct.status, 0, instruct.stderr)
        let training = try String(contentsOfFile: harness.root + "/train/train.jsonl", encoding: .utf8)
        let object = try JSONSerialization.jsonObject(with: Data(try XCTUnwrap(training.split(separator: "\n").first).utf8))
        let rendered = String(describing: object)
        for word in Self.umlautWords { XCTAssertTrue(training.contains(word) || rendered.contains(word), "\(word) in \(training)") }
        for value in Self.phi { XCTAssertFalse(training.contains(value), "\(value) in \(training)") }
        // Nothing of the original is left anywhere on disk but in the encrypted database.
        XCTAssertEqual(visibleFiles(ris), [])
    }
}
