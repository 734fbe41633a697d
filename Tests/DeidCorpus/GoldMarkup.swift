/// A report's text with its gold spans shown inline as `[[category: text]]`, for reading the
/// corpus and checking templates by eye.
public enum GoldMarkup {
    public static func render(_ report: SyntheticReport) -> String {
        let scalars = Array(report.text.unicodeScalars)
        var result = String.UnicodeScalarView()
        var offset = 0
        for gold in report.gold {
            result.append(contentsOf: scalars[offset..<gold.span.start])
            result.append(contentsOf: "[[\(gold.span.category.rawValue): ".unicodeScalars)
            result.append(contentsOf: scalars[gold.span.start..<gold.span.start + gold.span.length])
            result.append(contentsOf: "]]".unicodeScalars)
            offset = gold.span.start + gold.span.length
        }
        result.append(contentsOf: scalars[offset...])
        return String(result)
    }
}
