import ArgumentParser
import Control
import Foundation
import Labeling

struct EvalCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "eval",
        abstract: "Score predicted labels against gold labels: two files offline, or stored labels against stored gold.",
        discussion: """
            Both files are CSV with a header: the report id (or the report text, as
            the CheXpert labeler writes it) first, then one column per finding.
            Cells: 1 / 0 / -1 / blank (positive, negative, uncertain, not mentioned)
            or Yes / No / Undefined; blank counts as negative. A binary task's
            follow-up column (its answers joined by ";") is scored where gold and
            prediction both say Yes. Rows pair up by id
            when ids are present and unique in both files, else by row order (the
            output says which). Findings pair up by column name, ignoring case and
            treating spaces and underscores alike; every gold finding must be among
            the predictions, extra prediction columns are ignored with a note.

            Per finding: support (gold positives), TP/FP/FN/TN, precision, recall,
            F1 with its 95% bootstrap interval, specificity, accuracy, Cohen's kappa;
            then micro averages (pooled counts) and macro averages (mean over the
            findings with gold positives). Intervals resample reports 1000 times
            with a fixed seed, so the output is repeatable. --json prints the same
            results as one object.

            With --against gold, raddd scores the stored answers of --labeler (final,
            rules, llm, llm:MODEL) against the gold stored by 'raddctl gold import' and
            'raddctl review resolve' (the latest gold answer per report, reports in id
            order), with the same code and the same output as the file comparison;
            gold reports the labeler has not answered are left out, with a note. Needs
            the viewer, exporter or reviewer role; the evaluation is audited.

            An extraction task (findings-open) is scored phrase by phrase with a lenient
            match: a predicted phrase matches a gold phrase of the same report when their
            words overlap in the report, or their normalised texts (lower case, letters
            and digits) are equal. It prints precision, recall and F1 (95% bootstrap
            interval over reports) and the error classes: uncertain phrases included (a
            hedge such as "likely", "may", "cannot be excluded" in the phrase or the four
            words before it), other extra phrases, gold phrases missed, split (a gold
            phrase matched by several predicted ones) and joined (a predicted phrase
            matching several gold ones), and the invented phrases the quote check dropped.
            Offline, the gold file's report_text column (a filled gold sample worksheet
            has one) gives the report text; without it phrases match by normalised text.

            Examples:
              raddctl eval --task chestxray14 --gold openi_gold.csv --pred labels.csv
              raddctl eval --task chexpert --gold gold.csv --pred pred.csv \\
                --uncertain exclude --html report.html
              raddctl eval --task chexpert --gold gold.csv --pred pred.csv --json
              raddctl eval --task chestxray14 --labeler llm --against gold

            Exit status: 0 success, 1 unreadable or invalid input (FILE: problem),
            64 usage error.
            """)

    @Option(help: "Task name or file: only its findings are scored (other gold columns are ignored); a name without a task file is only shown in the title.")
    var task: String
    @Option(help: "Where task names are looked up (default: ./policies/tasks, /etc/radd/tasks, /usr/local/share/radd/tasks).") var taskDir: [String] = []
    @Option(help: "Gold label CSV.") var gold: String?
    @Option(help: "Predicted label CSV.") var pred: String?
    @Option(help: "gold: score stored labels against stored gold inside raddd instead of files.") var against: String?
    @Option(help: "With --against gold: whose stored answers to score (final, rules, llm, llm:MODEL).") var labeler = "final"
    @Option(help: "Uncertain labels count as positive or negative, or exclude drops those pairs (default: positive; negative for a binary task, whose Undefined is not a Yes).")
    var uncertain: String?
    // --json is the shared root flag (declared in SocketOptions); a second one here would be shadowed by it.
    // --socket comes along with it and is ignored: eval never talks to the daemon.
    @OptionGroup var options: SocketOptions
    @Flag(help: "Score only the gold reports the predictions have, instead of refusing when some are missing.")
    var onlyCommon = false
    @Option(help: "Also write a self-contained HTML page with the tables and a bar chart.") var html: String?

    func validate() throws {
        if let uncertain, UncertainPolicy(rawValue: uncertain) == nil {
            throw ValidationError("--uncertain must be positive, negative or exclude")
        }
        guard !task.isEmpty else { throw ValidationError("--task must not be empty") }
        if let against {
            guard against == "gold" else { throw ValidationError("--against takes 'gold' (the gold stored in raddd)") }
            guard gold == nil && pred == nil else { throw ValidationError("--against gold scores stored labels; leave out --gold and --pred") }
            guard html == nil && !onlyCommon else { throw ValidationError("--html and --only-common are for file comparisons") }
        } else {
            guard gold != nil && pred != nil else { throw ValidationError("give --gold and --pred (two label files), or --labeler NAME --against gold") }
        }
    }

    func run() throws {
        try guarded {
            if against != nil {
                let result = try options.call(Endpoints.Evaluate.self, .init(task: task, labeler: labeler, uncertain: uncertain))
                return print(options.json ? result.json : result.text, terminator: options.json ? "\n" : "")
            }
            guard let gold, let pred else { return }
            let report: EvaluationReport
            do {
                let directories = taskDir.isEmpty ? LabelTask.defaultDirectories : taskDir
                let definition: LabelTask?
                do { definition = try LabelTask.load(task, directories: directories) } catch let problem as LabelTask.Problem {
                    // A name with no task file is only a title; a task file that is broken is an error.
                    guard problem.isMissing else { throw Failure(problem.description, code: 1) }
                    definition = nil
                }
                if let definition, definition.kind == .extraction {
                    let (evaluation, notes) = try PhraseEvaluation.files(gold: gold, predicted: pred, task: definition)
                    if options.json {
                        let encoder = JSONEncoder()
                        encoder.outputFormatting = [.sortedKeys]
                        return print(String(decoding: try encoder.encode(evaluation), as: UTF8.self))
                    }
                    return print(evaluation.text(task: task, labeler: pred, goldName: gold) + notes.map { "Note: \($0)\n" }.joined(), terminator: "")
                }
                let columns = definition.map(EvaluationReport.readColumns(of:))
                let goldTable = try LabelTable.load(path: gold, answerColumns: columns?.answers ?? [], onlyFindings: columns?.findings)
                let predTable = try LabelTable.load(path: pred, answerColumns: columns?.answers ?? [], onlyFindings: columns?.findings)
                let evaluation = try EvaluationReport.scoring(task: task, definition: definition, gold: goldTable, predicted: predTable,
                                                              goldName: gold, predictionName: pred,
                                                              uncertain: uncertain.flatMap(UncertainPolicy.init(rawValue:)),
                                                              onlyCommon: onlyCommon)
                report = evaluation
            } catch let error as LabelFileError {
                throw Failure(error.description, code: 1)
            }
            if let html { try writePrivately(Data(report.html.utf8), to: html) }
            if options.json {
                print(String(decoding: try report.json(), as: UTF8.self))
            } else {
                print(report.text, terminator: "")
            }
        }
    }
}
