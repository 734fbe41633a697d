import Foundation
import XCTest

/// `raddctl label` and `raddctl eval` as users run them, on the real binaries: the README's
/// Open-i commands, a binary task with its follow-up, and the errors users see.
final class OfflineLabelingCommandTests: XCTestCase {
    static let tests = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent()
    static let openI = tests.appendingPathComponent("IngestTests/Fixtures/csv/openi_reports.csv").path
    static let gold = tests.appendingPathComponent("LabelingTests/Fixtures/openi_gold_chestxray14.csv").path
    static let taskDirectory = tests.deletingLastPathComponent().appendingPathComponent("policies/tasks").path

    var harness: DaemonHarness!

    override func setUpWithError() throws {
        harness = try DaemonHarness()
    }

    func raddctl(_ arguments: [String]) -> DaemonHarness.Output {
        harness.run(DaemonHarness.raddctl, arguments + ["--task-dir", Self.taskDirectory])
    }

    func testOpenILabelsScoreAtLeastTheTargetThroughTheCommands() throws {
        let labels = harness.root + "/labels.csv", why = harness.root + "/why.csv", page = harness.root + "/eval.html"
        let label = raddctl(["label", "--task", "chestxray14", "--in", Self.openI, "--text-columns", "findings,impression",
                             "--id-column", "uid", "--out", labels, "--evidence", why])
        XCTAssertEqual(label.status, 0, label.stderr)
        XCTAssertTrue(label.stderr.contains("21 rows without report text not labelled (lines 13, 478,"), label.stderr)
        for file in [labels, why] {
            let mode = try XCTUnwrap(FileManager.default.attributesOfItem(atPath: file)[.posixPermissions] as? Int)
            XCTAssertEqual(mode, 0o600, "\(file) may hold report text: owner-only")
        }
        let rows = try String(contentsOfFile: labels, encoding: .utf8).split(separator: "\n")
        XCTAssertEqual(rows.count, 3060)
        XCTAssertEqual(rows.first, "uid,Atelectasis,Cardiomegaly,Effusion,Infiltration,Mass,Nodule,Pneumonia,Pneumothorax,Consolidation,Edema,Emphysema,Fibrosis,Pleural_Thickening,Hernia")
        let evidence = try String(contentsOfFile: why, encoding: .utf8)
        XCTAssertTrue(evidence.hasPrefix("Report,Finding,Status,Mention,Cue,Clause\n"))
        XCTAssertTrue(evidence.contains("1,Pneumothorax,0.0,pneumothorax,no,there is no evidence of pneumothorax\n"))

        let refused = raddctl(["eval", "--task", "chestxray14", "--gold", Self.gold, "--pred", labels])
        XCTAssertEqual(refused.status, 1)
        XCTAssertTrue(refused.stderr.contains("21 gold reports are missing from the predictions"), refused.stderr)

        let eval = raddctl(["eval", "--task", "chestxray14", "--gold", Self.gold, "--pred", labels, "--only-common",
                            "--json", "--html", page])
        XCTAssertEqual(eval.status, 0, eval.stderr)
        let report = try XCTUnwrap(JSONSerialization.jsonObject(with: Data(eval.stdout.utf8)) as? [String: Any])
        let micro = try XCTUnwrap(report["micro"] as? [String: Any])
        let f1 = try XCTUnwrap(micro["f1"] as? Double)
        print("raddctl eval, Open-i chestxray14, uncertain as positive: micro-F1 \(f1)")
        XCTAssertGreaterThanOrEqual(f1, 0.90)
        XCTAssertEqual(report["reports"] as? Int, 3059)
        XCTAssertEqual(report["uncertainPolicy"] as? String, "positive")
        let html = try String(contentsOfFile: page, encoding: .utf8)
        XCTAssertTrue(html.contains("<svg") && html.contains("Pleural_Thickening"))
    }

    func testABinaryTaskWritesYesNoUndefinedAndItsFollowUp() throws {
        let input = harness.root + "/ct.csv", output = harness.root + "/bleeds.csv"
        try harness.write("""
            "IMPRESSION: Splenic laceration with active extravasation."
            "Large right rectus sheath hematoma without active extravasation."
            "Hyperdensity near the psoas could represent active extravasation versus a calcification."

            """, to: input, mode: 0o600)
        let label = raddctl(["label", "--task", "active-extravasation", "--in", input, "--out", output])
        XCTAssertEqual(label.status, 0, label.stderr)
        XCTAssertEqual(try String(contentsOfFile: output, encoding: .utf8), """
            Reports,Active extravasation,Site
            IMPRESSION: Splenic laceration with active extravasation.,Yes,spleen
            Large right rectus sheath hematoma without active extravasation.,No,
            Hyperdensity near the psoas could represent active extravasation versus a calcification.,Undefined,

            """)
    }

