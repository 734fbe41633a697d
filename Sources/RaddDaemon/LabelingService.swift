import Foundation
import Labeling
import Logging
import RaddCore
import Store

/// Labels stored reports from the persistent job queue: the rule labeler at once, on a worker
/// of its own, and the LLM labeler as its model servers allow, each endpoint kept busy with its
/// configured number of requests in flight. A job is removed only in the transaction that
/// stores its answer, so a crash, `kill -9` or a dead model server loses nothing and labels
/// nothing twice; a report that waits for a model says why in `raddctl status`.
final class LabelingService: @unchecked Sendable {
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
    private let lock = NSCondition()
    private var running = false
    private var busy: Set<Int64> = []
    private var threads = 0
    private var endpoints: [Endpoint] = []
    private var breakers: [CircuitBreaker] = []
    private var models: [String?] = []
    private var lastErrors: [String?] = []
    private var inFlight: [Int] = []

    /// Loads every configured task; a task that cannot be loaded stops start-up.
    init(configuration: DaemonConfiguration, store: ReportStore, actor: AuditActor) throws {
        self.configuration = configuration
        self.store = store
        self.actor = actor
        tasks = try configuration.tasks.map { name in
            do { return try LabelTask.load(name, directories: configuration.taskDirectories) } catch {
                throw StartupError("task \(name): \(error)")
            }
        }
        do { try configuration.checkLLMLists() } catch { throw StartupError(error) }
        llmLabelers = configuration.llmLabelers
        endpoints = try configuration.llmEndpoints.map { text in
            do { return try Endpoint(text) } catch { throw StartupError("\(error)") }
        }
        // A refused connection costs nothing, so a dead server is probed every few seconds.
        breakers = endpoints.map { _ in CircuitBreaker(threshold: 3, cooldown: 5) }
        models = endpoints.indices.map { configuration.llmModel(endpoint: $0) }
        lastErrors = endpoints.map { _ in nil }
        inFlight = endpoints.map { _ in 0 }
        var jobs: [(task: String, labeler: String)] = []
        for task in tasks {
            jobs.append((task.name, LabelerID.rules.rawValue))
            for labeler in llmLabelers { jobs.append((task.name, labeler)) }
        }
        plan = LabelPlan(jobs: jobs)
    }

    func task(named name: String) -> LabelTask? { tasks.first { $0.name == name } }

    /// The LLM labelers whose answers the label policy weighs: `llm`, or one per model. Fixed at
    /// start, and read for every row a page of labels or an export builds.
    let llmLabelers: [String]

    /// The labelling decisions under `policy` (read once per request) with the models configured now.
    func decisions(under policy: LabelPolicy) -> LabelDecisions {
        LabelDecisions(policy: policy, models: llmLabelers.compactMap(LabelerID.init(rawValue:)))
    }

    /// Queues what stored reports still lack, then starts the workers.
    func start() throws {
        let queued = try store.enqueueMissingLabelJobs(actor: actor)
        if queued > 0 { logger.notice("queued labelling of earlier reports", metadata: ["jobs": "\(queued)"]) }
        lock.lock()
        running = true
        lock.unlock()
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
        lock.lock()
        lock.broadcast()
        lock.unlock()
    }

    /// Asks the workers to stop and waits briefly. A model request in flight is abandoned: its
    /// job stays queued and is done after the next start.
    func stop(grace: TimeInterval = 3) {
        lock.lock()
        running = false
        lock.broadcast()
        let deadline = Date().addingTimeInterval(grace)
        while threads > 0 && lock.wait(until: deadline) {}
        lock.unlock()
    }

    var endpointStates: [EndpointState] {
        lock.lock()
        defer { lock.unlock() }
        return endpoints.indices.map { index in
            let circuit: String
            switch breakers[index].state {
            case .closed: circuit = "closed"
            case .open(let until): circuit = "open until \(Timestamp.string(until))"
            case .halfOpen: circuit = "half-open"
            }
            return EndpointState(endpoint: endpoints[index].description, model: models[index], circuit: circuit,
                                 lastError: lastErrors[index], inFlight: inFlight[index])
        }
    }

    private func spawn(_ name: String, _ body: @escaping @Sendable () -> Void) {
        lock.lock()
        threads += 1
        lock.unlock()
        let thread = Thread { [self] in
            body()
            lock.lock()
            threads -= 1
            lock.broadcast()
            lock.unlock()
        }
        thread.name = "label-" + name
        thread.start()
    }

    private var isRunning: Bool {
        lock.lock()
        defer { lock.unlock() }
        return running
    }

    private func work(labeler kind: String, endpoint index: Int?) {
        var labelers: [String: any Labeler] = [:]
        while isRunning {
            guard let job = claim(kind) else {
                lock.lock()
                if running { _ = lock.wait(until: Date().addingTimeInterval(1)) }
                lock.unlock()
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
                try store.commitLabels(job: job, labelerVersion: answer.labelerVersion, values: zip(task.findings, answer.values).map { ($0.name, $1) },
                                       followUp: answer.followUp, provenance: answer.provenance, members: nil, actor: actor)
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
        lock.lock()
        var model = models[index]
        lock.unlock()
        let timeout = configuration.llmTimeoutSeconds
        if model == nil {
            do {
                model = try ModelEndpoint.firstListedModel(at: endpoints[index], timeoutSeconds: min(timeout, 10))
            } catch {
                throw LabelingFailure(.unavailable, "\(error)")
            }
            guard model != nil else { throw LabelingFailure(.unavailable, "\(endpoints[index]) lists no models") }
            lock.lock()
            models[index] = model
            lock.unlock()
        }
        return ModelEndpoint(endpoint: endpoints[index], model: model ?? "").labeler(task: task, timeoutSeconds: timeout,
                                                                                     breaker: breakers[index])
    }

    /// The next due job no other worker has. The store is asked without holding `lock`: a
    /// control request holds the database while it reads `endpointStates`, so taking the two
    /// in the other order here would deadlock. Because of that, the job found may have been
    /// finished by another worker in between; it is checked again once it is ours.
    private func claim(_ labeler: String) -> LabelJob? {
        for _ in 0..<8 {
            lock.lock()
            let taken = busy
            lock.unlock()
            guard let job = try? store.nextLabelJob(labeler: labeler, excluding: taken) else { return nil }
            lock.lock()
            let inserted = busy.insert(job.id).inserted
            lock.unlock()
            guard inserted else { continue }
            if (try? store.isQueued(job)) == true { return job }
            release(job)
        }
        return nil
    }

    private func release(_ job: LabelJob) {
        lock.lock()
        busy.remove(job.id)
        lock.unlock()
    }

    private func adjustInFlight(_ index: Int, by delta: Int) {
        lock.lock()
        inFlight[index] += delta
        lock.unlock()
    }

    private func lastError(_ index: Int) -> String? {
        lock.lock()
        defer { lock.unlock() }
        return lastErrors[index]
    }

    /// Records the endpoint's latest error (nil: it answered) and returns the one before.
    @discardableResult
    private func record(_ index: Int, error: String?) -> String? {
        lock.lock()
        defer { lock.unlock() }
        let previous = lastErrors[index]
        lastErrors[index] = error
        return previous
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
        lock.lock()
        if running { _ = lock.wait(until: Date().addingTimeInterval(min(wait, 2))) }
        lock.unlock()
    }
}
