import Foundation
import Labeling
import Logging
import RaddCore
import Store
import Synchronization

/// Labels stored reports from the persistent job queue: the rule labeler at once, on a worker
/// of its own, and the LLM labeler as its model servers allow, each endpoint kept busy with its
/// configured number of requests in flight. A job is removed only in the transaction that
/// stores its answer, so a crash, `kill -9` or a dead model server loses nothing and labels
/// nothing twice; a report that waits for a model says why in `raddctl status`.
final class LabelingService: Sendable {
    /// What `status` shows about one model endpoint.
    struct EndpointState: Sendable {
        var endpoint: String
        var model: String?
        var circuit: String
        var lastError: String?
        var inFlight: Int
    }

    let tasks: [LabelTask]
    let plan: LabelPlan
    private let store: ReportStore
    private let actor: AuditActor
    private let configuration: DaemonConfiguration
    private let logger = Logger(label: "labeling")
    private let endpoints: [Endpoint]
    private let breakers: [CircuitBreaker]
    /// Per endpoint, what its requests cost (`raddctl metrics`).
    let requestMetrics: [LLMRequestMetrics]

    /// What the workers share. Only ever held briefly, and never while the store is asked.
    private struct State {
        var running = false
        var busy: Set<Int64> = []
        var threads = 0
        /// Per endpoint: the model (asked of the server when not configured), the latest error,
        /// the requests in flight.
        var models: [String?]
        var lastErrors: [String?]
        var inFlight: [Int]
        /// A labeler answered a report that has gold since the choice was last worked out, and
        /// when it was: an idle worker works it out again, at most every `choiceRefreshInterval`.
        var choiceStale = false
        var choiceRefreshedAt = Date.distantPast
    }
    private static let choiceRefreshInterval: TimeInterval = 30
    private let state: Mutex<State>
    /// Where idle workers and `stop` sleep. A change they wait for (`running`, `threads`) is
    /// made while holding it, so that no wake-up is lost; it is taken before `state`, never after.
    private let wakeup = NSCondition()

    /// `tasks` are the configured tasks, as start-up loaded them (`StartupChecks`).
    init(configuration: DaemonConfiguration, tasks: [LabelTask], store: ReportStore, actor: AuditActor) throws {
        self.configuration = configuration
        self.store = store
        self.actor = actor
        self.tasks = tasks
        do { try configuration.checkLLMLists() } catch { throw StartupError(error) }
        llmLabelers = configuration.llmLabelers
        let endpoints = try configuration.llmEndpoints.map { text in
            do { return try Endpoint(text) } catch { throw StartupError("\(error)") }
        }
        self.endpoints = endpoints
        // A refused connection costs nothing, so a dead server is probed every few seconds.
        breakers = endpoints.map { _ in CircuitBreaker(threshold: 3, cooldown: 5) }
        requestMetrics = endpoints.map { _ in LLMRequestMetrics() }
        state = Mutex(State(models: endpoints.indices.map { configuration.llmModel(endpoint: $0) },
                            lastErrors: endpoints.map { _ in nil }, inFlight: endpoints.map { _ in 0 }))
        plan = Self.plan(tasks: tasks, llmLabelers: llmLabelers)
    }

    /// The jobs each stored report gets: one per task and labeler, except the rule labeler's
    /// for a prompt-only task, in which it has nothing to read; and only for the tasks that read
    /// the report's language (`LabelTask.reportLanguage`, English unless the task says), because
    /// English phrases and cues say nothing true of a German report, nor German ones of an
    /// English report.
    static func plan(tasks: [LabelTask], llmLabelers: [String]) -> LabelPlan {
        var jobs: [(task: String, labeler: String)] = []
        for task in tasks {
            if task.hasRulePhrases { jobs.append((task.name, LabelerID.rules.rawValue)) }
            for labeler in llmLabelers { jobs.append((task.name, labeler)) }
        }
        return LabelPlan(jobs: jobs, languages: Dictionary(tasks.map { ($0.name, $0.reportLanguage) }, uniquingKeysWith: { first, _ in first }))
    }

    func task(named name: String) -> LabelTask? { tasks.first { $0.name == name } }

    /// The LLM labelers whose answers the label policy weighs: `llm`, or one per model. Fixed at
    /// start, and read for every row a page of labels or an export builds.
    let llmLabelers: [String]

