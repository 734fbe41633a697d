import Foundation

/// The separators a message declares in MSH-1 and MSH-2 (or FHS/BHS for the batch envelope).
/// Nothing is assumed: `|^~\&` is only the usual choice.
struct HL7v2Delimiters: Equatable, Sendable {
    var field: UInt8
    var component: UInt8
    var repetition: UInt8
    /// Absent when MSH-2 is shorter than three characters: escapes are then not decoded.
    var escape: UInt8?
    /// Absent when MSH-2 is shorter than four characters: subcomponents are then not split.
    var subcomponent: UInt8?
    /// HL7 2.7+ truncation character (fifth character of MSH-2), decoded from `\P\`.
    var truncation: UInt8?
}

/// One segment: a byte range of the file and the ranges of its fields. Field numbers follow HL7:
/// for MSH/FHS/BHS the field separator itself is field 1 and the encoding characters field 2.
struct HL7v2Segment {
    /// 1-based position among the file's non-empty segments, used in error locations.
    let number: Int
    let name: String
    /// parts[0] is the segment ID; for header segments parts[1] is MSH-2.
    let parts: [Range<Int>]
    let isHeader: Bool

    func range(_ field: Int) -> Range<Int>? {
        let index = isHeader ? field - 1 : field
        guard index >= 1, index < parts.count else { return nil }
        return parts[index]
    }

    func location(field: Int? = nil) -> String {
        if let field { return "segment \(number) (\(name)), field \(field)" }
        return "segment \(number) (\(name))"
    }
}

/// One MSH-started message: its delimiters, character set and segments (MSH first).
struct HL7v2Message {
    let delimiters: HL7v2Delimiters
    var charset: HL7v2Charset = .auto
    var segments: [HL7v2Segment]
}

enum HL7v2Framing {
    static let format = "HL7 v2"

    /// Removes MLLP framing bytes: start block 0x0B, end block 0x1C and the 0x0D that follows it.
    /// Neither byte can occur inside an ASCII, Latin-1 or UTF-8 text byte, so dropping them
    /// anywhere is safe. A leading UTF-8 byte-order mark is dropped too.
    static func stripFraming(_ bytes: [UInt8]) -> [UInt8] {
        var start = 0
        if bytes.count >= 3, bytes[0] == 0xEF, bytes[1] == 0xBB, bytes[2] == 0xBF { start = 3 }
        guard bytes.contains(where: { $0 == 0x0B || $0 == 0x1C }) else {
            return start == 0 ? bytes : Array(bytes[start...])
        }
        var out = [UInt8]()
        out.reserveCapacity(bytes.count)
        var i = start
        while i < bytes.count {
            let b = bytes[i]
            if b == 0x1C {
                i += 1
                if i < bytes.count, bytes[i] == 0x0D { i += 1 }
                out.append(0x0D)  // the end block still ends the segment before it
                continue
            }
            if b != 0x0B { out.append(b) }
            i += 1
        }
        return out
    }

    /// Splits the file into messages. Segment ends may be CR, LF or CRLF (blank lines are
    /// skipped). FHS/BHS/BTS/FTS batch envelopes are dropped; every MSH starts a message.
    ///
    /// A line that does not start with a segment ID and the field separator continues the
    /// segment before it: some exporters wrap long segments (the dcm4che PDF sample breaks its
    /// base64 after 4,096 characters) or put raw line breaks in report text. The line break then
    /// stays inside the field, where base64 ignores it and text keeps it as a line break. A line
    /// holding control bytes (other than tab) is junk, not text, and is refused.
    /// One linear pass, no recursion.
    static func messages(in bytes: [UInt8]) throws -> [HL7v2Message] {
        var messages = [HL7v2Message]()
        var current: HL7v2Message?
        var delimiters: HL7v2Delimiters?
        var number = 0
        // The segment being gathered (it may still grow by continuation lines).
        var pending: (start: Int, end: Int, name: String, number: Int, header: Bool)?

        func flush() throws {
            guard let p = pending, let d = delimiters else { return }
            pending = nil
            let segment = split(bytes, p.start, p.end, number: p.number, name: p.name, isHeader: p.header, delimiters: d)
            switch p.name {
            case "MSH":
                if let done = current { messages.append(done) }
                current = HL7v2Message(delimiters: d, segments: [segment])
            case "FHS", "BHS", "BTS", "FTS":
                if let done = current { messages.append(done) }
                current = nil
            default:
                guard current != nil else {
                    throw IngestError.malformed(format: format, location: segment.location(),
                                                problem: "appears outside a message (no MSH segment before it)")
                }
                current!.segments.append(segment)
            }
        }

        var lineStart = 0
        let count = bytes.count
        while lineStart < count {
            var lineEnd = lineStart
            var hasControl = false
            var isBlank = true
            while lineEnd < count {
                let b = bytes[lineEnd]
                if b == 0x0D || b == 0x0A { break }
                if b != 0x20, b != 0x09 { isBlank = false }
                if b < 0x20, b != 0x09 { hasControl = true }
                if b == 0x7F { hasControl = true }
                lineEnd += 1
            }
            let next = lineEnd + 1
            if isBlank { lineStart = next; continue }

            let name = segmentName(bytes, lineStart, lineEnd)
            if name == "MSH" || name == "FHS" || name == "BHS" {
                try flush()
                number += 1
                delimiters = try headerDelimiters(bytes, lineStart, lineEnd, number: number, name: name)
                pending = (lineStart, lineEnd, name!, number, true)
                lineStart = next
                continue
            }
            guard let d = delimiters else {
                throw IngestError.malformed(format: format, location: "line 1",
                                            problem: "does not start with an MSH segment")
            }
            if let name, lineEnd - lineStart == 3 || bytes[lineStart + 3] == d.field {
                try flush()
                number += 1
                pending = (lineStart, lineEnd, name, number, false)
            } else if hasControl || pending == nil {
                throw IngestError.malformed(
                    format: format, location: "segment \(number + 1)",
                    problem: "is not an HL7 segment (expected a three-character segment ID followed by the field separator)")
            } else {
                pending!.end = lineEnd
            }
            lineStart = next
        }
        try flush()
        if let done = current { messages.append(done) }
        if messages.isEmpty {
            throw IngestError.malformed(format: format, location: "line 1",
                                        problem: "does not start with an MSH segment")
        }
        return messages
    }

