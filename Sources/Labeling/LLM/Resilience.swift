import Foundation
import RaddCore

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
public final class CircuitBreaker: @unchecked Sendable {
    public enum State: Equatable, Sendable {
        case closed
        case open(until: Date)
        case halfOpen
    }

    public let threshold: Int
    public let cooldown: Double
    private let lock = NSLock()
    private var failures = 0
    private var openedUntil: Date?
    private var probing = false

    public init(threshold: Int = 5, cooldown: Double = 30) {
        self.threshold = threshold
        self.cooldown = cooldown
    }

    public var state: State {
        lock.lock()
        defer { lock.unlock() }
        guard let until = openedUntil else { return .closed }
        return Date() < until ? .open(until: until) : .halfOpen
    }

    /// Whether a call may go out now. While half-open, only one call at a time may.
    public func permits(now: Date = Date()) -> Bool {
        lock.lock()
        defer { lock.unlock() }
        guard let until = openedUntil else { return true }
        guard now >= until, !probing else { return false }
        probing = true
        return true
    }

    public func recordSuccess() {
        lock.lock()
        failures = 0
        openedUntil = nil
        probing = false
        lock.unlock()
    }

    public func recordFailure(now: Date = Date()) {
        lock.lock()
        failures += 1
        if probing || failures >= threshold { openedUntil = now.addingTimeInterval(cooldown) }
        probing = false
        lock.unlock()
    }
}
