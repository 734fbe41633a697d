import Foundation
import RaddCore

/// A labelling task as data (policies/tasks/NAME.json, described in Docs/label-tasks.md): the
/// findings it asks about, their answer scheme, and the phrases the rule labeler looks for.
public struct LabelTask: Codable, Sendable, Equatable {
    public enum Kind: String, Codable, Sendable {
        /// CheXpert states: positive, negative, uncertain, not mentioned.
        case multilabel
        /// Yes, No or Undefined.
        case binary
        /// A list of phrases quoted from the report, each with an optional code; no findings.
        case extraction
    }

    /// What an extraction task asks for: phrases copied from the report, each optionally
    /// coded from `codes`.
    public struct Extraction: Codable, Sendable, Equatable {
        public struct Code: Codable, Sendable, Equatable {
            public var code: String
            public var description: String
        }

        /// The output column's header ("Phrases").
        public var name: String
        public var codes: [Code]?
    }

    public struct Finding: Codable, Sendable, Equatable {
        public var name: String
        /// Phrases that mention the finding. Words are matched whole and case-insensitively; a
        /// word ending in `*` matches any word starting with it; a lone `*` stands for up to three
        /// words ("heart * enlarged").
        public var mentions: [String]
        /// Phrases that contain a mention but do not mean the finding ("mass effect").
        public var unmentions: [String]?
        /// Phrases that say the finding is absent without negating a mention ("heart size is
        /// normal" for cardiomegaly): each one found is a negative mention.
        public var absent: [String]?

        /// `mentions` may be left out: a finding defined by its prompt alone.
        public init(from decoder: Decoder) throws {
            let container = try decoder.container(keyedBy: CodingKeys.self)
            name = try container.decode(String.self, forKey: .name)
            mentions = try container.decodeIfPresent([String].self, forKey: .mentions) ?? []
            unmentions = try container.decodeIfPresent([String].self, forKey: .unmentions)
            absent = try container.decodeIfPresent([String].self, forKey: .absent)
        }
    }

    /// CheXpert's "No Finding": positive when no other finding (except `ignoring`) is positive or
    /// uncertain, otherwise not mentioned.
    public struct NoFinding: Codable, Sendable, Equatable {
        public var name: String
        public var ignoring: [String]
    }

    /// How a mention that is only raised as a possibility ("may represent atelectasis",
    /// "cannot exclude pneumonia") is labelled.
    public enum PossibleMentions: String, Codable, Sendable {
        /// As uncertain: CheXpert's convention, and the default.
        case uncertain
        /// Not at all, as if the report did not mention the finding there: the convention of
        /// label sets that code what the radiologist reads on the image (Open-i's indexers,
        /// NIH ChestX-ray14).
        case notMentioned
    }

    /// Which parts of a report the rule labeler reads.
    public enum Sections: String, Codable, Sendable {
        /// The whole text as given: the CheXpert labeler's way, whose input is the impression.
        case all
        /// Where the impression mentions a finding, the impression decides it; elsewhere the
        /// findings section does (or the whole text, if it has no findings heading). The
        /// indication ("r/o pneumonia") is never read when the report has headings.
        case impressionFirst
        /// The impression alone, or the whole text when there is no impression heading.
        case impressionOnly
    }

    /// A question asked only when a binary task's answer is Yes ("where is the bleed?").
    public struct FollowUp: Codable, Sendable, Equatable {
        public struct Option: Codable, Sendable, Equatable {
            public var name: String
            /// Phrases that name this option; none for a catch-all such as "other".
            public var mentions: [String]?
        }

        /// The output column's header.
        public var name: String
        /// The question as the LLM labeler asks it.
        public var question: String
        public var options: [Option]
        /// Whether several options may be answered at once (bleeding from liver and spleen).
        public var multiple: Bool?
    }

    /// What the LLM labeler is told: fixed instructions, then worked examples, then the report.
    public struct Prompt: Codable, Sendable, Equatable {
        public struct Example: Codable, Sendable, Equatable {
            /// What the LLM labeler should extract from a multi-label task's example: a phrase
            /// copied from the report, the finding it is about, and present, absent or uncertain.
            public struct Mention: Codable, Sendable, Equatable {
                public var text: String
                public var finding: String
                public var status: String
            }

