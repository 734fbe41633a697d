import Foundation
import RaddCore

/// Labels with a model behind an OpenAI-compatible server. Each answer is checked against the
/// task's schema (an invalid one is asked for again once, then recorded as a failure, never
/// guessed), each quoted phrase against the report (a phrase that does not occur is discarded
/// and counted), and the mentions that remain are aggregated the CheXpert way.
public final class LLMLabeler: Labeler {
    public struct Settings: Sendable {
        public var temperature: Double = 0
        /// Fixed so that servers that sample (temperature above 0) repeat themselves.
        public var seed: Int? = 20240601
        public var maxTokens: Int = 512
        public var retry = RetryPolicy()
        /// How long a request waits for an open circuit to let it through before failing: 0 in
        /// the daemon, whose queue keeps the report; minutes for a batch run such as
        /// `raddctl label`, which should ride out a server restart.
        public var circuitPatience: Double = 0
        /// Where each request's latency and tokens are counted (raddd's metrics); nil: nowhere.
        public var metrics: LLMRequestMetrics?

        public init() {}
    }

    public let task: LabelTask
    public let name: String
    public let client: ChatClient
    public let prompt: LLMPrompt
    public let settings: Settings
    public let breaker: CircuitBreaker
    private let random: @Sendable () -> Double
    private let sleep: @Sendable (Double) -> Void

    public init(task: LabelTask, client: ChatClient, name: String = "llm", settings: Settings = Settings(),
                breaker: CircuitBreaker = CircuitBreaker(),
                random: @escaping @Sendable () -> Double = { Double.random(in: 0...1) },
                sleep: @escaping @Sendable (Double) -> Void = { Thread.sleep(forTimeInterval: $0) }) {
        self.task = task
        self.name = name
        self.client = client
        self.prompt = LLMPrompt(task: task)
        self.settings = settings
        self.breaker = breaker
        self.random = random
        self.sleep = sleep
    }

    /// What the calls for one report cost, summed into its provenance.
    private struct Tally {
        var requests = 0
        var seconds = 0.0
        var promptTokens: Int?
        var evaluatedPromptTokens: Int?
        var completionTokens: Int?
        var model: String?
        var discardedQuotes = 0

        mutating func add(_ reply: ChatClient.Reply) {
            seconds += reply.seconds
            model = reply.model ?? model
            func sum(_ a: Int?, _ b: Int?) -> Int? {
                guard let b else { return a }
                return (a ?? 0) + b
            }
            promptTokens = sum(promptTokens, reply.promptTokens)
            evaluatedPromptTokens = sum(evaluatedPromptTokens, reply.evaluatedPromptTokens)
            completionTokens = sum(completionTokens, reply.completionTokens)
        }
    }

