import Foundation
import RaddCore
import Synchronization

/// How often and how patiently a failed request is tried again: exponential backoff with full
/// jitter (a random wait up to the doubled delay), so that many workers do not hammer a server
/// that is coming back in step.
public struct RetryPolicy: Sendable, Equatable {
    public var attempts: Int
    public var baseDelay: Double
    public var maxDelay: Double

    public init(attempts: Int = 4, baseDelay: Double = 0.5, maxDelay: Double = 8) {
        self.attempts = attempts
        self.baseDelay = baseDelay
        self.maxDelay = maxDelay
    }

    /// The wait before attempt `attempt + 1` (attempt counts from 1).
    public func delay(after attempt: Int, random: Double) -> Double {
        min(maxDelay, baseDelay * pow(2, Double(attempt - 1))) * random
    }
}

/// Stops sending to a server that keeps failing: after `threshold` failures in a row the
/// circuit opens and calls fail at once for `cooldown` seconds; then one call is let through,
/// and its success closes the circuit again.
public final class CircuitBreaker: Sendable {
    public enum State: Equatable, Sendable {
        case closed
        case open(until: Date)
        case halfOpen
    }

    private struct Tally {
        var failures = 0
        var openedUntil: Date?
        var probing = false
    }

    public let threshold: Int
    public let cooldown: Double
    private let tally = Mutex(Tally())

    public init(threshold: Int = 5, cooldown: Double = 30) {
        self.threshold = threshold
        self.cooldown = cooldown
    }

    public var state: State {
        tally.withLock { tally in
            guard let until = tally.openedUntil else { return .closed }
            return Date() < until ? .open(until: until) : .halfOpen
        }
    }

    /// Whether a call may go out now. While half-open, only one call at a time may.
    public func permits(now: Date = Date()) -> Bool {
        tally.withLock { tally in
            guard let until = tally.openedUntil else { return true }
            guard now >= until, !tally.probing else { return false }
            tally.probing = true
            return true
        }
    }

    public func recordSuccess() {
        tally.withLock { $0 = Tally() }
    }

    public func recordFailure(now: Date = Date()) {
        tally.withLock { tally in
            tally.failures += 1
            if tally.probing || tally.failures >= threshold { tally.openedUntil = now.addingTimeInterval(cooldown) }
            tally.probing = false
        }
    }
}
