import Deid
import RaddCore

/// Hits out of a total: recall counts found gold tokens, precision counts correct predicted tokens.
public struct Tally: Sendable, Equatable {
    public var total = 0
    public var hits = 0

    public init(total: Int = 0, hits: Int = 0) {
        self.total = total
        self.hits = hits
    }

    /// nil when there is nothing to measure, so an absent category is not read as a perfect score.
    public var rate: Double? { total == 0 ? nil : Double(hits) / Double(total) }

    mutating func count(hit: Bool) {
        total += 1
        if hit { hits += 1 }
    }
}

/// A token the finder got wrong, with enough text around it to see why.
public struct TokenExample: Sendable, Equatable {
    public var reportIndex: Int
    public var token: String
    /// The gold category for a miss, the predicted category for a false positive.
    public var category: PHISpan.Category
    public var context: String
}

/// Token-level scores of a finder over a set of texts.
///
/// A token is gold PHI if it overlaps a gold span, predicted PHI if it overlaps a predicted span.
/// Recall of a gold category: its tokens predicted as PHI of any category, over its tokens.
/// Precision of a predicted category: its tokens that are gold PHI of any category, over its tokens.
/// The category of a token is that of the first span scalar inside it.
public struct Scores: Sendable {
    public static let categories: [PHISpan.Category] = [.name, .date, .contact, .identifier, .place, .age, .other]

    public var reportCount = 0
    public var tokenCount = 0
    public var recall: [PHISpan.Category: Tally] = [:]
    public var precision: [PHISpan.Category: Tally] = [:]
    public var overallRecall = Tally()
    public var overallPrecision = Tally()
    /// Predicted spans that break the `PHIFinder` contract: out of bounds, empty, unsorted or overlapping.
    public var invalidPredictedSpans = 0
    public var misses: [TokenExample] = []
    public var falsePositives: [TokenExample] = []

    public init() {}

    public mutating func add(text: String, gold: [PHISpan], predicted: [PHISpan], reportIndex: Int = 0) {
        let scalars = Array(text.unicodeScalars)
        let goldLabels = Self.labels(gold, length: scalars.count)
        let predictedLabels = Self.labels(predicted, length: scalars.count)
        invalidPredictedSpans += Self.contractViolations(predicted, length: scalars.count)
        reportCount += 1

        for token in Token.tokens(in: scalars) {
            tokenCount += 1
            let goldCategory = Self.firstLabel(goldLabels, token)
            let predictedCategory = Self.firstLabel(predictedLabels, token)
            if let goldCategory {
                recall[goldCategory, default: Tally()].count(hit: predictedCategory != nil)
                overallRecall.count(hit: predictedCategory != nil)
                if predictedCategory == nil {
                    misses.append(Self.example(token, scalars, goldCategory, reportIndex))
                }
            }
            if let predictedCategory {
                precision[predictedCategory, default: Tally()].count(hit: goldCategory != nil)
                overallPrecision.count(hit: goldCategory != nil)
                if goldCategory == nil {
                    falsePositives.append(Self.example(token, scalars, predictedCategory, reportIndex))
                }
            }
        }
    }

    /// The category covering each scalar; spans are clamped to the text, since a finder under
    /// test may be wrong about bounds.
    private static func labels(_ spans: [PHISpan], length: Int) -> [PHISpan.Category?] {
        var labels = [PHISpan.Category?](repeating: nil, count: length)
        for span in spans {
            let start = max(0, span.start), end = min(length, span.start + span.length)
            guard start < end else { continue }
            for offset in start..<end where labels[offset] == nil { labels[offset] = span.category }
        }
        return labels
    }

    private static func firstLabel(_ labels: [PHISpan.Category?], _ token: Token) -> PHISpan.Category? {
        for offset in token.start..<token.end {
            if let label = labels[offset] { return label }
        }
        return nil
    }

    private static func contractViolations(_ spans: [PHISpan], length: Int) -> Int {
        var violations = 0
        var previousEnd = 0
        for span in spans {
            if span.length <= 0 || span.start < previousEnd || span.start + span.length > length {
                violations += 1
            }
            previousEnd = max(previousEnd, span.start + max(span.length, 0))
        }
        return violations
    }

    private static func example(_ token: Token, _ scalars: [Unicode.Scalar], _ category: PHISpan.Category,
                                _ reportIndex: Int) -> TokenExample {
        func text(_ range: Range<Int>) -> String {
            var result = String.UnicodeScalarView()
            result.append(contentsOf: scalars[range].map { $0 == "\n" || $0 == "\t" ? " " : $0 })
            return String(result)
        }
        let before = max(0, token.start - 32), after = min(scalars.count, token.end + 32)
        let context = text(before..<token.start) + "[" + text(token.start..<token.end) + "]" + text(token.end..<after)
        return TokenExample(reportIndex: reportIndex, token: text(token.start..<token.end),
                            category: category, context: context)
    }
}