    /// The labelling decisions under `policy` (read once per request) with the models configured
    /// now and the auto policy's latest choice.
    func decisions(under policy: LabelPolicy) -> LabelDecisions {
        LabelDecisions(policy: policy, models: models, choice: choice.withLock { $0 })
    }

    private var models: [LabelerID] { llmLabelers.compactMap(LabelerID.init(rawValue:)) }

    /// The auto policy's deciders per task and finding, worked out from the stored gold at start
    /// and again whenever gold changes (`refreshChoice`). Kept whatever the policy, so that a
    /// reload to `auto` finds it ready and `status` can show it.
    private let choice = Mutex(LabelChoice())

    /// The current choice, with its evidence.
    var labelChoice: LabelChoice { choice.withLock { $0 } }

    /// Works the auto policy's choice out again from the stored gold, for every task. Called in
    /// the transaction that changed gold, so the audit record of a changed choice commits with
    /// the gold that changed it, or neither does. Returns the findings whose decider changed.
    @discardableResult
    func refreshChoice(actor: AuditActor, because reason: String) throws -> [String] {
        let models = models
        var next = LabelChoice()
        for task in tasks {
            let gold = try store.latestGold(task: task.name).mapValues {
                task.answer(values: $0.values, followUp: $0.followUp, provenance: $0.provenance)
            }
            let sets = gold.isEmpty ? [:] : try store.labelSets(task: task.name, reportIDs: gold.keys.sorted())
            let answers = sets.mapValues { sets in
                ReportAnswers(sets.compactMap { set in
                    LabelerID(rawValue: set.labeler).map { ($0, task.answer(values: set.values, followUp: set.followUp, provenance: set.provenance)) }
                })
            }
            next.byTask[task.name] = LabelChoice.choose(task: task, gold: gold, answers: answers, models: models)
        }
        let current = labelChoice
        let changes = next.changes(from: current.byTask.isEmpty ? Self.initialChoice(tasks: tasks, hasModels: !models.isEmpty) : current)
        if !changes.isEmpty {
            let object = "label choice (\(reason)): " + changes.joined(separator: ", ")
            try store.audit.append(event: .configChange, action: .update, outcome: .success, actor: actor, object: String(object.prefix(1500)))
            logger.notice("label choice changed", metadata: ["findings": "\(changes.count)", "because": "\(reason)"])
        }
        choice.withLock { $0 = next }
        return changes
    }

    /// Works the choice out again if labels of gold reports came in and the last time is long
    /// enough ago. A failure leaves the choice as it was and is tried again later.
    private func refreshChoiceIfStale() {
        let due = state.withLock { state -> Bool in
            guard state.choiceStale, Date().timeIntervalSince(state.choiceRefreshedAt) >= Self.choiceRefreshInterval else { return false }
            state.choiceStale = false
            state.choiceRefreshedAt = Date()
            return true
        }
        guard due else { return }
        do {
            _ = try store.database.transaction { try refreshChoice(actor: actor, because: "new labels on gold reports") }
        } catch {
            state.withLock { $0.choiceStale = true }
            logger.error("the label choice could not be worked out again; the last one stays", metadata: ["error": "\(error)"])
        }
    }

    static func initialChoice(tasks: [LabelTask], hasModels: Bool) -> LabelChoice {
        LabelChoice(byTask: Dictionary(uniqueKeysWithValues: tasks.map { ($0.name, LabelChoice.initial(task: $0, hasModels: hasModels)) }))
    }

    /// Queues what stored reports still lack, then starts the workers.
    func start() throws {
        let queued = try store.enqueueMissingLabelJobs(actor: actor)
        if queued > 0 { logger.notice("queued labelling of earlier reports", metadata: ["jobs": "\(queued)"]) }
        setRunning(true)
        guard !tasks.isEmpty else { return }
        spawn("rules") { [self] in work(labeler: LabelerID.rules.rawValue, endpoint: nil) }
        for index in endpoints.indices {
            for slot in 0..<configuration.llmConcurrency(endpoint: index) {
                let labeler = configuration.llmLabeler(endpoint: index)
                spawn("llm-\(index)-\(slot)") { [self] in work(labeler: labeler, endpoint: index) }
            }
        }
    }

    /// New jobs were committed: wake the workers.
    func notify() {
        wakeup.lock()
        wakeup.broadcast()
        wakeup.unlock()
    }

    private func setRunning(_ running: Bool) {
        wakeup.lock()
        state.withLock { $0.running = running }
        wakeup.broadcast()
        wakeup.unlock()
    }

