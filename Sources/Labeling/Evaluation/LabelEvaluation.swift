import Foundation
import RaddCore

/// How uncertain labels (-1, Undefined) become binary before scoring.
public enum UncertainPolicy: String, Sendable, Codable, CaseIterable {
    /// Uncertain counts as positive (the CheXpert "U-Ones" convention).
    case positive
    /// Uncertain counts as negative ("U-Zeros").
    case negative
    /// A (report, finding) pair where gold or prediction is uncertain is left out of that finding's counts.
    case exclude

    public var explanation: String {
        switch self {
        case .positive: return "uncertain labels counted as positive"
        case .negative: return "uncertain labels counted as negative"
        case .exclude: return "pairs with an uncertain gold or predicted label excluded"
        }
    }

    /// nil means "leave this pair out".
    func binary(_ value: LabelValue) -> Bool? {
        switch value {
        case .positive: return true
        case .negative, .undefined: return false
        case .uncertain:
            switch self {
            case .positive: return true
            case .negative: return false
            case .exclude: return nil
            }
        }
    }
}

/// A 2×2 confusion matrix and the metrics it defines. A metric whose denominator is zero is nil
/// rather than 0 or 1, so "undefined" is never mistaken for a result.
public struct ConfusionCounts: Sendable, Equatable, Codable {
    public var truePositives = 0
    public var falsePositives = 0
    public var falseNegatives = 0
    public var trueNegatives = 0

    public init(truePositives: Int = 0, falsePositives: Int = 0, falseNegatives: Int = 0, trueNegatives: Int = 0) {
        self.truePositives = truePositives
        self.falsePositives = falsePositives
        self.falseNegatives = falseNegatives
        self.trueNegatives = trueNegatives
    }

    public var total: Int { truePositives + falsePositives + falseNegatives + trueNegatives }
    /// Gold positives.
    public var support: Int { truePositives + falseNegatives }

    public var precision: Double? { ratio(truePositives, truePositives + falsePositives) }
    public var recall: Double? { ratio(truePositives, truePositives + falseNegatives) }
    public var specificity: Double? { ratio(trueNegatives, trueNegatives + falsePositives) }
    public var accuracy: Double? { ratio(truePositives + trueNegatives, total) }
    /// 2TP / (2TP + FP + FN): equal to the harmonic mean of precision and recall where both
    /// exist, and still 0 (not undefined) when there are positives but no true positives.
    public var f1: Double? { ratio(2 * truePositives, 2 * truePositives + falsePositives + falseNegatives) }

    /// Cohen's kappa: agreement beyond what the two raters' marginal rates give by chance.
    /// Undefined when chance agreement is already perfect (both raters said the same single class).
    public var kappa: Double? {
        let n = Double(total)
        guard n > 0 else { return nil }
        let observed = Double(truePositives + trueNegatives) / n
        let predictedPositive = Double(truePositives + falsePositives), goldPositive = Double(support)
        let predictedNegative = Double(falseNegatives + trueNegatives), goldNegative = Double(falsePositives + trueNegatives)
        let chance = (predictedPositive * goldPositive + predictedNegative * goldNegative) / (n * n)
        guard chance < 1 else { return nil }
        return (observed - chance) / (1 - chance)
    }

    mutating func add(gold: Bool, predicted: Bool) {
        switch (gold, predicted) {
        case (true, true): truePositives += 1
        case (false, true): falsePositives += 1
        case (true, false): falseNegatives += 1
        case (false, false): trueNegatives += 1
        }
    }

    public static func + (lhs: ConfusionCounts, rhs: ConfusionCounts) -> ConfusionCounts {
        ConfusionCounts(truePositives: lhs.truePositives + rhs.truePositives,
                        falsePositives: lhs.falsePositives + rhs.falsePositives,
                        falseNegatives: lhs.falseNegatives + rhs.falseNegatives,
                        trueNegatives: lhs.trueNegatives + rhs.trueNegatives)
    }

