import ArgumentParser
import Foundation
import Ingest
import Labeling
import RaddCore
import Synchronization

/// Side-by-side quality of the labelers, and how well radd keeps model servers busy. Both talk to
/// real OpenAI-compatible servers (the bundled llama-server by default).
struct RaddCompare: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "radd-compare",
        abstract: "Compare labelers on Open-i reports, and measure model-server saturation.",
        subcommands: [Labelers.self, Saturation.self])
}

struct Common: ParsableArguments {
    static let repository = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent()
        .deletingLastPathComponent()

    @Option(help: "Reports CSV with uid, findings, impression columns.")
    var reports = Common.repository.appendingPathComponent("Tests/LabelingTests/Fixtures/openi_dev100.csv").path
    @Option(help: "Model server (repeat for several).") var endpoint: [String] = ["http://127.0.0.1:8091"]
    @Option(help: "Model name (default: the first the server lists).") var model: String?
    @Option(help: "Requests in flight per endpoint.") var concurrency = 1
    @Option(help: "Only the first N reports.") var limit: Int?
    @Option(help: "Seconds one request may take.") var timeout = 600.0

    func texts() throws -> [(id: String, text: String)] {
        guard let data = FileManager.default.contents(atPath: reports) else { throw ValidationError("\(reports): cannot read it") }
        let read = try CSVReader(mapping: .init(id: "uid", text: ["findings", "impression"])).read([UInt8](data))
        let all = read.reports.map { ($0.accession ?? "", $0.text) }
        return limit.map { Array(all.prefix($0)) } ?? all
    }

    func task() throws -> LabelTask {
        try LabelTask.load("chestxray14", directories: [Common.repository.appendingPathComponent("policies/tasks").path] + LabelTask.defaultDirectories)
    }

    /// One LLM labeler per request slot of each endpoint.
    func llmLabelers(_ task: LabelTask, onSend: (@Sendable (Data) -> Void)? = nil) throws -> [LLMLabeler] {
        try endpoint.flatMap { text -> [LLMLabeler] in
            let address = try Endpoint(text)
            let server = ModelEndpoint(endpoint: address, model: try model ?? ModelEndpoint.firstListedModel(at: address, timeoutSeconds: 10) ?? "")
            let breaker = CircuitBreaker()
            return (0..<concurrency).map { _ in
                server.labeler(task: task, timeoutSeconds: timeout, settings: .batch, breaker: breaker, onSend: onSend)
            }
        }
    }
}

func progress(_ label: String, total: Int, started: Date) -> @Sendable (Int) -> Void {
    let interactive = isatty(STDERR_FILENO) != 0
    return { done in
        guard interactive else { return }
        let rate = Double(done) / max(0.001, Date().timeIntervalSince(started))
        FileHandle.standardError.write(Data(String(format: "\r%@: %d/%d (%.2f reports/s)\u{1B}[K", label, done, total, rate).utf8))
        if done == total { FileHandle.standardError.write(Data("\r\u{1B}[K".utf8)) }
    }
}

struct Labelers: ParsableCommand {
    static let configuration = CommandConfiguration(
        abstract: "chestxray14 micro-F1 of the rule labeler, the model and their ensemble on the same reports.",
        discussion: """
            Scores against NegBio's Open-i gold, uncertain counted as positive, micro-averaged over
            the findings with gold positives (as raddctl eval does). The model labels each report
            once; the ensemble is the rule labeler and the model voting (a tie is uncertain).

            Example:
              swift run -c release radd-compare labelers --endpoint http://127.0.0.1:8091
            """)

    @OptionGroup var common: Common
    @Option(help: "Gold labels.")
    var gold = Common.repository.appendingPathComponent("Tests/LabelingTests/Fixtures/openi_gold_chestxray14.csv").path

