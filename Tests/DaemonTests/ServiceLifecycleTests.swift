import Foundation
import Store
import XCTest
#if canImport(Glibc)
import Glibc
#endif

/// A real AF_UNIX datagram socket standing where systemd's notify socket would be.
final class NotifyListener {
    let path: String
    private let fd: Int32

    init(path: String) throws {
        self.path = path
        fd = socket(AF_UNIX, Int32(SOCK_DGRAM.rawValue), 0)
        var address = sockaddr_un()
        address.sun_family = sa_family_t(AF_UNIX)
        withUnsafeMutableBytes(of: &address.sun_path) { $0.copyBytes(from: Array(path.utf8) + [0]) }
        let rc = withUnsafePointer(to: &address) {
            $0.withMemoryRebound(to: sockaddr.self, capacity: 1) { bind(fd, $0, socklen_t(MemoryLayout<sockaddr_un>.size)) }
        }
        guard rc == 0 else { throw DaemonHarness.Failure("cannot bind notify socket: \(errno)") }
        var timeout = timeval(tv_sec: 0, tv_usec: 100_000)
        setsockopt(fd, SOL_SOCKET, SO_RCVTIMEO, &timeout, socklen_t(MemoryLayout<timeval>.size))
    }

    deinit { close(fd); unlink(path) }

    /// Collects datagrams until `done` holds for what arrived so far, or the timeout passes.
    func collect(timeout: TimeInterval, until done: ([String]) -> Bool) -> [String] {
        var messages: [String] = []
        let deadline = Date().addingTimeInterval(timeout)
        var buffer = [UInt8](repeating: 0, count: 4096)
        while Date() < deadline && !done(messages) {
            let n = recv(fd, &buffer, buffer.count, 0)
            if n > 0 { messages.append(String(decoding: buffer.prefix(n), as: UTF8.self)) }
        }
        return messages
    }
}

final class ServiceLifecycleTests: XCTestCase {
    func testNotifyProtocolReadyStatusWatchdogAndStopping() throws {
        let harness = try DaemonHarness()
        let listener = try NotifyListener(path: harness.root + "/notify.sock")
        try harness.start(environment: ["NOTIFY_SOCKET": listener.path, "WATCHDOG_USEC": "200000"], waitForSocket: false)

        let startup = listener.collect(timeout: 10) { messages in
            messages.contains { $0.contains("READY=1") } && messages.filter { $0 == "WATCHDOG=1" }.count >= 3
        }
        let ready = try XCTUnwrap(startup.first { $0.contains("READY=1") }, "\(startup)")
        XCTAssertTrue(ready.contains("STATUS=Ready"), ready)
        XCTAssertTrue(FileManager.default.fileExists(atPath: harness.socketPath), "READY=1 before the socket listened")
        XCTAssertGreaterThanOrEqual(startup.filter { $0 == "WATCHDOG=1" }.count, 3, "\(startup)")

        let process = try XCTUnwrap(harness.process)
        kill(process.processIdentifier, SIGTERM)
        let shutdown = listener.collect(timeout: 10) { $0.contains { $0.contains("STOPPING=1") } }
        XCTAssertTrue(shutdown.contains { $0.contains("STOPPING=1") }, "\(shutdown)")
        process.waitUntilExit()
        XCTAssertEqual(process.terminationReason, .exit)
        XCTAssertEqual(process.terminationStatus, 0)
        XCTAssertFalse(FileManager.default.fileExists(atPath: harness.socketPath), "socket removed on stop")
    }

    func testSIGTERMWhileFilesArriveLosesNothing() throws {
        let harness = try DaemonHarness()
        try harness.start()
        let count = 300
        for index in 0..<count { try harness.drop(String(format: "t%04d.txt", index), "Report \(index): no acute findings.") }
        XCTAssertEqual(harness.stop().status, 0)
        try harness.start()
        try waitUntilAllSettled(harness, expected: count)
        XCTAssertEqual(harness.stop().status, 0)
        try assertEachStoredExactlyOnce(harness, names: (0..<count).map { String(format: "t%04d.txt", $0) },
                                        text: { "Report \(Int($0.dropFirst().prefix(4))!): no acute findings." })
    }

    /// Drops files in rounds, SIGKILLs raddd at a random moment in each round while files keep
    /// arriving, restarts it, and finally checks that every file became exactly one report.
    func testKillNineWhileDroppingStoresEveryReportExactlyOnce() throws {
        let harness = try DaemonHarness()
        let rounds = 10, perRound = 60
        var names: [String] = []
        var generator = SystemRandomNumberGenerator()
        for round in 0..<rounds {
            let process = try harness.start()
            let killAt = Int.random(in: 0..<perRound, using: &generator)
            for index in 0..<perRound {
                let name = String(format: "k%02d-%03d.txt", round, index)
                try harness.drop(name, "Round \(round) file \(index): heart size normal.")
                names.append(name)
                if index == killAt {
                    usleep(UInt32.random(in: 0..<20_000, using: &generator))
                    kill(process.processIdentifier, SIGKILL)
                }
                if index % 7 == 0 { usleep(2_000) }
            }
            process.waitUntilExit()
            XCTAssertEqual(process.terminationReason, .uncaughtSignal)
            _ = harness.stop(signal: SIGKILL)
        }
        try harness.start()
        try waitUntilAllSettled(harness, expected: names.count)
        XCTAssertEqual(harness.stop().status, 0)
        try assertEachStoredExactlyOnce(harness, names: names) { name in
            let round = Int(name.dropFirst().prefix(2))!, index = Int(name.dropFirst(4).prefix(3))!
            return "Round \(round) file \(index): heart size normal."
        }
    }

    func waitUntilAllSettled(_ harness: DaemonHarness, expected: Int, timeout: TimeInterval = 60) throws {
        let deadline = Date().addingTimeInterval(timeout)
        while Date() < deadline {
            if try harness.allReports().count >= expected && visibleFiles(harness.dropDir).isEmpty
                && visibleFiles(harness.dropDir + "/.radd-work").isEmpty { return }
            usleep(100_000)
        }
        XCTFail("not all files settled: \(try harness.allReports().count) of \(expected) stored, "
                + "\(visibleFiles(harness.dropDir).count) waiting, \(visibleFiles(harness.dropDir + "/.radd-work").count) claimed")
    }

    /// Reads the database directly, with its key, after raddd has stopped.
    func assertEachStoredExactlyOnce(_ harness: DaemonHarness, names: [String], text: (String) -> String,
                                     file: StaticString = #filePath, line: UInt = #line) throws {
        let store = try ReportStore(path: harness.databasePath, key: DatabaseKey(hex: harness.keyHex))
        defer { store.close() }
        var rows: [StoredReport] = []
        var after: Int64 = 0
        while case let page = try store.reports(limit: 1000, afterID: after), !page.isEmpty {
            rows += page
            after = page.last!.id
        }
        XCTAssertEqual(rows.count, names.count, "stored \(rows.count) reports for \(names.count) files", file: file, line: line)
        let stored = Set(rows.map(\.sourceName)), expected = Set(names)
        XCTAssertEqual(expected.subtracting(stored).sorted(), [], "lost", file: file, line: line)
        XCTAssertEqual(stored.subtracting(expected).sorted(), [], "unexpected", file: file, line: line)
        XCTAssertEqual(Set(rows.map(\.claimID)).count, rows.count, file: file, line: line)
        XCTAssertEqual(try store.countsByState()["quarantined"], 0, file: file, line: line)
        for row in rows {
            XCTAssertEqual(try store.report(id: row.id)?.text, text(row.sourceName), row.sourceName, file: file, line: line)
        }
    }
}
