import ArgumentParser
import Foundation
import Labeling

struct EvalCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "eval",
        abstract: "Score predicted labels against gold labels, offline.",
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
            results as one object; --socket is accepted but unused.

            Examples:
              raddctl eval --task chestxray14 --gold openi_gold.csv --pred labels.csv
              raddctl eval --task chexpert --gold gold.csv --pred pred.csv \\
                --uncertain exclude --html report.html
              raddctl eval --task chexpert --gold gold.csv --pred pred.csv --json

            Exit status: 0 success, 1 unreadable or invalid input (FILE: problem),
            64 usage error.
            """)

    @Option(help: "Task name or file: only its findings are scored (other gold columns are ignored); a name without a task file is only shown in the title.")
    var task: String
    @Option(help: "Where task names are looked up (default: ./policies/tasks, /etc/radd/tasks, /usr/local/share/radd/tasks).") var taskDir: [String] = []
    @Option(help: "Gold label CSV.") var gold: String
    @Option(help: "Predicted label CSV.") var pred: String
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
    }

    func run() throws {
        try guarded {
            let report: EvaluationReport
            do {
                let directories = taskDir.isEmpty ? LabelTask.defaultDirectories : taskDir
                let definition: LabelTask?
                do { definition = try LabelTask.load(task, directories: directories) } catch let problem as LabelTask.Problem {
                    // A name with no task file is only a title; a task file that is broken is an error.
                    guard problem.isMissing else { throw Failure(problem.description, code: 1) }
                    definition = nil
                }
                let answerColumns = definition?.followUp.map { [$0.name] } ?? []
                var goldTable = try LabelTable.load(path: gold, answerColumns: answerColumns)
                if let definition { goldTable = goldTable.keeping(definition.findings.map(\.name)) }
                let predTable = try LabelTable.load(path: pred, answerColumns: answerColumns)
                let aligned = try AlignedLabels(gold: goldTable, predicted: predTable, onlyCommon: onlyCommon)
                let policy = uncertain.flatMap(UncertainPolicy.init(rawValue:))
                    ?? (definition?.kind == .binary ? .negative : .positive)
                var evaluation = EvaluationReport(task: task, goldFile: gold, predictionFile: pred,
                                                  evaluation: LabelEvaluation(aligned: aligned, policy: policy))
                if let definition, let followUp = definition.followUp, let finding = definition.findings.first {
                    evaluation.followUp = FollowUpAgreement(column: followUp.name, finding: finding.name,
                                                            gold: goldTable, predicted: predTable, aligned: aligned)
                }
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
