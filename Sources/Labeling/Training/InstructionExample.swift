import RaddCore

/// One instruction-tuning example in OpenAI's chat fine-tuning format: the task's instructions
/// as the system message, the de-identified report as the user message, and a labeler's answer
/// as the assistant message, written as the task's plain answer object. The answer is the
/// direct form (every finding's status, or Yes/No/Undefined), not the LLM labeler's quoted
/// mentions: weak labels carry no quotes, and a model fine-tuned on them answers directly.
public enum InstructionExample {
    /// How a finding's value is written in the answer object.
    static func status(_ value: LabelValue) -> String {
        switch value {
        case .positive: return "positive"
        case .negative: return "negative"
        case .uncertain: return "uncertain"
        case .undefined: return "not mentioned"
        }
    }

    static func binaryWord(_ value: LabelValue?) -> String {
        switch value {
        case .positive?: return "Yes"
        case .negative?: return "No"
        default: return "Undefined"
        }
    }

    /// The task's instructions and the direct answer format, in the task's report language (the
    /// JSON keys and values are the same in every language).
    public static func systemPrompt(for task: LabelTask) -> String {
        let wording = PromptWording(task.reportLanguage)
        let instructions = task.prompt?.instructions ?? task.description ?? wording.defaultInstructions
        switch task.kind {
        case .multilabel:
            return instructions + "\n\n" + wording.directMultilabelFormat(findings: task.findings.map(\.name))
        case .binary:
            return instructions + "\n\n" + wording.directBinaryFormat(followUp: task.followUp)
        case .extraction:
            return instructions + "\n\n" + wording.directExtractionFormat(codes: (task.extraction?.codes ?? []).map(\.code))
        }
    }

    /// The assistant message: the answer object, findings in the task's order.
    public static func answerJSON(_ answer: TaskAnswer, task: LabelTask) -> String {
        switch task.kind {
        case .multilabel:
            let pairs = zip(task.findings, answer.values).map { JSONText.quoted($0.name) + ": " + JSONText.quoted(status($1)) }
            return "{\"findings\": {" + pairs.joined(separator: ", ") + "}}"
        case .binary:
            let word = binaryWord(answer.values.first)
            var object = "{\"answer\": " + JSONText.quoted(word)
            if task.followUp != nil && word == "Yes" {
                object += ", \"follow_up\": [" + (answer.followUp ?? []).map(JSONText.quoted).joined(separator: ", ") + "]"
            }
            return object + "}"
        case .extraction:
            let withCodes = !(task.extraction?.codes ?? []).isEmpty
            let phrases = (answer.phrases ?? []).map { phrase in
                "{\"text\": " + JSONText.quoted(phrase.text) + (withCodes ? ", \"code\": " + JSONText.quoted(phrase.code ?? "") : "") + "}"
            }
            return "{\"phrases\": [" + phrases.joined(separator: ", ") + "]}"
        }
    }

    /// One JSON line: {"messages": [system, user, assistant]}.
    public static func line(task: LabelTask, system: String, reportText: String, answer: TaskAnswer) -> String {
        let messages = [("system", system), ("user", reportText), ("assistant", answerJSON(answer, task: task))]
        return "{\"messages\": [" + messages.map { "{\"role\": \(JSONText.quoted($0.0)), \"content\": \(JSONText.quoted($0.1))}" }
            .joined(separator: ", ") + "]}"
    }
}