    private func ratio(_ numerator: Int, _ denominator: Int) -> Double? {
        denominator == 0 ? nil : Double(numerator) / Double(denominator)
    }
}

/// Gold and predicted labels paired report by report and finding by finding.
public struct AlignedLabels: Sendable {
    public enum RowMatching: String, Sendable, Codable {
        case byID = "id"
        case byRowOrder = "row order"
    }

    /// Finding names as the gold file spells them.
    public var findings: [String]
    public var reportIDs: [String]
    /// `gold[report][finding]` and `predicted[report][finding]`.
    public var gold: [[LabelValue]]
    public var predicted: [[LabelValue]]
    public var rowMatching: RowMatching
    /// For each gold row, the prediction file's row for the same report.
    public var predictedRows: [Int]
    /// Things the reader should know about how the files were matched.
    public var notes: [String]

    /// `onlyCommon` scores only the gold reports the predictions have (noted), instead of
    /// refusing when some are missing.
    public init(gold goldTable: LabelTable, predicted predTable: LabelTable, onlyCommon: Bool = false) throws {
        var predColumnByKey: [String: Int] = [:]
        for (column, name) in predTable.findings.enumerated() {
            predColumnByKey[LabelTable.normalizedFindingName(name)] = column
        }
        let goldKeys = goldTable.findings.map(LabelTable.normalizedFindingName)
        let missing = zip(goldTable.findings, goldKeys).filter { predColumnByKey[$0.1] == nil }.map { "\"\($0.0)\"" }
        guard missing.isEmpty else {
            let plural = missing.count == 1 ? "" : "s"
            throw LabelFileError(file: predTable.file, "no column\(plural) for gold finding\(plural) "
                                 + missing.joined(separator: ", "))
        }
        let predColumns = goldKeys.map { predColumnByKey[$0]! }
        var notes: [String] = []
        let extra = predTable.findings.filter { !goldKeys.contains(LabelTable.normalizedFindingName($0)) }
        if !extra.isEmpty {
            notes.append("ignored prediction column\(extra.count == 1 ? "" : "s") not in the gold file: "
                         + extra.map { "\"\($0)\"" }.joined(separator: ", "))
        }

        let (pairs, matching) = try Self.matchRows(gold: goldTable, predicted: predTable, onlyCommon: onlyCommon, notes: &notes)
        findings = goldTable.findings
        reportIDs = pairs.map { goldTable.rowIDs[$0.gold] }
        gold = pairs.map { goldTable.values[$0.gold] }
        predicted = pairs.map { pair in predColumns.map { predTable.values[pair.predicted][$0] } }
        predictedRows = pairs.map(\.predicted)
        rowMatching = matching
        self.notes = notes
    }

