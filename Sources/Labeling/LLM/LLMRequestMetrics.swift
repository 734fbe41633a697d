import Foundation
import Synchronization

/// What the requests to one model server cost, for raddd's metrics: how long each took (a
/// Prometheus histogram), how many failed, and the tokens used. Shared by every labeler that
/// asks the server; counts only, never a prompt or an answer.
public final class LLMRequestMetrics: Sendable {
    /// Upper bounds, in seconds: a report takes about 20 s on two CPU cores and well under one
    /// on a GPU server, so the buckets span both.
    public static let bucketBounds: [Double] = [0.25, 0.5, 1, 2.5, 5, 10, 20, 30, 60, 120, 300]

    public struct Snapshot: Sendable, Equatable {
        /// Requests at or below each bound of `bucketBounds` (cumulative, as Prometheus counts them).
        public var cumulativeBuckets: [Int]
        public var count = 0
        public var secondsSum = 0.0
        public var failed = 0
        public var promptTokens = 0
        public var completionTokens = 0
    }

    private let state = Mutex(Snapshot(cumulativeBuckets: Array(repeating: 0, count: LLMRequestMetrics.bucketBounds.count)))

    public init() {}

    /// A request the server answered.
    public func recordAnswer(seconds: Double, promptTokens: Int?, completionTokens: Int?) {
        state.withLock { snapshot in
            record(seconds, in: &snapshot)
            snapshot.promptTokens += promptTokens ?? 0
            snapshot.completionTokens += completionTokens ?? 0
        }
    }

    /// A request that failed (refused, timed out, an HTTP error): its time counts too, since a
    /// timeout is exactly the latency an operator must see.
    public func recordFailure(seconds: Double) {
        state.withLock { snapshot in
            record(seconds, in: &snapshot)
            snapshot.failed += 1
        }
    }

    private func record(_ seconds: Double, in snapshot: inout Snapshot) {
        snapshot.count += 1
        snapshot.secondsSum += seconds
        for (index, bound) in Self.bucketBounds.enumerated() where seconds <= bound {
            snapshot.cumulativeBuckets[index] += 1
        }
    }

    public var snapshot: Snapshot { state.withLock { $0 } }
}
