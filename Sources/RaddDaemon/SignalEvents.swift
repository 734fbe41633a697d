import Foundation
import RaddCore
#if canImport(Glibc)
import Glibc
#endif

/// Signals delivered as readable bytes on a pipe, so the main loop handles them in ordinary code
/// rather than in an async-signal handler. A dedicated thread takes them with sigwait(3); signalfd
/// would do the same but is hidden from Swift behind _GNU_SOURCE.
final class SignalEvents {
    static let handled: [Int32] = [SIGTERM, SIGINT, SIGHUP]
    let fileDescriptor: Int32
    private let writeEnd: Int32

    static var handledSet: sigset_t {
        var set = sigset_t()
        sigemptyset(&set)
        for signal in handled { sigaddset(&set, signal) }
        return set
    }

    /// Must run before any thread is started: threads inherit the mask, and a thread that left
    /// SIGTERM unblocked would let it kill the process without a clean shutdown.
    static func blockHandledSignals() {
        var set = handledSet
        pthread_sigmask(SIG_BLOCK, &set, nil)
        signal(SIGPIPE, SIG_IGN)
    }

    init() throws {
        var ends: [Int32] = [0, 0]
        guard pipe(&ends) == 0 else { throw SystemError("pipe") }
        fileDescriptor = ends[0]
        writeEnd = ends[1]
        _ = fcntl(fileDescriptor, F_SETFL, O_NONBLOCK)
        let writeEnd = writeEnd
        let thread = Thread {
            var set = SignalEvents.handledSet
            while true {
                var signal: Int32 = 0
                guard sigwait(&set, &signal) == 0 else { continue }
                var byte = UInt8(truncatingIfNeeded: signal)
                _ = write(writeEnd, &byte, 1)
            }
        }
        thread.name = "signals"
        thread.start()
    }

    func read() -> [Int32] {
        var buffer = [UInt8](repeating: 0, count: 64)
        let count = Glibc.read(fileDescriptor, &buffer, buffer.count)
        return count > 0 ? buffer.prefix(count).map(Int32.init) : []
    }
}
