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

/// A three-character segment ID (upper-case letters and digits), packed into an integer so that
/// telling segments apart costs one comparison, not a string comparison per segment.
struct HL7v2SegmentID: Equatable {
    private let packed: UInt32

    init(_ first: UInt8, _ second: UInt8, _ third: UInt8) {
        packed = UInt32(first) << 16 | UInt32(second) << 8 | UInt32(third)
    }

    private init(_ name: StaticString) {
        let characters = name.utf8Start
        self.init(characters[0], characters[1], characters[2])
    }

    static let msh = Self("MSH"), pid = Self("PID"), obr = Self("OBR"), obx = Self("OBX")
    static let orc = Self("ORC"), txa = Self("TXA")
    /// The batch envelope: file and batch headers and trailers.
    static let fhs = Self("FHS"), bhs = Self("BHS"), bts = Self("BTS"), fts = Self("FTS")

    /// Header segments declare the delimiters, and count their field separator as field 1.
    var isHeader: Bool { self == .msh || self == .fhs || self == .bhs }

    var name: String {
        String(decoding: [UInt8(packed >> 16), UInt8(packed >> 8 & 0xFF), UInt8(packed & 0xFF)], as: UTF8.self)
    }
}

/// One segment: where its fields lie, as an index into its message's boundary table.
/// Field numbers follow HL7: for MSH/FHS/BHS the field separator itself is field 1 and the
/// encoding characters field 2.
struct HL7v2Segment {
    /// 1-based position among the file's non-empty segments, used in error locations.
    let number: Int
    let id: HL7v2SegmentID
    /// Index in `HL7v2Message.boundaries` of the entry just before the segment ID.
    let firstBoundary: Int
    /// The segment ID and the fields after it; for header segments the second part is MSH-2.
    let partCount: Int

    func location(field: Int? = nil) -> String {
        if let field { return "segment \(number) (\(id.name)), field \(field)" }
        return "segment \(number) (\(id.name))"
    }
}

/// One MSH-started message: its delimiters, character set and segments (MSH first). The
/// segments share one table of field boundaries, so a segment costs no allocation of its own.
struct HL7v2Message {
    let delimiters: HL7v2Delimiters
    var charset: HL7v2Charset = .auto
    let segments: [HL7v2Segment]
    /// Per segment, in order: the position just before its ID, the position of each field
    /// separator, and its end. Part k of a segment lies between its entries k and k + 1.
    let boundaries: [Int]

    /// Byte range of one field (HL7 numbering), or nil when the segment does not reach it.
    func range(_ segment: HL7v2Segment, _ field: Int) -> Range<Int>? {
        let part = segment.id.isHeader ? field - 1 : field
        guard part >= 1, part < segment.partCount else { return nil }
        let entry = segment.firstBoundary + part
        return boundaries[entry] + 1..<boundaries[entry + 1]
    }

    /// Byte range of a whole segment, from its ID to its end.
    func range(_ segment: HL7v2Segment) -> Range<Int> {
        boundaries[segment.firstBoundary] + 1..<boundaries[segment.firstBoundary + segment.partCount]
    }
}

/// Cuts one message (a range `HL7v2Framing.messageRanges` found) into segments. Segment ends may
/// be CR, LF or CRLF (blank lines are skipped). Segments are numbered from the message's MSH, so
/// that an error's location holds in the message's own quarantined file.
///
/// A line that does not start with a segment ID and the field separator continues the segment
/// before it: some exporters wrap long segments (the dcm4che PDF sample breaks its base64 after
/// 4,096 characters) or put raw line breaks in report text. The line break then stays inside the
/// field, where base64 ignores it and text keeps it as a line break. A line holding control bytes
/// (other than tab) is junk, not text, and is refused. One linear pass, no recursion.
struct HL7v2Cutter {
    private var messages = [HL7v2Message]()