            public var report: String
            /// Finding name to answer, in the task's cell convention ("1.0", "Yes", ...).
            public var answers: [String: String]
            /// A multi-label example's mentions, as the model should list them.
            public var mentions: [Mention]?
            /// A binary example's deciding words, copied from the report.
            public var evidence: String?
            public var followUp: [String]?
            /// An extraction example's phrases, as the model should list them.
            public var phrases: [ExtractedPhrase]?
        }

        public var instructions: String
        public var examples: [Example]?
    }

    /// A task's changes to the rule labeler's cues for its language (`"cues"` in the task file):
    /// added to the built-in lists, or (`"mode": "replace"`) instead of each list it gives. The
    /// built-in lists are in `Sources/Labeling/Rules/RuleCues*.swift` ([label-tasks.md](label-tasks.md#languages-and-cues)).
    public struct Cues: Codable, Sendable, Equatable {
        public enum Mode: String, Codable, Sendable {
            /// The task's cues are used beside the language's own (the default).
            case add
            /// Each list the task gives is used instead of the language's; lists it leaves out stay.
            case replace
        }

        public var mode: Mode?
        /// Negations before a mention ("kein Nachweis von").
        public var negation: [String]?
        /// Negations after a mention ("ausgeschlossen", "is not seen").
        public var negationAfter: [String]?
        /// Phrases with a negation word that negate nothing ("nicht dislozierte", "no change in").
        public var pseudoNegation: [String]?
        /// Hedges, before or after a mention; a task's own count as uncertain, not as a mere possibility.
        public var uncertainty: [String]?
        /// Single words that end a clause, and with it every cue's reach ("jedoch", "however").
        public var scopeEnds: [String]?

        public init(mode: Mode? = nil, negation: [String]? = nil, negationAfter: [String]? = nil,
                    pseudoNegation: [String]? = nil, uncertainty: [String]? = nil, scopeEnds: [String]? = nil) {
            self.mode = mode
            self.negation = negation
            self.negationAfter = negationAfter
            self.pseudoNegation = pseudoNegation
            self.uncertainty = uncertainty
            self.scopeEnds = scopeEnds
        }

        private struct AnyKey: CodingKey {
            var stringValue: String
            var intValue: Int? { nil }
            init(stringValue: String) { self.stringValue = stringValue }
            init?(intValue: Int) { nil }
        }

        /// A misspelt list ("negations") would silently change nothing, so unknown keys are refused.
        public init(from decoder: Decoder) throws {
            let known = Set(CodingKeys.allCases.map(\.stringValue))
            let keys = try decoder.container(keyedBy: AnyKey.self).allKeys.map(\.stringValue)
            if let unknown = keys.first(where: { !known.contains($0) }) {
                throw DecodingError.dataCorrupted(DecodingError.Context(
                    codingPath: decoder.codingPath,
                    debugDescription: "unknown cue list '\(unknown)' (known: \(CodingKeys.allCases.map(\.stringValue).joined(separator: ", ")))"))
            }
            let container = try decoder.container(keyedBy: CodingKeys.self)
            mode = try container.decodeIfPresent(Mode.self, forKey: .mode)
            negation = try container.decodeIfPresent([String].self, forKey: .negation)
            negationAfter = try container.decodeIfPresent([String].self, forKey: .negationAfter)
            pseudoNegation = try container.decodeIfPresent([String].self, forKey: .pseudoNegation)
            uncertainty = try container.decodeIfPresent([String].self, forKey: .uncertainty)
            scopeEnds = try container.decodeIfPresent([String].self, forKey: .scopeEnds)
        }

        enum CodingKeys: String, CodingKey, CaseIterable {
            case mode, negation, negationAfter, pseudoNegation, uncertainty, scopeEnds
        }

