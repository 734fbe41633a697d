import Foundation
import Ingest

// Parse throughput of the format readers, single-threaded, so the figure is reports/s per core.
// Inputs are the repository's own fixtures (real exports) and, when it sits beside the
// repository, the full Open-i CSV from shared/. Run with: swift run -c release radd-bench

let repository = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent().deletingLastPathComponent()
let fixtures = repository.appendingPathComponent("Tests/IngestTests/Fixtures")
let interactive = isatty(STDERR_FILENO) != 0

func load(_ url: URL) -> [UInt8]? { (try? Data(contentsOf: url)).map { [UInt8]($0) } }

/// Parses `bytes` repeatedly for at least `seconds` and prints reports/s and MB/s.
func measure(_ label: String, _ bytes: [UInt8], seconds: Double = 2, _ parse: ([UInt8]) throws -> Int) {
    do {
        var reports = 0, rounds = 0
        let start = Date()
        repeat {
            reports += try parse(bytes)
            rounds += 1
            if interactive && rounds % 50 == 0 { FileHandle.standardError.write(Data("\r\(label): \(rounds) rounds".utf8)) }
        } while Date().timeIntervalSince(start) < seconds
        let elapsed = Date().timeIntervalSince(start)
        if interactive { FileHandle.standardError.write(Data("\r\u{1B}[K".utf8)) }
        let perSecond = Double(reports) / elapsed
        let megabytes = Double(bytes.count * rounds) / elapsed / 1_000_000
        let figures = String(format: "%9.0f reports/s per core  %7.1f MB/s  (%d reports in %.2f s)",
                             perSecond, megabytes, reports, elapsed)
        print(label.padding(toLength: 52, withPad: " ", startingAt: 0) + figures)
    } catch {
        print("\(label): parse failed: \(error)")
    }
}

print("radd-bench: parsing only (no store, no de-identification), one thread")
let hl7Names = ["dcm4che_ORU_R01_v231_findings.hl7", "dcm4che_ORU_R01_SR_v251.hl7", "dcm4che_ORU_R01_CDA_v251.hl7"]
for name in hl7Names {
    guard let bytes = load(fixtures.appendingPathComponent("hl7/" + name)) else { continue }
    measure("HL7 v2 " + name, bytes) { try HL7v2Reader.reports(from: $0).count }
}
if let sample = load(fixtures.appendingPathComponent("hl7/dcm4che_ORU_R01_v231_findings.hl7")) {
    // A batch of 1,000 messages in one file, as a nightly export would send them.
    let batch = Array("FHS|^~\\&\rBHS|^~\\&\r".utf8) + (0..<1000).flatMap { _ in sample + [0x0D] } + Array("BTS|1000\rFTS|1\r".utf8)
    measure("HL7 v2 batch of 1,000 findings messages", batch) { try HL7v2Reader.reports(from: $0).count }
}
let openI = repository.deletingLastPathComponent().appendingPathComponent("shared/data/openi/openi_reports.csv")
if let bytes = load(openI) {
    measure("CSV Open-i, 3,080 rows (rows without text skipped)", bytes) {
        try CSVReader(mapping: CSVReader.Mapping(rowsWithoutText: .skip)).reports(from: $0).count
    }
} else if let bytes = load(fixtures.appendingPathComponent("csv/openi_reports_first40.csv")) {
    measure("CSV Open-i excerpt, 40 rows (rows without text skipped)", bytes) {
        try CSVReader(mapping: CSVReader.Mapping(rowsWithoutText: .skip)).reports(from: $0).count
    }
}
if let bytes = load(fixtures.appendingPathComponent("csv/chexpert_labeler_sample_reports.csv")) {
    measure("CSV CheXpert sample, header-less", bytes) { try CSVReader().reports(from: $0).count }
}
if let bytes = load(fixtures.appendingPathComponent("fhir/uscore_DiagnosticReport-chest-xray-report.json")) {
    measure("FHIR R4 DiagnosticReport (XHTML presentedForm)", bytes) { try FHIRReader.reports(from: $0).count }
}