    /// For each gold row, the prediction row that labels the same report. Ids are used when they
    /// can be trusted (present and unique in both files); otherwise the files must list the same
    /// reports in the same order.
    private static func matchRows(gold: LabelTable, predicted: LabelTable, onlyCommon: Bool,
                                  notes: inout [String]) throws -> ([(gold: Int, predicted: Int)], RowMatching) {
        func uniqueIndex(_ table: LabelTable) -> [String: Int]? {
            var index: [String: Int] = [:]
            for (row, id) in table.rowIDs.enumerated() {
                let key = id.trimmingCharacters(in: .whitespacesAndNewlines)
                guard !key.isEmpty, index.updateValue(row, forKey: key) == nil else { return nil }
            }
            return index
        }
        func byOrder(because reason: String) throws -> ([(gold: Int, predicted: Int)], RowMatching) {
            guard gold.rowCount == predicted.rowCount else {
                throw LabelFileError(file: predicted.file, "\(predicted.rowCount) reports but the gold file has \(gold.rowCount); "
                                     + "\(reason), so rows must pair up one to one in order")
            }
            notes.append("matched reports by row order: \(reason)")
            return ((0..<gold.rowCount).map { ($0, $0) }, .byRowOrder)
        }

        guard uniqueIndex(gold) != nil else {
            return try byOrder(because: "the gold file's first column (\"\(gold.idColumn)\") has blank or repeated ids")
        }
        guard let predIndex = uniqueIndex(predicted) else {
            return try byOrder(because: "the prediction file's first column (\"\(predicted.idColumn)\") has blank or repeated ids")
        }
        var keys = gold.rowIDs.map { $0.trimmingCharacters(in: .whitespacesAndNewlines) }
        if !keys.contains(where: { predIndex[$0] != nil }), let prefix = sharedLetterPrefix(keys),
           keys.contains(where: { predIndex[String($0.dropFirst(prefix.count))] != nil }) {
            // NegBio's Open-i gold names report 17 "CXR17"; a labelled export names it "17".
            keys = keys.map { String($0.dropFirst(prefix.count)) }
            notes.append("matched reports by id after removing the prefix \"\(prefix)\" that every gold id has")
        }
        let absent = keys.filter { predIndex[$0] == nil }
        if absent.count == keys.count {
            // E.g. gold keyed by uid and predictions keyed by report text: nothing in common.
            return try byOrder(because: "no gold id appears in the prediction file")
        }
        let shown = absent.prefix(3).map { "\"\(Self.abbreviated($0))\"" }.joined(separator: ", ")
        if !absent.isEmpty {
            let what = "\(absent.count) gold report\(absent.count == 1 ? " is" : "s are") missing from the predictions, e.g. \(shown)"
            guard onlyCommon else { throw LabelFileError(file: predicted.file, what + " (--only-common scores the rest)") }
            notes.append(what + "; they are not scored")
        }
        let pairs = keys.enumerated().compactMap { row, key in predIndex[key].map { (gold: row, predicted: $0) } }
        let extra = predicted.rowCount - pairs.count
        if extra > 0 { notes.append("ignored \(extra) prediction row\(extra == 1 ? "" : "s") whose id is not in the gold file") }
        return (pairs, .byID)
    }

    /// The letters every id starts with, if any: "CXR" for CXR1, CXR2, ...
    static func sharedLetterPrefix(_ ids: [String]) -> String? {
        guard let first = ids.first else { return nil }
        var prefix = String(first.prefix { $0.isLetter })
        for id in ids.dropFirst() where !id.hasPrefix(prefix) {
            prefix = String(zip(prefix, id).prefix { $0 == $1 }.map(\.0))
            if prefix.isEmpty { return nil }
        }
        return prefix.isEmpty || prefix.count == first.count ? nil : prefix
    }

    static func abbreviated(_ text: String) -> String {
        let flat = text.split(whereSeparator: { $0.isNewline }).joined(separator: " ")
        return flat.count > 40 ? String(flat.prefix(40)) + "…" : flat
    }
}

/// One finding's scores.
public struct FindingScore: Sendable, Codable {
    public var finding: String
    public var counts: ConfusionCounts
    /// (report, finding) pairs left out under the exclude policy.
    public var excluded: Int
    public var f1Interval: ConfidenceInterval?

    public var support: Int { counts.support }
}

/// Per-finding, micro and macro scores for one uncertain-label policy.
public struct LabelEvaluation: Sendable {
    public var aligned: AlignedLabels
    public var policy: UncertainPolicy
    public var findings: [FindingScore]
    /// `outcomes[report * findingCount + finding]`, kept for resampling.
    let outcomes: [PairOutcome]

    public init(aligned: AlignedLabels, policy: UncertainPolicy) {
        self.aligned = aligned
        self.policy = policy
        let findingCount = aligned.findings.count
        var outcomes: [PairOutcome] = []
        outcomes.reserveCapacity(aligned.reportIDs.count * findingCount)
        for (goldRow, predRow) in zip(aligned.gold, aligned.predicted) {
            for finding in 0..<findingCount {
                outcomes.append(PairOutcome(gold: policy.binary(goldRow[finding]), predicted: policy.binary(predRow[finding])))
            }
        }
        self.outcomes = outcomes
        let counts = Self.tally(outcomes, findingCount: findingCount, reports: 0..<aligned.reportIDs.count)
        findings = aligned.findings.enumerated().map { finding, name in
            let excluded = stride(from: finding, to: outcomes.count, by: findingCount).filter { outcomes[$0] == .excluded }.count
            return FindingScore(finding: name, counts: counts[finding], excluded: excluded)
        }
    }

