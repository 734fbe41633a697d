import CSystemd
import Foundation

/// The systemd notify protocol (sd_notify(3)). Every call is a no-op when NOTIFY_SOCKET is unset,
/// so the same binary runs under systemd, under install.sh's background start, or by hand.
public struct ServiceNotifier: Sendable {
    public init() {}

    public func ready(status: String) { send("READY=1\nSTATUS=\(status)") }
    public func status(_ text: String) { send("STATUS=\(text)") }
    public func watchdog() { send("WATCHDOG=1") }
    public func stopping(status: String) { send("STOPPING=1\nSTATUS=\(status)") }

    /// Half of WATCHDOG_USEC, as sd_watchdog_enabled(3) recommends; nil when no watchdog is set
    /// for this process.
    public var watchdogInterval: TimeInterval? {
        var microseconds: UInt64 = 0
        guard sd_watchdog_enabled(0, &microseconds) > 0, microseconds > 0 else { return nil }
        return TimeInterval(microseconds) / 2_000_000
    }

    private func send(_ message: String) {
        _ = sd_notify(0, message)
    }
}
