import Foundation
import XCTest
#if canImport(Glibc)
import Glibc
#endif

/// Runs the real raddd and raddctl binaries in a private directory: real SQLCipher files, real
/// inotify, real signals. The directory is world-traversable so that test users created with
/// useradd can reach the socket and the copied raddctl.
final class DaemonHarness {
    let root: String
    var dropDir: String { root + "/drop" }
    var stateDir: String { root + "/state" }
    var quarantineDir: String { stateDir + "/quarantine" }
    var socketPath: String { root + "/raddd.sock" }
    var keyFile: String { root + "/db.key" }
    var configFile: String { root + "/raddd.conf" }
    var logFile: String { root + "/raddd.log" }
    var databasePath: String { stateDir + "/radd.db" }
    let keyHex: String
    private(set) var process: Process?

    static var binaryDirectory: String {
        if let override = ProcessInfo.processInfo.environment["RADD_BIN_DIR"] { return override }
        // The XCTest bundle is built beside the products it tests.
        var directory = URL(fileURLWithPath: CommandLine.arguments[0]).deletingLastPathComponent()
        while !FileManager.default.fileExists(atPath: directory.appendingPathComponent("raddd").path),
              directory.path != "/" {
            directory.deleteLastPathComponent()
        }
        return directory.path
    }
    static var raddd: String { binaryDirectory + "/raddd" }
    static var raddctl: String { binaryDirectory + "/raddctl" }

    init() throws {
        root = "/tmp/radd-it-\(UUID().uuidString.prefix(8))"
        keyHex = (0..<32).map { _ in String(format: "%02x", UInt8.random(in: 0...255)) }.joined()
        try FileManager.default.createDirectory(atPath: dropDir, withIntermediateDirectories: true)
        chmod(root, 0o755)
        try write(keyHex, to: keyFile, mode: 0o600)
        // An explicit, empty config keeps a machine-wide /etc/radd/raddd.conf out of the tests.
        try write("# test configuration: every setting comes from flags\n", to: configFile, mode: 0o644)
        guard FileManager.default.isExecutableFile(atPath: Self.raddd) else {
            throw XCTSkip("raddd is not built at \(Self.raddd); run 'swift build --build-tests' first")
        }
    }

    deinit {
        if let process, process.isRunning { kill(process.processIdentifier, SIGKILL); process.waitUntilExit() }
        try? FileManager.default.removeItem(atPath: root)
    }

    func write(_ text: String, to path: String, mode: Int) throws {
        XCTAssertTrue(FileManager.default.createFile(atPath: path, contents: Data(text.utf8)))
        try FileManager.default.setAttributes([.posixPermissions: mode], ofItemAtPath: path)
    }

    var standardArguments: [String] {
        ["--config", configFile, "--state-dir", stateDir, "--drop-dir", dropDir, "--socket", socketPath,
         "--key-file", keyFile, "--log-target", "stderr", "--rescan-interval", "2"]
    }

    /// Starts raddd and waits until its socket answers.
    @discardableResult
    /// `launcher` runs raddd through another program (`faketime`, to set its clock).
    func start(extraArguments: [String] = [], environment: [String: String] = [:], waitForSocket: Bool = true,
               launcher: [String] = []) throws -> Process {
        let process = Process()
        process.executableURL = URL(fileURLWithPath: launcher.first ?? Self.raddd)
        process.arguments = launcher.dropFirst() + (launcher.isEmpty ? [] : [Self.raddd]) + standardArguments + extraArguments
        var env = ProcessInfo.processInfo.environment
        env.removeValue(forKey: "NOTIFY_SOCKET")
        env.removeValue(forKey: "CREDENTIALS_DIRECTORY")
        for (key, value) in environment { env[key] = value }
        process.environment = env
        if !FileManager.default.fileExists(atPath: logFile) { _ = FileManager.default.createFile(atPath: logFile, contents: nil) }
        let log = try FileHandle(forWritingTo: URL(fileURLWithPath: logFile))
        log.seekToEndOfFile()
        process.standardError = log
        process.standardOutput = log
        try process.run()
        self.process = process
        if waitForSocket { try waitUntilServing() }
        return process
    }

    func waitUntilServing(timeout: TimeInterval = 10) throws {
        let deadline = Date().addingTimeInterval(timeout)
        while Date() < deadline {
            if let process, !process.isRunning {
                throw Failure("raddd exited with \(process.terminationStatus) during start-up; log:\n\(log)")
            }
            if run(Self.raddctl, ["status", "--socket", socketPath]).status == 0 { return }
            usleep(50_000)
        }
        throw Failure("raddd did not answer on \(socketPath) within \(timeout) s; log:\n\(log)")
    }