    /// The delimiters of the latest header segment, which apply to the segments after it.
    private var delimiters: HL7v2Delimiters?
    /// The message being gathered, while one is open.
    private var openMessage: HL7v2Delimiters?
    private var segments = [HL7v2Segment]()
    private var boundaries = [Int]()
    /// The segment being gathered (it may still grow by continuation lines).
    private var pending: (start: Int, end: Int, id: HL7v2SegmentID, number: Int)?
    private var segmentCount = 0

    /// The message in `range`, which starts with its MSH. The cutter is reused from message to
    /// message so that its arrays keep their capacity; a message that fails leaves nothing behind.
    mutating func message(_ bytes: UnsafeBufferPointer<UInt8>, _ range: Range<Int>) throws -> HL7v2Message {
        delimiters = nil
        openMessage = nil
        pending = nil
        segmentCount = 0
        segments.removeAll(keepingCapacity: true)
        boundaries.removeAll(keepingCapacity: true)
        messages.removeAll(keepingCapacity: true)
        try cut(bytes, range)
        guard messages.count == 1 else { throw HL7v2Framing.notStartingWithMSH }
        return messages.removeLast()
    }

    private mutating func cut(_ bytes: UnsafeBufferPointer<UInt8>, _ range: Range<Int>) throws {
        var lineStart = range.lowerBound
        while lineStart < range.upperBound {
            let line = lineStart..<min(HL7v2ByteScan.lineEnd(bytes, from: lineStart), range.upperBound)
            lineStart = line.upperBound + 1

            let id = Self.segmentID(bytes, line)
            if id == nil, Self.isBlank(bytes, line) { continue }
            if let id, id.isHeader {
                try flush(bytes)
                segmentCount += 1
                delimiters = try HL7v2Framing.headerDelimiters(bytes, line, number: segmentCount, id: id)
                pending = (line.lowerBound, line.upperBound, id, segmentCount)
                continue
            }
            guard let delimiters else { throw HL7v2Framing.notStartingWithMSH }
            if let id, line.count == 3 || bytes[line.lowerBound + 3] == delimiters.field {
                try flush(bytes)
                segmentCount += 1
                pending = (line.lowerBound, line.upperBound, id, segmentCount)
            } else if pending == nil || Self.hasControlBytes(bytes, line) {
                throw IngestError.malformed(
                    format: HL7v2Reader.format, location: "segment \(segmentCount + 1)",
                    problem: "is not an HL7 segment (expected a three-character segment ID followed by the field separator)")
            } else {
                pending!.end = line.upperBound
            }
        }
        try flush(bytes)
        closeMessage()
        if messages.isEmpty { throw HL7v2Framing.notStartingWithMSH }
    }

    private mutating func flush(_ bytes: UnsafeBufferPointer<UInt8>) throws {
        guard let segment = pending, let delimiters else { return }
        pending = nil
        switch segment.id {
        case .msh:
            closeMessage()
            openMessage = delimiters
        case .fhs, .bhs, .bts, .fts:
            closeMessage()
            return
        default:
            guard openMessage != nil else {
                throw IngestError.malformed(format: HL7v2Reader.format,
                                            location: "segment \(segment.number) (\(segment.id.name))",
                                            problem: "appears outside a message (no MSH segment before it)")
            }
        }
        let firstBoundary = boundaries.count
        boundaries.append(segment.start - 1)
        HL7v2ByteScan.forEach(delimiters.field, in: bytes, segment.start..<segment.end) { boundaries.append($0) }
        boundaries.append(segment.end)
        segments.append(HL7v2Segment(number: segment.number, id: segment.id, firstBoundary: firstBoundary,
                                     partCount: boundaries.count - firstBoundary - 1))
    }

    private mutating func closeMessage() {
        guard let delimiters = openMessage else { return }
        messages.append(HL7v2Message(delimiters: delimiters, segments: segments, boundaries: boundaries))
        openMessage = nil
        // Messages of a batch are alike: sized like the last one, the next rarely has to grow.
        let (segmentCapacity, boundaryCapacity) = (segments.count, boundaries.count)
        segments = []
        segments.reserveCapacity(segmentCapacity)
        boundaries = []
        boundaries.reserveCapacity(boundaryCapacity)
    }