    /// Asks the workers to stop and waits briefly. A model request in flight is abandoned: its
    /// job stays queued and is done after the next start.
    func stop(grace: TimeInterval = 3) {
        setRunning(false)
        let deadline = Date().addingTimeInterval(grace)
        wakeup.lock()
        while state.withLock({ $0.threads }) > 0 && wakeup.wait(until: deadline) {}
        wakeup.unlock()
    }

    /// What metrics show about one model endpoint: fixed words and counts only.
    struct EndpointMetrics: Sendable {
        var endpoint: String
        var labeler: String
        /// Its last request was answered (true before the first).
        var up: Bool
        /// closed, open or half_open.
        var circuit: String
        var requests: LLMRequestMetrics.Snapshot
    }

    var endpointMetrics: [EndpointMetrics] {
        let lastErrors = state.withLock { $0.lastErrors }
        return endpoints.indices.map { index in
            let circuit: String
            switch breakers[index].state {
            case .closed: circuit = "closed"
            case .open: circuit = "open"
            case .halfOpen: circuit = "half_open"
            }
            return EndpointMetrics(endpoint: endpoints[index].description, labeler: configuration.llmLabeler(endpoint: index),
                                   up: lastErrors[index] == nil, circuit: circuit, requests: requestMetrics[index].snapshot)
        }
    }

    var endpointStates: [EndpointState] {
        let shared = state.withLock { (models: $0.models, lastErrors: $0.lastErrors, inFlight: $0.inFlight) }
        return endpoints.indices.map { index in
            let circuit: String
            switch breakers[index].state {
            case .closed: circuit = "closed"
            case .open(let until): circuit = "open until \(Timestamp.string(until))"
            case .halfOpen: circuit = "half-open"
            }
            return EndpointState(endpoint: endpoints[index].description, model: shared.models[index], circuit: circuit,
                                 lastError: shared.lastErrors[index], inFlight: shared.inFlight[index])
        }
    }

    private func spawn(_ name: String, _ body: @escaping @Sendable () -> Void) {
        state.withLock { $0.threads += 1 }
        let thread = Thread { [self] in
            body()
            wakeup.lock()
            state.withLock { $0.threads -= 1 }
            wakeup.broadcast()
            wakeup.unlock()
        }
        thread.name = "label-" + name
        thread.start()
    }

    private var isRunning: Bool { state.withLock { $0.running } }

    /// Sleeps until woken (new jobs, stop) or `seconds` pass.
    private func idle(seconds: TimeInterval) {
        wakeup.lock()
        if isRunning { _ = wakeup.wait(until: Date().addingTimeInterval(seconds)) }
        wakeup.unlock()
    }

    private func work(labeler kind: String, endpoint index: Int?) {
        var labelers: [String: any Labeler] = [:]
        while isRunning {
            guard let job = claim(kind) else {
                refreshChoiceIfStale()
                idle(seconds: 1)
                continue
            }
            defer { release(job) }
            guard let task = task(named: job.task) else {
                try? store.failLabelJob(job, reason: "task \(job.task) is no longer configured", actor: actor)
                continue
            }
            do {
                guard let text = try store.textForLabeling(reportID: job.reportID) else { continue }
                let labeler: any Labeler
                if let existing = labelers[task.name] {
                    labeler = existing
                } else if let index {
                    guard let made = try llmLabeler(task: task, endpoint: index) else { continue }
                    labeler = made
                    labelers[task.name] = made
                } else {
                    labeler = RuleLabeler(task: task)
                    labelers[task.name] = labeler
                }
                if let index { adjustInFlight(index, by: 1) }
                let answer: TaskAnswer
                do {
                    defer { if let index { adjustInFlight(index, by: -1) } }
                    answer = try labeler.answer(text)
                }
                // The rule labeler has no answer for a finding it has no phrases for, not even
                // "not mentioned": its set leaves such a finding out, for the models to answer.
                let values = zip(task.findings, answer.values).filter { index == nil ? !$0.0.mentions.isEmpty : true }.map { ($0.name, $1) }
                try store.commitLabels(job: job, labelerVersion: answer.labelerVersion, values: values,
                                       followUp: answer.storedList(for: task.kind), provenance: answer.provenance, members: nil, actor: actor)
                // New answers on a gold report change the evidence the auto policy chose by.
                if try !store.latestGold(task: task.name, reportIDs: [job.reportID]).isEmpty {
                    state.withLock { $0.choiceStale = true }
                }
                if let index, record(index, error: nil) != nil {
                    // The server is back: jobs that were put off because of it are due now.
                    let resumed = (try? store.resumeLabelJobs(labeler: kind)) ?? 0
                    logger.notice("model server answering again", metadata: ["endpoint": "\(endpoints[index])", "resumed": "\(resumed)"])
                    notify()
                }
            } catch let failure as LabelingFailure {
                switch failure.kind {
                case .unavailable:
                    var reason = failure.message
                    if let index {
                        // "Circuit open" says only that radd stopped asking; keep the cause.
                        if failure.message.hasSuffix("(circuit open)"), let cause = lastError(index) {
                            reason = cause
                        } else {
                            record(index, error: failure.message)
                        }
                    }
                    postpone(job, reason: reason, endpoint: index)
                case .invalidAnswer:
                    logger.warning("a model answered against the task's schema twice; recorded as a labelling failure",
                                   metadata: ["report": "\(job.reportID)", "task": "\(job.task)"])
                    try? store.failLabelJob(job, reason: failure.message, actor: actor)
                }
            } catch {
                logger.error("could not store labels; the job stays queued", metadata: ["report": "\(job.reportID)", "error": "\(error)"])
                postpone(job, reason: "store: \(error)", endpoint: nil)
            }
        }
    }