        /// The lists by their names in the task file, in that order.
        var lists: [(name: String, cues: [String]?)] {
            [("negation", negation), ("negationAfter", negationAfter), ("pseudoNegation", pseudoNegation),
             ("uncertainty", uncertainty), ("scopeEnds", scopeEnds)]
        }

        /// What makes the cues unusable for `language`, if anything.
        func problem(language: ReportLanguage) -> String? {
            let rules = RuleCues.builtIn(for: language).words
            let given = lists.filter { $0.cues != nil }
            if given.isEmpty { return "cues gives no list (negation, negationAfter, pseudoNegation, uncertainty, scopeEnds)" }
            for (name, cues) in given {
                guard let cues, !cues.isEmpty else {
                    // Under "replace" an empty list would switch the cues off; under "add" it does nothing.
                    return "cues.\(name) is empty: leave it out to keep the \(language.displayName) cues"
                }
                for cue in cues {
                    let words = rules.phrase(cue)
                    if words.isEmpty { return "cues.\(name): '\(cue)' has no words" }
                    if words.contains("*") { return "cues.\(name): '\(cue)': a lone '*' is for mentions; cues are matched word for word" }
                    if name == "scopeEnds" && words.count != 1 {
                        return "cues.scopeEnds: '\(cue)' is \(words.count) words; a clause ends at a single word"
                    }
                }
            }
            return nil
        }
    }

    public var name: String
    /// Bumped whenever the task's meaning changes, and stored with every label it produced.
    public var version: Int?
    public var kind: Kind
    public var description: String?
    /// The language of the reports the task reads (`"en"` when absent): it labels only reports
    /// in that language, and it selects the rule labeler's cue lists and the prompt's framing.
    public var language: ReportLanguage?
    public var findings: [Finding]
    /// Computed after the findings and written as the first column after the report.
    public var noFinding: NoFinding?
    public var possibleMentions: PossibleMentions?
    public var sections: Sections?
    public var followUp: FollowUp?
    /// An extraction task's list (`kind: extraction`).
    public var extraction: Extraction?
    public var prompt: Prompt?
    /// Changes to the rule labeler's cues for the task's language; nil: the language's own.
    public var cues: Cues?

    /// The language of the reports the task reads: English unless the task says otherwise.
    public var reportLanguage: ReportLanguage { language ?? .en }

    /// Whether the rule labeler can answer the task. A task without any phrase is defined by
    /// its prompt alone and labelled by the models only, under every label policy.
    public var hasRulePhrases: Bool { findings.contains { !$0.mentions.isEmpty } }

    /// Output columns: "No Finding" (if the task has it), then the findings, then the follow-up;
    /// an extraction task's one column of phrases.
    public var columns: [String] {
        (noFinding.map { [$0.name] } ?? []) + findings.map(\.name) + (followUp.map { [$0.name] } ?? [])
            + (extraction.map { [$0.name] } ?? [])
    }

    public struct Problem: Error, CustomStringConvertible {
        public var description: String
        /// No task file by that name or path, as opposed to one that is broken.
        public var isMissing = false
    }

    /// Where task names are looked up unless told otherwise: the repository's tasks when run from
    /// it, then the hospital's own (which may replace a shipped one), then the shipped ones that
    /// install.sh installs.
    public static let defaultDirectories = ["policies/tasks", "/etc/radd/tasks", "/usr/local/share/radd/tasks"]

    /// A task file by path, or by name from the first of `directories` that has `NAME.json`.
    public static func load(_ nameOrPath: String, directories: [String]) throws -> LabelTask {
        let candidates = nameOrPath.hasSuffix(".json") || nameOrPath.contains("/")
            ? [nameOrPath] : directories.map { $0 + "/" + nameOrPath + ".json" }
        guard let path = candidates.first(where: { FileManager.default.fileExists(atPath: $0) }) else {
            throw Problem(description: "no task '\(nameOrPath)' (looked in \(candidates.joined(separator: ", ")))", isMissing: true)
        }
        guard let data = FileManager.default.contents(atPath: path) else { throw Problem(description: "\(path): cannot read it") }
        let task: LabelTask
        do { task = try JSONDecoder().decode(LabelTask.self, from: data) } catch {
            throw Problem(description: "\(path): not a valid task file (\(Self.describe(error)))")
        }
        if let problem = task.problem { throw Problem(description: "\(path): \(problem)") }
        return task
    }

