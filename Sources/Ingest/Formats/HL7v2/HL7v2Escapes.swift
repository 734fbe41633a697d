import Foundation

/// The character set a message declares in MSH-18 (first repetition: the default set).
enum HL7v2Charset: Equatable, Sendable {
    case utf8
    case latin1
    /// MSH-18 empty or "ASCII". HL7's default is ASCII, but real exports routinely carry UTF-8 or
    /// Latin-1 bytes without saying so. Strict UTF-8 validation almost never accepts Latin-1 text
    /// by accident (an accented Latin-1 letter followed by ASCII is invalid UTF-8), while Latin-1
    /// maps every byte, so: UTF-8 if the whole message is valid UTF-8, else Latin-1. Nothing is
    /// rejected for an undeclared set, and pure ASCII decodes the same either way.
    case auto

    /// nil for a set radd does not decode.
    init?(msh18 value: String) {
        switch value.uppercased() {
        case "", "ASCII", "US-ASCII": self = .auto
        case "8859/1", "ISO-8859-1", "ISO8859-1", "ISO_8859-1", "LATIN1", "LATIN-1": self = .latin1
        case "UNICODE UTF-8", "UTF-8", "UTF8": self = .utf8
        default: return nil
        }
    }

    func decode(_ bytes: ArraySlice<UInt8>) -> String? {
        bytes.withUnsafeBufferPointer { buffer in
            // All three sets agree on ASCII, which most fields are: no validation or transcoding.
            if hl7IsASCII(buffer) { return String(decoding: buffer, as: UTF8.self) }
            switch self {
            case .utf8: return String(validating: buffer, as: UTF8.self)
            case .latin1, .auto: return Windows1252.decodeLatin1(buffer)
            }
        }
    }
}

/// Written so that the compiler vectorises it: one OR over all bytes, one test at the end.
@inline(__always)
func hl7IsASCII(_ bytes: UnsafeBufferPointer<UInt8>) -> Bool {
    var union: UInt8 = 0
    for b in bytes { union |= b }
    return union < 0x80
}

/// Fast String from bytes known to be ASCII/UTF-8 (invalid sequences are repaired, never trapped).
@inline(__always)
func hl7ASCII(_ bytes: ArraySlice<UInt8>) -> String {
    bytes.withUnsafeBufferPointer { String(decoding: $0, as: UTF8.self) }
}

/// A report's text as UTF-8: the texts of its OBX values one after another, each gathered piece
/// by piece (repetitions, decoded escapes) and cleaned up as it arrives, so that no OBX value
/// needs a buffer or a string of its own. The clean-up involves ASCII characters only, identical in
/// ASCII, Latin-1 and UTF-8: CRLF and CR become LF, spaces and tabs at line ends are dropped (HL7:
/// trailing spaces in TX should be removed; leading ones are kept), and blank lines at both ends
/// of a text are dropped. The result is the same however a text is cut into pieces.
struct HL7v2ReportText {
    private(set) var bytes: [UInt8] = []
    /// Where the text being gathered starts: the clean-up never reaches before it.
    private var textStart = 0
    /// The last piece ended with CR, so an LF opening the next one completes a CRLF.
    private var afterCR = false

    mutating func append(_ piece: ArraySlice<UInt8>) {
        piece.withUnsafeBufferPointer { append($0) }
    }

    mutating func append(_ piece: UnsafeBufferPointer<UInt8>) {
        guard !piece.isEmpty else { return }
        var i = afterCR && piece[0] == 0x0A ? 1 : 0
        afterCR = false
        var lineStart = i
        while true {
            i = HL7v2ByteScan.lineEnd(piece, from: i)
            guard i < piece.count else { break }
            let b = piece[i]
            bytes.append(contentsOf: UnsafeBufferPointer(rebasing: piece[lineStart..<i]))
            endLine()
            i += 1
            if b == 0x0D {
                if i == piece.count { afterCR = true } else if piece[i] == 0x0A { i += 1 }
            }
            lineStart = i
        }
        bytes.append(contentsOf: UnsafeBufferPointer(rebasing: piece[lineStart...]))
    }