    func testErrorsNameTheFileAndTheProblem() throws {
        let missing = raddctl(["label", "--task", "no-such-task", "--in", Self.openI, "--out", "-"])
        XCTAssertEqual(missing.status, 1)
        XCTAssertTrue(missing.stderr.contains("no task 'no-such-task'"), missing.stderr)

        let broken = harness.root + "/broken.json"
        try harness.write(#"{"name":"x","kind":"binary","findings":[]}"#, to: broken, mode: 0o600)
        for command in [["label", "--in", Self.openI, "--out", "-"], ["eval", "--gold", Self.gold, "--pred", Self.gold]] {
            let result = raddctl(command + ["--task", broken])
            XCTAssertEqual(result.status, 1, command[0])
            XCTAssertTrue(result.stderr.contains("\(broken): no findings"), result.stderr)
        }
        let usage = raddctl(["label", "--task", "chestxray14", "--in", Self.openI, "--out", "-", "--sections", "middle"])
        XCTAssertEqual(usage.status, 64)
        XCTAssertTrue(usage.stderr.contains("--sections must be all, impressionFirst or impressionOnly"), usage.stderr)
        for command in ["label", "eval"] {
            let help = harness.run(DaemonHarness.raddctl, [command, "--help"])
            XCTAssertEqual(help.status, 0)
            XCTAssertTrue(help.stdout.contains("Examples:") && help.stdout.contains("raddctl \(command) --task"), help.stdout)
        }
    }

    /// German text files through `raddctl label`: the task's language decides, the files are
    /// read as UTF-8 with their umlauts, and the labels score against the 60 reports' gold with
    /// `raddctl eval`, paired by the files' names.
    func testGermanTextReportsAreLabelledByTheGermanTask() throws {
        let fixtures = Self.tests.appendingPathComponent("LabelingTests/Fixtures/ankle-de")
        let labels = harness.root + "/ankle-de.csv", why = harness.root + "/why.csv"
        let label = raddctl(["label", "--task", "ankle-fracture-de", "--in", fixtures.appendingPathComponent("reports").path,
                             "--out", labels, "--evidence", why])
        XCTAssertEqual(label.status, 0, label.stderr)
        let rows = try String(contentsOfFile: labels, encoding: .utf8).split(separator: "\n")
        XCTAssertEqual(rows.count, 61)
        XCTAssertEqual(rows.first, "Report,Ankle fracture")
        XCTAssertEqual(rows[1], "de01,Yes")
        let evidence = try String(contentsOfFile: why, encoding: .utf8)
        XCTAssertTrue(evidence.contains("de02,Ankle fracture,Yes,außenknöchelfraktur,,"), evidence)

        let eval = raddctl(["eval", "--task", "ankle-fracture-de", "--gold", fixtures.appendingPathComponent("gold.csv").path,
                            "--pred", labels, "--json"])
        XCTAssertEqual(eval.status, 0, eval.stderr)
        let report = try XCTUnwrap(JSONSerialization.jsonObject(with: Data(eval.stdout.utf8)) as? [String: Any])
        XCTAssertEqual(report["reports"] as? Int, 60)
        XCTAssertEqual(report["rowMatching"] as? String, "id", "rows pair up by the files' names")
        let micro = try XCTUnwrap(report["micro"] as? [String: Any])
        XCTAssertEqual(micro["truePositives"] as? Int, 20)
        XCTAssertEqual(micro["falsePositives"] as? Int, 0)

        let single = harness.root + "/befund.txt"
        try harness.write("Befund: Keine Fraktur.\nBeurteilung: V.a. nicht dislozierte Außenknöchelfraktur re.\n", to: single, mode: 0o600)
        let one = raddctl(["label", "--task", "ankle-fracture-de", "--in", single, "--out", "-"])
        XCTAssertEqual(one.status, 0, one.stderr)
        XCTAssertEqual(one.stdout, "Report,Ankle fracture\nbefund,Undefined\n")
        let english = raddctl(["label", "--task", "ankle-fracture", "--in", single, "--out", "-"])
        XCTAssertEqual(english.stdout, "Report,Ankle fracture\nbefund,Undefined\n", "the English task knows no German negation")

        let latin1 = harness.root + "/latin1.txt"
        FileManager.default.createFile(atPath: latin1, contents: Data([0x4B, 0x65, 0x69, 0x6E, 0x65, 0x20, 0x41, 0x75, 0xDF, 0x65, 0x6E]))
        let refused = raddctl(["label", "--task", "ankle-fracture-de", "--in", latin1, "--out", "-"])
        XCTAssertEqual(refused.status, 1)
        XCTAssertTrue(refused.stderr.contains("\(latin1) is not UTF-8 text (first invalid byte at offset 8)"), refused.stderr)
        let mixed = raddctl(["label", "--task", "ankle-fracture-de", "--in", single, "--id-column", "id", "--text-columns", "text", "--out", "-"])
        XCTAssertEqual(mixed.status, 64)
        XCTAssertTrue(mixed.stderr.contains("are for a CSV"), mixed.stderr)
    }
}
