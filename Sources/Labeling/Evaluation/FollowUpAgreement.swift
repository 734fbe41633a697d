/// How well a binary task's follow-up answers ("where is the bleed?") agree with gold, judged
/// only where the follow-up was asked of both: gold and prediction both answered Yes.
public struct FollowUpAgreement: Sendable, Codable, Equatable {
    public struct Option: Sendable, Codable, Equatable {
        public var option: String
        public var truePositives: Int
        public var falsePositives: Int
        public var falseNegatives: Int
    }

    public var column: String
    /// Reports where gold and prediction both said Yes.
    public var bothYes: Int
    /// Of those, reports whose answers are the same set of options.
    public var exactMatches: Int
    public var exactMatchRate: Double? { bothYes == 0 ? nil : Double(exactMatches) / Double(bothYes) }
    public var options: [Option]

    /// nil when either file lacks the column. `finding` is the task's one finding.
    public init?(column: String, finding: String, gold: LabelTable, predicted: LabelTable, aligned: AlignedLabels) {
        let key = LabelTable.normalizedFindingName(column)
        func cells(_ table: LabelTable) -> [String]? {
            table.answers.first { LabelTable.normalizedFindingName($0.key) == key }?.value
        }
        guard let goldCells = cells(gold), let predictedCells = cells(predicted),
              let findingIndex = aligned.findings.firstIndex(where: {
                  LabelTable.normalizedFindingName($0) == LabelTable.normalizedFindingName(finding)
              }) else { return nil }
        self.column = column
        bothYes = 0
        exactMatches = 0
        var counts: [String: (tp: Int, fp: Int, fn: Int)] = [:]
        for report in aligned.reportIDs.indices
        where aligned.gold[report][findingIndex] == .positive && aligned.predicted[report][findingIndex] == .positive {
            let truth = Self.options(goldCells[report])
            let answer = Self.options(predictedCells[aligned.predictedRows[report]])
            bothYes += 1
            if truth == answer { exactMatches += 1 }
            for option in truth.union(answer) {
                var count = counts[option, default: (0, 0, 0)]
                if truth.contains(option) && answer.contains(option) { count.tp += 1 } else if answer.contains(option) { count.fp += 1 } else { count.fn += 1 }
                counts[option] = count
            }
        }
        options = counts.keys.sorted().map { Option(option: $0, truePositives: counts[$0]!.tp, falsePositives: counts[$0]!.fp, falseNegatives: counts[$0]!.fn) }
    }

    /// "spleen; Liver" and "liver;spleen" are the same answer; "Undefined" and blank are none.
    static func options(_ cell: String) -> Set<String> {
        Set(cell.split(separator: ";").map { $0.trimmingCharacters(in: .whitespaces).lowercased() }
            .filter { !$0.isEmpty && $0 != "undefined" })
    }

    public var summary: String {
        let rate = exactMatchRate.map { String(format: "%.1f%%", $0 * 100) } ?? "n/a"
        var line = "Follow-up \"\(column)\": on the \(bothYes) reports where gold and prediction both say Yes, "
            + "the answers agree exactly on \(exactMatches) (\(rate))."
        if !options.isEmpty {
            line += " Per option (TP/FP/FN): "
                + options.map { "\($0.option) \($0.truePositives)/\($0.falsePositives)/\($0.falseNegatives)" }.joined(separator: ", ") + "."
        }
        return line
    }
}
