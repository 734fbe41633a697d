import Foundation
import RaddCore

/// Reports from CSV exports: RFC 4180, UTF-8 with or without a BOM, or Windows-1252 when the bytes
/// are not valid UTF-8 (a file that starts with a UTF-8 BOM must be valid UTF-8). One row is one
/// report; which columns matter is the drop folder's `Mapping`.
///
/// The whole file is one unit: a broken row makes the file malformed, naming the line, so that
/// nothing is dropped silently. Rows without text are skipped by default, and their lines are
/// returned so that the skip is recorded (see `Mapping.RowsWithoutText`). Errors name lines and
/// column roles, never cell values.
public struct CSVReader: Sendable {
    public var mapping: Mapping
    /// The encoding of a file that is not valid UTF-8: Windows-1252 unless the folder says
    /// ISO 8859-1 (the two differ only in 0x80–0x9F, where Windows-1252 has €, „, “ and dashes).
    public var legacy: LegacyEncoding

    public init(mapping: Mapping = .automatic, legacy: LegacyEncoding = .windows1252) {
        self.mapping = mapping
        self.legacy = legacy
    }

    public struct Result: Sendable {
        public var reports: [ParsedReport]
        /// Lines of rows that had no report text and were skipped under `.skip`.
        public var skippedLines: [Int]
    }

    public func reports(from bytes: [UInt8]) throws -> [ParsedReport] {
        try read(bytes).reports
    }

    public func read(_ bytes: [UInt8]) throws -> Result {
        try bytes.withUnsafeBufferPointer { try read(in: $0) }
    }

    private func read(in b: UnsafeBufferPointer<UInt8>) throws -> Result {
        var start = 0
        let hasBOM = b.count >= 3 && b[0] == 0xEF && b[1] == 0xBB && b[2] == 0xBF
        if hasBOM { start = 3 }
        let body = UnsafeBufferPointer(rebasing: b[start...])
        if let nul = body.firstIndex(of: 0) { throw IngestError.binaryContent(offset: start + nul) }
        let utf8 = Self.isUTF8(body)
        if hasBOM && !utf8 { throw IngestError.invalidUTF8(offset: Self.firstInvalidUTF8Offset(b)) }
        guard body.contains(where: { !($0 == 0x20 || ($0 >= 0x09 && $0 <= 0x0D)) }) else { throw IngestError.noText }

        let cells = Cells(bytes: b, utf8: utf8, legacy: legacy)
        var columns: Columns?
        var reports: [ParsedReport] = []
        var headerLine = 0
        var rows = 0
        var skippedLines: [Int] = []
        try CSVParser.parse(b, from: start) { fields, line in
            if columns == nil {
                if mapping.headerless || (mapping.findsAllColumns && fields.count == 1
                    && !Mapping.singleColumnHeaders.contains(Mapping.normalized(cells.string(fields[0])))) {
                    columns = Columns(text: [(0, nil)], count: 1)
                } else {
                    columns = try mapping.resolve(header: fields.map(cells.string))
                    headerLine = line
                    return
                }
            }
            let columns = columns!
            guard fields.count == columns.count else {
                let expected = headerLine > 0 ? "the header has \(columns.count)" : "the file has \(columns.count) column"
                throw IngestError.malformed(format: "CSV", location: "line \(line)",
                                            problem: "row has \(fields.count) field\(fields.count == 1 ? "" : "s") where \(expected)")
            }
            rows += 1
            if let report = try report(fields, line: line, columns: columns, cells: cells) {
                reports.append(report)
            } else if mapping.rowsWithoutText == .reject {
                throw IngestError.malformed(format: "CSV", location: "line \(line)", problem: "no report text")
            } else {
                skippedLines.append(line)
            }
        }
        if reports.isEmpty {
            throw IngestError.malformed(format: "CSV", location: "line \(max(headerLine, 1))",
                                        problem: rows == 0 ? "no rows" : "no row has report text")
        }
        return Result(reports: reports, skippedLines: skippedLines)
    }

