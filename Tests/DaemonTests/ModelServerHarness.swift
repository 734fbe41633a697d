import Foundation
import XCTest
#if canImport(Glibc)
import Glibc
#endif

/// The real llama-server with the real bundled model, as install.sh installs them, started on a
/// port of the test's own so that tests can kill and restart it. On a machine without the
/// runtime the tests are skipped, except under CI, where a missing runtime is an install bug.
final class ModelServerHarness {
    static let server = ProcessInfo.processInfo.environment["RADD_LLAMA_SERVER"] ?? "/usr/local/lib/radd/llama-server"
    static let model = ProcessInfo.processInfo.environment["RADD_MODEL"]
        ?? "/var/lib/radd-model/qwen2.5-coder-1.5b-instruct-q4_k_m.gguf"
    static let alias = "qwen2.5-coder-1.5b-instruct"

    let port: Int
    let logFile: String
    private(set) var process: Process?

    init(logFile: String) throws {
        guard FileManager.default.isExecutableFile(atPath: Self.server), FileManager.default.isReadableFile(atPath: Self.model) else {
            let message = "the bundled model runtime is not installed (\(Self.server), \(Self.model)); ./install.sh installs it"
            if ProcessInfo.processInfo.environment["CI"] != nil { throw DaemonHarness.Failure(message) }
            throw XCTSkip(message)
        }
        port = try Self.freePort()
        self.logFile = logFile
    }

    var url: String { "http://127.0.0.1:\(port)" }

    /// Starts llama-server as install.sh's unit does, and waits until it answers /health.
    func start(timeout: TimeInterval = 120) throws {
        let process = Process()
        process.executableURL = URL(fileURLWithPath: Self.server)
        process.arguments = ["--model", Self.model, "--alias", Self.alias, "--host", "127.0.0.1", "--port", String(port),
                             "--threads", String(max(1, ProcessInfo.processInfo.activeProcessorCount - 1)), "--parallel", "1",
                             "--ctx-size", "4096", "--jinja", "--no-webui"]
        if !FileManager.default.fileExists(atPath: logFile) { _ = FileManager.default.createFile(atPath: logFile, contents: nil) }
        let log = try FileHandle(forWritingTo: URL(fileURLWithPath: logFile))
        log.seekToEndOfFile()
        process.standardOutput = log
        process.standardError = log
        try process.run()
        self.process = process
        let deadline = Date().addingTimeInterval(timeout)
        while Date() < deadline {
            guard process.isRunning else { throw DaemonHarness.Failure("llama-server exited: \(tail)") }
            if healthy { return }
            usleep(200_000)
        }
        throw DaemonHarness.Failure("llama-server did not become healthy in \(timeout) s: \(tail)")
    }

    /// llama-server's /health answers 200 once the model is loaded (curl, because Foundation
    /// on Linux fetches no http URLs without FoundationNetworking).
    var healthy: Bool {
        let curl = Process()
        curl.executableURL = URL(fileURLWithPath: "/usr/bin/curl")
        curl.arguments = ["-sf", "-m", "2", url + "/health"]
        curl.standardOutput = FileHandle.nullDevice
        curl.standardError = FileHandle.nullDevice
        guard (try? curl.run()) != nil else { return false }
        curl.waitUntilExit()
        return curl.terminationStatus == 0
    }

    func kill(signal: Int32 = SIGKILL) {
        guard let process else { return }
        Glibc.kill(process.processIdentifier, signal)
        process.waitUntilExit()
        self.process = nil
    }

    var tail: String { String(((try? String(contentsOfFile: logFile, encoding: .utf8)) ?? "").suffix(2000)) }

    deinit { kill() }

    static func freePort() throws -> Int {
        let fd = socket(AF_INET, Int32(SOCK_STREAM.rawValue), 0)
        defer { close(fd) }
        var address = sockaddr_in()
        address.sin_family = sa_family_t(AF_INET)
        address.sin_addr.s_addr = inet_addr("127.0.0.1")
        address.sin_port = 0
        var length = socklen_t(MemoryLayout<sockaddr_in>.size)
        let bound = withUnsafeMutablePointer(to: &address) {
            $0.withMemoryRebound(to: sockaddr.self, capacity: 1) { bind(fd, $0, length) == 0 && getsockname(fd, $0, &length) == 0 }
        }
        guard bound else { throw DaemonHarness.Failure("no free port") }
        return Int(UInt16(bigEndian: address.sin_port))
    }
}