    /// An LF between pieces (a repetition separator), treated as if it were in the text.
    mutating func lineBreak() {
        if afterCR {
            afterCR = false  // it completes the CRLF the last piece ended with
        } else {
            endLine()
        }
    }

    /// Ends the text being gathered. Returns its range in `bytes`, empty when it held only blanks.
    mutating func endText() -> Range<Int> {
        dropTrailingBlanks()
        while bytes.count > textStart, bytes.last == 0x0A { bytes.removeLast() }
        defer { textStart = bytes.count }
        afterCR = false
        return textStart..<bytes.count
    }

    /// Brings the text just ended from the message's character set into UTF-8 (ASCII is both).
    /// Returns its new range, or nil when a text declared UTF-8 is not.
    mutating func decodeLastText(_ text: Range<Int>, from charset: HL7v2Charset) -> Range<Int>? {
        if bytes[text].withUnsafeBufferPointer(hl7IsASCII) { return text }
        guard let decoded = charset.decode(bytes[text]) else { return nil }
        bytes.replaceSubrange(text, with: decoded.utf8)
        textStart = bytes.count
        return text.lowerBound..<bytes.count
    }

    /// Adds a text that is already clean and in UTF-8. Returns its range in `bytes`.
    mutating func appendText(_ text: String) -> Range<Int> {
        bytes += text.utf8
        defer { textStart = bytes.count }
        return textStart..<bytes.count
    }

    /// The given texts, in the given order, one per line.
    func joined<Texts: Sequence>(_ texts: Texts) -> String where Texts.Element == Range<Int> {
        var length = 0
        for text in texts where !text.isEmpty { length += (length == 0 ? 0 : 1) + text.count }
        return bytes.withUnsafeBufferPointer { source in
            String(unsafeUninitializedCapacity: length) { out in
                var at = 0
                for text in texts where !text.isEmpty {
                    if at > 0 { out[at] = 0x0A; at += 1 }
                    out.baseAddress!.advanced(by: at).initialize(from: source.baseAddress! + text.lowerBound, count: text.count)
                    at += text.count
                }
                return at
            }
        }
    }

    private mutating func endLine() {
        dropTrailingBlanks()
        if bytes.count > textStart { bytes.append(0x0A) }
    }

    private mutating func dropTrailingBlanks() {
        while bytes.count > textStart, let last = bytes.last, last == 0x20 || last == 0x09 { bytes.removeLast() }
    }
}

/// Spaces and tabs trimmed from both ends of a byte range.
@inline(__always)
func hl7Trim(_ bytes: [UInt8], _ r: Range<Int>) -> Range<Int> {
    var lo = r.lowerBound, hi = r.upperBound
    while lo < hi, bytes[lo] == 0x20 || bytes[lo] == 0x09 { lo += 1 }
    while hi > lo, bytes[hi - 1] == 0x20 || bytes[hi - 1] == 0x09 { hi -= 1 }
    return lo..<hi
}

/// The `index`-th (0-based) piece of a range split on `separator`, without allocating.
@inline(__always)
func hl7Piece(_ bytes: [UInt8], _ range: Range<Int>, on separator: UInt8?, _ index: Int) -> Range<Int>? {
    guard let separator else { return index == 0 ? range : nil }
    return bytes.withUnsafeBufferPointer { buffer in
        var start = range.lowerBound
        for _ in 0..<index {
            let end = HL7v2ByteScan.firstIndex(of: separator, in: buffer, start..<range.upperBound)
            guard end < range.upperBound else { return nil }
            start = end + 1
        }
        return start..<HL7v2ByteScan.firstIndex(of: separator, in: buffer, start..<range.upperBound)
    }
}

