import Deid

/// Plain-text rendering of `Scores`, fixed-width and in a fixed order so runs can be diffed.
public enum ScoreTable {
    public static let recallTarget = 0.99
    public static let precisionTarget = 0.90

    public static func render(_ scores: Scores) -> String {
        var lines = [row("category", "gold tokens", "recall", "predicted", "precision")]
        for category in Scores.categories {
            let recall = scores.recall[category] ?? Tally(), precision = scores.precision[category] ?? Tally()
            lines.append(row(category.rawValue, "\(recall.total)", format(recall.rate),
                             "\(precision.total)", format(precision.rate)))
        }
        lines.append(row("overall", "\(scores.overallRecall.total)", format(scores.overallRecall.rate),
                         "\(scores.overallPrecision.total)", format(scores.overallPrecision.rate)))
        lines.append("")
        lines.append("\(scores.reportCount) reports, \(scores.tokenCount) tokens; " + verdict(scores))
        if scores.invalidPredictedSpans > 0 {
            lines.append("warning: \(scores.invalidPredictedSpans) predicted spans were empty, out of bounds, unsorted or overlapping")
        }
        return lines.joined(separator: "\n")
    }

    public static func verdict(_ scores: Scores) -> String {
        let recall = scores.overallRecall.rate ?? 0, precision = scores.overallPrecision.rate ?? 0
        var shortfalls: [String] = []
        if recall < recallTarget { shortfalls.append("recall \(format(recall)) < \(format(recallTarget))") }
        if precision < precisionTarget { shortfalls.append("precision \(format(precision)) < \(format(precisionTarget))") }
        return shortfalls.isEmpty
            ? "meets the targets (recall ≥ \(format(recallTarget)), precision ≥ \(format(precisionTarget)))"
            : "below target: " + shortfalls.joined(separator: ", ")
    }

    /// The first `limit` misses and false positives in corpus order, then the token texts that
    /// go wrong most often, which is where a rule is usually missing or too greedy.
    public static func renderExamples(_ scores: Scores, limit: Int) -> String {
        var lines: [String] = []
        for (title, examples) in [("missed PHI tokens (gold category)", scores.misses),
                                  ("false positives (predicted category)", scores.falsePositives)] {
            lines.append("")
            lines.append("First \(min(limit, examples.count)) of \(examples.count) \(title):")
            for example in examples.prefix(limit) {
                lines.append("  #\(pad(String(example.reportIndex), 4)) \(pad(example.category.rawValue, 10)) \(example.context)")
            }
            lines.append("Most frequent \(title):")
            for (token, count) in mostFrequent(examples, limit: limit) {
                lines.append("  \(pad(String(count), 5)) \(token)")
            }
        }
        return lines.joined(separator: "\n")
    }

    static func mostFrequent(_ examples: [TokenExample], limit: Int) -> [(String, Int)] {
        var counts: [String: Int] = [:]
        for example in examples { counts[example.token.lowercased(), default: 0] += 1 }
        return counts.sorted { $0.value != $1.value ? $0.value > $1.value : $0.key < $1.key }
            .prefix(limit).map { ($0.key, $0.value) }
    }

    static func format(_ rate: Double?) -> String {
        guard let rate else { return "-" }
        let tenThousandths = Int((rate * 10_000).rounded())
        let fraction = String(tenThousandths % 10_000)
        return "\(tenThousandths / 10_000)." + String(repeating: "0", count: 4 - fraction.count) + fraction
    }

    private static func row(_ name: String, _ gold: String, _ recall: String, _ predicted: String,
                            _ precision: String) -> String {
        pad(name, 12) + leftPad(gold, 12) + leftPad(recall, 9) + leftPad(predicted, 12) + leftPad(precision, 11)
    }

    private static func pad(_ text: String, _ width: Int) -> String {
        text.count >= width ? text + " " : text + String(repeating: " ", count: width - text.count)
    }

    private static func leftPad(_ text: String, _ width: Int) -> String {
        text.count >= width ? " " + text : String(repeating: " ", count: width - text.count) + text
    }
}
