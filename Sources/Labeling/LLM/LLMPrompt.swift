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
    /// SHA-256 of the fixed part and the schemas: a new prompt is a new labeler version.
    public let hash: String

    static let statuses = ["present", "absent", "uncertain"]
    static let binaryAnswers = ["Yes", "No", "Undefined"]
    /// More phrases than a report plausibly has is a model repeating itself.
    static let maxPhrases = 30

    public init(task: LabelTask) {
        let instructions = task.prompt?.instructions ?? task.description ?? "Label the radiology report."
        var system = instructions + "\n\n"
        switch task.kind {
        case .multilabel:
            let names = task.findings.map(\.name)
            schema = .object([("mentions", .array(of: .object([
                ("text", .string(oneOf: nil)), ("finding", .string(oneOf: names)), ("status", .string(oneOf: Self.statuses)),
            ]), maxItems: 4 * names.count))])
            system += """
                Answer with JSON only, in the form {"mentions": [{"text": ..., "finding": ..., "status": ...}]}.
                List each phrase of the report that speaks about one of these findings: \(names.joined(separator: ", ")).
                For each give "text", the phrase copied word for word from the report; "finding", the finding it is about, \
                spelled as above; and "status": "present" if the report says the finding is there, "absent" if it says it \
                is not, \(task.possibleMentions == .notMentioned
                    ? "\"uncertain\" if the report reads the image as probably showing it. Leave out a finding the report only raises as a possibility (\"may represent\", \"cannot exclude\", \"concerning for\")"
                    : "\"uncertain\" if the report hedges"). Leave out findings the report does not speak about; \
                {"mentions": []} is a valid answer.
                """
            for example in task.prompt?.examples ?? [] {
                let mentions = (example.mentions ?? []).map { mention -> JSONValue in
                    .object([("text", .string(mention.text)), ("finding", .string(mention.finding)), ("status", .string(mention.status))])
                }
                system += "\n\nReport:\n\(example.report)\nAnswer:\n" + JSONValue.object([("mentions", .array(mentions))]).text
            }
        case .binary:
            let finding = task.findings.first?.name ?? "the finding"
            schema = .object([("evidence", .string(oneOf: nil)), ("answer", .string(oneOf: Self.binaryAnswers))])
            system += """
                Answer with JSON only, in the form {"evidence": ..., "answer": ...}: "evidence" is the report's words that \
                decide whether there is \(finding.lowercased()), copied word for word (or "" if the report does not speak \
                about it), and "answer" is "Yes", "No" or "Undefined".
                """
            for example in task.prompt?.examples ?? [] {
                let answer = example.answers[finding] ?? "Undefined"
                system += "\n\nReport:\n\(example.report)\nAnswer:\n"
                    + JSONValue.object([("evidence", .string(example.evidence ?? "")), ("answer", .string(answer))]).text
            }
        case .extraction:
            let codes = task.extraction?.codes ?? []
            // With a code list, "" is the code of a phrase none of the codes fits.
            let item: AnswerSchema = codes.isEmpty
                ? .object([("text", .string(oneOf: nil))])
                : .object([("text", .string(oneOf: nil)), ("code", .string(oneOf: codes.map(\.code) + [""]))])
            schema = .object([("phrases", .array(of: item, maxItems: Self.maxPhrases))])
            system += codes.isEmpty
                ? """
                    Answer with JSON only, in the form {"phrases": [{"text": ...}]}: each "text" a phrase copied word for word \
                    from the report. {"phrases": []} is a valid answer.
                    """
                : """
                    Answer with JSON only, in the form {"phrases": [{"text": ..., "code": ...}]}: each "text" a phrase copied \
                    word for word from the report, and "code" the one of these codes it represents, or "" if none fits:
                    """ + "\n" + codes.map { "\($0.code): \($0.description)" }.joined(separator: "\n")
                    + "\n{\"phrases\": []} is a valid answer."
            for example in task.prompt?.examples ?? [] {
                let phrases = (example.phrases ?? []).map { phrase -> JSONValue in
                    codes.isEmpty ? .object([("text", .string(phrase.text))])
                        : .object([("text", .string(phrase.text)), ("code", .string(phrase.code ?? ""))])
                }
                system += "\n\nReport:\n\(example.report)\nAnswer:\n" + JSONValue.object([("phrases", .array(phrases))]).text
            }
        }
        self.system = system
        if let followUp = task.followUp {
            let options = followUp.options.map(\.name)
            followUpSchema = .object([("options", .array(of: .string(oneOf: options), maxItems: followUp.multiple == true ? options.count : 1))])
            followUpQuestion = followUp.question + "\nAnswer with JSON only, in the form {\"options\": [...]}, choosing "
                + (followUp.multiple == true ? "every one that applies" : "one") + " of: " + options.joined(separator: ", ") + "."
        } else {
            followUpSchema = nil
            followUpQuestion = nil
        }
        let fixed = [Self.version, system, schema.json.text, followUpQuestion ?? "", followUpSchema?.json.text ?? ""]
        hash = Digest.hex(Digest.sha256(Array(fixed.joined(separator: "\u{0}").utf8)))
    }

    public func messages(for report: String) -> [ChatClient.Message] {
        [ChatClient.Message(.system, system), ChatClient.Message(.user, "Report:\n" + report)]
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