    /// What makes a decoded task unusable, if anything.
    public var problem: String? {
        if kind == .extraction {
            guard let extraction else { return "an extraction task needs \"extraction\": {\"name\": COLUMN, \"codes\": [...]}" }
            if !findings.isEmpty { return "an extraction task has no findings (it lists phrases in '\(extraction.name)')" }
            if prompt == nil { return "an extraction task needs the prompt the models are asked" }
            if followUp != nil || noFinding != nil { return "an extraction task has no followUp or noFinding" }
            if cues != nil { return "an extraction task has no rule cues (only the models label it)" }
            let codes = Set((extraction.codes ?? []).map(\.code))
            for example in prompt?.examples ?? [] {
                if let phrase = example.phrases?.first(where: { $0.code.map { !codes.contains($0) } ?? false }) {
                    return "a prompt example codes a phrase '\(phrase.code ?? "")', which is not in extraction.codes"
                }
            }
            return nil
        }
        if extraction != nil { return "only an extraction task (kind \"extraction\") may have \"extraction\"" }
        if findings.isEmpty { return "no findings" }
        let names = columns
        if let repeated = names.first(where: { name in names.filter { $0 == name }.count > 1 }) {
            return "column '\(repeated)' appears twice"
        }
        if !hasRulePhrases && prompt == nil {
            return "no finding has mentions and there is no prompt: a prompt-only task needs the prompt the models are asked"
        }
        if prompt == nil, let empty = findings.first(where: { $0.mentions.isEmpty }) {
            // Only the models answer a finding without phrases, and they answer what they are asked.
            return "finding '\(empty.name)' has no mentions, so the models answer it, and the task has no prompt to ask them with"
        }
        if kind == .binary && findings.count != 1 { return "a binary task asks about exactly one finding (this one has \(findings.count))" }
        if followUp != nil && kind != .binary { return "only a binary task may have a followUp (it is asked after a Yes)" }
        if let followUp, followUp.options.isEmpty { return "followUp '\(followUp.name)' has no options" }
        for example in prompt?.examples ?? [] {
            if let unknown = example.answers.keys.first(where: { name in !findings.contains { $0.name == name } }) {
                return "a prompt example answers '\(unknown)', which is not one of the task's findings"
            }
            if let mention = example.mentions?.first(where: { mention in
                !findings.contains { $0.name == mention.finding } || !["present", "absent", "uncertain"].contains(mention.status)
            }) {
                return "a prompt example's mention names '\(mention.finding)' as '\(mention.status)'; findings must be the task's, statuses present, absent or uncertain"
            }
        }
        if let noFinding, noFinding.ignoring.contains(where: { ignored in !findings.contains { $0.name == ignored } }) {
            return "noFinding ignores a finding the task does not have"
        }
        if let cues {
            if !hasRulePhrases { return "cues are the rule labeler's, and this task has no rule phrases (it is prompt-only)" }
            if let problem = cues.problem(language: reportLanguage) { return problem }
        }
        return nil
    }

    /// A decoding error as a person reads it: the field's path and what was wrong.
    static func describe(_ error: Error) -> String {
        func path(_ keys: [CodingKey]) -> String {
            keys.map { $0.intValue.map { "[\($0)]" } ?? "." + $0.stringValue }.joined().drop(while: { $0 == "." }).description
        }
        switch error as? DecodingError {
        case .keyNotFound(let key, let context)?: return "missing \(path(context.codingPath + [key]))"
        case .typeMismatch(_, let context)?, .valueNotFound(_, let context)?:
            return "\(path(context.codingPath)): \(context.debugDescription)"
        case .dataCorrupted(let context)?:
            return context.codingPath.isEmpty ? "not JSON" : "\(path(context.codingPath)): \(context.debugDescription)"
        default: return "\(error)"
        }
    }
}
