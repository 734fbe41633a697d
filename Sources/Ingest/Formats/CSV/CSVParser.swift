/// One field of a CSV record, as a byte range of the file. `start..<end` excludes the enclosing
/// quotes; `escapedQuotes` says the range still holds `""` pairs to be turned into `"`.
struct CSVField {
    var start: Int
    var end: Int
    var escapedQuotes: Bool
}

/// RFC 4180 records over raw bytes. Commas, quotes, CR and LF are ASCII and cannot occur inside a
/// multi-byte UTF-8 sequence or stand for anything else in Windows-1252, so records are split
/// before any decoding, and only the fields a mapping uses are decoded.
///
/// Records end at LF, CRLF or a lone CR; the last one needs no line end. Quoted fields may hold
/// `""`, commas and line breaks. Empty lines between records are skipped. A quote inside an
/// unquoted field is kept as a character; text after a closing quote is an error, because it
/// almost always means an unescaped quote inside a quoted field.
enum CSVParser {
    static let quote: UInt8 = 0x22, comma: UInt8 = 0x2C, cr: UInt8 = 0x0D, lf: UInt8 = 0x0A

    /// Calls `body` with each record's fields and the line on which the record starts (1-based).
    static func parse(_ b: UnsafeBufferPointer<UInt8>, from start: Int,
                      _ body: (_ fields: [CSVField], _ line: Int) throws -> Void) throws {
        let n = b.count
        var i = start
        var line = 1
        var fields: [CSVField] = []
        fields.reserveCapacity(16)
        while i < n {
            let first = b[i]
            if first == lf { line += 1; i += 1; continue }
            if first == cr {
                i += 1
                if i < n && b[i] == lf { i += 1 }
                line += 1
                continue
            }
            let recordLine = line
            fields.removeAll(keepingCapacity: true)
            while true {
                if i < n && b[i] == quote {
                    let fieldLine = line
                    i += 1
                    let s = i
                    var escaped = false
                    while true {
                        guard i < n else {
                            throw IngestError.malformed(format: "CSV", location: "line \(fieldLine)",
                                                        problem: "quoted field never closed")
                        }
                        let c = b[i]
                        if c == quote {
                            if i + 1 < n && b[i + 1] == quote { escaped = true; i += 2; continue }
                            break
                        }
                        if c == lf || (c == cr && !(i + 1 < n && b[i + 1] == lf)) { line += 1 }
                        i += 1
                    }
                    fields.append(CSVField(start: s, end: i, escapedQuotes: escaped))
                    i += 1
                    if i < n, b[i] != comma, b[i] != cr, b[i] != lf {
                        throw IngestError.malformed(format: "CSV", location: "line \(line)",
                                                    problem: "text after the closing quote of field \(fields.count) (an unescaped quote inside a quoted field?)")
                    }
                } else {
                    let s = i
                    while i < n {
                        let c = b[i]
                        if c == comma || c == lf || c == cr { break }
                        i += 1
                    }
                    fields.append(CSVField(start: s, end: i, escapedQuotes: false))
                }
                if i < n && b[i] == comma { i += 1; continue }
                break
            }
            if i < n {
                if b[i] == cr { i += 1; if i < n && b[i] == lf { i += 1 } } else { i += 1 }
                line += 1
            }
            try body(fields, recordLine)
        }
    }
}
