import Foundation
// Tests/Fuzz/fuzz-pdf.sh compiles this file alone, with RaddCore's SystemError beside it.
#if canImport(RaddCore)
import RaddCore
#endif
import Synchronization
#if canImport(Glibc)
import Glibc
#endif

/// Why a PDF gave no report text. Each says which of the cases an integration engineer must fix.
public enum PDFProblem: String, Sendable, Equatable {
    /// It opened, but no page has text: a scan, or text drawn as outlines. radd does no OCR.
    case noTextLayer = "pdf_no_text"
    /// It needs a password to open.
    case encrypted = "pdf_encrypted"
    /// Not a PDF poppler can open: damaged, truncated or not a PDF at all.
    case malformed = "pdf_malformed"
    /// The extraction ran out of its time or memory: a PDF bomb, or a document far beyond a report.
    case tooComplex = "pdf_too_complex"
}

/// The text layer of a PDF, by poppler's `pdftotext` (Debian's poppler-utils) in a process of its
/// own: PDF parsers are a classic attack surface, so the parser never runs inside raddd. The
/// process gets the PDF on a pipe and answers on a pipe (nothing is written to disk: the PDF is
/// PHI), runs with no new privileges, as `nobody` when raddd is root, with an empty environment,
/// limited address space, CPU time and open files, no file writes and no core, and is killed if
/// it outlives its wall-clock limit. A page break becomes a line break (pages end in one, so
/// two pages are separated by a blank line).
public enum PDFText {
    public static let extractor = "/usr/bin/pdftotext"
    static let prlimit = "/usr/bin/prlimit"
    static let setpriv = "/usr/bin/setpriv"

    /// What one extraction may use. A report's PDF takes well under a second and a few MiB.
    public struct Limits: Sendable {
        public var addressSpaceBytes = 768 << 20
        public var cpuSeconds = 10
        public var wallSeconds: Double = 15
        /// More text than any report; a page stream that expands beyond it is a bomb.
        public var maxTextBytes = 16 << 20
        public init() {}
    }
    public static let limits = Limits()

    public enum Outcome: Sendable, Equatable {
        case text(String)
        case problem(PDFProblem)
    }

    /// Whether the bytes start like a PDF (`%PDF-` within the first KiB, as readers accept it).
    public static func looksLikePDF(_ bytes: some Collection<UInt8>) -> Bool {
        let head = Array(bytes.prefix(1024))
        let magic = Array("%PDF-".utf8)
        return head.count >= magic.count && (0...(head.count - magic.count)).contains { Array(head[$0..<$0 + magic.count]) == magic }
    }

    /// The PDF's text, or why there is none. Throws only when the extractor cannot be run at all
    /// (not installed, no processes left): that is not the file's fault, so the file is retried.
    public static func extract(_ pdf: [UInt8], limits: Limits = limits) throws -> Outcome {
        var arguments: [String] = []
        if getuid() == 0 {
            arguments += [setpriv, "--reuid=65534", "--regid=65534", "--clear-groups"]
        } else {
            arguments += [setpriv]
        }
        arguments += ["--no-new-privs", "--", prlimit, "--as=\(limits.addressSpaceBytes)", "--cpu=\(limits.cpuSeconds)", "--fsize=0",
                      "--core=0", "--nofile=32", "--", extractor, "-q", "-enc", "UTF-8", "-eol", "unix", "-", "-"]
        guard FileManager.default.isExecutableFile(atPath: extractor) else {
            throw SystemError("PDF text extraction needs \(extractor) (Debian package poppler-utils), which is not installed", code: ENOENT)
        }
        let run = try SandboxedRun(arguments: arguments, input: pdf, maxOutput: limits.maxTextBytes, wallSeconds: limits.wallSeconds)
        if run.timedOut || run.outputTruncated || run.signalled { return .problem(.tooComplex) }
        guard run.status == 0 else {
            // pdftotext exits 1 both for a damaged file and for one that needs a password, and its
            // messages are silenced (-q) and discarded (they may quote the file); an /Encrypt
            // dictionary tells the two apart.
            return .problem(hasEncryptDictionary(pdf) ? .encrypted : .malformed)
        }
        let text = normalized(String(decoding: run.output, as: UTF8.self))
        return text.isEmpty ? .problem(.noTextLayer) : .text(text)
    }

