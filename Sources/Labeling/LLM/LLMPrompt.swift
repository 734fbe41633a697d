import RaddCore

/// What the LLM labeler sends for a task, built once: the fixed part first (instructions, the
/// answer format, worked examples) and the report last, so that a server's prompt cache reuses
/// everything before the report. Small models label badly when asked for every finding's value
/// at once; asked to quote the phrases that mention findings, they do well, so multi-label tasks
/// ask for mentions and radd aggregates them (`LLMLabeler`).
public struct LLMPrompt: Sendable {
    public static let version = "llm-extract-1"

    public let system: String
    public let schema: AnswerSchema
    public let followUpSchema: AnswerSchema?
    public let followUpQuestion: String?
    /// The fixed words around the task's own, in the task's report language.
    let wording: PromptWording
    /// SHA-256 of the fixed part and the schemas: a new prompt is a new labeler version.
    public let hash: String

    static let statuses = ["present", "absent", "uncertain"]
    static let binaryAnswers = ["Yes", "No", "Undefined"]
    /// More phrases than a report plausibly has is a model repeating itself.
    static let maxPhrases = 30

    public init(task: LabelTask) {
        let wording = PromptWording(task.reportLanguage)
        self.wording = wording
        let instructions = task.prompt?.instructions ?? task.description ?? wording.defaultInstructions
        var system = instructions + "\n\n"
        let examplePrefix = "\n\n\(wording.reportHeading)\n"
        let answerPrefix = "\n\(wording.answerHeading)\n"
        switch task.kind {
        case .multilabel:
            let names = task.findings.map(\.name)
            schema = .object([("mentions", .array(of: .object([
                ("text", .string(oneOf: nil)), ("finding", .string(oneOf: names)), ("status", .string(oneOf: Self.statuses)),
            ]), maxItems: 4 * names.count))])
            system += wording.multilabelFormat(findings: names, possibilitiesLeftOut: task.possibleMentions == .notMentioned)
            for example in task.prompt?.examples ?? [] {
                let mentions = (example.mentions ?? []).map { mention -> JSONValue in
                    .object([("text", .string(mention.text)), ("finding", .string(mention.finding)), ("status", .string(mention.status))])
                }
                system += examplePrefix + example.report + answerPrefix + JSONValue.object([("mentions", .array(mentions))]).text
            }
        case .binary:
            let finding = task.findings.first?.name ?? "the finding"
            schema = .object([("evidence", .string(oneOf: nil)), ("answer", .string(oneOf: Self.binaryAnswers))])
            system += wording.binaryFormat(finding: finding)
            for example in task.prompt?.examples ?? [] {
                let answer = example.answers[finding] ?? "Undefined"
                system += examplePrefix + example.report + answerPrefix
                    + JSONValue.object([("evidence", .string(example.evidence ?? "")), ("answer", .string(answer))]).text
            }
        case .extraction:
            let codes = task.extraction?.codes ?? []
            // With a code list, "" is the code of a phrase none of the codes fits.
            let item: AnswerSchema = codes.isEmpty
                ? .object([("text", .string(oneOf: nil))])
                : .object([("text", .string(oneOf: nil)), ("code", .string(oneOf: codes.map(\.code) + [""]))])
            schema = .object([("phrases", .array(of: item, maxItems: Self.maxPhrases))])
            system += wording.extractionFormat(codes: codes)
            for example in task.prompt?.examples ?? [] {
                let phrases = (example.phrases ?? []).map { phrase -> JSONValue in
                    codes.isEmpty ? .object([("text", .string(phrase.text))])
                        : .object([("text", .string(phrase.text)), ("code", .string(phrase.code ?? ""))])
                }
                system += examplePrefix + example.report + answerPrefix + JSONValue.object([("phrases", .array(phrases))]).text
            }
        }
        self.system = system
        if let followUp = task.followUp {
            let options = followUp.options.map(\.name)
            followUpSchema = .object([("options", .array(of: .string(oneOf: options), maxItems: followUp.multiple == true ? options.count : 1))])
            followUpQuestion = wording.followUp(followUp.question, options: options, multiple: followUp.multiple == true)
        } else {
            followUpSchema = nil
            followUpQuestion = nil
        }
        let fixed = [Self.version, system, schema.json.text, followUpQuestion ?? "", followUpSchema?.json.text ?? ""]
        hash = Digest.hex(Digest.sha256(Array(fixed.joined(separator: "\u{0}").utf8)))
    }

    public func messages(for report: String) -> [ChatClient.Message] {
        [ChatClient.Message(.system, system), ChatClient.Message(.user, wording.reportHeading + "\n" + report)]
    }
}

/// Whether a phrase the model quoted really occurs in the report: the same words in the same
/// order, ignoring case, spacing and punctuation.
struct QuoteCheck {
    private let words: [Substring]

    init(report: String) {
        words = Self.words(report)
    }

    func occurs(_ quote: String) -> Bool {
        let wanted = Self.words(quote)
        guard !wanted.isEmpty, wanted.count <= words.count else { return false }
        return (0...(words.count - wanted.count)).contains { start in
            words[start] == wanted[0] && words[start..<(start + wanted.count)].elementsEqual(wanted)
        }
    }

    static func words(_ text: String) -> [Substring] {
        text.lowercased().split { !($0.isLetter || $0.isNumber) }
    }
}
