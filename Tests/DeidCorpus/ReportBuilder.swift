import Deid
import RaddCore

/// A piece of report text: plain, PHI of a category, or a trap phrase. Templates are written as
/// lists of pieces so that offsets of gold spans are counted by the builder, never by hand.
indirect enum Piece: ExpressibleByStringInterpolation {
    case plain(String)
    case phi(String, PHISpan.Category)
    case trap(String)
    case group([Piece])

    init(stringLiteral value: String) {
        self = .plain(value)
    }

    static func name(_ text: String) -> Piece { .phi(text, .name) }
    static func date(_ text: String) -> Piece { .phi(text, .date) }
    static func contact(_ text: String) -> Piece { .phi(text, .contact) }
    static func identifier(_ text: String) -> Piece { .phi(text, .identifier) }
    static func place(_ text: String) -> Piece { .phi(text, .place) }
    static func age(_ text: String) -> Piece { .phi(text, .age) }
    static func other(_ text: String) -> Piece { .phi(text, .other) }
}

struct ReportBuilder {
    private(set) var text = ""
    private(set) var gold: [GoldPHI] = []
    private(set) var traps: [TrapPhrase] = []
    /// Offsets are Unicode scalars, as `PHISpan` specifies; `String.count` would count characters.
    private var scalarCount = 0
    /// Some RIS systems still print whole reports in capitals; names in capitals are a case of their own.
    var allCaps = false
    /// Others (and many nursing and dictated notes) are typed all in lower case, names included.
    var allLower = false

    mutating func add(_ pieces: Piece...) {
        for piece in pieces { append(piece) }
    }

    mutating func line(_ pieces: Piece...) {
        for piece in pieces { append(piece) }
        append(.plain("\n"))
    }

    mutating func append(_ piece: Piece) {
        switch piece {
        case .plain(let value):
            write(cased(value))
        case .phi(let raw, let category):
            let value = cased(raw)
            gold.append(GoldPHI(span: PHISpan(start: scalarCount, length: value.unicodeScalars.count,
                                              category: category), text: value))
            write(value)
        case .trap(let raw):
            let value = cased(raw)
            traps.append(TrapPhrase(start: scalarCount, length: value.unicodeScalars.count, text: value))
            write(value)
        case .group(let pieces):
            for inner in pieces { append(inner) }
        }
    }

    /// Cased before its offsets are counted: "ß" in capitals is two scalars, "İ" in lower case two.
    private func cased(_ value: String) -> String {
        allCaps ? value.uppercased() : allLower ? value.lowercased() : value
    }

    private mutating func write(_ value: String) {
        text += value
        scalarCount += value.unicodeScalars.count
    }
}
