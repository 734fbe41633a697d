import Foundation

/// Reports from FHIR R4 exports: one DiagnosticReport, a Bundle holding DiagnosticReports (other
/// resources in it are ignored), or bulk-export NDJSON (one DiagnosticReport per line, blank lines
/// allowed; a line holding another resource type fails, since a bulk-export file holds one type).
/// In a Bundle and in NDJSON each DiagnosticReport is read on its own: one that fails is set
/// aside with its position, and the others are kept.
///
/// Every JSON value is first checked by `JSONCheck` (syntax and nesting depth ≤ 100) and only
/// then parsed, so hostile nesting cannot exhaust the stack. Locations are byte offsets in a
/// document, "line N" in NDJSON, then the FHIR path ("entry[2].resource.status"); errors never
/// quote content.
public enum FHIRReader {
    /// Every resource's report, all or nothing (tests and tools that want a file whole).
    public static func reports(from bytes: [UInt8]) throws -> [ParsedReport] {
        try read(bytes).allReports()
    }

    /// Resource by resource: in a Bundle or NDJSON, a DiagnosticReport (or NDJSON line) that
    /// cannot be read fails alone, with its position, id and its own JSON, and the others'
    /// reports are kept. Only what breaks the file as a whole is thrown.
    public static func read(_ bytes: [UInt8]) throws -> ReadParts {
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
                // A first line that is not JSON may still be one bad line of NDJSON.
                if let parts = try? ndjson(b, from: start), !parts.reports.isEmpty { return parts }
                throw malformed(failure, location: { "byte \($0)" })
            }
            let valueEnd = check.i
            check.skipWhitespace()
            if check.atEnd {
                return try document(b, valueStart, valueEnd)
            }
            let firstIsOneLine = !b[valueStart..<valueEnd].contains(0x0A)
            guard firstIsOneLine, b[valueEnd..<check.i].contains(0x0A) else {
                throw IngestError.malformed(format: "FHIR", location: "byte \(check.i)",
                                            problem: "unexpected data after the JSON value")
            }
            return try ndjson(b, from: start)
        }
    }

    /// One report per non-blank line; a line that fails is a part of its own.
    static func ndjson(_ b: UnsafeBufferPointer<UInt8>, from start: Int) throws -> ReadParts {
        var lines: [Range<Int>] = []
        var lineStart = start
        while lineStart < b.count {
            let lineEnd = b[lineStart...].firstIndex(of: 0x0A) ?? b.count
            lines.append(lineStart..<lineEnd)
            lineStart = lineEnd + 1
        }
        let count = lines.filter { line in line.contains { !JSONCheck.isWhitespace(b[$0]) } }.count
        var parts = ReadParts()
        for (index, line) in lines.enumerated() {
            let number = index + 1
            var check = JSONCheck(b, from: line.lowerBound, to: line.upperBound)
            check.skipWhitespace()
            if check.atEnd { continue }
            var resourceID: String?
            do {
                let valueStart = check.i
                do { try check.value() } catch let failure as JSONCheck.Failure {
                    throw malformed(failure, location: { "line \(number), column \($0 - line.lowerBound + 1)" })
                }
                let valueEnd = check.i
                check.skipWhitespace()
                guard check.atEnd else {
                    throw IngestError.malformed(format: "FHIR", location: "line \(number), column \(check.i - line.lowerBound + 1)",
                                                problem: "unexpected data after the JSON value (NDJSON holds one resource per line)")
                }
                let object = try resource(b, valueStart, valueEnd, location: "line \(number)")
                // Only a DiagnosticReport's id is shown: a Patient's may be its medical record number.
                guard object["resourceType"] as? String == "DiagnosticReport" else {
                    throw IngestError.malformed(format: "FHIR", location: "line \(number)",
                                                problem: notADiagnosticReport(object["resourceType"] as? String))
                }
                resourceID = object["id"] as? String
                parts.reports.append(try FHIRDiagnosticReport.report(object, location: "line \(number), DiagnosticReport"))
            } catch let error as IngestError {
                parts.failures.append(FailedPart(
                    location: PartLocation(unit: .line, position: number, count: count, controlID: resourceID),
                    error: error, bytes: Array(b[line]) + [0x0A], fileExtension: "ndjson"))
            }
        }
        guard !parts.reports.isEmpty || !parts.failures.isEmpty else { throw IngestError.noText }
        return parts
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

    /// A checked JSON value, parsed; it must be an object to be a resource.
    static func resource(_ b: UnsafeBufferPointer<UInt8>, _ start: Int, _ end: Int, location: String) throws -> [String: Any] {
        let data = Data(UnsafeBufferPointer(rebasing: b[start..<end]))
        let parsed: Any
        do { parsed = try JSONSerialization.jsonObject(with: data, options: [.fragmentsAllowed]) } catch {
            throw IngestError.malformed(format: "FHIR", location: location, problem: "JSON the parser could not read")
        }
        guard let object = parsed as? [String: Any] else {
            throw IngestError.malformed(format: "FHIR", location: location, problem: "the JSON is not an object, so not a FHIR resource")
        }
        return object
    }

    /// A checked JSON document: a DiagnosticReport, or a Bundle of them.
    static func document(_ b: UnsafeBufferPointer<UInt8>, _ start: Int, _ end: Int) throws -> ReadParts {
        let object = try resource(b, start, end, location: "byte \(start)")
        switch object["resourceType"] as? String {
        case "DiagnosticReport":
            return ReadParts(reports: [try FHIRDiagnosticReport.report(object, location: "DiagnosticReport")])
        case "Bundle":
            return try bundle(object)
        case let other:
            throw IngestError.malformed(format: "FHIR", location: "resource", problem: notADiagnosticReport(other))
        }
    }

    /// Each DiagnosticReport entry is a part; other resources in the Bundle are context, not parts.
    static func bundle(_ bundle: [String: Any]) throws -> ReadParts {
        let entries = (bundle["entry"] as? [Any]) ?? []
        let reports: [(index: Int, resource: [String: Any])] = entries.enumerated().compactMap { index, element in
            guard let entry = element as? [String: Any], let resource = entry["resource"] as? [String: Any],
                  resource["resourceType"] as? String == "DiagnosticReport" else { return nil }
            return (index, resource)
        }
        guard !reports.isEmpty else {
            throw IngestError.malformed(format: "FHIR", location: "Bundle.entry", problem: "no DiagnosticReport in the Bundle")
        }
        var parts = ReadParts()
        for (index, resource) in reports {
            do {
                parts.reports.append(try FHIRDiagnosticReport.report(resource, location: "entry[\(index)].resource"))
            } catch let error as IngestError {
                // The resource alone, as a DiagnosticReport file of its own: it names its patient
                // by reference, so it reads the same without the Bundle around it.
                let json = (try? JSONSerialization.data(withJSONObject: resource, options: [.sortedKeys, .prettyPrinted, .withoutEscapingSlashes])) ?? Data()
                parts.failures.append(FailedPart(
                    location: PartLocation(unit: .entry, position: index, count: reports.count, controlID: resource["id"] as? String),
                    error: error, bytes: Array(json) + [0x0A], fileExtension: "json"))
            }
        }
        return parts
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
