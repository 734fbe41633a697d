import RaddCore

/// One phrase an extraction task found in a report: copied word for word from it, with a code
/// from the task's list when the task has one and the labeler gave one.
public struct ExtractedPhrase: Codable, Sendable, Hashable {
    public var text: String
    public var code: String?

    public init(text: String, code: String? = nil) {
        self.text = text
        self.code = code
    }

    /// As label files, gold worksheets and the store write it: the text, then " [CODE]" if it
    /// has a code. Phrases in a cell are separated by ";", so a ";" in the text becomes ",".
    public var cell: String {
        let flat = text.replacingOccurrences(of: ";", with: ",")
            .split(whereSeparator: { $0.isWhitespace }).joined(separator: " ")
        guard let code, !code.isEmpty else { return flat }
        return flat + " [" + code + "]"
    }

    /// A cell's phrase: "text" or "text [CODE]"; nil for an empty one.
    public init?(cell: String) {
        var text = cell.trimmingCharacters(in: .whitespacesAndNewlines)
        var code: String?
        if text.hasSuffix("]"), let open = text.lastIndex(of: "[") {
            let inside = text[text.index(after: open)..<text.index(before: text.endIndex)].trimmingCharacters(in: .whitespaces)
            if !inside.isEmpty && !inside.contains(" ") {
                code = inside
                text = text[..<open].trimmingCharacters(in: .whitespaces)
            }
        }
        guard !text.isEmpty else { return nil }
        self.text = text
        self.code = code
    }

    /// Written in a gold worksheet for a report with nothing to extract: a blank cell means
    /// "not answered yet", as for every other task.
    public static let noneCell = "none"

    /// The phrases of one label-file cell, separated by ";" (`none`: no phrases).
    public static func phrases(inCell cell: String) -> [ExtractedPhrase] {
        let trimmed = cell.trimmingCharacters(in: .whitespacesAndNewlines)
        guard trimmed.lowercased() != noneCell else { return [] }
        return trimmed.split(separator: ";").compactMap { ExtractedPhrase(cell: String($0)) }
    }

    /// A list as one cell: phrases joined by "; ", `none` for an empty list.
    public static func cell(of phrases: [ExtractedPhrase]) -> String {
        phrases.isEmpty ? noneCell : phrases.map(\.cell).joined(separator: "; ")
    }

    /// The text compared for a normalised match: lower case, letters and digits only, words
    /// separated by one space.
    public var normalized: String { Self.normalized(text) }

    static func normalized(_ text: String) -> String {
        text.lowercased().split { !($0.isLetter || $0.isNumber) }.joined(separator: " ")
    }
}
