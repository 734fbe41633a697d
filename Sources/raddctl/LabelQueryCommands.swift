import ArgumentParser
import Control
import Foundation
import RaddCore

struct LabelsCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "labels",
        abstract: "List stored reports' final labels for a task, oldest first.",
        discussion: """
            The final label is chosen by raddd's label policy (label_policy: auto,
            llm-else-rules, rules, llm or ensemble); SOURCE says whose answer it is. Under auto
            each finding is decided by the labeler the stored gold says is better, or by the
            rules where they have phrases until there is enough gold; --explain says which and
            why, finding by finding. Cells as in label files: 1.0 positive, 0.0 negative, -1.0
            uncertain, blank not mentioned; Yes, No or Undefined for binary tasks.
            'raddctl report ID' shows every labeler's answer.

            Examples:
              raddctl labels --task chestxray14
              raddctl labels --task chestxray14 --explain
              raddctl labels --task active-extravasation --limit 50 --after 200 --json
            """)

    @OptionGroup var options: SocketOptions
    @OptionGroup var page: TaskPageOptions
    @Flag(help: "First say, per finding, which labeler decides the final label and why (the gold F1 and its interval, or why there is no gold yet).")
    var explain = false

    func run() throws {
        try guarded {
            let result = try options.call(Endpoints.Labels.self, .init(task: page.task, limit: page.limit, after: page.after,
                                                                       explain: explain ? true : nil))
            if options.json { return try options.printJSON(result) }
            if let explanation = result.explanation {
                LabelDisplay.printDeciders(explanation, prefix: "decides: ", indent: "  ")
                print("")
            }
            guard !result.rows.isEmpty else { return print("no labelled reports for task \(result.task) yet") }
            let rows = result.rows.map { [String($0.reportID), $0.source] + $0.cells.map { $0.isEmpty ? "." : $0 } }
            print(Format.table(header: ["ID", "SOURCE"] + result.columns.map(LabelDisplay.short), rows: rows))
            if let next = result.next { print("more: raddctl labels --task \(result.task) --limit \(page.limit) --after \(next)") }
        }
    }
}