    public func answer(_ text: String) throws -> TaskAnswer {
        var tally = Tally()
        var messages = prompt.messages(for: text)
        let (content, first) = try validAnswer(messages, schema: prompt.schema, tally: &tally)
        let quotes = QuoteCheck(report: text)
        var values: [LabelValue]
        var followUp: [String]?
        var phrases: [ExtractedPhrase]?
        switch task.kind {
        case .multilabel:
            values = Array(repeating: .undefined, count: task.findings.count)
            for mention in first["mentions"]?.array ?? [] {
                guard let quote = mention["text"]?.string, quotes.occurs(quote) else {
                    tally.discardedQuotes += 1
                    continue
                }
                guard let index = task.findings.firstIndex(where: { $0.name == mention["finding"]?.string }) else { continue }
                let value: LabelValue = mention["status"]?.string == "present" ? .positive
                    : mention["status"]?.string == "absent" ? .negative : .uncertain
                values[index] = RuleLabeler.stronger(values[index], value)
            }
        case .binary:
            var value: LabelValue = first["answer"]?.string == "Yes" ? .positive : first["answer"]?.string == "No" ? .negative : .uncertain
            let evidence = first["evidence"]?.string ?? ""
            // A Yes or No must rest on words the report has; an invented quote undoes it.
            if !QuoteCheck.words(evidence).isEmpty && !quotes.occurs(evidence) {
                tally.discardedQuotes += 1
                value = .uncertain
            }
            values = [value]
            if value == .positive, let question = prompt.followUpQuestion, let schema = prompt.followUpSchema {
                // The follow-up continues the conversation, so the server reuses its cached prefix.
                messages += [ChatClient.Message(.assistant, content), ChatClient.Message(.user, question)]
                let (_, options) = try validAnswer(messages, schema: schema, tally: &tally)
                let chosen = Set((options["options"]?.array ?? []).compactMap(\.string))
                followUp = task.followUp?.options.map(\.name).filter(chosen.contains) ?? []
            }
        case .extraction:
            values = []
            var kept: [ExtractedPhrase] = [], seen: Set<String> = []
            let codes = Set((task.extraction?.codes ?? []).map(\.code))
            for item in first["phrases"]?.array ?? [] {
                // A phrase the report does not have is invented: dropped and counted, never stored.
                guard let text = item["text"]?.string, quotes.occurs(text) else {
                    tally.discardedQuotes += 1
                    continue
                }
                var phrase = ExtractedPhrase(text: text.trimmingCharacters(in: .whitespacesAndNewlines))
                if let code = item["code"]?.string, codes.contains(code) { phrase.code = code }
                guard seen.insert(phrase.normalized).inserted else { continue }
                kept.append(phrase)
            }
            phrases = kept
        }
        let provenance = LabelProvenance(
            labeler: "llm", version: LLMPrompt.version, model: tally.model ?? client.model, endpoint: client.endpoint.description,
            promptHash: prompt.hash, task: task.name, taskVersion: task.version, temperature: settings.temperature,
            labelledAt: Timestamp.string(Date()), latencyMilliseconds: Int((tally.seconds * 1000).rounded()),
            promptTokens: tally.promptTokens, evaluatedPromptTokens: tally.evaluatedPromptTokens,
            completionTokens: tally.completionTokens, discardedQuotes: tally.discardedQuotes, requests: tally.requests)
        return TaskAnswer(values: values, followUp: followUp, provenance: provenance, phrases: phrases)
    }

    /// An answer that parses and fits `schema`: asked for once more, with the problem named,
    /// if the first does not.
    private func validAnswer(_ messages: [ChatClient.Message], schema: AnswerSchema, tally: inout Tally) throws -> (String, JSONValue) {
        var conversation = messages
        var problem = ""
        for attempt in 1...2 {
            let reply = try send(conversation, schema: schema, tally: &tally)
            tally.add(reply)
            var violation: String?
            if let value = try? JSONValue.parse(reply.content) {
                violation = schema.violation(in: value)
                guard let violation else { return (reply.content, value) }
                problem = "the answer does not fit the task's schema (\(violation))"
            } else {
                problem = "the answer is not JSON"
            }
            if attempt == 1 {
                // Asked in the task's language; `problem` stays English for the log.
                conversation = messages + [
                    ChatClient.Message(.assistant, reply.content),
                    ChatClient.Message(.user, prompt.wording.answerAgain(notJSON: violation == nil, violation: violation)),
                ]
            }
        }
        throw LabelingFailure(.invalidAnswer, "\(client.endpoint): \(problem), twice")
    }

    /// One request, tried again on transient failures, behind the endpoint's circuit breaker.
    private func send(_ messages: [ChatClient.Message], schema: AnswerSchema, tally: inout Tally) throws -> ChatClient.Reply {
        let request = ChatClient.Request(messages: messages, schema: schema, maxTokens: settings.maxTokens,
                                         temperature: settings.temperature, seed: settings.seed)
        var attempt = 0
        var waited = 0.0
        while true {
            guard breaker.permits() else {
                guard waited < settings.circuitPatience else {
                    throw LabelingFailure(.unavailable, "\(client.endpoint): not asked, it failed repeatedly (circuit open)")
                }
                sleep(1)
                waited += 1
                continue
            }
            attempt += 1
            tally.requests += 1
            let started = Date()
            do {
                let reply = try client.complete(request)
                breaker.recordSuccess()
                settings.metrics?.recordAnswer(seconds: reply.seconds, promptTokens: reply.promptTokens,
                                               completionTokens: reply.completionTokens)
                return reply
            } catch let failure as ChatClient.Failure {
                breaker.recordFailure()
                settings.metrics?.recordFailure(seconds: Date().timeIntervalSince(started))
                guard failure.isTransient else { throw LabelingFailure(.unavailable, failure.description) }
                guard attempt < settings.retry.attempts else {
                    throw LabelingFailure(.unavailable, "\(failure.description) (after \(attempt) attempts)")
                }
                sleep(settings.retry.delay(after: attempt, random: random()))
            }
        }
    }
}
