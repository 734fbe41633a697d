import Foundation
import XCTest
#if canImport(Glibc)
import Glibc
#endif

/// `raddctl deid` as users run it, on the real binary: the encodings it reads, the files it
/// refuses, and that nothing of a file's content reaches stderr whatever goes wrong.
final class DeidCommandTests: XCTestCase {
    /// Stands for PHI: a name no rule knows, so only a leak of the content could print it.
    static let marker = "Zyxwvutsrq"

    var harness: DaemonHarness!

    override func setUpWithError() throws {
        harness = try DaemonHarness()
    }

    func write(_ bytes: [UInt8], _ name: String) -> String {
        let path = harness.root + "/" + name
        XCTAssertTrue(FileManager.default.createFile(atPath: path, contents: Data(bytes)))
        return path
    }

    func deid(_ arguments: [String]) -> DaemonHarness.Output {
        harness.run(DaemonHarness.raddctl, ["deid"] + arguments)
    }

    struct SpanLine: Decodable, Equatable {
        var category: String
        var end: Int
        var file: String
        var start: Int
    }

    func spanLines(_ output: DaemonHarness.Output) throws -> [SpanLine] {
        try output.stdout.split(separator: "\n").map { try JSONDecoder().decode(SpanLine.self, from: Data($0.utf8)) }
    }

    func testALatin1FileIsDeidentifiedAndItsOffsetsAreByteOffsets() throws {
        // "Zoltán Kovács" in ISO-8859-1: á is the single byte 0xE1.
        let text = "Seen by Dr. Zolt\u{E1}n Kov\u{E1}cs on 03/14/2024. Report \u{93}final\u{94}.\n"
        let bytes = text.unicodeScalars.map { UInt8($0.value) }  // every scalar here is below 0x100
        let file = write(bytes, "latin1.txt")
        let spans = deid(["--spans", file])
        XCTAssertEqual(spans.status, 0, spans.stderr)
        XCTAssertTrue(spans.stderr.contains("latin1.txt: not UTF-8, read as Windows-1252"), spans.stderr)
        let lines = try spanLines(spans)
        XCTAssertTrue(lines.contains(SpanLine(category: "date", end: 39, file: file, start: 29)), spans.stdout)
        let name = try XCTUnwrap(lines.first { $0.category == "name" }, spans.stdout)
        // One scalar per byte: the span's bytes, read as Latin-1 (as Python would), are the name.
        let latin1 = String(bytes[name.start..<name.end].map { Character(Unicode.Scalar($0)) })
        XCTAssertTrue(latin1.hasSuffix("Zolt\u{E1}n Kov\u{E1}cs"), latin1)

        let clean = deid([file])
        XCTAssertEqual(clean.status, 0, clean.stderr)
        // Output is UTF-8, with Windows-1252's quotation marks at 0x93/0x94 decoded as such.
        XCTAssertTrue(clean.stdout.hasPrefix("Seen by Dr. [NAME] on [DATE]. Report \u{201C}final\u{201D}.\n"), clean.stdout)
    }

    func testLanguageChoosesTheEvidenceAndAutoDetectsItPerFile() throws {
        // A German letter in ISO-8859-1, as German exports come: "ß" and "ü" are single bytes.
        let german = "Frau Dr. med. Hartmann\nMusterstra\u{DF}e 12, 10115 Berlin\nPatient M\u{FC}ller, geb. 14.03.1961, keine Fraktur.\n"
        let latin1 = write(german.unicodeScalars.map { UInt8($0.value) }, "brief.txt")
        let english = write(Array("Seen by Dr. Quentin Marsh on 03/14/2024.\n".utf8), "report.txt")

        let de = deid(["--language", "de", latin1])
        XCTAssertEqual(de.status, 0, de.stderr)
        XCTAssertEqual(de.stdout, "Frau Dr. med. [NAME]\n[PLACE], [PLACE]\nPatient [NAME], geb. [DATE], keine Fraktur.\n")

        let auto = deid(["--language", "auto", latin1, english])
        XCTAssertEqual(auto.status, 0, auto.stderr)
        XCTAssertTrue(auto.stdout.hasPrefix(de.stdout), auto.stdout)
        XCTAssertTrue(auto.stdout.hasSuffix("Seen by Dr. [NAME] on [DATE].\n"), auto.stdout)

        let bad = deid(["--language", "fr", english])
        XCTAssertNotEqual(bad.status, 0)
        XCTAssertTrue(bad.stderr.contains("--language must be en, de or auto"), bad.stderr)
    }

    func testCapitalsLowerCaseAndBOMFilesAreRead() throws {
        let upper = write(Array("SEEN BY DR. SMITH ON 03/14/2024.\n".utf8), "upper.txt")
        let lower = write(Array("seen by dr. smith on 03/14/2024.\n".utf8), "lower.txt")
        let bom = write([0xEF, 0xBB, 0xBF] + Array("Seen on 03/14/2024.".utf8), "bom.txt")
        let output = deid(["--spans", upper, lower, bom])
        XCTAssertEqual(output.status, 0, output.stderr)
        XCTAssertEqual(output.stderr, "", "UTF-8 files get no note")
        let dates = try spanLines(output).filter { $0.category == "date" }
        XCTAssertEqual(dates, [SpanLine(category: "date", end: 31, file: upper, start: 21),
                               SpanLine(category: "date", end: 31, file: lower, start: 21),
                               SpanLine(category: "date", end: 19, file: bom, start: 9)])
    }