struct ReviewCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "review",
        abstract: "Reports a person should look at: labelers disagree, or the final label is uncertain or Undefined.",
        discussion: """
            'review list' (the default) lists them, 'review show ID' shows one with every
            labeler's answer, and 'review resolve ID' records the reviewer's answer as gold,
            which takes the report off the list (reviewer role).

            Examples:
              raddctl review list --task chestxray14
              raddctl review show 42 --task chestxray14
              raddctl review resolve 42 --task chestxray14 --set Effusion=1 --set Pneumothorax=0
            """,
        subcommands: [List.self, Show.self, Resolve.self],
        defaultSubcommand: List.self)

    struct List: ParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "List reports whose labelers disagree or whose final label is undecided, and that have no gold yet.",
            discussion: """
                Examples:
                  raddctl review list --task chestxray14
                  raddctl review --task ankle-fracture --json
                """)

        @OptionGroup var options: SocketOptions
        @OptionGroup var page: TaskPageOptions

        func run() throws {
            try guarded {
                let result = try options.call(Endpoints.Review.self, .init(task: page.task, limit: page.limit, after: page.after))
                if options.json { return try options.printJSON(result) }
                guard !result.items.isEmpty else { return print("nothing to review for task \(result.task)") }
                for item in result.items {
                    var parts: [String] = []
                    if !item.disagreements.isEmpty { parts.append("labelers disagree on " + item.disagreements.joined(separator: ", ")) }
                    if !item.undecided.isEmpty { parts.append("undecided: " + item.undecided.joined(separator: ", ")) }
                    print("report \(item.reportID): " + parts.joined(separator: "; "))
                    for (finding, answers) in item.answers.sorted(by: { $0.key < $1.key }) {
                        print("  \(finding): " + answers.sorted { $0.key < $1.key }.map { "\($0.key) \($0.value.isEmpty ? "blank" : $0.value)" }.joined(separator: ", "))
                    }
                }
                if let next = result.next { print("more: raddctl review list --task \(result.task) --limit \(page.limit) --after \(next)") }
            }
        }
    }

    struct Show: ParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "Show one report's de-identified text, each labeler's answer, the final label and any gold.",
            discussion: "Example:\n  raddctl review show 42 --task chestxray14")

        @OptionGroup var options: SocketOptions
        @Option(help: "Task (default: the first one raddd labels).") var task: String?
        @Argument(help: "The report's number.") var id: Int64

        func run() throws {
            try guarded {
                let result = try options.call(Endpoints.ReviewShow.self, .init(id: id, task: task))
                if options.json { return try options.printJSON(result) }
                print("report \(result.reportID), task \(result.task)" + (result.accessionPseudonym.map { ", accession pseudonym \($0.prefix(16))" } ?? ""))
                if !result.disagreements.isEmpty { print("labelers disagree on: " + result.disagreements.joined(separator: ", ")) }
                if !result.undecided.isEmpty { print("undecided: " + result.undecided.joined(separator: ", ")) }
                print("")
                print(Format.printable(result.text, keepingLineBreaks: true))
                print("")
                if let final = result.final { print("final (\(final.source)): " + LabelDisplay.describe(final.labels, followUp: final.followUp, kind: final.kind, phrases: final.phrases)) }
                for answer in result.answers {
                    print("\(answer.labeler): " + LabelDisplay.describe(answer.labels, followUp: answer.followUp, kind: answer.kind, phrases: answer.phrases))
                }
                if let gold = result.gold {
                    print("gold (\(gold.provenance.reviewer ?? "?"), \(gold.createdAt)): " + LabelDisplay.describe(gold.labels, followUp: gold.followUp, kind: gold.kind, phrases: gold.phrases))
                }
            }
        }
    }

    struct Resolve: ParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "Record your answer for a report as gold (reviewer role).",
            discussion: """
                Starts from --accept's answer (the final label by default, or a labeler's:
                rules, llm, llm:MODEL) and sets the findings given with --set, in label-file
                conventions: 1 positive, 0 negative, -1 uncertain, blank not mentioned; Yes,
                No or Undefined for a binary task. The result is stored as gold with your
                user name and the time, audited, and the report leaves 'review list'.

                Examples:
                  raddctl review resolve 42 --task chestxray14 --set Effusion=1 --set Pneumothorax=0
                  raddctl review resolve 43 --task chestxray14 --accept rules
                  raddctl review resolve 7 --task active-extravasation --set "Active extravasation=Yes" --follow-up spleen
                """)

        @OptionGroup var options: SocketOptions
        @Option(help: "Task (default: the first one raddd labels).") var task: String?
        @Option(help: "Whose answer to start from: final, rules, llm, llm:MODEL.") var accept = "final"
        @Option(name: .customLong("set"), help: "FINDING=VALUE; repeat for each finding you decide.") var settings: [String] = []
        @Option(help: "A binary task's follow-up answer after Yes; repeat for several.") var followUp: [String] = []
        @Argument(help: "The report's number.") var id: Int64

        func validate() throws {
            for setting in settings where !setting.contains("=") {
                throw ValidationError("--set takes FINDING=VALUE, e.g. --set Effusion=1 (got '\(setting)')")
            }
        }

        func run() throws {
            try guarded {
                var values: [String: String] = [:]
                for setting in settings {
                    let parts = setting.split(separator: "=", maxSplits: 1, omittingEmptySubsequences: false)
                    values[String(parts[0])] = String(parts[1])
                }
                let result = try options.call(Endpoints.ReviewResolve.self, .init(id: id, task: task, accept: accept, values: values,
                                                                                  followUp: followUp.isEmpty ? nil : followUp))
                if options.json { return try options.printJSON(result) }
                print("report \(result.reportID): gold recorded: " + LabelDisplay.describe(result.gold.labels, followUp: result.gold.followUp, kind: result.gold.kind, phrases: result.gold.phrases))
            }
        }
    }
}

/// The task and page that `labels` and `review` ask for.
struct TaskPageOptions: ParsableArguments {
    @Option(help: "Task (default: the first one raddd labels).") var task: String?
    @Option(help: "Most reports to list (1-1000).") var limit = 100
    @Option(help: "List reports with ids above this one (for paging).") var after: Int64?

    func validate() throws {
        guard (1...1000).contains(limit) else { throw ValidationError("--limit must be between 1 and 1000") }
    }
}

enum LabelDisplay {
    /// Column headers short enough for a terminal: "Pleural_Thickening" stays, "Enlarged
    /// Cardiomediastinum" becomes "Enlarged_Cardiom".
    static func short(_ name: String) -> String {
        let joined = name.replacingOccurrences(of: " ", with: "_")
        return joined.count > 16 ? String(joined.prefix(16)) : joined
    }