    /// The report in one row, or nil when its text columns are all blank.
    private func report(_ fields: [CSVField], line: Int, columns: Columns, cells: Cells) throws -> ParsedReport? {
        var text = ""
        if columns.text.count == 1 && columns.text[0].heading == nil {
            let field = fields[columns.text[0].index]
            guard !cells.isBlank(field) else { return nil }
            text = cells.text(field)
        } else {
            for (index, heading) in columns.text {
                let field = fields[index]
                if cells.isBlank(field) { continue }
                if !text.isEmpty { text += "\n" }
                if let heading { text += heading + ": " }
                text += cells.text(cells.trimmed(field))
            }
            if text.isEmpty { return nil }
        }
        var report = ParsedReport(text: text)
        report.accession = columns.id.flatMap { cells.value(fields[$0]) }
        report.patientID = columns.patient.flatMap { cells.value(fields[$0]) }
        if let index = columns.date, let value = cells.value(fields[index]) {
            let iso = value.count == 16 || value.count == 19 ? value.replacingOccurrences(of: " ", with: "T") : value
            guard let date = PlainTextReader.isoDate(iso) else {
                throw IngestError.malformed(format: "CSV", location: "line \(line)",
                                            problem: "the date column is not a date in a supported form (YYYY-MM-DD, YYYY-MM-DD[T ]HH:MM[:SS], YYYYMMDD[HHMM[SS]])")
            }
            report.observedAt = date
        }
        if let index = columns.status, let value = cells.value(fields[index]) {
            guard let status = ReportStatus(word: value) else {
                throw IngestError.malformed(format: "CSV", location: "line \(line)",
                                            problem: "the status column is not final, preliminary or corrected")
            }
            report.status = status
        }
        return report
    }

    /// Whether the bytes are valid UTF-8; all-ASCII files take the fast path.
    static func isUTF8(_ b: UnsafeBufferPointer<UInt8>) -> Bool {
        if !b.contains(where: { $0 >= 0x80 }) { return true }
        return String(validating: b, as: UTF8.self) != nil
    }

    static func firstInvalidUTF8Offset(_ bytes: UnsafeBufferPointer<UInt8>) -> Int {
        PlainTextReader.firstInvalidUTF8Offset(Array(bytes))
    }
}

/// Decodes fields of one file, in the file's encoding.
struct Cells {
    let bytes: UnsafeBufferPointer<UInt8>
    let utf8: Bool
    var legacy: LegacyEncoding = .windows1252

    /// The field's characters, quotes unescaped.
    func string(_ field: CSVField) -> String {
        let raw = UnsafeBufferPointer(rebasing: bytes[field.start..<field.end])
        if !field.escapedQuotes { return decode(raw) }
        var unescaped: [UInt8] = []
        unescaped.reserveCapacity(raw.count)
        var i = 0
        while i < raw.count {
            unescaped.append(raw[i])
            i += raw[i] == CSVParser.quote && i + 1 < raw.count && raw[i + 1] == CSVParser.quote ? 2 : 1
        }
        return unescaped.withUnsafeBufferPointer(decode)
    }

    /// Report text: line breaks inside a quoted field become LF.
    func text(_ field: CSVField) -> String {
        let s = string(field)
        guard bytes[field.start..<field.end].contains(CSVParser.cr) else { return s }
        return s.replacingOccurrences(of: "\r\n", with: "\n").replacingOccurrences(of: "\r", with: "\n")
    }

    /// An identifier-like cell, trimmed; nil when blank.
    func value(_ field: CSVField) -> String? {
        if isBlank(field) { return nil }
        return string(trimmed(field))
    }

    /// The field without ASCII whitespace at either end.
    func trimmed(_ field: CSVField) -> CSVField {
        var f = field
        while f.start < f.end, Self.isSpace(bytes[f.start]) { f.start += 1 }
        while f.end > f.start, Self.isSpace(bytes[f.end - 1]) { f.end -= 1 }
        return f
    }

    static func isSpace(_ c: UInt8) -> Bool { c == 0x20 || (c >= 0x09 && c <= 0x0D) }

    func isBlank(_ field: CSVField) -> Bool {
        var i = field.start
        while i < field.end {
            if !Self.isSpace(bytes[i]) { return false }
            i += 1
        }
        return true
    }

    private func decode(_ raw: UnsafeBufferPointer<UInt8>) -> String {
        utf8 ? String(decoding: raw, as: UTF8.self) : legacy.decode(raw)
    }
}
