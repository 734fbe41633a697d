import Foundation
import RaddCore

/// Scores an extraction task's phrases against gold phrases, report by report, with a lenient
/// match, and counts the error classes the published weak-label work reports. Figures only: no
/// phrase or report text is in the result, so it can be printed and logged.
///
/// A predicted phrase matches a gold phrase of the same report when
/// - their words overlap in the report (both are found there, word for word, ignoring case and
///   punctuation, and some occurrence of one shares a word position with some occurrence of
///   the other), or
/// - their normalised texts are equal (lower case, letters and digits, single spaces), which
///   also covers a gold phrase written slightly off the report's text.
/// Precision is matched predicted phrases over predicted phrases; recall, matched gold phrases
/// over gold phrases; F1 their harmonic mean.
public struct PhraseEvaluation: Sendable, Codable {
    public struct Input: Sendable {
        public var text: String
        public var predicted: [ExtractedPhrase]
        public var gold: [ExtractedPhrase]
        /// Invented phrases the labeler dropped before storing its answer (its provenance).
        public var droppedInvented: Int

        public init(text: String, predicted: [ExtractedPhrase], gold: [ExtractedPhrase], droppedInvented: Int = 0) {
            self.text = text
            self.predicted = predicted
            self.gold = gold
            self.droppedInvented = droppedInvented
        }
    }

    public struct Totals: Sendable, Codable, Equatable {
        public var predicted = 0
        public var gold = 0
        public var matchedPredicted = 0
        public var matchedGold = 0

        public var precision: Double? { predicted == 0 ? nil : Double(matchedPredicted) / Double(predicted) }
        public var recall: Double? { gold == 0 ? nil : Double(matchedGold) / Double(gold) }
        public var f1: Double? {
            guard let precision, let recall else { return nil }
            return precision + recall == 0 ? 0 : 2 * precision * recall / (precision + recall)
        }

        static func + (lhs: Totals, rhs: Totals) -> Totals {
            Totals(predicted: lhs.predicted + rhs.predicted, gold: lhs.gold + rhs.gold,
                   matchedPredicted: lhs.matchedPredicted + rhs.matchedPredicted, matchedGold: lhs.matchedGold + rhs.matchedGold)
        }
    }

    /// The paper's error classes and what else a reader needs to judge the figures.
    public struct ErrorClasses: Sendable, Codable, Equatable {
        /// Predicted phrases the gold does not have that are hedged: a cue such as "likely",
        /// "possibly", "may" or "cannot be excluded" in the phrase or in the four words before it.
        public var uncertainIncluded = 0
        /// Other predicted phrases the gold does not have.
        public var otherExtra = 0
        /// Gold phrases no predicted phrase matches.
        public var missed = 0
        /// Gold phrases matched by two or more predicted phrases (one finding cut in pieces).
        public var split = 0
        /// Predicted phrases matching two or more gold phrases (several findings in one).
        public var joined = 0
        /// Invented phrases the quote check dropped before the answers were stored.
        public var droppedInvented = 0
        /// Gold phrases not found word for word in the report (matched by normalised text only).
        public var goldNotInText = 0
        /// Matched pairs where both have a code, and of those the ones with the same code.
        public var codedPairs = 0
        public var sameCode = 0
    }

    public var reports: Int
    public var totals: Totals
    public var errors: ErrorClasses
    public var f1Interval: ConfidenceInterval?
    public var bootstrap: BootstrapSettings

    public init(_ inputs: [Input], bootstrap settings: BootstrapSettings = BootstrapSettings()) {
        var perReport: [Totals] = []
        var errors = ErrorClasses()
        for input in inputs {
            let scored = Self.score(input, errors: &errors)
            perReport.append(scored)
        }
        reports = inputs.count
        totals = perReport.reduce(Totals(), +)
        self.errors = errors
        bootstrap = settings
        f1Interval = Self.interval(perReport, settings: settings)
    }

    /// Words of the report with their positions, as the quote check reads them.
    struct Words {
        let words: [Substring]

        init(_ text: String) { words = QuoteCheck.words(text) }

        /// Every position range at which `phrase`'s words occur.
        func occurrences(of phrase: String) -> [Range<Int>] {
            let wanted = QuoteCheck.words(phrase)
            guard !wanted.isEmpty, wanted.count <= words.count else { return [] }
            return (0...(words.count - wanted.count)).filter { start in
                words[start] == wanted[0] && words[start..<(start + wanted.count)].elementsEqual(wanted)
            }.map { $0..<($0 + wanted.count) }
        }
    }