    /// An LLM labeler for the endpoint, once its model is known (asked of the server if not
    /// configured). nil, with the job postponed, while the server does not answer.
    private func llmLabeler(task: LabelTask, endpoint index: Int) throws -> LLMLabeler? {
        var model = state.withLock { $0.models[index] }
        let timeout = configuration.llmTimeoutSeconds
        if model == nil {
            do {
                model = try ModelEndpoint.firstListedModel(at: endpoints[index], timeoutSeconds: min(timeout, 10))
            } catch {
                throw LabelingFailure(.unavailable, "\(error)")
            }
            guard model != nil else { throw LabelingFailure(.unavailable, "\(endpoints[index]) lists no models") }
            state.withLock { $0.models[index] = model }
        }
        var settings = LLMLabeler.Settings()
        settings.metrics = requestMetrics[index]
        return ModelEndpoint(endpoint: endpoints[index], model: model ?? "").labeler(task: task, timeoutSeconds: timeout, settings: settings,
                                                                                     breaker: breakers[index])
    }

    /// The next due job no other worker has. The store is asked without holding `state`, which
    /// workers need between their model requests; so the job found may have been finished by
    /// another worker in between, and it is checked again once it is ours.
    private func claim(_ labeler: String) -> LabelJob? {
        for _ in 0..<8 {
            let taken = state.withLock { $0.busy }
            guard let job = try? store.nextLabelJob(labeler: labeler, excluding: taken) else { return nil }
            guard state.withLock({ $0.busy.insert(job.id).inserted }) else { continue }
            if (try? store.isQueued(job)) == true { return job }
            release(job)
        }
        return nil
    }

    private func release(_ job: LabelJob) {
        _ = state.withLock { $0.busy.remove(job.id) }
    }

    private func adjustInFlight(_ index: Int, by delta: Int) {
        state.withLock { $0.inFlight[index] += delta }
    }

    private func lastError(_ index: Int) -> String? {
        state.withLock { $0.lastErrors[index] }
    }

    /// Records the endpoint's latest error (nil: it answered) and returns the one before.
    @discardableResult
    private func record(_ index: Int, error: String?) -> String? {
        state.withLock { state in
            defer { state.lastErrors[index] = error }
            return state.lastErrors[index]
        }
    }

    /// The job waits: until its endpoint's circuit lets a probe through (and sooner if another
    /// job finds the server back), or with growing back-off for other causes.
    private func postpone(_ job: LabelJob, reason: String, endpoint index: Int?) {
        var wait = min(300, 2 * pow(2, Double(min(job.attempts, 8))))
        if let index {
            wait = 5
            if case .open(let until) = breakers[index].state { wait = max(1, until.timeIntervalSinceNow) }
        }
        do { try store.postponeLabelJob(job, reason: reason, notBefore: Date().addingTimeInterval(wait)) } catch {
            logger.error("cannot postpone a labelling job", metadata: ["report": "\(job.reportID)", "error": "\(error)"])
        }
        // Do not spin on a server that is down: the next job would fail the same way.
        idle(seconds: min(wait, 2))
    }
}
