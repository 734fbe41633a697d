import Foundation
#if canImport(Glibc)
import Glibc
#endif

/// A one-line "done/total" counter on standard error, shown only on a terminal so that
/// scripts and logs get clean output.
final class Progress {
    private let total: Int
    private let noun: String
    private let interactive = isatty(STDERR_FILENO) != 0

    init(total: Int, noun: String) {
        self.total = total
        self.noun = noun
    }

    func advance(to done: Int) {
        guard interactive else { return }
        FileHandle.standardError.write(Data("\r\(done)/\(total) \(noun)\u{1B}[K".utf8))
    }

    func finish() {
        if interactive { FileHandle.standardError.write(Data("\r\u{1B}[K".utf8)) }
    }
}