    func run() throws {
        let task = try common.task()
        let reports = try common.texts()
        let rules = RuleLabeler(task: task)
        let ruleAnswers = reports.map { rules.answer($0.text) }
        let started = Date()
        let results = LabelingPool(labelers: try common.llmLabelers(task))
            .label(reports.map(\.text), progress: progress("model", total: reports.count, started: started))
        let seconds = Date().timeIntervalSince(started)
        let ensemble = EnsembleLabeler(task: task, members: [])
        var rows: [(String, [String], [[LabelValue]])] = []
        var failures: [String] = []
        var llm: [[LabelValue]] = [], voted: [[LabelValue]] = [], ids: [String] = []
        var evaluated: [Int] = [], prompt: [Int] = [], discarded = 0
        for (index, result) in results.enumerated() {
            switch result {
            case .success(let answer):
                ids.append(reports[index].id)
                llm.append(answer.values)
                voted.append(ensemble.vote([ruleAnswers[index], answer]).values)
                evaluated.append(answer.provenance.evaluatedPromptTokens ?? 0)
                prompt.append(answer.provenance.promptTokens ?? 0)
                discarded += answer.provenance.discardedQuotes ?? 0
            case .failure(let error):
                failures.append("report \(reports[index].id): \(error)")
            }
        }
        let scoredRules = ids.compactMap { id in reports.firstIndex { $0.id == id } }.map { ruleAnswers[$0].values }
        rows = [("rules", ids, scoredRules), ("model", ids, llm), ("ensemble (rules + model)", ids, voted)]
        let goldTable = try LabelTable.load(path: gold).keeping(task.findings.map(\.name))
        print("chestxray14 on \(ids.count) of \(reports.count) Open-i reports (\((common.reports as NSString).lastPathComponent)); "
              + "gold: NegBio's Open-i labels; uncertain counted as positive (last column: as negative); micro over findings with gold positives")
        func cell(_ value: Double?) -> String { value.map { String(format: "%.3f", $0) } ?? "n/a" }
        func line(_ cells: [String]) -> String {
            cells[0].padding(toLength: 26, withPad: " ", startingAt: 0)
                + cells.dropFirst().map { String(repeating: " ", count: max(0, 10 - $0.count)) + $0 }.joined()
        }
        print(line(["labeler", "precision", "recall", "F1", "macro-F1", "F1 (u=0)"]))
        for (name, ids, values) in rows {
            let csv = "uid," + task.findings.map(\.name).joined(separator: ",") + "\n"
                + zip(ids, values).map { id, row in ([id] + row.map { $0.labelFileCell(for: .multilabel) }).joined(separator: ",") + "\n" }.joined()
            let aligned = try AlignedLabels(gold: goldTable, predicted: LabelTable.parse(csv, file: name), onlyCommon: true)
            let evaluation = LabelEvaluation(aligned: aligned, policy: .positive)
            let micro = evaluation.micro
            let asNegative = LabelEvaluation(aligned: aligned, policy: .negative).micro
            print(line([name, cell(micro.precision), cell(micro.recall), cell(micro.f1), cell(evaluation.macro.f1), cell(asNegative.f1)]))
        }
        let mean = { (values: [Int]) in values.isEmpty ? 0 : Double(values.reduce(0, +)) / Double(values.count) }
        print(String(format: "model: %.1f s per report (%d request slot%@), %.0f prompt tokens per report of which %.0f evaluated (the rest from the server's cache), %d invented quotes discarded",
                     seconds / Double(max(1, reports.count)) * Double(common.endpoint.count * common.concurrency),
                     common.endpoint.count * common.concurrency, common.endpoint.count * common.concurrency == 1 ? "" : "s",
                     mean(prompt), mean(evaluated), discarded))
        for failure in failures { print("not labelled: \(failure)") }
    }
}