    /// Sends `signal` and waits for the process to end; returns its exit status (or signal number).
    @discardableResult
    func stop(signal: Int32 = SIGTERM) -> (status: Int32, reason: Process.TerminationReason) {
        guard let process else { return (0, .exit) }
        kill(process.processIdentifier, signal)
        process.waitUntilExit()
        self.process = nil
        return (process.terminationStatus, process.terminationReason)
    }

    var log: String { (try? String(contentsOfFile: logFile, encoding: .utf8)) ?? "" }

    /// Polls `condition` until it holds; fails the test (and says what it waited for) when it
    /// does not within `timeout`.
    static func waitFor(_ what: String, timeout: TimeInterval = 15, file: StaticString = #filePath, line: UInt = #line,
                        _ condition: () throws -> Bool) throws {
        let deadline = Date().addingTimeInterval(timeout)
        while Date() < deadline {
            if try condition() { return }
            usleep(50_000)
        }
        XCTFail("timed out after \(timeout) s waiting for \(what)", file: file, line: line)
    }

    struct Output {
        var status: Int32
        var reason: Process.TerminationReason
        var stdout: String
        var stderr: String
    }

    /// Runs a program to completion and captures its output.
    @discardableResult
    func run(_ executable: String, _ arguments: [String], environment: [String: String]? = nil) -> Output {
        let process = Process()
        process.executableURL = URL(fileURLWithPath: executable)
        process.arguments = arguments
        if let environment { process.environment = environment }
        let out = Pipe(), err = Pipe()
        process.standardOutput = out
        process.standardError = err
        do { try process.run() } catch { return Output(status: -1, reason: .exit, stdout: "", stderr: "\(error)") }
        let stdout = out.fileHandleForReading.readDataToEndOfFile()
        let stderr = err.fileHandleForReading.readDataToEndOfFile()
        process.waitUntilExit()
        return Output(status: process.terminationStatus, reason: process.terminationReason,
                      stdout: String(decoding: stdout, as: UTF8.self), stderr: String(decoding: stderr, as: UTF8.self))
    }

    func raddctl(_ arguments: [String]) -> Output {
        run(Self.raddctl, arguments + ["--socket", socketPath])
    }

    /// Writes a file the way a careful exporter does: to a dot-file, then renamed in.
    func drop(_ name: String, _ text: String) throws {
        try drop(name, bytes: Data(text.utf8))
    }

    func drop(_ name: String, bytes: Data) throws {
        let staging = dropDir + "/." + name + ".partial"
        XCTAssertTrue(FileManager.default.createFile(atPath: staging, contents: bytes))
        guard rename(staging, dropDir + "/" + name) == 0 else { throw Failure("rename failed: \(errno)") }
    }

    func decode<T: Decodable>(_ type: T.Type, _ output: Output) throws -> T {
        guard output.status == 0 else { throw Failure("raddctl failed (\(output.status)): \(output.stderr)") }
        return try JSONDecoder().decode(T.self, from: Data(output.stdout.utf8))
    }

    /// Every report the daemon lists, following pages.
    func allReports() throws -> [ListedReport] {
        var reports: [ListedReport] = []
        var after: Int64 = 0
        while true {
            let page = try decode(ReportsPage.self, raddctl(["reports", "--json", "--limit", "1000", "--after", "\(after)"]))
            reports += page.reports
            guard let next = page.next else { return reports }
            after = next
        }
    }

    struct ListedReport: Decodable, Equatable {
        var id: Int64
        var sourceName: String
        var state: String
    }

    struct ReportsPage: Decodable {
        var reports: [ListedReport]
        var next: Int64?
    }

    struct Failure: Error, CustomStringConvertible {
        var description: String
        init(_ description: String) { self.description = description }
    }
}

/// Files in a directory, dot-entries excluded.
func visibleFiles(_ path: String) -> [String] {
    ((try? FileManager.default.contentsOfDirectory(atPath: path)) ?? []).filter { !$0.hasPrefix(".") }.sorted()
}

/// Every entry of a directory, dot-entries included: for checking that nothing was left behind.
func allEntries(_ path: String) -> [String] {
    ((try? FileManager.default.contentsOfDirectory(atPath: path)) ?? []).sorted()
}