    public var reportCount: Int { aligned.reportIDs.count }
    /// Pooled over the (report, finding) pairs of the findings with gold positives, as NegBio and
    /// CheXpert report it: a finding the gold never codes (Open-i has no Hernia) could only add
    /// false positives the gold cannot confirm. If no finding has positives, over all of them.
    public var micro: ConfusionCounts { pooledFindings.reduce(ConfusionCounts()) { $0 + findings[$1].counts } }
    /// Pooled over every (report, finding) pair.
    public var microOverAllFindings: ConfusionCounts { findings.reduce(ConfusionCounts()) { $0 + $1.counts } }
    /// The findings micro averages pool.
    public var pooledFindings: [Int] {
        let withPositives = findings.indices.filter { findings[$0].support > 0 }
        return withPositives.isEmpty ? Array(findings.indices) : withPositives
    }
    /// Macro averages are taken over findings with at least one gold positive: elsewhere recall
    /// and F1 are undefined and averaging only the defined ones would mix different finding sets.
    public var macro: MacroAverage { MacroAverage(findings.map(\.counts)) }

    static func tally<Reports: Sequence>(_ outcomes: [PairOutcome], findingCount: Int, reports: Reports) -> [ConfusionCounts] where Reports.Element == Int {
        var counts = [ConfusionCounts](repeating: ConfusionCounts(), count: findingCount)
        for report in reports {
            let base = report * findingCount
            for finding in 0..<findingCount { outcomes[base + finding].add(to: &counts[finding]) }
        }
        return counts
    }
}

/// Means of per-finding metrics over the findings that have gold positives. Within those, a
/// precision with no predicted positives counts as 0: the labeler found none of the cases.
public struct MacroAverage: Sendable, Codable, Equatable {
    public var findingsAveraged: Int
    public var precision: Double?
    public var recall: Double?
    public var f1: Double?
    public var specificity: Double?
    public var accuracy: Double?
    public var kappa: Double?

    public init(_ perFinding: [ConfusionCounts]) {
        let scored = perFinding.filter { $0.support > 0 }
        findingsAveraged = scored.count
        func mean(_ values: [Double?]) -> Double? {
            let present = values.compactMap { $0 }
            return present.isEmpty ? nil : present.reduce(0, +) / Double(present.count)
        }
        precision = mean(scored.map { $0.precision ?? 0 })
        recall = mean(scored.map(\.recall))
        f1 = mean(scored.map(\.f1))
        // Specificity and kappa can still be undefined (no gold negatives, one class only); those findings are skipped.
        specificity = mean(scored.map(\.specificity))
        accuracy = mean(scored.map(\.accuracy))
        kappa = mean(scored.map(\.kappa))
    }
}

/// One (report, finding) pair after the uncertain policy.
enum PairOutcome: UInt8, Sendable {
    case truePositive, falsePositive, falseNegative, trueNegative, excluded

    init(gold: Bool?, predicted: Bool?) {
        switch (gold, predicted) {
        case (true?, true?): self = .truePositive
        case (false?, true?): self = .falsePositive
        case (true?, false?): self = .falseNegative
        case (false?, false?): self = .trueNegative
        default: self = .excluded
        }
    }

    func add(to counts: inout ConfusionCounts) {
        switch self {
        case .truePositive: counts.truePositives += 1
        case .falsePositive: counts.falsePositives += 1
        case .falseNegative: counts.falseNegatives += 1
        case .trueNegative: counts.trueNegatives += 1
        case .excluded: break
        }
    }
}