    /// The segment ID the line starts with, if it starts with three upper-case letters or digits.
    private static func segmentID(_ bytes: UnsafeBufferPointer<UInt8>, _ line: Range<Int>) -> HL7v2SegmentID? {
        guard line.count >= 3 else { return nil }
        func isIDCharacter(_ b: UInt8) -> Bool { (b >= 0x41 && b <= 0x5A) || (b >= 0x30 && b <= 0x39) }
        let start = line.lowerBound
        guard isIDCharacter(bytes[start]), isIDCharacter(bytes[start + 1]), isIDCharacter(bytes[start + 2]) else {
            return nil
        }
        return HL7v2SegmentID(bytes[start], bytes[start + 1], bytes[start + 2])
    }

    static func isBlank(_ bytes: UnsafeBufferPointer<UInt8>, _ line: Range<Int>) -> Bool {
        line.allSatisfy { bytes[$0] == 0x20 || bytes[$0] == 0x09 }
    }

    private static func hasControlBytes(_ bytes: UnsafeBufferPointer<UInt8>, _ line: Range<Int>) -> Bool {
        line.contains { (bytes[$0] < 0x20 && bytes[$0] != 0x09) || bytes[$0] == 0x7F }
    }
}

/// Byte searches eight bytes at a time (SWAR: SIMD within a register). A byte-by-byte loop
/// branches on every byte, and on HL7's many short fields the branch on "is this a separator" is
/// mispredicted every few bytes; here the loop branches once per eight bytes.
enum HL7v2ByteScan {
    private static let everyByte: UInt64 = 0x0101_0101_0101_0101
    private static let low7Bits: UInt64 = 0x7F7F_7F7F_7F7F_7F7F

    /// 0x80 in each byte of `word` that equals `byte`, 0 elsewhere. Exact: the sum cannot carry
    /// from one byte into the next, so no byte is reported that does not match.
    @inline(__always)
    private static func matches(_ word: UInt64, _ byte: UInt8) -> UInt64 {
        let x = word ^ (everyByte &* UInt64(byte))
        return ~(((x & low7Bits) &+ low7Bits) | x | low7Bits)
    }

    /// The eight bytes from `offset`, the first in the lowest bits whatever the platform.
    @inline(__always)
    private static func word(_ bytes: UnsafeBufferPointer<UInt8>, at offset: Int) -> UInt64 {
        UInt64(littleEndian: UnsafeRawPointer(bytes.baseAddress!).loadUnaligned(fromByteOffset: offset, as: UInt64.self))
    }

    /// Offset in its word of the first byte a `matches` mask reports.
    @inline(__always)
    private static func firstOffset(_ matches: UInt64) -> Int { matches.trailingZeroBitCount / 8 }

    /// Index of the first CR or LF at or after `start`, or the end of `bytes`.
    static func lineEnd(_ bytes: UnsafeBufferPointer<UInt8>, from start: Int) -> Int {
        var i = start
        while i + 8 <= bytes.count {
            let w = word(bytes, at: i)
            let found = matches(w, 0x0D) | matches(w, 0x0A)
            if found != 0 { return i + firstOffset(found) }
            i += 8
        }
        while i < bytes.count, bytes[i] != 0x0D, bytes[i] != 0x0A { i += 1 }
        return i
    }

    /// Index of the first `byte` in `range`, or the end of `range` when there is none.
    static func firstIndex(of byte: UInt8, in bytes: UnsafeBufferPointer<UInt8>, _ range: Range<Int>) -> Int {
        var i = range.lowerBound
        while i + 8 <= range.upperBound {
            let found = matches(word(bytes, at: i), byte)
            if found != 0 { return i + firstOffset(found) }
            i += 8
        }
        while i < range.upperBound, bytes[i] != byte { i += 1 }
        return i
    }

