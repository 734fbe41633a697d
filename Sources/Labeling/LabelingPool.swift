import Foundation
import Synchronization

/// Keeps several labelers busy at once, one thread each: typically one per request slot of each
/// model endpoint, so that every endpoint has its configured number of requests in flight.
/// Threads of its own rather than `concurrentPerform`, which runs only as many at once as there
/// are cores, while a worker here mostly waits for its model server.
public final class LabelingPool: Sendable {
    public let labelers: [any Labeler]

    public init(labelers: [any Labeler]) {
        precondition(!labelers.isEmpty, "a pool needs a labeler")
        self.labelers = labelers
    }

    /// Each text's answer or failure, in order. `progress` is called, serialized, with the
    /// number of texts finished so far.
    public func label(_ texts: [String], progress: @escaping @Sendable (Int) -> Void = { _ in }) -> [Result<TaskAnswer, Error>] {
        // The claim counter and the results belong to this call, not to the pool, so that two
        // calls at once cannot hand out each other's indexes or reset each other's progress.
        let run = Run(count: texts.count)
        let group = DispatchGroup()
        for labeler in labelers {
            group.enter()
            let thread = Thread {
                defer { group.leave() }
                while let index = run.claim() {
                    let result = Result { try labeler.answer(texts[index]) }
                    run.finish(index, with: result, progress: progress)
                }
            }
            thread.start()
        }
        group.wait()
        return run.results()
    }

    private final class Run: Sendable {
        private struct State {
            var next = 0
            var done = 0
            var values: [Result<TaskAnswer, Error>?]
        }

        private let state: Mutex<State>

        init(count: Int) {
            state = Mutex(State(values: Array(repeating: nil, count: count)))
        }

        func claim() -> Int? {
            state.withLock { state in
                guard state.next < state.values.count else { return nil }
                state.next += 1
                return state.next - 1
            }
        }

        /// `progress` runs under the lock, which is what serializes its calls.
        func finish(_ index: Int, with result: Result<TaskAnswer, Error>, progress: @Sendable (Int) -> Void) {
            state.withLock { state in
                state.values[index] = result
                state.done += 1
                progress(state.done)
            }
        }

        func results() -> [Result<TaskAnswer, Error>] {
            state.withLock { $0.values.map { $0! } }
        }
    }
}