    /// The three-character segment ID, if the line starts with one (upper-case letters and digits).
    static func segmentName(_ bytes: [UInt8], _ start: Int, _ end: Int) -> String? {
        guard end - start >= 3 else { return nil }
        for i in start..<start + 3 {
            let b = bytes[i]
            guard (b >= 0x41 && b <= 0x5A) || (b >= 0x30 && b <= 0x39) else { return nil }
        }
        return hl7ASCII(bytes[start..<start + 3])
    }

    /// Reads MSH-1 and MSH-2. Every separator must be a distinct printable ASCII character that is
    /// neither a letter, a digit nor a space.
    static func headerDelimiters(_ bytes: [UInt8], _ start: Int, _ end: Int, number: Int,
                                 name: String?) throws -> HL7v2Delimiters {
        let name = name ?? "MSH"
        func legal(_ b: UInt8) -> Bool {
            b > 0x20 && b < 0x7F && !(b >= 0x30 && b <= 0x39) && !(b >= 0x41 && b <= 0x5A) && !(b >= 0x61 && b <= 0x7A)
        }
        guard end - start >= 4, legal(bytes[start + 3]) else {
            throw IngestError.malformed(format: format, location: "segment \(number) (\(name)), field 1",
                                        problem: "no legal field separator after the segment ID")
        }
        let field = bytes[start + 3]
        var encoding = [UInt8]()
        var i = start + 4
        while i < end, bytes[i] != field, encoding.count <= 5 {
            encoding.append(bytes[i])
            i += 1
        }
        var seen: Set<UInt8> = [field]
        let valid = encoding.count >= 2 && encoding.count <= 5
            && encoding.allSatisfy { legal($0) && seen.insert($0).inserted }
        guard valid else {
            throw IngestError.malformed(
                format: format, location: "segment \(number) (\(name)), field 2",
                problem: "encoding characters must be 2 to 5 distinct separator characters (component, repetition, escape, subcomponent, truncation)")
        }
        return HL7v2Delimiters(field: field, component: encoding[0], repetition: encoding[1],
                               escape: encoding.count > 2 ? encoding[2] : nil,
                               subcomponent: encoding.count > 3 ? encoding[3] : nil,
                               truncation: encoding.count > 4 ? encoding[4] : nil)
    }

    static func split(_ bytes: [UInt8], _ start: Int, _ end: Int, number: Int, name: String,
                      isHeader: Bool, delimiters: HL7v2Delimiters) -> HL7v2Segment {
        var parts = [Range<Int>]()
        var fieldStart = start
        var i = start
        if isHeader {
            // parts[0] = ID, parts[1] = MSH-2 (never split on its own characters).
            parts.append(start..<start + 3)
            fieldStart = start + 4
            i = fieldStart
            while i < end, bytes[i] != delimiters.field { i += 1 }
            parts.append(fieldStart..<i)
            if i >= end { return HL7v2Segment(number: number, name: name, parts: parts, isHeader: true) }
            fieldStart = i + 1
            i = fieldStart
        }
        while i < end {
            if bytes[i] == delimiters.field {
                parts.append(fieldStart..<i)
                fieldStart = i + 1
            }
            i += 1
        }
        parts.append(fieldStart..<end)
        return HL7v2Segment(number: number, name: name, parts: parts, isHeader: isHeader)
    }
}

/// Splits a byte range on one separator byte (repetitions, components or subcomponents).
@inline(__always)
func hl7Split(_ bytes: [UInt8], _ range: Range<Int>, on separator: UInt8?, limit: Int = .max) -> [Range<Int>] {
    guard let separator else { return [range] }
    var out = [Range<Int>]()
    var start = range.lowerBound
    var i = start
    while i < range.upperBound, out.count < limit - 1 {
        if bytes[i] == separator {
            out.append(start..<i)
            start = i + 1
        }
        i += 1
    }
    out.append(start..<range.upperBound)
    return out
}