    /// Calls `body` with the index of every occurrence of `byte` in `range`, in order.
    @inline(__always)
    static func forEach(_ byte: UInt8, in bytes: UnsafeBufferPointer<UInt8>, _ range: Range<Int>,
                        _ body: (Int) -> Void) {
        var i = range.lowerBound
        while i + 8 <= range.upperBound {
            var found = matches(word(bytes, at: i), byte)
            while found != 0 {
                body(i + firstOffset(found))
                found &= found - 1
            }
            i += 8
        }
        while i < range.upperBound {
            if bytes[i] == byte { body(i) }
            i += 1
        }
    }

    /// Whether `bytes` holds `first` or `second` anywhere.
    static func contains(_ first: UInt8, or second: UInt8, in bytes: UnsafeBufferPointer<UInt8>) -> Bool {
        var i = 0
        while i + 8 <= bytes.count {
            let w = word(bytes, at: i)
            if matches(w, first) | matches(w, second) != 0 { return true }
            i += 8
        }
        return bytes[i...].contains { $0 == first || $0 == second }
    }
}

enum HL7v2Framing {
    /// Where each message of a file lies: from its MSH line to the next MSH or batch-envelope line
    /// (FHS/BHS/BTS/FTS, which belong to no message). Only line starts are looked at, so one
    /// broken message cannot hide the messages after it. Text before the first MSH, other than an
    /// envelope, means the file is not HL7 v2.
    static func messageRanges(_ bytes: UnsafeBufferPointer<UInt8>) throws -> [Range<Int>] {
        var ranges = [Range<Int>]()
        var open: Int?
        var field: UInt8?
        var lineStart = 0
        var lineNumber = 0
        while lineStart < bytes.count {
            let end = HL7v2ByteScan.lineEnd(bytes, from: lineStart)
            let line = lineStart..<end
            defer { lineStart = end + 1 }
            lineNumber += 1
            guard line.count >= 3 else {
                if open == nil, !HL7v2Cutter.isBlank(bytes, line) { throw notInAMessage(lineNumber, ranges) }
                continue
            }
            let id = HL7v2SegmentID(bytes[line.lowerBound], bytes[line.lowerBound + 1], bytes[line.lowerBound + 2])
            let separator: UInt8? = line.count > 3 ? bytes[line.lowerBound + 3] : nil
            if id.isHeader {
                if let start = open { ranges.append(start..<line.lowerBound) }
                open = id == .msh ? line.lowerBound : nil
                field = separator
            } else if (id == .bts || id == .fts), separator == nil || separator == field {
                if let start = open { ranges.append(start..<line.lowerBound) }
                open = nil
            } else if open == nil, !HL7v2Cutter.isBlank(bytes, line) {
                throw notInAMessage(lineNumber, ranges)
            }
        }
        if let start = open { ranges.append(start..<bytes.count) }
        if ranges.isEmpty { throw notStartingWithMSH }
        return ranges
    }

    private static func notInAMessage(_ line: Int, _ found: [Range<Int>]) -> IngestError {
        if found.isEmpty { return notStartingWithMSH }
        return IngestError.malformed(format: HL7v2Reader.format, location: "line \(line)",
                                     problem: "appears outside a message (after a batch trailer, before the next MSH segment)")
    }

    /// MSH-10, the message control id, read from the MSH line alone, so that even a message that
    /// cannot be parsed is named by it. Nil when absent or not showable.
    static func controlID(_ bytes: [UInt8], _ range: Range<Int>) -> String? {
        let end = bytes.withUnsafeBufferPointer { HL7v2ByteScan.lineEnd($0, from: range.lowerBound) }
        guard end - range.lowerBound > 4 else { return nil }
        // Split on the MSH line's own separators: piece 0 is "MSH", piece 1 MSH-2, piece 9 MSH-10.
        let line = range.lowerBound..<end
        guard let field = hl7Piece(bytes, line, on: bytes[line.lowerBound + 3], 9),
              let id = hl7Piece(bytes, field, on: bytes[line.lowerBound + 4], 0) else { return nil }
        return PartLocation.showable(String(decoding: bytes[id], as: UTF8.self))
    }

