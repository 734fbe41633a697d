import ArgumentParser
import Control
import Foundation
import Ingest
import Labeling

struct LabelCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "label",
        abstract: "Label report texts offline, without the daemon: with the rule labeler, a local LLM, or both.",
        discussion: """
            The input is by default the CheXpert labeler's: a header-less, one-column CSV of
            report texts. With --text-columns it is a CSV with a header (the Open-i layout, for
            one); --id-column names its id column. --in may also name a plain-text report
            (NAME.txt, UTF-8) or a folder of them (every *.txt in it, by name): each file is one
            report and its name without .txt is its id, under the header "Report". The task's
            language (policies/tasks/NAME.json, "language") decides the rule labeler's cues and
            the model's prompt: German reports need a German task such as ankle-fracture-de.
            The output has one row per report: the
            report text (or the id), then the task's findings. Cells: 1.0 positive, 0.0
            negative, -1.0 uncertain, blank not mentioned; binary tasks write Yes, No or
            Undefined, then their follow-up's answer. Tasks are policies/tasks/NAME.json (or
            give a path).

            Labelers: rules (default, no model needed); llm, a model behind an OpenAI-compatible
            server (llama.cpp's llama-server, vLLM, Ollama) at --endpoint, http://HOST:PORT or
            unix:/PATH, several for more throughput; ensemble, the rule labeler and one LLM
            member per --model voting per finding (a tie is uncertain). --model defaults to the
            first model the server lists. Reports go to each endpoint --concurrency at a time.

            A report a model could not label (no server answered after retries, or it answered
            twice with something that breaks the task's schema) is left out of the output and
            named on standard error, and the exit status is 3.

            --evidence writes why (rule labeler): one row per mention found (report, finding,
            status, the mention, the negation or uncertainty cue that decided it, and the
            clause it was judged in), like the CheXpert labeler's --verbose.

            --sections chooses what is read when reports have headings: all of the text,
            impressionFirst (the impression decides each finding it mentions, the findings
            section the rest; the indication is never read) or impressionOnly.

            Examples:
              raddctl label --task chestxray14 --in reports.csv --out labels.csv
              raddctl label --task chestxray14 --in openi_reports.csv --text-columns findings,impression \\
                            --id-column uid --out labels.csv --evidence why.csv
              raddctl label --task chestxray14 --labeler llm --endpoint http://127.0.0.1:8091 --in reports.csv --out llm.csv
              raddctl label --task ankle-fracture-de --in befunde/ --out labels.csv --evidence why.csv
              raddctl label --task ankle-fracture --labeler ensemble --endpoint http://gpu1:8000 \\
                            --model Qwen2.5-7B-Instruct --in ankles.csv --out ankles_labels.csv

            Exit status: 0 success, 1 unreadable input or bad task, 3 some reports not labelled,
            64 usage error.
            """)

    @Option(help: "Task name (policies/tasks/NAME.json) or path to a task file.") var task: String
    @Option(help: "Labeler: rules, llm or ensemble (rules and one LLM per --model).") var labeler = "rules"
    @Option(name: .customLong("in"), help: "Input CSV, or a UTF-8 text report (NAME.txt), or a folder of them.") var input: String
    @Option(name: .customLong("out"), help: "Output CSV ('-' for standard output).") var output: String
    @Option(help: "Comma-separated text columns of a CSV with a header.") var textColumns: String?
    @Option(help: "Id column of a CSV with a header.") var idColumn: String?
    @Option(help: "Which parts of each report are read: all, impressionFirst or impressionOnly (default: the task's, else all).")
    var sections: String?
    @Option(help: "Also write each mention with its status and cue to this CSV (rule labeler).") var evidence: String?
    @Option(help: "Model server, http://HOST:PORT or unix:/PATH (repeat for several servers).") var endpoint: [String] = []
    @Option(help: "Model name sent to the server (default: the first one it lists; repeat for an ensemble of models).")
    var model: [String] = []
    @Option(help: "Requests in flight per endpoint.") var concurrency = 1
    @Option(help: "Seconds one model request may take.") var timeout = 120.0
    @Option(help: "Where task names are looked up (default: ./policies/tasks, /etc/radd/tasks, /usr/local/share/radd/tasks).") var taskDir: [String] = []

    func validate() throws {
        guard ["rules", "llm", "ensemble"].contains(labeler) else { throw ValidationError("--labeler must be rules, llm or ensemble") }
        if idColumn != nil && textColumns == nil { throw ValidationError("--id-column needs --text-columns") }
        if readsTextFiles && (textColumns != nil || idColumn != nil) {
            throw ValidationError("--text-columns and --id-column are for a CSV; \(input) is read as text reports, one per file")
        }
        if let sections, LabelTask.Sections(rawValue: sections) == nil {
            throw ValidationError("--sections must be all, impressionFirst or impressionOnly")
        }
        if labeler == "rules" && !(endpoint.isEmpty && model.isEmpty) {
            throw ValidationError("--endpoint and --model are for --labeler llm or ensemble")
        }
        if labeler != "rules" && endpoint.isEmpty { throw ValidationError("--labeler \(labeler) needs --endpoint URL (or unix:/PATH)") }
        if labeler == "llm" && model.count > 1 { throw ValidationError("--labeler llm takes one --model; an ensemble takes several") }
        if evidence != nil && labeler != "rules" { throw ValidationError("--evidence comes from the rule labeler") }
        guard concurrency >= 1, timeout > 0 else { throw ValidationError("--concurrency and --timeout must be positive") }
    }

    func run() throws {
        try guarded {
            let directories = taskDir.isEmpty ? LabelTask.defaultDirectories : taskDir
            var labelTask: LabelTask
            do { labelTask = try LabelTask.load(task, directories: directories) } catch { throw Failure("\(error)", code: 1) }
            if let sections { labelTask.sections = LabelTask.Sections(rawValue: sections) }
            if !labelTask.hasRulePhrases && labeler != "llm" {
                throw Failure("task '\(labelTask.name)' is prompt-only (no finding has rule phrases): label it with --labeler llm --endpoint URL", code: 1)
            }
            let reports = try readReports()
            let labelers = try makeLabelers(labelTask)
            let rules = RuleLabeler(task: labelTask)

            var csv = LabelCSV.row([readsTextFiles ? "Report" : idColumn ?? "Reports"] + labelTask.columns)
            var why = LabelCSV.row(["Report", "Finding", "Status", "Mention", "Cue", "Clause"])
            let results = LabelRun(labelers: labelers).label(reports.map(\.text))
            var failed: [String] = []
            for (index, report) in reports.enumerated() {
                let first = report.id ?? report.text
                let reportName = report.id ?? String(index + 1)
                switch results[index] {
                case .success(let answer):
                    csv += LabelCSV.row([first] + labelTask.cells(for: answer))
                case .failure(let error):
                    failed.append("report \(reportName): \(error)")
                    continue
                }
                if evidence != nil {
                    for item in rules.evidence(report.text) {
                        why += LabelCSV.row([reportName, item.finding, item.status.labelFileCell(for: labelTask.kind),
                                             item.mention, item.cue ?? "", item.clause])
                    }
                }
            }
            if let evidence { try writePrivately(Data(why.utf8), to: evidence) }
            if output == "-" {
                FileHandle.standardOutput.write(Data(csv.utf8))
            } else {
                try writePrivately(Data(csv.utf8), to: output)
            }
            if !failed.isEmpty {
                let shown = failed.prefix(20).joined(separator: "\n  ")
                throw Failure("\(failed.count) of \(reports.count) reports not labelled, left out of \(output):\n  \(shown)"
                              + (failed.count > 20 ? "\n  ..." : ""), code: 3)
            }
        }
    }

    /// One report to label: its id (the id column's value, or a text file's name) and its text.
    private struct InputReport {
        var id: String?
        var text: String
    }

    /// Whether `--in` names plain-text reports (a .txt file or a folder) rather than a CSV.
    private var readsTextFiles: Bool {
        var isDirectory: ObjCBool = false
        return input.lowercased().hasSuffix(".txt")
            || (FileManager.default.fileExists(atPath: input, isDirectory: &isDirectory) && isDirectory.boolValue)
    }

    private func readReports() throws -> [InputReport] {
        if readsTextFiles { return try readTextReports() }
        return try readCSVReports().map { InputReport(id: idColumn != nil ? ($0.accession ?? "") : nil, text: $0.text) }
    }

    /// Each file one report, in the order of its name. Text must be UTF-8: a Latin-1 or
    /// Windows-1252 file would turn "ö" into something no cue matches, so it is refused, not guessed.
    private func readTextReports() throws -> [InputReport] {
        var isDirectory: ObjCBool = false
        guard FileManager.default.fileExists(atPath: input, isDirectory: &isDirectory) else { throw Failure("\(input): no such file", code: 1) }
        let paths: [String]
        if isDirectory.boolValue {
            let names: [String]
            do { names = try FileManager.default.contentsOfDirectory(atPath: input) } catch { throw Failure("\(input): cannot list it", code: 1) }
            paths = names.filter { $0.lowercased().hasSuffix(".txt") && !$0.hasPrefix(".") }.sorted()
                .map { (input.hasSuffix("/") ? input : input + "/") + $0 }
            guard !paths.isEmpty else { throw Failure("\(input): no .txt reports in it", code: 1) }
        } else {
            paths = [input]
        }
        return try paths.map { path in
            guard let data = FileManager.default.contents(atPath: path) else { throw Failure("\(path): cannot read it", code: 1) }
            var bytes = [UInt8](data)
            if bytes.starts(with: [0xEF, 0xBB, 0xBF]) { bytes.removeFirst(3) }
            guard let text = String(validating: bytes, as: UTF8.self) else {
                let offset = PlainTextReader.firstInvalidUTF8Offset(bytes)
                throw Failure("\(path) is not UTF-8 text (first invalid byte at offset \(offset)); convert it first, e.g. iconv -f WINDOWS-1252 -t UTF-8", code: 1)
            }
            let name = (path as NSString).lastPathComponent
            return InputReport(id: String(name.dropLast(4)), text: text)
        }
    }

    private func readCSVReports() throws -> [ParsedReport] {
        guard let data = FileManager.default.contents(atPath: input) else { throw Failure("\(input): cannot read it", code: 1) }
        let mapping: CSVReader.Mapping
        if let textColumns {
            mapping = CSVReader.Mapping(id: idColumn, text: textColumns.split(separator: ",").map { $0.trimmingCharacters(in: .whitespaces) })
        } else {
            mapping = .chexpert
        }
        let read: CSVReader.Result
        do { read = try CSVReader(mapping: mapping).read([UInt8](data)) } catch let error as IngestError {
            throw Failure("\(input) \(error.problem)", code: 1)
        }
        if !read.skippedLines.isEmpty {
            let count = read.skippedLines.count
            let lines = read.skippedLines.prefix(10).map(String.init).joined(separator: ", ") + (count > 10 ? ", ..." : "")
            FileHandle.standardError.write(Data(
                "raddctl: \(input): \(count) row\(count == 1 ? "" : "s") without report text not labelled (line\(count == 1 ? "" : "s") \(lines))\n".utf8))
        }
        return read.reports
    }

    /// One labeler per worker slot: each endpoint gets its own clients and circuit breaker.
    private func makeLabelers(_ task: LabelTask) throws -> [any Labeler] {
        let rules = RuleLabeler(task: task)
        guard labeler != "rules" else { return [rules] }
        var labelers: [any Labeler] = []
        for text in endpoint {
            let address: Endpoint
            do { address = try Endpoint(text) } catch { throw Failure("\(error)", code: 64) }
            var models = model
            if models.isEmpty {
                do {
                    guard let first = try ModelEndpoint.firstListedModel(at: address, timeoutSeconds: timeout) else {
                        throw Failure("\(address) lists no models; name one with --model", code: 1)
                    }
                    models = [first]
                } catch let failure as ChatClient.Failure {
                    throw Failure("\(failure); is the model server running? (see Docs/models.md)", code: 69)
                }
            }
            let breakers = models.map { _ in CircuitBreaker() }
            for _ in 0..<concurrency {
                let members = zip(models, breakers).map { name, breaker in
                    ModelEndpoint(endpoint: address, model: name).labeler(task: task, timeoutSeconds: timeout, settings: .batch, breaker: breaker)
                }
                labelers.append(labeler == "llm" ? members[0] : EnsembleLabeler(task: task, members: [rules] + members))
            }
        }
        return labelers
    }
}

/// Labels reports with a `LabelingPool` and shows progress on a TTY.
struct LabelRun {
    let labelers: [any Labeler]

    func label(_ texts: [String]) -> [Result<TaskAnswer, Error>] {
        let interactive = isatty(STDERR_FILENO) != 0
        let started = Date()
        let results = LabelingPool(labelers: labelers).label(texts) { done in
            guard interactive else { return }
            let rate = Double(done) / max(0.001, Date().timeIntervalSince(started))
            FileHandle.standardError.write(Data(String(format: "\rlabelled %d/%d (%.1f reports/s)", done, texts.count, rate).utf8))
        }
        if interactive { FileHandle.standardError.write(Data("\r\u{1B}[K".utf8)) }
        return results
    }
}

enum LabelCSV {
    static func row(_ fields: [String]) -> String { CSVRow.line(fields) + "\n" }
}
