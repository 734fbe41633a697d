/// A linear JSON (RFC 8259) syntax check run before any bytes reach JSONSerialization, so that a
/// hostile file cannot make the parser recurse without bound: nesting deeper than `maxDepth`
/// stops the scan at the opening bracket. It also gives a byte offset for every syntax error,
/// which Foundation's messages do not give without quoting content. The recursion is bounded by
/// `maxDepth`.
struct JSONCheck {
    static let maxDepth = 100

    enum Failure: Error, Equatable {
        case tooDeep(offset: Int)
        case invalid(offset: Int, problem: String)
    }

    let b: UnsafeBufferPointer<UInt8>
    var i: Int
    let end: Int

    init(_ b: UnsafeBufferPointer<UInt8>, from start: Int, to end: Int) {
        self.b = b
        self.i = start
        self.end = end
    }

    mutating func skipWhitespace() {
        while i < end, Self.isWhitespace(b[i]) { i += 1 }
    }

    static func isWhitespace(_ byte: UInt8) -> Bool { byte == 0x20 || byte == 0x09 || byte == 0x0A || byte == 0x0D }

    var atEnd: Bool { i >= end }

    /// Checks one value starting at `i` (after whitespace) and leaves `i` just past it.
    mutating func value(depth: Int = 0) throws {
        skipWhitespace()
        guard i < end else { throw Failure.invalid(offset: i, problem: "unexpected end of the data") }
        switch b[i] {
        case UInt8(ascii: "{"):
            guard depth < Self.maxDepth else { throw Failure.tooDeep(offset: i) }
            i += 1
            skipWhitespace()
            if i < end && b[i] == UInt8(ascii: "}") { i += 1; return }
            while true {
                skipWhitespace()
                guard i < end, b[i] == UInt8(ascii: "\"") else { throw expected("a member name in quotes") }
                try string()
                skipWhitespace()
                guard i < end, b[i] == UInt8(ascii: ":") else { throw expected("':' after a member name") }
                i += 1
                try value(depth: depth + 1)
                skipWhitespace()
                guard i < end else { throw expected("',' or '}'") }
                if b[i] == UInt8(ascii: ",") { i += 1; continue }
                if b[i] == UInt8(ascii: "}") { i += 1; return }
                throw expected("',' or '}'")
            }
        case UInt8(ascii: "["):
            guard depth < Self.maxDepth else { throw Failure.tooDeep(offset: i) }
            i += 1
            skipWhitespace()
            if i < end && b[i] == UInt8(ascii: "]") { i += 1; return }
            while true {
                try value(depth: depth + 1)
                skipWhitespace()
                guard i < end else { throw expected("',' or ']'") }
                if b[i] == UInt8(ascii: ",") { i += 1; continue }
                if b[i] == UInt8(ascii: "]") { i += 1; return }
                throw expected("',' or ']'")
            }
        case UInt8(ascii: "\""):
            try string()
        case UInt8(ascii: "t"): try literal("true")
        case UInt8(ascii: "f"): try literal("false")
        case UInt8(ascii: "n"): try literal("null")
        case UInt8(ascii: "-"), UInt8(ascii: "0")...UInt8(ascii: "9"):
            try number()
        default:
            throw expected("a JSON value")
        }
    }

    private func expected(_ what: String) -> Failure {
        .invalid(offset: i, problem: i < end ? "expected \(what)" : "unexpected end of the data, expected \(what)")
    }

    private mutating func literal(_ word: StaticString) throws {
        let count = word.utf8CodeUnitCount
        guard end - i >= count else { throw expected("a JSON value") }
        for k in 0..<count where b[i + k] != word.utf8Start[k] { throw expected("a JSON value") }
        i += count
    }

    private mutating func string() throws {
        let start = i
        i += 1
        while i < end {
            let c = b[i]
            if c == UInt8(ascii: "\"") { i += 1; return }
            if c < 0x20 { throw Failure.invalid(offset: i, problem: "control character inside a string") }
            if c == UInt8(ascii: "\\") {
                i += 1
                guard i < end else { break }
                switch b[i] {
                case UInt8(ascii: "\""), UInt8(ascii: "\\"), UInt8(ascii: "/"), UInt8(ascii: "b"),
                     UInt8(ascii: "f"), UInt8(ascii: "n"), UInt8(ascii: "r"), UInt8(ascii: "t"):
                    i += 1
                case UInt8(ascii: "u"):
                    guard end - i > 4, (1...4).allSatisfy({ Self.isHex(b[i + $0]) }) else {
                        throw Failure.invalid(offset: i - 1, problem: "invalid \\u escape in a string")
                    }
                    i += 5
                default:
                    throw Failure.invalid(offset: i - 1, problem: "invalid escape in a string")
                }
                continue
            }
            i += 1
        }
        throw Failure.invalid(offset: start, problem: "string never closed")
    }

    private static func isHex(_ c: UInt8) -> Bool {
        (c >= 0x30 && c <= 0x39) || (c >= 0x41 && c <= 0x46) || (c >= 0x61 && c <= 0x66)
    }

    private mutating func number() throws {
        func digits() -> Int {
            let s = i
            while i < end, b[i] >= 0x30, b[i] <= 0x39 { i += 1 }
            return i - s
        }
        if b[i] == UInt8(ascii: "-") { i += 1 }
        guard i < end, b[i] >= 0x30, b[i] <= 0x39 else { throw expected("a digit") }
        if b[i] == UInt8(ascii: "0") { i += 1 } else { _ = digits() }
        if i < end, b[i] == UInt8(ascii: ".") {
            i += 1
            guard digits() > 0 else { throw expected("a digit after the decimal point") }
        }
        if i < end, b[i] == UInt8(ascii: "e") || b[i] == UInt8(ascii: "E") {
            i += 1
            if i < end, b[i] == UInt8(ascii: "+") || b[i] == UInt8(ascii: "-") { i += 1 }
            guard digits() > 0 else { throw expected("a digit in the exponent") }
        }
    }
}