    static let notStartingWithMSH = IngestError.malformed(format: HL7v2Reader.format, location: "line 1",
                                                          problem: "does not start with an MSH segment")

    /// Removes MLLP framing bytes: start block 0x0B, end block 0x1C and the 0x0D that follows it.
    /// Neither byte can occur inside an ASCII, Latin-1 or UTF-8 text byte, so dropping them
    /// anywhere is safe. A leading UTF-8 byte-order mark is dropped too.
    static func stripFraming(_ bytes: [UInt8]) -> [UInt8] {
        var start = 0
        if bytes.count >= 3, bytes[0] == 0xEF, bytes[1] == 0xBB, bytes[2] == 0xBF { start = 3 }
        let framed = bytes.withUnsafeBufferPointer { HL7v2ByteScan.contains(0x0B, or: 0x1C, in: $0) }
        guard framed else {
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

    /// Reads MSH-1 and MSH-2. Every separator must be a distinct printable ASCII character that is
    /// neither a letter, a digit nor a space.
    static func headerDelimiters(_ bytes: UnsafeBufferPointer<UInt8>, _ line: Range<Int>, number: Int,
                                 id: HL7v2SegmentID) throws -> HL7v2Delimiters {
        func legal(_ b: UInt8) -> Bool {
            b > 0x20 && b < 0x7F && !(b >= 0x30 && b <= 0x39) && !(b >= 0x41 && b <= 0x5A) && !(b >= 0x61 && b <= 0x7A)
        }
        let start = line.lowerBound
        guard line.count >= 4, legal(bytes[start + 3]) else {
            throw IngestError.malformed(format: HL7v2Reader.format, location: "segment \(number) (\(id.name)), field 1",
                                        problem: "no legal field separator after the segment ID")
        }
        let field = bytes[start + 3]
        // At most six characters are read: a sixth makes MSH-2 too long.
        var end = start + 4
        while end < line.upperBound, bytes[end] != field, end - (start + 4) <= 5 { end += 1 }
        let encoding = UnsafeBufferPointer(rebasing: bytes[(start + 4)..<end])
        let valid = encoding.count >= 2 && encoding.count <= 5
            && encoding.indices.allSatisfy { legal(encoding[$0]) && !encoding[..<$0].contains(encoding[$0]) }
        guard valid else {
            throw IngestError.malformed(
                format: HL7v2Reader.format, location: "segment \(number) (\(id.name)), field 2",
                problem: "encoding characters must be 2 to 5 distinct separator characters (component, repetition, escape, subcomponent, truncation)")
        }
        return HL7v2Delimiters(field: field, component: encoding[0], repetition: encoding[1],
                               escape: encoding.count > 2 ? encoding[2] : nil,
                               subcomponent: encoding.count > 3 ? encoding[3] : nil,
                               truncation: encoding.count > 4 ? encoding[4] : nil)
    }
}

/// The pieces of a byte range split on one separator byte (repetitions, components or
/// subcomponents), found as they are iterated.
struct HL7v2Pieces: Sequence, IteratorProtocol {
    private let bytes: [UInt8]
    private let end: Int
    private let separator: UInt8
    private var start: Int?

    init(_ bytes: [UInt8], _ range: Range<Int>, on separator: UInt8) {
        self.bytes = bytes
        self.end = range.upperBound
        self.separator = separator
        self.start = range.lowerBound
    }

    mutating func next() -> Range<Int>? {
        guard let pieceStart = start else { return nil }
        let pieceEnd = bytes.withUnsafeBufferPointer {
            HL7v2ByteScan.firstIndex(of: separator, in: $0, pieceStart..<end)
        }
        start = pieceEnd < end ? pieceEnd + 1 : nil
        return pieceStart..<pieceEnd
    }
}

/// Splits a byte range on one separator byte into at most `limit` pieces (the last takes the rest).
func hl7Split(_ bytes: [UInt8], _ range: Range<Int>, on separator: UInt8, limit: Int) -> [Range<Int>] {
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