    /// A trailer or cross-reference stream naming an /Encrypt dictionary.
    static func hasEncryptDictionary(_ pdf: [UInt8]) -> Bool {
        let needle = Array("/Encrypt".utf8)
        guard pdf.count >= needle.count else { return false }
        var index = 0
        while index <= pdf.count - needle.count {
            if pdf[index] == needle[0], Array(pdf[index..<index + needle.count]) == needle { return true }
            index += 1
        }
        return false
    }

    /// Form feeds (page breaks) become line breaks; trailing blanks go from each line, blank lines
    /// from both ends, and runs of blank lines become one.
    static func normalized(_ text: String) -> String {
        var lines: [Substring] = []
        for line in text.replacingOccurrences(of: "\u{0C}", with: "\n").split(separator: "\n", omittingEmptySubsequences: false) {
            var trimmed = line
            while let last = trimmed.last, last == " " || last == "\t" || last == "\r" { trimmed = trimmed.dropLast() }
            if trimmed.isEmpty, lines.last?.isEmpty ?? true { continue }
            lines.append(trimmed)
        }
        while lines.last?.isEmpty == true { lines.removeLast() }
        return lines.joined(separator: "\n")
    }
}

/// One run of a sandboxed child: its input written on a pipe, its output read up to a cap, killed
/// at the wall-clock deadline. stderr goes to /dev/null: a parser's messages may quote the file.
/// Spawned with posix_spawn rather than Foundation's Process, which leaks a little on each run
/// (found by the fuzzer's leak check), so that a child gets exactly three descriptors, default
/// signal handling and an unblocked signal mask, whatever raddd's threads hold.
struct SandboxedRun {
    var status: Int32 = -1
    var signalled = false
    var timedOut = false
    var outputTruncated = false
    var output: [UInt8] = []

    /// glibc's posix_spawn_file_actions_addclosefrom_np (2.34+), which the Glibc module does not
    /// declare (it is behind _GNU_SOURCE).
    private typealias AddCloseFrom = @convention(c) (UnsafeMutablePointer<posix_spawn_file_actions_t>, Int32) -> Int32
    private static let addCloseFrom: AddCloseFrom? = dlsym(UnsafeMutableRawPointer(bitPattern: 0), "posix_spawn_file_actions_addclosefrom_np")
        .map { unsafeBitCast($0, to: AddCloseFrom.self) }