    static func printLabels(of result: ReportResult) {
        let sets = result.labelSets ?? []
        let finals = result.finalLabels ?? []
        let pending = result.pendingLabels ?? []
        if sets.isEmpty && pending.isEmpty && result.labels.isEmpty { return print("labels: none") }
        let tasks = (finals.map(\.task) + sets.map(\.task) + pending.map(\.task)).reduce(into: [String]()) { if !$0.contains($1) { $0.append($1) } }
        for task in tasks {
            print("labels, task \(task):")
            if let final = finals.first(where: { $0.task == task }) {
                print("  final (\(final.source)): " + describe(final.labels, followUp: final.followUp, kind: final.kind, phrases: final.phrases))
                if let deciders = decidedBy(final.labels) { print("  decided by: " + deciders) }
            }
            for set in sets where set.task == task {
                let provenance = set.provenance
                var origin = [set.labeler]
                if let model = provenance.model { origin.append(Format.printable(model)) }
                if let latency = provenance.latencyMilliseconds { origin.append("\(latency) ms") }
                if let discarded = provenance.discardedQuotes, discarded > 0 { origin.append("\(discarded) invented quote\(discarded == 1 ? "" : "s") discarded") }
                print("  \(origin.joined(separator: ", ")): " + describe(set.labels, followUp: set.followUp, kind: set.kind, phrases: set.phrases))
            }
            for job in pending where job.task == task {
                print("  \(job.labeler): \(job.state == "failed" ? "failed" : "waiting")" + (job.lastError.map { " (\(Format.printable($0)))" } ?? ""))
            }
        }
    }

    /// Which labeler decided each finding of a final label, grouped: "rules (Atelectasis,
    /// Effusion), llm (Edema)"; nil from a daemon that does not say.
    static func decidedBy(_ labels: [FindingValue]) -> String? {
        var groups: [(decider: String, findings: [String])] = []
        for label in labels {
            guard let decider = label.decidedBy else { return nil }
            if let index = groups.firstIndex(where: { $0.decider == decider }) { groups[index].findings.append(label.finding) }
            else { groups.append((decider, [label.finding])) }
        }
        guard !groups.isEmpty else { return nil }
        if groups.count == 1 { return "\(groups[0].decider), for every finding" }
        return groups.map { "\($0.decider) (\($0.findings.joined(separator: ", ")))" }.joined(separator: ", ")
    }

    /// Per task, who decides each finding and why, findings that share both on one line.
    static func printDeciders(_ decisions: [FindingDecision], prefix: String, indent: String) {
        var lines: [(task: String, decider: String, why: String, gold: Int, findings: [String])] = []
        for decision in decisions {
            if let index = lines.firstIndex(where: { $0.task == decision.task && $0.decider == decision.decider && $0.why == decision.why }) {
                lines[index].findings.append(decision.finding)
            } else {
                lines.append((decision.task, decision.decider, decision.why, decision.goldReports, [decision.finding]))
            }
        }
        for line in lines {
            let total = decisions.filter { $0.task == line.task }.count
            let which = line.findings.count == total && total > 1 ? "every finding" : line.findings.joined(separator: ", ")
            print("\(prefix)\(Format.printable(line.task)): \(Format.printable(line.decider)) decides \(Format.printable(which))")
            print("\(indent)why: \(Format.printable(line.why)); \(line.gold) gold report\(line.gold == 1 ? "" : "s")")
        }
    }

    /// The mentioned findings only: "Effusion positive, Pneumothorax negative".
    static func describe(_ labels: [FindingValue], followUp: [String]?, kind: String?, phrases: [String]? = nil) -> String {
        if kind == "extraction" {
            let phrases = phrases ?? []
            guard !phrases.isEmpty else { return "no phrases" }
            return "\(phrases.count) phrase\(phrases.count == 1 ? "" : "s"): " + phrases.map { "\"\(Format.printable($0))\"" }.joined(separator: "; ")
        }
        if kind == "binary", let answer = labels.first {
            let word = ["positive": "Yes", "negative": "No"][answer.value] ?? "Undefined"
            var text = "\(answer.finding): \(word)"
            if let followUp, word == "Yes" { text += "; follow-up: " + (followUp.isEmpty ? "Undefined" : followUp.joined(separator: ", ")) }
            return text
        }
        let mentioned = labels.filter { $0.value != "undefined" }.map { "\($0.finding) \($0.value)" }
        var text = mentioned.isEmpty ? "nothing mentioned" : mentioned.joined(separator: ", ")
        if let followUp { text += "; follow-up: " + (followUp.isEmpty ? "Undefined" : followUp.joined(separator: ", ")) }
        return text
    }
}
