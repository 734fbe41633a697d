import Foundation
import RaddCore

/// Plain-text reports: UTF-8 (a BOM is dropped), one report per file, optionally opened by
/// `Key: value` header lines that carry what other formats keep in fields:
///
///     Accession: A123
///     Patient: 998877
///     Status: final
///
///     FINDINGS: ...
///
/// Only the keys below count as headers, so a report that starts with "FINDINGS:" has none. The
/// header block ends at the first other line; the header lines are not part of the report text.
public enum PlainTextReader {
    /// `legacy`: the encoding of a file that is not valid UTF-8 (the folder's `encoding`); nil:
    /// such a file is refused (`invalid_utf8`), since a guessed encoding could garble it silently.
    public static func reports(from bytes: [UInt8], legacy: LegacyEncoding? = nil) throws -> [ParsedReport] {
        let text = try decode(bytes, legacy: legacy)
        var report = ParsedReport(text: "")
        // The body is cut out of the original text, so its line ends stay as exported.
        var bodyStart = text.startIndex
        var lineNumber = 0
        var sawHeaders = false
        while bodyStart < text.endIndex {
            let lineEnd = text[bodyStart...].firstIndex(where: \.isNewline) ?? text.endIndex
            let line = text[bodyStart..<lineEnd]
            let next = lineEnd < text.endIndex ? text.index(after: lineEnd) : lineEnd
            lineNumber += 1
            if let (key, value) = header(line) {
                try apply(key, value, to: &report, line: lineNumber)
                sawHeaders = true
                bodyStart = next
            } else {
                // One blank line separates the headers from the body and belongs to neither.
                if sawHeaders && line.allSatisfy(\.isWhitespace) { bodyStart = next }
                break
            }
        }
        report.text = String(text[bodyStart...])
        guard report.text.contains(where: { !$0.isWhitespace }) else { throw IngestError.noText }
        return [report]
    }

    enum Key: String {
        case accession, patient, examCode, exam, modality, date, reportedDate, status
    }

    static let keys: [String: Key] = [
        "accession": .accession, "accession number": .accession, "accession no": .accession,
        "patient": .patient, "patient id": .patient, "mrn": .patient,
        "exam code": .examCode, "procedure code": .examCode,
        "exam": .exam, "procedure": .exam, "study": .exam,
        "modality": .modality,
        "date": .date, "exam date": .date, "study date": .date,
        "report date": .reportedDate, "reported": .reportedDate,
        "status": .status,
    ]

    static func header(_ line: Substring) -> (Key, String)? {
        guard let colon = line.firstIndex(of: ":") else { return nil }
        let name = line[..<colon].trimmingCharacters(in: .whitespaces).lowercased()
        guard let key = keys[name] else { return nil }
        return (key, line[line.index(after: colon)...].trimmingCharacters(in: .whitespaces))
    }

    /// Errors name the line and the key, never the value: header values are identifiers and dates.
    static func apply(_ key: Key, _ value: String, to report: inout ParsedReport, line: Int) throws {
        guard !value.isEmpty else { return }
        switch key {
        case .accession: report.accession = value
        case .patient: report.patientID = value
        case .examCode: report.examCode = value
        case .exam: report.examDescription = value
        case .modality: report.modality = value
        case .date, .reportedDate:
            guard let date = isoDate(value) else {
                throw IngestError.malformed(format: "plain text", location: "line \(line)",
                                            problem: "the \(key == .date ? "Date" : "Report Date") header is not a date in a supported form (YYYY-MM-DD, YYYY-MM-DDTHH:MM[:SS], YYYYMMDD[HHMM[SS]])")
            }
            if key == .date { report.observedAt = date } else { report.reportedAt = date }
        case .status:
            guard let status = ReportStatus(word: value) else {
                throw IngestError.malformed(format: "plain text", location: "line \(line)",
                                            problem: "the Status header is not final, preliminary or corrected")
            }
            report.status = status
        }
    }

    /// Accepts ISO 8601 dates and date-times, and the compact HL7 form, and returns ISO 8601.
    static func isoDate(_ value: String) -> String? {
        let digits = value.filter(\.isNumber)
        let iso = value.range(of: #"^\d{4}-\d{2}-\d{2}(T\d{2}:\d{2}(:\d{2})?)?$"#, options: .regularExpression) != nil
        if iso { return value }
        guard digits.count == value.count, [8, 12, 14].contains(digits.count) else { return nil }
        let d = Array(digits)
        var result = "\(String(d[0..<4]))-\(String(d[4..<6]))-\(String(d[6..<8]))"
        if d.count >= 12 { result += "T\(String(d[8..<10])):\(String(d[10..<12]))" }
        if d.count == 14 { result += ":\(String(d[12..<14]))" }
        return result
    }

    static func decode(_ bytes: [UInt8], legacy: LegacyEncoding? = nil) throws -> String {
        if let nul = bytes.firstIndex(of: 0) { throw IngestError.binaryContent(offset: nul) }
        var body = bytes[...]
        let hasBOM = body.starts(with: [0xEF, 0xBB, 0xBF])
        if hasBOM { body = body.dropFirst(3) }
        let text: String
        if let utf8 = String(validating: body, as: UTF8.self) {
            text = utf8
        } else if let legacy, !hasBOM {
            // A file that says it is UTF-8 (a BOM) and is not is broken, not another encoding.
            text = legacy.decode(body)
        } else {
            throw IngestError.invalidUTF8(offset: firstInvalidUTF8Offset(bytes))
        }
        guard text.contains(where: { !$0.isWhitespace }) else { throw IngestError.noText }
        return text
    }

    /// The byte offset of the first byte that is not valid UTF-8 (for error messages that
    /// locate the problem without quoting the content).
    public static func firstInvalidUTF8Offset(_ bytes: [UInt8]) -> Int {
        var offset = 0
        var iterator = bytes.makeIterator()
        var decoder = UTF8()
        while true {
            switch decoder.decode(&iterator) {
            case .scalarValue(let scalar): offset += UTF8.width(scalar)
            case .emptyInput, .error: return offset
            }
        }
    }
}
