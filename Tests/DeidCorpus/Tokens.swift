/// A maximal run of letters and digits, in Unicode scalars of the text. Scoring by token rather
/// than by span makes "Dr. Smith" versus "Smith" a wash and a missed digit of an MRN a miss.
public struct Token: Sendable, Equatable {
    public var start: Int
    public var end: Int

    public static func tokens(in scalars: [Unicode.Scalar]) -> [Token] {
        var result: [Token] = []
        var start: Int?
        for (offset, scalar) in scalars.enumerated() {
            if isWordScalar(scalar) {
                if start == nil { start = offset }
            } else if let open = start {
                result.append(Token(start: open, end: offset))
                start = nil
            }
        }
        if let open = start { result.append(Token(start: open, end: scalars.count)) }
        return result
    }

    public static func tokens(in text: String) -> [Token] {
        tokens(in: Array(text.unicodeScalars))
    }

    /// Combining marks count as part of the word, so decomposed "José" is one token, not two.
    static func isWordScalar(_ scalar: Unicode.Scalar) -> Bool {
        let properties = scalar.properties
        if properties.isAlphabetic || properties.numericType == .decimal { return true }
        switch properties.generalCategory {
        case .nonspacingMark, .spacingMark, .enclosingMark: return true
        default: return false
        }
    }
}