    /// Cues that make a phrase a possibility rather than a finding.
    static let hedges: [[Substring]] = ["likely", "possibly", "possible", "probable", "probably", "may", "might", "could",
                                        "suggest", "suggests", "suggestive", "suspicious", "suspected", "questionable",
                                        "versus", "vs", "concerning", "differential", "cannot be excluded", "not excluded",
                                        "cannot exclude", "can not be excluded", "question of", "equivocal"]
        .map { QuoteCheck.words($0) }

    static func isHedged(_ phrase: String, at occurrences: [Range<Int>], in words: Words) -> Bool {
        func contains(_ window: ArraySlice<Substring>) -> Bool {
            hedges.contains { cue in
                cue.count <= window.count && (window.startIndex...(window.endIndex - cue.count)).contains { start in
                    window[start..<(start + cue.count)].elementsEqual(cue)
                }
            }
        }
        if contains(ArraySlice(QuoteCheck.words(phrase))) { return true }
        return occurrences.contains { range in contains(words.words[max(0, range.lowerBound - 4)..<range.lowerBound]) }
    }

    static func score(_ input: Input, errors: inout ErrorClasses) -> Totals {
        let words = Words(input.text)
        let predicted = input.predicted.map { (phrase: $0, at: words.occurrences(of: $0.text)) }
        let gold = input.gold.map { (phrase: $0, at: words.occurrences(of: $0.text)) }
        func matches(_ p: (phrase: ExtractedPhrase, at: [Range<Int>]), _ g: (phrase: ExtractedPhrase, at: [Range<Int>])) -> Bool {
            if !p.phrase.normalized.isEmpty && p.phrase.normalized == g.phrase.normalized { return true }
            return p.at.contains { a in g.at.contains { b in a.overlaps(b) } }
        }
        var totals = Totals(predicted: predicted.count, gold: gold.count)
        for p in predicted {
            let hits = gold.filter { matches(p, $0) }
            if hits.isEmpty {
                if isHedged(p.phrase.text, at: p.at, in: words) { errors.uncertainIncluded += 1 } else { errors.otherExtra += 1 }
                continue
            }
            totals.matchedPredicted += 1
            if hits.count >= 2 { errors.joined += 1 }
            if let coded = hits.first(where: { $0.phrase.code != nil }), let code = p.phrase.code {
                errors.codedPairs += 1
                if coded.phrase.code == code { errors.sameCode += 1 }
            }
        }
        for g in gold {
            if g.at.isEmpty { errors.goldNotInText += 1 }
            let hits = predicted.filter { matches($0, g) }
            if hits.isEmpty { errors.missed += 1 } else { totals.matchedGold += 1 }
            if hits.count >= 2 { errors.split += 1 }
        }
        errors.droppedInvented += input.droppedInvented
        return totals
    }

    /// F1's percentile bootstrap interval over reports, as `LabelEvaluation.bootstrap` draws them.
    static func interval(_ perReport: [Totals], settings: BootstrapSettings) -> ConfidenceInterval? {
        guard !perReport.isEmpty else { return nil }
        var generator = SplitMix64(seed: settings.seed)
        var samples: [Double] = []
        for _ in 0..<settings.rounds {
            var sum = Totals()
            for _ in perReport.indices { sum = sum + perReport[Int(generator.next() % UInt64(perReport.count))] }
            if let f1 = sum.f1 { samples.append(f1) }
        }
        guard samples.count >= max(1, settings.rounds / 2) else { return nil }
        return LabelEvaluation.percentileInterval(samples, confidence: settings.confidence)
    }

