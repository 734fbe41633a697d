import ArgumentParser
import Control
import Foundation
import RaddCore

struct LabelsCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "labels",
        abstract: "List stored reports' final labels for a task, oldest first.",
        discussion: """
            The final label is chosen by raddd's label policy (label_policy: llm-else-rules,
            rules, llm or ensemble); SOURCE says whose answer it is. Cells as in label files:
            1.0 positive, 0.0 negative, -1.0 uncertain, blank not mentioned; Yes, No or
            Undefined for binary tasks. 'raddctl report ID' shows every labeler's answer.

            Examples:
              raddctl labels --task chestxray14
              raddctl labels --task active-extravasation --limit 50 --after 200 --json
            """)

    @OptionGroup var options: SocketOptions
    @OptionGroup var page: TaskPageOptions

    func run() throws {
        try guarded {
            let result = try options.call(.labels, page.params, as: LabelsResult.self)
            if options.json { return try options.printJSON(result) }
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
        abstract: "List reports a person should look at: labelers disagree, or the final label is uncertain or Undefined.",
        discussion: """
            Examples:
              raddctl review --task chestxray14
              raddctl review --task ankle-fracture --json
            """)

    @OptionGroup var options: SocketOptions
    @OptionGroup var page: TaskPageOptions

    func run() throws {
        try guarded {
            let result = try options.call(.review, page.params, as: ReviewResult.self)
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
            if let next = result.next { print("more: raddctl review --task \(result.task) --limit \(page.limit) --after \(next)") }
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

    var params: ControlRequest.Params { .init(limit: limit, after: after, task: task) }
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
                print("  final (\(final.source)): " + describe(final.labels, followUp: final.followUp, kind: final.kind))
            }
            for set in sets where set.task == task {
                let provenance = set.provenance
                var origin = [set.labeler]
                if let model = provenance.model { origin.append(Format.printable(model)) }
                if let latency = provenance.latencyMilliseconds { origin.append("\(latency) ms") }
                if let discarded = provenance.discardedQuotes, discarded > 0 { origin.append("\(discarded) invented quote\(discarded == 1 ? "" : "s") discarded") }
                print("  \(origin.joined(separator: ", ")): " + describe(set.labels, followUp: set.followUp, kind: set.kind))
            }
            for job in pending where job.task == task {
                print("  \(job.labeler): \(job.state == "failed" ? "failed" : "waiting")" + (job.lastError.map { " (\(Format.printable($0)))" } ?? ""))
            }
        }
    }

    /// The mentioned findings only: "Effusion positive, Pneumothorax negative".
    static func describe(_ labels: [FindingValue], followUp: [String]?, kind: String?) -> String {
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
