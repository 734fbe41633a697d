import Foundation
import RaddCore
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
struct SandboxedRun {
    var status: Int32 = -1
    var signalled = false
    var timedOut = false
    var outputTruncated = false
    var output: [UInt8] = []

    init(arguments: [String], input: [UInt8], maxOutput: Int, wallSeconds: Double) throws {
        let process = Process()
        process.executableURL = URL(fileURLWithPath: arguments[0])
        process.arguments = Array(arguments.dropFirst())
        process.environment = ["PATH": "/usr/bin:/bin", "LC_ALL": "C.UTF-8"]
        process.currentDirectoryURL = URL(fileURLWithPath: "/")
        let stdin = Pipe(), stdout = Pipe()
        process.standardInput = stdin
        process.standardOutput = stdout
        process.standardError = FileHandle.nullDevice
        try process.run()
        let pid = process.processIdentifier
        let deadline = Date().addingTimeInterval(wallSeconds)

        // The child may stop reading (a damaged file) or answer before reading all: the input is
        // written from a thread of its own, and a write error only ends the writing.
        let writer = stdin.fileHandleForWriting
        let written = DispatchSemaphore(value: 0)
        let inputCopy = input
        Thread.detachNewThread {
            // A child that exits early makes the write fail with EPIPE; SIGPIPE is blocked in
            // this thread so that it cannot end the whole process, and discarded with the thread.
            var pipeSignal = sigset_t()
            sigemptyset(&pipeSignal)
            sigaddset(&pipeSignal, SIGPIPE)
            pthread_sigmask(SIG_BLOCK, &pipeSignal, nil)
            var offset = 0
            while offset < inputCopy.count {
                let n = inputCopy[offset...].withUnsafeBytes { write(writer.fileDescriptor, $0.baseAddress, min($0.count, 1 << 16)) }
                if n < 0 && errno == EINTR { continue }
                if n <= 0 { break }
                offset += n
            }
            try? writer.close()
            var pending = sigset_t()
            if sigpending(&pending) == 0, sigismember(&pending, SIGPIPE) == 1 {
                var received: Int32 = 0
                sigwait(&pipeSignal, &received)
            }
            written.signal()
        }
        // A watchdog kills the child at the deadline, so a read below cannot hang.
        let finished = Mutex(false)
        let killed = Mutex(false)
        Thread.detachNewThread {
            while Date() < deadline {
                if finished.withLock({ $0 }) { return }
                usleep(20_000)
            }
            if !finished.withLock({ $0 }) {
                killed.withLock { $0 = true }
                kill(pid, SIGKILL)
            }
        }
        let reader = stdout.fileHandleForReading.fileDescriptor
        var buffer = [UInt8](repeating: 0, count: 1 << 16)
        while true {
            let n = buffer.withUnsafeMutableBytes { read(reader, $0.baseAddress, $0.count) }
            if n < 0 && errno == EINTR { continue }
            if n <= 0 { break }
            output.append(contentsOf: buffer[0..<n])
            if output.count > maxOutput {
                outputTruncated = true
                kill(pid, SIGKILL)
                break
            }
        }
        process.waitUntilExit()
        finished.withLock { $0 = true }
        written.wait()
        try? stdout.fileHandleForReading.close()
        timedOut = killed.withLock { $0 }
        signalled = process.terminationReason == .uncaughtSignal
        status = process.terminationStatus
    }
}
