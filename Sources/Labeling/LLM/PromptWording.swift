import RaddCore

/// The fixed words radd puts around a task's own instructions and examples, which the model
/// reads: how to answer, the headings of the worked examples and of the report, the follow-up's
/// framing, and the request to answer again. They are in the task's report language, so that a
/// German task's prompt is German throughout. The answer schema (JSON keys and the values
/// "Yes", "No", "Undefined", "present", ...) is the same in every language: it is what radd
/// parses and stores. The English words are those radd has always sent; changing them changes
/// every English prompt hash.
struct PromptWording: Sendable {
    let language: ReportLanguage

    init(_ language: ReportLanguage) {
        self.language = language
    }

    var defaultInstructions: String {
        switch language {
        case .en: return "Label the radiology report."
        case .de: return "Beantworte die Frage zum radiologischen Befundbericht."
        }
    }

    /// Before each worked example's report and before the report to label.
    var reportHeading: String {
        switch language {
        case .en: return "Report:"
        case .de: return "Befundbericht:"
        }
    }

    var answerHeading: String {
        switch language {
        case .en: return "Answer:"
        case .de: return "Antwort:"
        }
    }

    func multilabelFormat(findings names: [String], possibilitiesLeftOut: Bool) -> String {
        switch language {
        case .en:
            return """
                Answer with JSON only, in the form {"mentions": [{"text": ..., "finding": ..., "status": ...}]}.
                List each phrase of the report that speaks about one of these findings: \(names.joined(separator: ", ")).
                For each give "text", the phrase copied word for word from the report; "finding", the finding it is about, \
                spelled as above; and "status": "present" if the report says the finding is there, "absent" if it says it \
                is not, \(possibilitiesLeftOut
                    ? "\"uncertain\" if the report reads the image as probably showing it. Leave out a finding the report only raises as a possibility (\"may represent\", \"cannot exclude\", \"concerning for\")"
                    : "\"uncertain\" if the report hedges"). Leave out findings the report does not speak about; \
                {"mentions": []} is a valid answer.
                """
        case .de:
            return """
                Antworte nur mit JSON, in der Form {"mentions": [{"text": ..., "finding": ..., "status": ...}]}.
                Nenne jede Wendung des Befundberichts, die einen dieser Befunde betrifft: \(names.joined(separator: ", ")).
                Gib jeweils "text" an, die Wendung wörtlich aus dem Bericht kopiert; "finding", den Befund, um den es geht, \
                genau wie oben geschrieben; und "status": "present", wenn der Bericht sagt, dass der Befund vorliegt, \
                "absent", wenn er ihn verneint, \(possibilitiesLeftOut
                    ? "\"uncertain\", wenn der Bericht das Bild als wahrscheinlich so liest. Lass einen Befund weg, den der Bericht nur als Möglichkeit nennt (\"V.a.\", \"nicht auszuschließen\", \"DD\")"
                    : "\"uncertain\", wenn der Bericht sich nicht festlegt"). Lass Befunde weg, zu denen der Bericht nichts sagt; \
                {"mentions": []} ist eine gültige Antwort.
                """
        }
    }

    func binaryFormat(finding: String) -> String {
        switch language {
        case .en:
            return """
                Answer with JSON only, in the form {"evidence": ..., "answer": ...}: "evidence" is the report's words that \
                decide whether there is \(finding.lowercased()), copied word for word (or "" if the report does not speak \
                about it), and "answer" is "Yes", "No" or "Undefined".
                """
        case .de:
            // The finding's name is the answer column's, usually English: the German
            // instructions ask the question, so it is not repeated here.
            return """
                Antworte nur mit JSON, in der Form {"evidence": ..., "answer": ...}: "evidence" sind die Worte des \
                Befundberichts, die die Frage entscheiden, wörtlich kopiert (oder "", wenn der Bericht nichts dazu sagt), \
                und "answer" ist "Yes", "No" oder "Undefined".
                """
        }
    }

    func extractionFormat(codes: [LabelTask.Extraction.Code]) -> String {
        switch language {
        case .en:
            return codes.isEmpty
                ? """
                    Answer with JSON only, in the form {"phrases": [{"text": ...}]}: each "text" a phrase copied word for word \
                    from the report. {"phrases": []} is a valid answer.
                    """
                : """
                    Answer with JSON only, in the form {"phrases": [{"text": ..., "code": ...}]}: each "text" a phrase copied \
                    word for word from the report, and "code" the one of these codes it represents, or "" if none fits:
                    """ + "\n" + codes.map { "\($0.code): \($0.description)" }.joined(separator: "\n")
                    + "\n{\"phrases\": []} is a valid answer."
        case .de:
            return codes.isEmpty
                ? """
                    Antworte nur mit JSON, in der Form {"phrases": [{"text": ...}]}: jedes "text" eine Wendung, wörtlich aus \
                    dem Befundbericht kopiert. {"phrases": []} ist eine gültige Antwort.
                    """
                : """
                    Antworte nur mit JSON, in der Form {"phrases": [{"text": ..., "code": ...}]}: jedes "text" eine Wendung, \
                    wörtlich aus dem Befundbericht kopiert, und "code" derjenige dieser Codes, für den sie steht, oder "", \
                    wenn keiner passt:
                    """ + "\n" + codes.map { "\($0.code): \($0.description)" }.joined(separator: "\n")
                    + "\n{\"phrases\": []} ist eine gültige Antwort."
        }
    }

