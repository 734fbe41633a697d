import Foundation

/// Keeps several labelers busy at once, one thread each: typically one per request slot of each
/// model endpoint, so that every endpoint has its configured number of requests in flight.
/// Threads of its own rather than `concurrentPerform`, which runs only as many at once as there
/// are cores, while a worker here mostly waits for its model server.
public final class LabelingPool: @unchecked Sendable {
    public let labelers: [any Labeler]
    private let lock = NSLock()
    private var next = 0
    private var done = 0

    public init(labelers: [any Labeler]) {
        precondition(!labelers.isEmpty, "a pool needs a labeler")
        self.labelers = labelers
    }

    /// Each text's answer or failure, in order. `progress` is called, serialized, with the
    /// number of texts finished so far.
    public func label(_ texts: [String], progress: @escaping @Sendable (Int) -> Void = { _ in }) -> [Result<TaskAnswer, Error>] {
        let results = ResultBox(count: texts.count)
        next = 0
        done = 0
        let group = DispatchGroup()
        for labeler in labelers {
            group.enter()
            let thread = Thread { [self] in
                defer { group.leave() }
                while let index = claim(texts.count) {
                    let result = Result { try labeler.answer(texts[index]) }
                    lock.lock()
                    results.values[index] = result
                    done += 1
                    progress(done)
                    lock.unlock()
                }
            }
            thread.start()
        }
        group.wait()
        return results.values.map { $0! }
    }

    private func claim(_ count: Int) -> Int? {
        lock.lock()
        defer { lock.unlock() }
        guard next < count else { return nil }
        next += 1
        return next - 1
    }

    private final class ResultBox: @unchecked Sendable {
        var values: [Result<TaskAnswer, Error>?]
        init(count: Int) { values = Array(repeating: nil, count: count) }
    }
}
