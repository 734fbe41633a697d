import Foundation
import Store
import XCTest

/// PHI from an export never reaches a log line, an error message, a quarantine reason or the
/// stored text: checked on the real daemon with real exports full of it.
final class PHILeakTests: XCTestCase {
    static let phi = ["Quixote", "QUIXOTE", "Zebediah", "ZEBEDIAH", "MRN778899", "ACC55123", "Kessler", "317) 555-0142",
                      "03/14/2024", "4411 Wexford"]

    func message(text: String, control: String) -> String {
        var obr = Array(repeating: "", count: 26)
        obr[0] = "OBR"; obr[1] = "1"; obr[3] = "ACC55123"; obr[4] = "71046^XR CHEST^CPT"; obr[7] = "20240314101500"; obr[25] = "F"
        return [
            "MSH|^~\\&|RIS|HOSP|RADD|HOSP|20240314103000||ORU^R01|\(control)|P|2.5.1",
            "PID|1||MRN778899^^^HOSP^MR||QUIXOTE^ZEBEDIAH^A||19500131|M",
            obr.joined(separator: "|"),
            "OBX|1|TX|71046^XR CHEST^CPT||\(text)||||||F",
        ].joined(separator: "\r") + "\r"
    }

    func testNoPHIInLogsReasonsErrorsOrStoredText() throws {
        let harness = try DaemonHarness()
        try harness.start(extraArguments: ["--log-level", "debug"])
        let text = "HISTORY: Zebediah Quixote fell at 4411 Wexford Rd on 03/14/2024.\\.br\\"
            + "IMPRESSION: Pneumothorax. Discussed with Dr. Kessler at (317) 555-0142."
        try harness.drop("export-0001.hl7", message(text: text, control: "M1"))
        // A broken export full of the same PHI: its reason must say what is wrong, not what it holds.
        try harness.drop("export-0002.hl7", "MSH|^~\\&|RIS|HOSP|RADD|HOSP|20240314103000||ORU^R01|M2|P|2.5.1\r"
                         + "PID|1||MRN778899^^^HOSP^MR||QUIXOTE^ZEBEDIAH||19500131|M\rOBR|1||ACC55123\rOBX|1|CE|||Quixote^Kessler\r")
        // Binary (a NUL after a byte that is not UTF-8): raddd quarantines it, and `raddctl deid`
        // refuses it too (a file that is only not UTF-8 it now reads as Windows-1252).
        try harness.drop("export-0003.txt", bytes: Data("Zebediah Quixote \u{FF}".utf8) + Data([0xFF, 0x00]))
        let deadline = Date().addingTimeInterval(15)
        while (try harness.allReports().count < 1 || visibleFiles(harness.quarantineDir).count < 4) && Date() < deadline {
            usleep(50_000)
        }
        let report = harness.raddctl(["report", "1", "--json"])
        XCTAssertEqual(report.status, 0, report.stderr)
        XCTAssertTrue(report.stdout.contains("Pneumothorax"), report.stdout)
        XCTAssertTrue(report.stdout.contains("\"deidMethod\" : \"rules-2+tags\""), report.stdout)
        let human = harness.raddctl(["report", "1"]).stdout
        XCTAssertTrue(human.contains("replaced 1 contact, 1 date, 2 name, 1 place"), human)
        XCTAssertTrue(human.contains("HISTORY: [NAME] fell at [PLACE] on [DATE]."), human)
        let reasons = try visibleFiles(harness.quarantineDir).filter { $0.hasSuffix(".reason") }
            .map { try String(contentsOfFile: harness.quarantineDir + "/" + $0, encoding: .utf8) }.joined()
        let quarantineList = harness.raddctl(["quarantine", "list", "--json"]).stdout
        let unreadable = harness.run(DaemonHarness.raddctl, ["deid", harness.quarantineDir + "/export-0003.txt"])
        XCTAssertEqual(unreadable.status, 1)
        XCTAssertEqual(harness.stop().status, 0)

        for (what, output) in [("the log", harness.log), ("the stored report", report.stdout), ("raddctl report", human),
                               ("quarantine reasons", reasons), ("quarantine list", quarantineList),
                               ("raddctl deid's error", unreadable.stderr + unreadable.stdout)] {
            for value in Self.phi {
                XCTAssertFalse(output.contains(value), "\(value) in \(what):\n\(output)")
            }
        }
        XCTAssertTrue(reasons.contains("export-0002.hl7 is not valid HL7 v2"), reasons)
        XCTAssertFalse(harness.log.isEmpty)
    }
}