    init(arguments: [String], input: [UInt8], maxOutput: Int, wallSeconds: Double) throws {
        var toChild: [Int32] = [-1, -1], fromChild: [Int32] = [-1, -1]
        guard pipe(&toChild) == 0 else { throw SystemError("pipe") }
        guard pipe(&fromChild) == 0 else {
            let code = errno
            close(toChild[0]); close(toChild[1])
            throw SystemError("pipe", code: code)
        }
        // Close-on-exec in raddd's own process: another child spawned meanwhile must not inherit
        // them (this one gets them as 0 and 1, and closes every other descriptor).
        for fd in toChild + fromChild { _ = fcntl(fd, F_SETFD, FD_CLOEXEC) }
        var actions = posix_spawn_file_actions_t()
        posix_spawn_file_actions_init(&actions)
        defer { posix_spawn_file_actions_destroy(&actions) }
        posix_spawn_file_actions_adddup2(&actions, toChild[0], 0)
        posix_spawn_file_actions_adddup2(&actions, fromChild[1], 1)
        posix_spawn_file_actions_addopen(&actions, 2, "/dev/null", O_WRONLY, 0)
        _ = Self.addCloseFrom?(&actions, 3)
        var attributes = posix_spawnattr_t()
        posix_spawnattr_init(&attributes)
        defer { posix_spawnattr_destroy(&attributes) }
        var none = sigset_t(), all = sigset_t()
        sigemptyset(&none)
        sigfillset(&all)
        posix_spawnattr_setsigmask(&attributes, &none)
        posix_spawnattr_setsigdefault(&attributes, &all)
        posix_spawnattr_setflags(&attributes, Int16(POSIX_SPAWN_SETSIGMASK | POSIX_SPAWN_SETSIGDEF))
        let argv: [UnsafeMutablePointer<CChar>?] = arguments.map { strdup($0) } + [nil]
        let environmentText = ["PATH=/usr/bin:/bin", "LC_ALL=C.UTF-8"]
        let environment: [UnsafeMutablePointer<CChar>?] = environmentText.map { strdup($0) } + [nil]
        defer { (argv + environment).forEach { free($0) } }
        var pid: pid_t = 0
        let spawned = posix_spawn(&pid, arguments[0], &actions, &attributes, argv, environment)
        close(toChild[0])
        close(fromChild[1])
        guard spawned == 0 else {
            close(toChild[1]); close(fromChild[0])
            throw SystemError("starting \(arguments[0])", code: spawned)
        }
        let child = pid
        let deadline = Date().addingTimeInterval(wallSeconds)

        // The child may stop reading (a damaged file) or answer before reading all: the input is
        // written from a thread of its own, and a write error only ends the writing.
        let writer = toChild[1]
        let written = DispatchSemaphore(value: 0)
        let inputCopy = input
        Thread.detachNewThread {
            // A child that exits early makes the write fail with EPIPE; SIGPIPE is blocked in
            // this thread so that it cannot end the whole process, and taken back if raised.
            var pipeSignal = sigset_t()
            sigemptyset(&pipeSignal)
            sigaddset(&pipeSignal, SIGPIPE)
            pthread_sigmask(SIG_BLOCK, &pipeSignal, nil)
            var offset = 0
            while offset < inputCopy.count {
                let n = inputCopy[offset...].withUnsafeBytes { write(writer, $0.baseAddress, min($0.count, 1 << 16)) }
                if n < 0 && errno == EINTR { continue }
                if n <= 0 { break }
                offset += n
            }
            close(writer)
            var pending = sigset_t()
            if sigpending(&pending) == 0, sigismember(&pending, SIGPIPE) == 1 {
                var received: Int32 = 0
                sigwait(&pipeSignal, &received)
            }
            written.signal()
        }
        // A watchdog kills the child at the deadline, so the read below cannot hang. It stops
        // before the child is reaped, so it never signals a reused pid.
        let state = Mutex<(finished: Bool, killed: Bool)>((false, false))
        let watchdogDone = DispatchSemaphore(value: 0)
        Thread.detachNewThread {
            while Date() < deadline, !state.withLock({ $0.finished }) { usleep(20_000) }
            state.withLock { state in
                if !state.finished {
                    state.killed = true
                    kill(child, SIGKILL)
                }
            }
            watchdogDone.signal()
        }
        let reader = fromChild[0]
        var buffer = [UInt8](repeating: 0, count: 1 << 16)
        while true {
            let n = buffer.withUnsafeMutableBytes { read(reader, $0.baseAddress, $0.count) }
            if n < 0 && errno == EINTR { continue }
            if n <= 0 { break }
            output.append(contentsOf: buffer[0..<n])
            if output.count > maxOutput {
                outputTruncated = true
                kill(child, SIGKILL)
                break
            }
        }
        close(reader)
        // The child has closed its output (it ended, or is ending); waited for without reaping
        // first, so that the watchdog can still kill it if it lingers.
        var info = siginfo_t()
        while waitid(P_PID, id_t(child), &info, WEXITED | WNOWAIT) != 0 && errno == EINTR {}
        state.withLock { $0.finished = true }
        watchdogDone.wait()
        var raw: Int32 = 0
        while waitpid(child, &raw, 0) < 0 && errno == EINTR {}
        written.wait()
        timedOut = state.withLock { $0.killed }
        // WIFSIGNALED / WEXITSTATUS, which Swift does not import as functions.
        signalled = (raw & 0x7F) != 0 && (raw & 0x7F) != 0x7F
        status = (raw >> 8) & 0xFF
    }
}