    /// The follow-up question as the task asks it, then how to answer it.
    func followUp(_ question: String, options: [String], multiple: Bool) -> String {
        switch language {
        case .en:
            return question + "\nAnswer with JSON only, in the form {\"options\": [...]}, choosing "
                + (multiple ? "every one that applies" : "one") + " of: " + options.joined(separator: ", ") + "."
        case .de:
            return question + "\nAntworte nur mit JSON, in der Form {\"options\": [...]}, und wähle "
                + (multiple ? "jede zutreffende" : "eine") + " von: " + options.joined(separator: ", ") + "."
        }
    }

    /// Why an answer is asked for again, as the model is told; the log keeps its own English words.
    func answerAgain(notJSON: Bool, violation: String?) -> String {
        switch language {
        case .en:
            let problem = notJSON ? "the answer is not JSON" : "the answer does not fit the task's schema (\(violation ?? ""))"
            return "That answer is invalid: \(problem). Answer again with JSON only, in the form given."
        case .de:
            let problem = notJSON ? "die Antwort ist kein JSON" : "die Antwort passt nicht zum Schema der Aufgabe (\(violation ?? ""))"
            return "Diese Antwort ist ungültig: \(problem). Antworte noch einmal, nur mit JSON, in der angegebenen Form."
        }
    }

    // The direct answer formats of instruction-tuning examples (`InstructionExample`): a model
    // fine-tuned on weak labels answers every finding at once, without quotes.

    func directMultilabelFormat(findings names: [String]) -> String {
        switch language {
        case .en:
            return "Answer with JSON only, in the form {\"findings\": {FINDING: STATUS, ...}}, "
                + "with every one of these findings: \(names.joined(separator: ", ")). STATUS is \"positive\" if the "
                + "report says the finding is there, \"negative\" if it says it is not, \"uncertain\" if it hedges, and "
                + "\"not mentioned\" if it does not speak about it."
        case .de:
            return "Antworte nur mit JSON, in der Form {\"findings\": {FINDING: STATUS, ...}}, "
                + "mit jedem dieser Befunde: \(names.joined(separator: ", ")). STATUS ist \"positive\", wenn der "
                + "Bericht sagt, dass der Befund vorliegt, \"negative\", wenn er ihn verneint, \"uncertain\", wenn er sich "
                + "nicht festlegt, und \"not mentioned\", wenn er nichts dazu sagt."
        }
    }

    func directBinaryFormat(followUp: LabelTask.FollowUp?) -> String {
        let options = (followUp?.options ?? []).map { "\"\($0.name)\"" }.joined(separator: ", ")
        switch language {
        case .en:
            var format = "Answer with JSON only, in the form {\"answer\": ANSWER}, where ANSWER is \"Yes\", \"No\" or \"Undefined\"."
            if let followUp {
                format += " After \"Yes\", also give \"follow_up\": the list of answers to \"\(followUp.question)\" among "
                    + options + " ([] if the report does not say)."
            }
            return format
        case .de:
            var format = "Antworte nur mit JSON, in der Form {\"answer\": ANSWER}, wobei ANSWER \"Yes\", \"No\" oder \"Undefined\" ist."
            if let followUp {
                format += " Gib nach \"Yes\" auch \"follow_up\" an: die Liste der Antworten auf \"\(followUp.question)\" aus "
                    + options + " ([], wenn der Bericht es nicht sagt)."
            }
            return format
        }
    }

    func directExtractionFormat(codes: [String]) -> String {
        switch language {
        case .en:
            return "Answer with JSON only, in the form {\"phrases\": [{\"text\": TEXT"
                + (codes.isEmpty ? "" : ", \"code\": CODE") + "}, ...]}, each TEXT copied word for word from the report"
                + (codes.isEmpty ? "." : ", and CODE one of: " + codes.joined(separator: ", ") + ", or \"\" if none fits.")
        case .de:
            return "Antworte nur mit JSON, in der Form {\"phrases\": [{\"text\": TEXT"
                + (codes.isEmpty ? "" : ", \"code\": CODE") + "}, ...]}, jedes TEXT wörtlich aus dem Befundbericht kopiert"
                + (codes.isEmpty ? "." : ", und CODE einer von: " + codes.joined(separator: ", ") + ", oder \"\", wenn keiner passt.")
        }
    }
}
