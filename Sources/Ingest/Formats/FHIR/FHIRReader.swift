import Foundation

/// Reports from FHIR R4 exports: one DiagnosticReport, a Bundle holding DiagnosticReports (other
/// resources in it are ignored), or bulk-export NDJSON (one DiagnosticReport per line, blank lines
/// allowed; a line holding another resource type is an error, since a bulk-export file holds
/// one type).
///
/// Every JSON value is first checked by `JSONCheck` (syntax and nesting depth ≤ 100) and only
/// then parsed, so hostile nesting cannot exhaust the stack. Locations are byte offsets in a
/// document, "line N" in NDJSON, then the FHIR path ("entry[2].resource.status"); errors never
/// quote content.
public enum FHIRReader {
    public static func reports(from bytes: [UInt8]) throws -> [ParsedReport] {
        var start = 0
        if bytes.starts(with: [0xEF, 0xBB, 0xBF]) { start = 3 }
        if let nul = bytes.firstIndex(of: 0) { throw IngestError.binaryContent(offset: nul) }
        guard String(validating: bytes[start...], as: UTF8.self) != nil else {
            throw IngestError.malformed(format: "FHIR", location: "byte \(PlainTextReader.firstInvalidUTF8Offset(bytes))",
                                        problem: "JSON must be UTF-8 and this byte is not valid UTF-8")
        }
        return try bytes.withUnsafeBufferPointer { b in
            var check = JSONCheck(b, from: start, to: b.count)
            check.skipWhitespace()
            guard !check.atEnd else { throw IngestError.noText }
            let valueStart = check.i
            do { try check.value() } catch let failure as JSONCheck.Failure {
                throw malformed(failure, location: { "byte \($0)" })
            }
            let valueEnd = check.i
            check.skipWhitespace()
            if check.atEnd {
                return try document(b, valueStart, valueEnd, location: "byte \(valueStart)", inNDJSON: false)
            }
            let firstIsOneLine = !b[valueStart..<valueEnd].contains(0x0A)
            guard firstIsOneLine, b[valueEnd..<check.i].contains(0x0A) else {
                throw IngestError.malformed(format: "FHIR", location: "byte \(check.i)",
                                            problem: "unexpected data after the JSON value")
            }
            return try ndjson(b, from: start)
        }
    }

    /// One report per non-blank line.
    static func ndjson(_ b: UnsafeBufferPointer<UInt8>, from start: Int) throws -> [ParsedReport] {
        var reports: [ParsedReport] = []
        var lineStart = start
        var line = 1
        while lineStart < b.count {
            let lineEnd = b[lineStart...].firstIndex(of: 0x0A) ?? b.count
            var check = JSONCheck(b, from: lineStart, to: lineEnd)
            check.skipWhitespace()
            if !check.atEnd {
                let valueStart = check.i
                do { try check.value() } catch let failure as JSONCheck.Failure {
                    throw malformed(failure, location: { "line \(line), column \($0 - lineStart + 1)" })
                }
                let valueEnd = check.i
                check.skipWhitespace()
                guard check.atEnd else {
                    throw IngestError.malformed(format: "FHIR", location: "line \(line), column \(check.i - lineStart + 1)",
                                                problem: "unexpected data after the JSON value (NDJSON holds one resource per line)")
                }
                reports += try document(b, valueStart, valueEnd, location: "line \(line)", inNDJSON: true)
            }
            lineStart = lineEnd + 1
            line += 1
        }
        guard !reports.isEmpty else { throw IngestError.noText }
        return reports
    }

    static func malformed(_ failure: JSONCheck.Failure, location: (Int) -> String) -> IngestError {
        switch failure {
        case .tooDeep(let offset):
            return .malformed(format: "FHIR", location: location(offset),
                              problem: "JSON nested deeper than \(JSONCheck.maxDepth) levels")
        case .invalid(let offset, let problem):
            return .malformed(format: "FHIR", location: location(offset), problem: "not valid JSON: \(problem)")
        }
    }

    /// A checked JSON value: a DiagnosticReport, or (outside NDJSON) a Bundle of them.
    static func document(_ b: UnsafeBufferPointer<UInt8>, _ start: Int, _ end: Int, location: String,
                         inNDJSON: Bool) throws -> [ParsedReport] {
        let data = Data(UnsafeBufferPointer(rebasing: b[start..<end]))
        let parsed: Any
        do { parsed = try JSONSerialization.jsonObject(with: data, options: [.fragmentsAllowed]) } catch {
            throw IngestError.malformed(format: "FHIR", location: location, problem: "JSON the parser could not read")
        }
        guard let object = parsed as? [String: Any] else {
            throw IngestError.malformed(format: "FHIR", location: location, problem: "the JSON is not an object, so not a FHIR resource")
        }
        let resourceLocation = inNDJSON ? location : "resource"
        switch object["resourceType"] as? String {
        case "DiagnosticReport":
            return [try FHIRDiagnosticReport.report(object, location: inNDJSON ? location + ", DiagnosticReport" : "DiagnosticReport")]
        case "Bundle" where !inNDJSON:
            return try bundle(object)
        case let other:
            throw IngestError.malformed(format: "FHIR", location: resourceLocation, problem: notADiagnosticReport(other))
        }
    }

    static func bundle(_ bundle: [String: Any]) throws -> [ParsedReport] {
        var reports: [ParsedReport] = []
        for (index, element) in ((bundle["entry"] as? [Any]) ?? []).enumerated() {
            guard let entry = element as? [String: Any], let resource = entry["resource"] as? [String: Any],
                  resource["resourceType"] as? String == "DiagnosticReport" else { continue }
            reports.append(try FHIRDiagnosticReport.report(resource, location: "entry[\(index)].resource"))
        }
        guard !reports.isEmpty else {
            throw IngestError.malformed(format: "FHIR", location: "Bundle.entry", problem: "no DiagnosticReport in the Bundle")
        }
        return reports
    }

    /// Names the resourceType found when it looks like one (letters only), never other content.
    static func notADiagnosticReport(_ type: String?) -> String {
        guard let type else { return "no resourceType: not a FHIR resource" }
        if (1...64).contains(type.count), type.allSatisfy({ $0.isASCII && $0.isLetter }) {
            return "resourceType is \(type), not DiagnosticReport"
        }
        return "resourceType is not DiagnosticReport"
    }
}
