import Foundation
import RaddCore
#if canImport(Glibc)
import Glibc
#endif
import Store
import Synchronization
import XCTest

/// SIGKILLs raddd at random moments while a hospital system keeps exporting a mix of formats
/// (text, HL7, CSV, text PDFs, and HL7 batches with bad messages and PDF reports among the good),
/// and checks afterwards that every report was stored exactly once, every bad file quarantined
/// once, and every bad message of a batch quarantined once as a file of its own. The schedule comes from one seed, printed at the start; `RADD_CRASH_SEED=<seed>` replays
/// the same files, write styles and kill delays (thread timing still differs from run to run).
final class CrashRecoveryTests: XCTestCase {
    static let fileCount = 1_000
    static let kills = 10

    func testKillNineAtRandomMomentsWhileFilesArriveStoresEveryReportExactlyOnce() throws {
        let seed = ProcessInfo.processInfo.environment["RADD_CRASH_SEED"].flatMap { UInt64($0) }
            ?? UInt64.random(in: 1...UInt64.max)
        print("CrashRecoveryTests: seed \(seed) (replay with RADD_CRASH_SEED=\(seed))")
        var random = SplitMix64(seed: seed)
        let exports = try ExportPlan.make(count: Self.fileCount, using: &random)
        let killDelays = (0..<Self.kills).map { _ in Double.random(in: 0.05...1.5, using: &random) }
        // Spread the drops over about as long as the kills take (each restart costs some 0.3 s),
        // so that files keep arriving until the last kill.
        let writer = ExportWriter(exports: exports, seed: random.next(),
                                  spreadOver: killDelays.reduce(0, +) + Double(Self.kills) * 0.3)

        let harness = try DaemonHarness()
        // A scan holds back files younger than the settle time and waits that long before taking
        // anything else, so with the default 2 s most kills in 0.05-1.5 s would find raddd idle
        // in that wait. 0.5 s still leaves the in-place writes (two write(2) calls in a row) far
        // more time than they need.
        let arguments = ["--settle-time", "0.5"]
        let started = Date()
        writer.start(into: harness.dropDir)
        var killLog: [String] = []
        for (index, delay) in killDelays.enumerated() {
            let process = try harness.start(extraArguments: arguments)
            // The point of the test is a kill at an arbitrary moment, so this wait is the schedule itself.
            usleep(UInt32(delay * 1_000_000))
            XCTAssertTrue(process.isRunning, "kill \(index + 1): raddd had already exited; log:\n\(harness.log)")
            XCTAssertEqual(harness.stop(signal: SIGKILL).reason, .uncaughtSignal)
            killLog.append(String(format: "%.2f s (%d written)", delay, writer.written))
        }
        try harness.start(extraArguments: arguments)
        let restarted = Date()
        writer.wait()
        XCTAssertEqual(writer.failures, [], "the exporter could not write")

        let expectedReports = exports.reduce(0) { $0 + $1.reportTags.count }
        let refused = exports.filter { $0.refusal != nil }
        let workArea = harness.dropDir + "/.radd-work"
        // Every file is written, and a file leaves the work area only once it is committed or
        // quarantined: with both folders empty, raddd has finished.
        let deadline = Date().addingTimeInterval(120)
        var settled = false
        while !settled && Date() < deadline {
            settled = allEntries(harness.dropDir) == [".radd-work"] && allEntries(workArea).isEmpty
            if !settled { usleep(100_000) }
        }
        XCTAssertTrue(settled, "not settled after 120 s: drop folder \(allEntries(harness.dropDir).count - 1) entries, "
                      + "work area \(allEntries(workArea).count)")
        let finished = Date()

        // Through the real control socket: rows per dropped file.
        let listed = try harness.allReports()
        XCTAssertEqual(Set(listed.map(\.id)).count, listed.count, "a report id is listed twice")
        var rowsPerFile: [String: Int] = [:]
        for report in listed { rowsPerFile[report.sourceName, default: 0] += 1 }
        var expectedRowsPerFile: [String: Int] = [:]
        for export in exports where export.refusal == nil { expectedRowsPerFile[export.name] = export.reportTags.count }
        let lost = expectedRowsPerFile.filter { rowsPerFile[$0.key] == nil }.keys.sorted()
        let duplicated = rowsPerFile.filter { name, rows in expectedRowsPerFile[name].map { rows > $0 } ?? false }.keys.sorted()
        let short = rowsPerFile.filter { name, rows in expectedRowsPerFile[name].map { rows < $0 } ?? false }.keys.sorted()
        let unexpected = rowsPerFile.keys.filter { expectedRowsPerFile[$0] == nil }.sorted()
        XCTAssertEqual(lost, [], "seed \(seed): files lost")
        XCTAssertEqual(duplicated, [], "seed \(seed): files stored more than once")
        XCTAssertEqual(short, [], "seed \(seed): files with reports missing")
        XCTAssertEqual(unexpected, [], "seed \(seed): stored, but should have been quarantined")
        XCTAssertEqual(listed.count, expectedReports, "seed \(seed)")

        // Each bad file and each bad message exactly once: a second placement would show as
        // <claim id>.NAME, a half-written one as a dot-file.
        var expectedQuarantine = Set<String>()
        for export in refused { expectedQuarantine.formUnion([export.name, export.name + ".reason"]) }
        for export in exports {
            for part in export.refusedParts { expectedQuarantine.formUnion([part.name, part.name + ".reason"]) }
        }
        XCTAssertEqual(Set(allEntries(harness.quarantineDir)), expectedQuarantine, "seed \(seed): quarantine folder")
        for export in exports {
            for part in export.refusedParts {
                let reason = (try? String(contentsOfFile: harness.quarantineDir + "/" + part.name + ".reason", encoding: .utf8)) ?? ""
                XCTAssertTrue(reason.hasPrefix("\(export.name) \(part.location) ") && reason.contains(part.refusal),
                              "\(part.name): expected '\(part.location) … \(part.refusal)', reason is '\(reason)'")
                let bytes = (try? Data(contentsOf: URL(fileURLWithPath: harness.quarantineDir + "/" + part.name))) ?? Data()
                XCTAssertEqual(bytes, part.bytes, "\(part.name): the message's own bytes")
            }
        }
        let refusedParts = exports.reduce(0) { $0 + $1.refusedParts.count }
        for export in refused {
            let reason = (try? String(contentsOfFile: harness.quarantineDir + "/" + export.name + ".reason", encoding: .utf8)) ?? ""
            XCTAssertTrue(reason.hasPrefix(export.name + " ") && reason.contains(export.refusal!),
                          "\(export.name): expected '\(export.refusal!)', reason is '\(reason)'")
        }
        struct Status: Decodable { var reportsByState: [String: Int] }
        let status = try harness.decode(Status.self, harness.raddctl(["status", "--json"]))
        XCTAssertEqual(status.reportsByState["quarantined"], refused.count + refusedParts, "seed \(seed): quarantine records")
        XCTAssertEqual(allEntries(harness.dropDir), [".radd-work"], "seed \(seed): left in the drop folder")
        XCTAssertEqual(allEntries(workArea), [], "seed \(seed): left in the work area")
        XCTAssertEqual(harness.stop().status, 0, "raddd did not stop cleanly after the crashes; log:\n\(harness.log)")

        // The text of each row: every report of a file (a CSV row, an HL7 OBR) exactly once.
        let store = try ReportStore(path: harness.databasePath, key: DatabaseKey(hex: harness.keyHex))
        defer { store.close() }
        var tagsPerFile: [String: [String]] = [:]
        var after: Int64 = 0
        while case let page = try store.reports(limit: 1000, afterID: after), !page.isEmpty {
            for row in page {
                let text = try store.report(id: row.id)?.text ?? ""
                tagsPerFile[row.sourceName, default: []] += ExportPlan.tags(in: text)
            }
            after = page.last!.id
        }
        for export in exports where export.refusal == nil {
            XCTAssertEqual(tagsPerFile[export.name]?.sorted(), export.reportTags.sorted(), "seed \(seed): reports of \(export.name)")
        }

        let counts = Dictionary(grouping: exports, by: \.kind).mapValues(\.count)
        // A kill that caught a file between its claim and its commit leaves it for recovery.
        let recoveries = harness.log.split(separator: "\n").filter { $0.contains("recovering claimed files") }
        print("""
            CrashRecoveryTests: seed \(seed): \(exports.count) files (\(counts.sorted { $0.key.rawValue < $1.key.rawValue }.map { "\($0.value) \($0.key.rawValue)" }.joined(separator: ", "))), \
            \(exports.filter(\.writtenInPlace).count) written in place, the rest via .tmp and rename; \
            \(expectedReports) reports stored, \(refused.count) files and \(refusedParts) batch messages quarantined
            CrashRecoveryTests: \(Self.kills) kills after \(killLog.joined(separator: ", ")); \
            \(recoveries.count) restarts found claimed files in the work area
            CrashRecoveryTests: \(String(format: "%.1f", restarted.timeIntervalSince(started))) s of kills, \
            settled \(String(format: "%.1f", finished.timeIntervalSince(restarted))) s after the last restart, \
            \(String(format: "%.1f", Date().timeIntervalSince(started))) s in all
            """)
    }
}