/// HL7 escape sequences, decoded on one field, component or repetition after splitting (never
/// before, or an escaped separator would split the value).
enum HL7v2Escapes {
    /// Decodes `\F\ \S\ \T\ \R\ \E\ \P\ \Xhh..\ \.br\ \.sp n\ \.sk n\ \.ce\` (with the message's own
    /// escape character). `\H\ \N\ \.fi\ \.nf\ \.in n\ \.ti n\` only change presentation and are
    /// dropped. Anything else, and an escape character without a closing one, is kept literally.
    static func decode(_ bytes: [UInt8], _ range: Range<Int>, _ d: HL7v2Delimiters) -> ArraySlice<UInt8> {
        guard let esc = d.escape,
              bytes.withUnsafeBufferPointer({ HL7v2ByteScan.firstIndex(of: esc, in: $0, range) }) < range.upperBound
        else { return bytes[range] }
        var out = [UInt8]()
        out.reserveCapacity(range.count)
        var i = range.lowerBound
        let end = range.upperBound
        while i < end {
            let b = bytes[i]
            guard b == esc else { out.append(b); i += 1; continue }
            var close = i + 1
            while close < end, bytes[close] != esc { close += 1 }
            guard close < end else {  // no closing escape: literal
                out.append(contentsOf: bytes[i..<end])
                break
            }
            let body = bytes[(i + 1)..<close]
            if let decoded = sequence(body, d) {
                out.append(contentsOf: decoded)
                i = close + 1
            } else {
                // Unknown (or locally defined \Zxx\, or a \Cxxyy\ character-set switch): the
                // whole delimited sequence is kept literally.
                out.append(contentsOf: bytes[i...close])
                i = close + 1
            }
        }
        return out[...]
    }

    private static func sequence(_ body: ArraySlice<UInt8>, _ d: HL7v2Delimiters) -> [UInt8]? {
        guard let first = body.first else { return nil }
        if body.count == 1 {
            switch first {
            case UInt8(ascii: "F"): return [d.field]
            case UInt8(ascii: "S"): return [d.component]
            case UInt8(ascii: "T"): return d.subcomponent.map { [$0] }
            case UInt8(ascii: "R"): return [d.repetition]
            case UInt8(ascii: "E"): return d.escape.map { [$0] }
            case UInt8(ascii: "P"): return d.truncation.map { [$0] }
            case UInt8(ascii: "H"), UInt8(ascii: "N"): return []
            default: return nil
            }
        }
        if first == UInt8(ascii: "X") { return hex(body.dropFirst()) }
        if first == UInt8(ascii: ".") {
            let text = String(decoding: body.dropFirst(), as: UTF8.self)
            let command = text.prefix(2)
            let argument = text.dropFirst(2).trimmingCharacters(in: .whitespaces)
            let n = argument.isEmpty ? 1 : Int(argument)
            switch command {
            case "br" where argument.isEmpty: return [0x0A]
            case "sp": return n.map { [UInt8](repeating: 0x0A, count: min(max($0, 1), 100)) }
            case "sk": return n.map { [UInt8](repeating: 0x20, count: min(max($0, 0), 100)) }
            case "ce" where argument.isEmpty: return [0x0A]
            case "fi" where argument.isEmpty, "nf" where argument.isEmpty: return []
            case "in", "ti":
                return (argument.isEmpty || Int(argument) != nil) ? [] : nil
            default: return nil
            }
        }
        return nil
    }

    private static func hex(_ digits: ArraySlice<UInt8>) -> [UInt8]? {
        guard !digits.isEmpty, digits.count % 2 == 0 else { return nil }
        var out = [UInt8]()
        out.reserveCapacity(digits.count / 2)
        var i = digits.startIndex
        while i < digits.endIndex {
            guard let hi = nibble(digits[i]), let lo = nibble(digits[i + 1]) else { return nil }
            out.append(hi << 4 | lo)
            i += 2
        }
        return out
    }

    private static func nibble(_ b: UInt8) -> UInt8? {
        switch b {
        case 0x30...0x39: return b - 0x30
        case 0x41...0x46: return b - 0x41 + 10
        case 0x61...0x66: return b - 0x61 + 10
        default: return nil
        }
    }
}
