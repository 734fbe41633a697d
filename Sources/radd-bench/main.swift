import Deid
import DeidCorpus
import Foundation
import Ingest
import Labeling
import RaddCore

// Throughput of parsing and normalising exports into reports (what raddd does between reading a
// file and de-identifying it: the format reader, then `Report`s with their fingerprints, and the
// file's SHA-256), single-threaded, so the figure is reports/s per core. Inputs are the
// repository's own fixtures, all real exports. Run with: swift run -c release radd-bench

let repository = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent().deletingLastPathComponent()
let fixtures = repository.appendingPathComponent("Tests/IngestTests/Fixtures")
let interactive = isatty(STDERR_FILENO) != 0

func load(_ url: URL) -> [UInt8]? { (try? Data(contentsOf: url)).map { [UInt8]($0) } }

/// The records of an RFC 4180 CSV file (quoted fields with "" inside, CRLF or LF), UTF-8. Enough for
/// the repository's own fixtures; the daemon's reader (Ingest) joins the columns with headings,
/// which would add tokens that are not the report's.
func csvRows(_ bytes: [UInt8]) -> [[String]] {
    var rows: [[String]] = [], row: [String] = [], field: [UInt8] = [], quoted = false, index = 0
    func endField() { row.append(String(decoding: field, as: UTF8.self)); field.removeAll() }
    while index < bytes.count {
        let byte = bytes[index]
        if quoted {
            if byte == UInt8(ascii: "\""), index + 1 < bytes.count, bytes[index + 1] == UInt8(ascii: "\"") {
                field.append(byte)
                index += 1
            } else if byte == UInt8(ascii: "\"") {
                quoted = false
            } else {
                field.append(byte)
            }
        } else if byte == UInt8(ascii: "\"") {
            quoted = true
        } else if byte == UInt8(ascii: ",") {
            endField()
        } else if byte == UInt8(ascii: "\n") || byte == UInt8(ascii: "\r") {
            if byte == UInt8(ascii: "\r"), index + 1 < bytes.count, bytes[index + 1] == UInt8(ascii: "\n") { index += 1 }
            endField()
            rows.append(row)
            row.removeAll()
        } else {
            field.append(byte)
        }
        index += 1
    }
    if !field.isEmpty || !row.isEmpty { endField(); rows.append(row) }
    return rows
}

/// Parses `bytes` in a warm-up round and then in `runs` timed runs of at least `seconds` each, and
/// prints the median run's reports/s and MB/s: a burst of load from elsewhere on the machine then
/// spoils one run rather than moving the figure.
func measure(_ label: String, _ bytes: [UInt8], runs: Int = 5, seconds: Double = 0.4, pagesPerReport: Int? = nil,
             _ parse: ([UInt8]) throws -> Int) {
    struct Run { var reports = 0, rounds = 0, elapsed = 0.0 }
    func run(for seconds: Double) throws -> Run {
        var result = Run()
        let start = Date()
        repeat {
            result.reports += try parse(bytes)
            result.rounds += 1
        } while Date().timeIntervalSince(start) < seconds
        result.elapsed = Date().timeIntervalSince(start)
        return result
    }
    do {
        _ = try run(for: seconds / 2)  // caches, allocator and lazily set-up globals settle first
        var timed = [Run]()
        for index in 1...runs {
            if interactive { FileHandle.standardError.write(Data("\r\(label): run \(index) of \(runs)".utf8)) }
            timed.append(try run(for: seconds))
        }
        if interactive { FileHandle.standardError.write(Data("\r\u{1B}[K".utf8)) }
        let median = timed.sorted { Double($0.reports) / $0.elapsed < Double($1.reports) / $1.elapsed }[runs / 2]
        let perSecond = Double(median.reports) / median.elapsed
        let megabytes = Double(bytes.count * median.rounds) / median.elapsed / 1_000_000
        let figures = String(format: "%9.0f reports/s per core  %7.1f MB/s  (median of %d runs; %d reports in %.2f s)",
                             perSecond, megabytes, runs, median.reports, median.elapsed)
        let pages = pagesPerReport.map { String(format: "  = %.0f pages/s per core", perSecond * Double($0)) } ?? ""
        print(label.padding(toLength: 52, withPad: " ", startingAt: 0) + figures + pages)
    } catch {
        print("\(label): parse failed: \(error)")
    }
}

let reader = ReportReader()

/// Everything `ReportReader.read` does once the bytes are in memory.
func normalise(_ format: SourceFormat) -> ([UInt8]) throws -> Int {
    { try reader.normalise($0, format: format, fileName: "bench", claimID: "cbench").reports.count }
}

