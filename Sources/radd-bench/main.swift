import Deid
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

/// Parses `bytes` in a warm-up round and then in `runs` timed runs of at least `seconds` each, and
/// prints the median run's reports/s and MB/s: a burst of load from elsewhere on the machine then
/// spoils one run rather than moving the figure.
func measure(_ label: String, _ bytes: [UInt8], runs: Int = 5, seconds: Double = 0.4, _ parse: ([UInt8]) throws -> Int) {
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
        print(label.padding(toLength: 52, withPad: " ", startingAt: 0) + figures)
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