    /// The table `raddctl eval` prints.
    public func text(task: String, labeler: String, goldName: String) -> String {
        func figure(_ value: Double?) -> String { value.map { String(format: "%.3f", $0) } ?? "n/a" }
        func pad(_ value: CustomStringConvertible, _ width: Int) -> String {
            let text = value.description
            return String(repeating: " ", count: max(0, width - text.count)) + text
        }
        let interval = f1Interval.map { "\(figure($0.lower))–\(figure($0.upper))" } ?? "n/a"
        var lines = [
            "Task \(task): phrases of \(labeler) against gold \(goldName); \(reports) reports",
            "Lenient match: a predicted phrase matches a gold phrase when their words overlap in the report, or their normalised texts are equal.",
            "",
            "Predicted  Gold  Matched predicted  Matched gold  Precision  Recall     F1    F1 95% CI",
            [pad(totals.predicted, 9), pad(totals.gold, 4), pad(totals.matchedPredicted, 17), pad(totals.matchedGold, 12),
             pad(figure(totals.precision), 9), pad(figure(totals.recall), 6), pad(figure(totals.f1), 5), pad(interval, 11)]
                .joined(separator: "  "),
            "",
            "Error classes:",
            "  uncertain phrases included (a hedge in or just before the phrase): \(errors.uncertainIncluded)",
            "  other phrases not in the gold:                                   \(errors.otherExtra)",
            "  gold phrases missed:                                             \(errors.missed)",
            "  gold phrases split into several predicted phrases:               \(errors.split)",
            "  predicted phrases joining several gold phrases:                  \(errors.joined)",
            "  invented phrases dropped before storing (quote check):           \(errors.droppedInvented)",
            "  gold phrases not found word for word in the report:              \(errors.goldNotInText)",
        ]
        if errors.codedPairs > 0 {
            lines.append("  codes: \(errors.sameCode) of \(errors.codedPairs) matched pairs coded in both have the same code")
        }
        lines.append("")
        lines.append("\(Int(bootstrap.confidence * 100))% interval: percentile bootstrap over reports, \(bootstrap.rounds) rounds, seed \(bootstrap.seed)")
        return lines.joined(separator: "\n") + "\n"
    }
}

extension PhraseEvaluation {
    /// Offline: a gold file and a prediction file, each CSV with a header whose first column is
    /// the report id and with the task's phrase column. Reports pair up by id; only gold reports
    /// the predictions have are scored (counted in `notes`). The report text comes from a
    /// `report_text` column of the gold file when it has one (a filled `gold sample` worksheet
    /// does); without it, phrases match by normalised text only.
    public static func files(gold goldPath: String, predicted predPath: String, task: LabelTask) throws -> (PhraseEvaluation, notes: [String]) {
        let column = task.extraction?.name ?? "Phrases"
        func read(_ path: String) throws -> (ids: [String], phrases: [String: String], texts: [String: String]) {
            guard let data = FileManager.default.contents(atPath: path) else { throw LabelFileError(file: path, "cannot read it") }
            let records = try CSVRecords.parse(Array(data), file: path)
            guard let header = records.first?.fields.map({ $0.trimmingCharacters(in: .whitespaces) }), !header.isEmpty else {
                throw LabelFileError(file: path, "no header")
            }
            guard let phraseColumn = header.firstIndex(where: { LabelTable.normalizedFindingName($0) == LabelTable.normalizedFindingName(column) }) else {
                throw LabelFileError(file: path, line: 1, "no column '\(column)'")
            }
            let textColumn = header.firstIndex(of: "report_text")
            var ids: [String] = [], phrases: [String: String] = [:], texts: [String: String] = [:]
            for record in records.dropFirst() where record.fields.count == header.count {
                let id = record.fields[0].trimmingCharacters(in: .whitespaces)
                guard phrases[id] == nil else { throw LabelFileError(file: path, line: record.line, "report '\(id.prefix(40))' appears twice") }
                ids.append(id)
                phrases[id] = record.fields[phraseColumn]
                if let textColumn { texts[id] = record.fields[textColumn] }
            }
            return (ids, phrases, texts)
        }
        let gold = try read(goldPath), predicted = try read(predPath)
        var inputs: [Input] = [], notes: [String] = [], unanswered = 0, missing = 0
        for id in gold.ids {
            guard let goldCell = gold.phrases[id], !goldCell.trimmingCharacters(in: .whitespaces).isEmpty else { unanswered += 1; continue }
            guard let predictedCell = predicted.phrases[id] else { missing += 1; continue }
            inputs.append(Input(text: gold.texts[id] ?? "", predicted: ExtractedPhrase.phrases(inCell: predictedCell),
                                gold: ExtractedPhrase.phrases(inCell: goldCell)))
        }
        if unanswered > 0 { notes.append("\(unanswered) gold rows are blank (not answered) and are not scored") }
        if missing > 0 { notes.append("\(missing) gold reports are missing from the predictions and are not scored") }
        if gold.texts.isEmpty { notes.append("the gold file has no report_text column: phrases matched by normalised text only") }
        guard !inputs.isEmpty else { throw LabelFileError(file: predPath, "no report of the gold file is in the predictions") }
        return (PhraseEvaluation(inputs), notes)
    }
}