    func testAnEmptyFileIsEmptyTextNotAnError() throws {
        let empty = write([], "empty.txt")
        let text = deid([empty]), spans = deid(["--spans", empty])
        XCTAssertEqual([text.status, spans.status], [0, 0], text.stderr + spans.stderr)
        XCTAssertEqual(text.stdout + spans.stdout + text.stderr + spans.stderr, "")
    }

    /// The acceptance test of the error messages: binary and unreadable files are named with the
    /// problem, the good file between them is still de-identified, and the marker (content) is in
    /// neither stdout nor stderr.
    func testBadFilesAreNamedWithTheProblemAndNeverQuoted() throws {
        let marker = Array(Self.marker.utf8)
        let nul = write(Array("Patient ".utf8) + marker + [0x00, 0x01] + marker, "image.dcm")
        let controls = write(marker + [0x1B, 0x5B, 0x1B, 0x07, 0x08] + marker + [0x0E, 0x0F], "escapes.txt")
        let utf16 = write([0xFF, 0xFE] + marker.flatMap { [$0, 0] }, "utf16.txt")
        let good = write(Array("Seen on 03/14/2024.\n".utf8), "good.txt")
        let directory = harness.root + "/folder"
        try FileManager.default.createDirectory(atPath: directory, withIntermediateDirectories: false)
        // Root reads a mode-000 file, so only others can check the refusal; root's copy holds no
        // marker, since reading it is then correct.
        let unreadable = write(getuid() == 0 ? Array("Seen on 03/14/2024.\n".utf8) : marker, "secret.txt")
        chmod(unreadable, 0o000)
        let missing = harness.root + "/missing.txt"
        let underAFile = good + "/report.txt"

        for spans in [false, true] {
            let output = deid((spans ? ["--spans"] : []) + [nul, controls, utf16, good, directory, unreadable, missing, underAFile])
            XCTAssertEqual(output.status, 1)
            XCTAssertEqual(output.reason, .exit, "an error, never a crash")
            XCTAssertFalse(output.stdout.contains(Self.marker), output.stdout)
            XCTAssertFalse(output.stderr.contains(Self.marker), output.stderr)
            XCTAssertTrue(output.stdout.contains(spans ? "\"category\":\"date\"" : "Seen on [DATE]."), output.stdout)
            let lines = output.stderr.split(separator: "\n").map(String.init)
            XCTAssertTrue(lines.contains("raddctl: \(nul): binary data, not a text report (byte 18 is 0x00)"), output.stderr)
            XCTAssertTrue(lines.contains("raddctl: \(controls): binary data, not a text report (6 of 27 bytes are control characters; byte 10 is 0x1B)"), output.stderr)
            XCTAssertTrue(lines.contains { $0.hasPrefix("raddctl: \(utf16): is UTF-16 text") }, output.stderr)
            XCTAssertTrue(lines.contains("raddctl: \(directory): is a directory, not a report file"), output.stderr)
            XCTAssertTrue(lines.contains("raddctl: \(missing): cannot be read: no such file"), output.stderr)
            XCTAssertTrue(lines.contains("raddctl: \(underAFile): cannot be read: Not a directory"), output.stderr)
            if getuid() != 0 {
                XCTAssertTrue(lines.contains("raddctl: \(unreadable): cannot be read: permission denied"), output.stderr)
            }
        }
    }

    func testPolicyFileIsReadAndReplacementOverridesIt() throws {
        let report = write(Array("Dictated by Dr. Smith on 03/14/2024.\n".utf8), "report.txt")
        let policy = harness.root + "/deid.policy"
        try harness.write("replacement = surrogates\n", to: policy, mode: 0o644)
        let surrogates = deid(["--policy", policy, report])
        XCTAssertEqual(surrogates.status, 0, surrogates.stderr)
        XCTAssertFalse(surrogates.stdout.contains("Smith"), surrogates.stdout)
        XCTAssertFalse(surrogates.stdout.contains("[NAME]"), "the policy's surrogates: \(surrogates.stdout)")
        // Offline there is no key to shift dates with: a zero shift would print the date as is.
        XCTAssertTrue(surrogates.stdout.contains("on [DATE]."), surrogates.stdout)

        let tags = deid(["--policy", policy, "--replacement", "tags", report])
        XCTAssertEqual(tags.stdout, "Dictated by Dr. [NAME] on [DATE].\n", tags.stderr)

        try harness.write("replacement = masks\n", to: policy, mode: 0o644)
        let bad = deid(["--policy", policy, report])
        XCTAssertEqual(bad.status, 1)
        XCTAssertTrue(bad.stderr.contains("\(policy):1: replacement 'masks' is not one of"), bad.stderr)
        XCTAssertEqual(bad.stdout, "")
    }

    func testHelpShowsExamplesIncludingALatin1File() {
        let help = deid(["--help"])
        XCTAssertEqual(help.status, 0)
        XCTAssertTrue(help.stdout.contains("raddctl deid --spans latin1-report.txt"), help.stdout)
        XCTAssertTrue(help.stdout.contains("--policy"), help.stdout)
    }
}