/// One file a hospital system exports. Every report in it carries a unique tag such as
/// `[R0042-2]`, so each stored row can be traced to the report it came from.
struct Export {
    enum Kind: String {
        case text = "plain text", hl7 = "HL7 v2", csv = "CSV", pdf = "PDF", batch = "HL7 batch", invalid = "invalid"
    }
    /// A message of a batch that must be quarantined as a file of its own.
    struct RefusedPart {
        var name: String
        /// How its reason names it: "message 3 of 5 (MSH-10 MSG0042-3)".
        var location: String
        var refusal: String
        var bytes: Data
    }
    var name: String
    var kind: Kind
    var bytes: Data
    var reportTags: [String]
    /// For a file that must be quarantined: a phrase its reason must hold.
    var refusal: String?
    var refusedParts: [RefusedPart] = []
    var writtenInPlace: Bool
}

enum ExportPlan {
    static let invalidShare = 0.03
    static let hl7Fixture = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent()
        .appendingPathComponent("IngestTests/Fixtures/hl7/dcm4che_ORU_R01_v231_findings.hl7")

    static func make(count: Int, using random: inout SplitMix64) throws -> [Export] {
        let hl7 = try String(contentsOf: hl7Fixture, encoding: .utf8)
        for original in ["MESA4b141a5c", "B601Z^MESA_ORDFIL", "|ACC1|", "The right kidney"] {
            guard hl7.contains(original) else { throw DaemonHarness.Failure("the HL7 fixture changed: no '\(original)'") }
        }
        let invalidCount = max(5, Int(Double(count) * invalidShare))
        var kinds = Array(repeating: Export.Kind.invalid, count: invalidCount)
        let good: [Export.Kind] = [.text, .hl7, .csv, .text, .hl7, .csv, .text, .hl7, .csv, .batch, .pdf]
        for index in 0..<(count - invalidCount) { kinds.append(good[index % good.count]) }
        kinds.shuffle(using: &random)

        var invalidIndex = 0
        return kinds.enumerated().map { index, kind in
            let id = String(format: "%04d", index)
            let inPlace = Bool.random(using: &random)
            switch kind {
            case .text:
                // Tags differ from the accession numbers: de-identification scrubs those from the text.
                let tag = "[X\(id)]"
                let text = "Accession: T\(id)\nStatus: final\n\nCHEST, TWO VIEWS \(tag)\nHeart size normal. Lungs are clear.\n"
                return Export(name: "t\(id).txt", kind: kind, bytes: Data(text.utf8), reportTags: [tag], writtenInPlace: inPlace)
            case .hl7:
                // One OBR per message, with its own control id, filler order number (OBR-3) and
                // accession (OBR-18); the tag goes into the first text OBX.
                let tag = "[H\(id)]"
                let message = hl7.replacingOccurrences(of: "MESA4b141a5c", with: "MSG\(id)")
                    .replacingOccurrences(of: "B601Z^MESA_ORDFIL", with: "F\(id)^MESA_ORDFIL")
                    .replacingOccurrences(of: "|ACC1|", with: "|ACC\(id)|")
                    .replacingOccurrences(of: "The right kidney", with: "\(tag) The right kidney")
                return Export(name: "h\(id).hl7", kind: kind, bytes: Data(message.utf8), reportTags: [tag], writtenInPlace: inPlace)
            case .csv:
                let rows = Int.random(in: 2...3, using: &random)
                let tags = (1...rows).map { "[R\(id)-\($0)]" }
                let body = tags.enumerated().map { row, tag in
                    "C\(id)-\(row + 1),\"\(tag) Mild cardiomegaly, no effusion.\"\r\n"
                }.joined()
                return Export(name: "c\(id).csv", kind: kind, bytes: Data(("accession,report\r\n" + body).utf8),
                              reportTags: tags, writtenInPlace: inPlace)
            case .pdf:
                let tag = "[P\(id)]"
                let pdf = TinyPDF.make(lines: ["CHEST, TWO VIEWS \(tag)", "Heart size normal.", "", "IMPRESSION: No acute disease."])
                return Export(name: "p\(id).pdf", kind: kind, bytes: pdf, reportTags: [tag], writtenInPlace: inPlace)
            case .batch:
                return batch(id: id, template: hl7, inPlace: inPlace, using: &random)
            case .invalid:
                defer { invalidIndex += 1 }
                let (name, content, refusal): (String, String, String) = [
                    ("bad\(id).txt", " \n\t\n", "holds only whitespace"),
                    ("bad\(id).csv", "accession,report\nA1,\"Lungs are clear.\n", "quoted field never closed"),
                    ("bad\(id).hl7", String(hl7.prefix(while: { $0 != "\r" })) + "\rPID|||P\(id)", "ends without an OBR segment"),
                    ("bad\(id).json", #"{"resourceType":"Patient","id":"p\#(id)"}"#, "resourceType is Patient, not DiagnosticReport"),
                    ("bad\(id).pdf", "%PDF-1.7\n", "is a PDF that cannot be opened"),
                ][invalidIndex % 5]
                return Export(name: name, kind: kind, bytes: Data(content.utf8), reportTags: [], refusal: refusal,
                              writtenInPlace: inPlace)
            }
        }
    }

    /// An FHS/BHS batch of 3 to 6 messages: most are the HL7 fixture with their own ids and tag,
    /// one may carry its report as a PDF (OBX ED), and one or two (never all) are bad, an ADT or
    /// an ORU cut short before its OBR.
    static func batch(id: String, template hl7: String, inPlace: Bool, using random: inout SplitMix64) -> Export {
        let count = Int.random(in: 3...6, using: &random)
        let bad = Set((1...count).shuffled(using: &random).prefix(Int.random(in: 1...2, using: &random)))
        let pdfMessage = Bool.random(using: &random) ? (1...count).filter { !bad.contains($0) }.randomElement(using: &random) : nil
        var messages: [String] = []
        var tags: [String] = []
        var refused: [Export.RefusedPart] = []
        let header = String(hl7.prefix(while: { $0 != "\r" }))
        for position in 1...count {
            let control = "MSG\(id)-\(position)"
            let tag = "[B\(id)-\(position)]"
            let message: String
            if bad.contains(position) {
                let adt = position % 2 == 0
                let msh = header.replacingOccurrences(of: "MESA4b141a5c", with: control)
                    .replacingOccurrences(of: "ORU^R01", with: adt ? "ADT^A08" : "ORU^R01")
                message = msh + "\rPID|||P\(id)-\(position)\r"
                refused.append(.init(name: "b\(id).message\(position).hl7",
                                     location: "message \(position) of \(count) (MSH-10 \(control))",
                                     refusal: adt ? "message type is ADT^A08" : "ends without an OBR segment",
                                     bytes: Data(message.utf8)))
            } else if position == pdfMessage {
                let pdf = TinyPDF.make(lines: ["XR CHEST \(tag)", "Lungs are clear."]).base64EncodedString()
                message = header.replacingOccurrences(of: "MESA4b141a5c", with: control)
                    + "\rPID|||P\(id)-\(position)\rOBR|1|BP\(id)-\(position)|BF\(id)-\(position)|71020^XR CHEST\r"
                    + "OBX|1|ED|PDF^Report||^Application^PDF^Base64^\(pdf)||||||F\r"
                tags.append(tag)
            } else {
                message = hl7.replacingOccurrences(of: "MESA4b141a5c", with: control)
                    .replacingOccurrences(of: "B601Z^MESA_ORDFIL", with: "F\(id)-\(position)^MESA_ORDFIL")
                    .replacingOccurrences(of: "|ACC1|", with: "|ACC\(id)-\(position)|")
                    .replacingOccurrences(of: "The right kidney", with: "\(tag) The right kidney")
                tags.append(tag)
            }
            messages.append(message.hasSuffix("\r") ? message : message + "\r")
        }
        let envelope = "FHS|^~\\&|RIS|HOSP\rBHS|^~\\&|RIS|HOSP\r"
        let bytes = Data((envelope + messages.joined() + "BTS|\(count)\rFTS|1\r").utf8)
        return Export(name: "b\(id).hl7", kind: .batch, bytes: bytes, reportTags: tags, refusedParts: refused,
                      writtenInPlace: inPlace)
    }

    static func tags(in text: String) -> [String] {
        let pattern = try! NSRegularExpression(pattern: #"\[[XRHBP][0-9]{4}(-[0-9])?\]"#)
        return pattern.matches(in: text, range: NSRange(text.startIndex..., in: text)).compactMap {
            Range($0.range, in: text).map { String(text[$0]) }
        }
    }
}

/// The hospital side: writes the exports in bursts from its own thread, either in place (one
/// open, two writes, close) or to `NAME.tmp` and then renamed, as real exporters do.
final class ExportWriter: Sendable {
    private let exports: [Export]
    private let seed: UInt64
    private let duration: TimeInterval
    private let progress = Mutex<(written: Int, failures: [String])>((0, []))
    private let done = DispatchSemaphore(value: 0)

    static let largestBurst = 40

    init(exports: [Export], seed: UInt64, spreadOver duration: TimeInterval) {
        self.exports = exports
        self.seed = seed
        self.duration = duration
    }

    var written: Int { progress.withLock { $0.written } }
    var failures: [String] { progress.withLock { $0.failures } }

    func start(into folder: String) {
        let thread = Thread { [self] in
            var random = SplitMix64(seed: seed)
            var pending = exports[...]
            let bursts = Double(exports.count) / (Double(Self.largestBurst + 1) / 2)
            let longestPause = UInt32(2 * duration / bursts * 1_000_000)
            while !pending.isEmpty {
                let burst = pending.prefix(Int.random(in: 1...Self.largestBurst, using: &random))
                pending = pending.dropFirst(burst.count)
                for export in burst {
                    if let problem = write(export, into: folder) { record(failure: problem) }
                    progress.withLock { $0.written += 1 }
                }
                usleep(UInt32.random(in: 0...longestPause, using: &random))
            }
            done.signal()
        }
        thread.name = "exporter"
        thread.start()
    }

    func wait() { done.wait() }

    private func record(failure: String) {
        progress.withLock { $0.failures.append(failure) }
    }

    /// Returns what went wrong, if anything.
    private func write(_ export: Export, into folder: String) -> String? {
        let final = folder + "/" + export.name
        let path = export.writtenInPlace ? final : final + ".tmp"
        let fd = open(path, O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, 0o644)
        guard fd >= 0 else { return "\(export.name): open errno \(errno)" }
        let bytes = [UInt8](export.bytes)
        let half = bytes.count / 2
        for part in [bytes[..<half], bytes[half...]] where !part.isEmpty {
            let n = part.withUnsafeBytes { Glibc.write(fd, $0.baseAddress, $0.count) }
            guard n == part.count else { close(fd); return "\(export.name): write errno \(errno)" }
        }
        close(fd)
        if !export.writtenInPlace, rename(path, final) != 0 { return "\(export.name): rename errno \(errno)" }
        return nil
    }
}

/// A one-page PDF with a text layer in Helvetica, written out by hand (objects, then the
/// cross-reference table with their byte offsets): a real PDF that poppler reads, unique per call.
enum TinyPDF {
    static func make(lines: [String]) -> Data {
        func escaped(_ line: String) -> String {
            line.replacingOccurrences(of: "\\", with: "\\\\").replacingOccurrences(of: "(", with: "\\(")
                .replacingOccurrences(of: ")", with: "\\)")
        }
        let content = "BT /F1 11 Tf 72 740 Td 14 TL\n" + lines.map { "(\(escaped($0))) Tj T*\n" }.joined() + "ET\n"
        let objects = [
            "<< /Type /Catalog /Pages 2 0 R >>",
            "<< /Type /Pages /Kids [3 0 R] /Count 1 >>",
            "<< /Type /Page /Parent 2 0 R /MediaBox [0 0 612 792] /Resources << /Font << /F1 4 0 R >> >> /Contents 5 0 R >>",
            "<< /Type /Font /Subtype /Type1 /BaseFont /Helvetica >>",
            "<< /Length \(content.utf8.count) >>\nstream\n\(content)endstream",
        ]
        var pdf = "%PDF-1.4\n"
        var offsets: [Int] = []
        for (index, object) in objects.enumerated() {
            offsets.append(pdf.utf8.count)
            pdf += "\(index + 1) 0 obj\n\(object)\nendobj\n"
        }
        let xref = pdf.utf8.count
        pdf += "xref\n0 \(objects.count + 1)\n0000000000 65535 f \n"
        pdf += offsets.map { String(format: "%010d 00000 n \n", $0) }.joined()
        pdf += "trailer\n<< /Size \(objects.count + 1) /Root 1 0 R >>\nstartxref\n\(xref)\n%%EOF\n"
        return Data(pdf.utf8)
    }
}