print("radd-bench: parsing and normalising into reports (no store, no de-identification), one thread")
let hl7Names = ["dcm4che_ORU_R01_v231_findings.hl7", "dcm4che_ORU_R01_SR_v251.hl7", "dcm4che_ORU_R01_CDA_v251.hl7"]
for name in hl7Names {
    guard let bytes = load(fixtures.appendingPathComponent("hl7/" + name)) else { continue }
    measure("HL7 v2 " + name, bytes, normalise(.hl7v2))
}
if let sample = load(fixtures.appendingPathComponent("hl7/dcm4che_ORU_R01_v231_findings.hl7")) {
    // A batch of 1,000 messages in one file, as a nightly export would send them.
    let batch = Array("FHS|^~\\&\rBHS|^~\\&\r".utf8) + (0..<1000).flatMap { _ in sample + [0x0D] } + Array("BTS|1000\rFTS|1\r".utf8)
    measure("HL7 v2 batch of 1,000 findings messages", batch, normalise(.hl7v2))
}
if let bytes = load(fixtures.appendingPathComponent("csv/openi_reports.csv")) {
    measure("CSV Open-i, 3,080 rows (21 without text skipped)", bytes, normalise(.csv))
}
if let bytes = load(fixtures.appendingPathComponent("csv/chexpert_labeler_sample_reports.csv")) {
    measure("CSV CheXpert sample, header-less", bytes, normalise(.csv))
}
if let bytes = load(fixtures.appendingPathComponent("fhir/uscore_DiagnosticReport-chest-xray-report.json")) {
    measure("FHIR R4 DiagnosticReport (XHTML presentedForm)", bytes, normalise(.fhir))
}

if let bytes = load(fixtures.appendingPathComponent("pdf/ankle_report_text.pdf")) {
    // Two pages a report: each report is one sandboxed pdftotext process, which is the cost.
    measure("PDF text layer, 2-page reports", bytes, runs: 3, seconds: 2, pagesPerReport: 2, normalise(.pdf))
}

// De-identification of report text, per core: every Open-i report, found and replaced.
if let bytes = load(fixtures.appendingPathComponent("csv/openi_reports.csv")),
   let reports = try? reader.normalise(bytes, format: .csv, fileName: "bench", claimID: "cbench").reports {
    let deidentifier = RuleDeidentifier()
    let texts = reports.map(\.text)
    let total = texts.reduce(0) { $0 + $1.utf8.count }
    measure("De-identification, Open-i (\(texts.count) reports)", Array(repeating: 0, count: total)) { _ in
        for report in reports { _ = try deidentifier.deidentify(report) }
        return texts.count
    }
}

// Radiology precision of de-identification: Open-i's curators replaced the PHI with `XXXX`, so
// every word token outside those marks is non-PHI and every replaced one a false positive
// (Tests/DeidCorpus/OpenIPrecision.swift, which DeidTests also asserts <= 1% with). The text of a
// row is its last four columns (indication, comparison, findings, impression) joined by newlines.
if let bytes = load(fixtures.appendingPathComponent("csv/openi_reports.csv")) {
    let reports = csvRows(bytes).dropFirst().compactMap { row -> (uid: Int, text: String)? in
        guard row.count >= 8, let uid = Int(row[0]) else { return nil }
        return (uid: uid, text: row[4...].joined(separator: "\n"))
    }
    let figure = OpenIPrecision.measure(reports, finder: RuleDeidentifier())
    print("\n" + figure.line)
    // Open-i holds no PHI (the curators removed it), so printing these words discloses nothing.
    let top = figure.topWords(30)
    print("most often replaced (non-PHI radiology words): "
          + (top.isEmpty ? "none" : top.map { "\($0.word) \($0.count)" }.joined(separator: ", ")) + "\n")
}

// The rule labeler, task chestxray14, per core: every Open-i report.
if let bytes = load(fixtures.appendingPathComponent("csv/openi_reports.csv")),
   let reports = try? reader.normalise(bytes, format: .csv, fileName: "bench", claimID: "cbench").reports,
   let task = try? LabelTask.load("chestxray14", directories: [repository.appendingPathComponent("policies/tasks").path]) {
    let labeler = RuleLabeler(task: task)
    let texts = reports.map(\.text)
    let total = texts.reduce(0) { $0 + $1.utf8.count }
    measure("Rule labeler, chestxray14, Open-i (\(texts.count) reports)", Array(repeating: 0, count: total)) { _ in
        for text in texts { _ = labeler.label(text) }
        return texts.count
    }
}