struct Saturation: ParsableCommand {
    static let configuration = CommandConfiguration(
        abstract: "Reports/s through radd's labeling pool ÷ reports/s for the same prompts sent straight to the servers.",
        discussion: """
            radd labels the reports first, and every request body it sends is recorded (its
            re-asks after an invalid answer included). The direct run then posts exactly those
            bodies, at the same number of requests in flight per endpoint, and only waits for
            the replies. The ratio is what radd's own work costs: building prompts, parsing,
            checking quotes and the schema, scheduling. The target is at least 0.95.

            Examples:
              swift run -c release radd-compare saturation --limit 12
              swift run -c release radd-compare saturation --endpoint http://127.0.0.1:8091 --endpoint http://127.0.0.1:8092 --limit 12
            """)

    @OptionGroup var common: Common

    /// The request bodies sent while recording is on, to be replayed directly.
    final class Recorder: Sendable {
        private let state = Mutex<(isOn: Bool, bodies: [Data])>((false, []))
        func record(_ body: Data) {
            state.withLock { if $0.isOn { $0.bodies.append(body) } }
        }
        func turn(on: Bool) {
            state.withLock { $0.isOn = on }
        }
        var recorded: [Data] { state.withLock { $0.bodies } }
    }

    func run() throws {
        let task = try common.task()
        let texts = try common.texts().map(\.text)
        let recorder = Recorder()
        let labelers = try common.llmLabelers(task, onSend: { recorder.record($0) })
        // Warm each server's prompt cache with the fixed prefix so neither run pays for it alone.
        for labeler in labelers { _ = try? labeler.answer(texts[0]) }

        recorder.turn(on: true)
        let started = Date()
        let results = LabelingPool(labelers: labelers).label(texts, progress: progress("radd", total: texts.count, started: started))
        let throughSeconds = Date().timeIntervalSince(started)
        recorder.turn(on: false)
        let bodies = recorder.recorded
        let directSeconds = try replay(bodies, clients: labelers.map(\.client))

        let through = Double(texts.count) / throughSeconds
        let direct = Double(texts.count) / directSeconds
        let answers = results.compactMap { try? $0.get() }
        let evaluated = answers.compactMap(\.provenance.evaluatedPromptTokens)
        print("\(common.endpoint.count) endpoint\(common.endpoint.count == 1 ? "" : "s"), \(common.concurrency) in flight each, \(texts.count) reports, "
              + "\(bodies.count) requests (\(String(format: "%.2f", Double(bodies.count) / Double(texts.count))) per report)")
        print(String(format: "direct: %.4f reports/s (%.1f s); through radd: %.4f reports/s (%.1f s); saturation ratio %.3f",
                     direct, directSeconds, through, throughSeconds, through / direct))
        print(String(format: "prompt tokens evaluated per report (not from cache): %.0f mean of %.0f sent",
                     evaluated.isEmpty ? 0 : Double(evaluated.reduce(0, +)) / Double(evaluated.count),
                     answers.isEmpty ? 0 : Double(answers.compactMap(\.provenance.promptTokens).reduce(0, +)) / Double(answers.count)))
        if answers.count < texts.count { print("\(texts.count - answers.count) reports not labelled") }
    }

    final class Counter: Sendable {
        private let value = Mutex(0)
        func next() -> Int {
            value.withLock { value in
                defer { value += 1 }
                return value
            }
        }
    }

    /// Posts the bodies with one thread per request slot (the labelers are one per slot), as
    /// fast as the servers answer. Returns the seconds it took.
    func replay(_ bodies: [Data], clients: [ChatClient]) throws -> Double {
        let counter = Counter()
        let group = DispatchGroup()
        let started = Date()
        let report = progress("direct", total: bodies.count, started: started)
        for client in clients {
            group.enter()
            Thread {
                defer { group.leave() }
                let http = HTTPClient(timeoutSeconds: 600)
                while true {
                    let index = counter.next()
                    guard index < bodies.count else { return }
                    _ = try? http.request(client.endpoint.baseURL + "/v1/chat/completions", jsonBody: bodies[index], unixSocket: client.endpoint.unixSocket)
                    report(index + 1)
                }
            }.start()
        }
        group.wait()
        return Date().timeIntervalSince(started)
    }
}

RaddCompare.main()
