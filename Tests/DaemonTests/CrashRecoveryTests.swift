import Foundation
import RaddCore
#if canImport(Glibc)
import Glibc
#endif
import Store
import Synchronization
import XCTest

/// SIGKILLs raddd at random moments while a hospital system keeps exporting a mix of formats, and
/// checks afterwards that every report was stored exactly once and every bad file quarantined
/// once. The schedule comes from one seed, printed at the start; `RADD_CRASH_SEED=<seed>` replays
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

        // Each bad file exactly once: a second placement would show as <claim id>.NAME.
        var expectedQuarantine = Set<String>()
        for export in refused { expectedQuarantine.formUnion([export.name, export.name + ".reason"]) }
        XCTAssertEqual(Set(allEntries(harness.quarantineDir)), expectedQuarantine, "seed \(seed): quarantine folder")
        for export in refused {
            let reason = (try? String(contentsOfFile: harness.quarantineDir + "/" + export.name + ".reason", encoding: .utf8)) ?? ""
            XCTAssertTrue(reason.hasPrefix(export.name + " ") && reason.contains(export.refusal!),
                          "\(export.name): expected '\(export.refusal!)', reason is '\(reason)'")
        }
        struct Status: Decodable { var reportsByState: [String: Int] }
        let status = try harness.decode(Status.self, harness.raddctl(["status", "--json"]))
        XCTAssertEqual(status.reportsByState["quarantined"], refused.count, "seed \(seed): quarantine records")
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
            \(expectedReports) reports stored, \(refused.count) quarantined
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
    enum Kind: String { case text = "plain text", hl7 = "HL7 v2", csv = "CSV", invalid = "invalid" }
    var name: String
    var kind: Kind
    var bytes: Data
    var reportTags: [String]
    /// For a file that must be quarantined: a phrase its reason must hold.
    var refusal: String?
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
        for index in 0..<(count - invalidCount) { kinds.append([.text, .hl7, .csv][index % 3]) }
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

    static func tags(in text: String) -> [String] {
        let pattern = try! NSRegularExpression(pattern: #"\[[XRH][0-9]{4}(-[0-9])?\]"#)
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
