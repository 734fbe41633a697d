import Foundation
#if canImport(Glibc)
import Glibc
#endif
import Synchronization
import XCTest

/// Drops everything a broken or hostile export could produce (Fixtures/torture/SOURCE.txt lists
/// the files) into a running raddd and checks that each one is quarantined with a reason an
/// integration engineer can act on, that nothing is stored, and that raddd neither follows the
/// links, nor opens the FIFO, nor stalls.
final class TortureTests: XCTestCase {
    static let fixtures = URL(fileURLWithPath: #filePath).deletingLastPathComponent()
        .appendingPathComponent("Fixtures/torture")

    static func fixture(_ name: String) throws -> Data {
        try Data(contentsOf: fixtures.appendingPathComponent(name))
    }

    /// Offset of the first byte that cannot start ASCII text: where a UTF-8 check must stop in a
    /// file saved as ISO 8859-1.
    static func firstNonASCIIOffset(_ name: String) throws -> Int {
        try XCTUnwrap(fixture(name).firstIndex { $0 >= 0x80 }, "\(name) has no non-ASCII byte")
    }

    func testTortureFilesAreEachQuarantinedWithASpecificReasonAndNothingIsStored() throws {
        let harness = try DaemonHarness()
        let maxFileBytes: Int64 = 64 << 20
        try harness.start(extraArguments: ["--max-file-bytes", "\(maxFileBytes)"])

        // Phrases each reason must hold, besides starting with the file's name. They are what an
        // integration engineer needs: the problem, and where in the file it is.
        var expectedPhrases: [String: [String]] = [
            "junk.hl7": ["holds binary data (NUL byte at offset", "not report text"],
            "truncated.hl7": ["is not valid HL7 v2", "segment 2 (PID)", "ends without an OBR segment", "truncated"],
            "latin1-bytes.txt": ["is not valid UTF-8 text", "offset \(try Self.firstNonASCIIOffset("latin1-bytes.txt"))"],
            "invalid-utf8.json": ["is not valid FHIR", "byte \(try Self.firstNonASCIIOffset("invalid-utf8.json"))",
                                  "not valid UTF-8"],
            "unterminated-quote.csv": ["is not valid CSV", "line 3", "quoted field never closed"],
            "patient.json": ["is not valid FHIR", "resourceType is Patient, not DiagnosticReport"],
            "numbers.json": ["is not valid FHIR", "not an object, so not a FHIR resource"],
            "deep.json": ["is not valid FHIR", "nested deeper than 100 levels"],
            "empty.txt": ["is empty (0 bytes)"],
        ]
        let committed = try FileManager.default.contentsOfDirectory(atPath: Self.fixtures.path)
            .filter { $0 != "SOURCE.txt" }
        XCTAssertEqual(Set(committed), Set(expectedPhrases.keys), "every committed torture file needs its expected reason")

        // The FIFO and the links are made in place, as an attacker with shell access would: no
        // inotify event announces them, so this also covers the rescan path.
        let pipe = harness.dropDir + "/pipe.hl7"
        XCTAssertEqual(mkfifo(pipe, 0o644), 0)
        let blockedWriter = FIFOWriter(path: pipe)
        defer { blockedWriter.release(candidatePaths: [harness.quarantineDir + "/pipe.hl7", pipe]) }
        expectedPhrases["pipe.hl7"] = ["is a FIFO, not a regular file"]

        let passwordFileBefore = try FileSnapshot(path: "/etc/passwd")
        XCTAssertEqual(symlink("/etc/passwd", harness.dropDir + "/link.txt"), 0)
        expectedPhrases["link.txt"] = ["is a symbolic link, not a regular file", "never follows links"]

        // A valid report behind a link: following the link would store it, and reading it would
        // move its access time (relatime updates an access time older than the modification time).
        let outside = harness.root + "/outside"
        try FileManager.default.createDirectory(atPath: outside, withIntermediateDirectories: true)
        let linkedReport = outside + "/report.txt"
        let linkedText = "Heart size normal. Lungs are clear.\n"
        try harness.write(linkedText, to: linkedReport, mode: 0o644)
        var times = [timespec(tv_sec: 978_307_200, tv_nsec: 0), timespec(tv_sec: Int(Date().timeIntervalSince1970), tv_nsec: 0)]
        XCTAssertEqual(utimensat(AT_FDCWD, linkedReport, &times, 0), 0)
        let linkedReportBefore = try FileSnapshot(path: linkedReport, readingContents: false)
        XCTAssertEqual(symlink(linkedReport, harness.dropDir + "/report-link.txt"), 0)
        expectedPhrases["report-link.txt"] = ["is a symbolic link, not a regular file"]

        // Written in place through one descriptor, as an exporter would: announced by its close.
        let huge = harness.dropDir + "/huge.csv"
        let fd = open(huge, O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, 0o644)
        XCTAssertGreaterThanOrEqual(fd, 0)
        XCTAssertEqual(ftruncate(fd, 2 << 30), 0)
        close(fd)
        expectedPhrases["huge.csv"] = ["is \(2 << 30) bytes", "over the \(maxFileBytes)-byte limit"]

        for name in committed.sorted() { try harness.drop(name, bytes: try Self.fixture(name)) }

        let expectedQuarantine = Set(expectedPhrases.keys.flatMap { [$0, $0 + ".reason"] })
        let deadline = Date().addingTimeInterval(20)
        while Set(visibleFiles(harness.quarantineDir)) != expectedQuarantine && Date() < deadline { usleep(50_000) }

        let process = try XCTUnwrap(harness.process)
        XCTAssertTrue(process.isRunning, "raddd died; log:\n\(harness.log)")
        struct Status: Decodable { var reportsByState: [String: Int]; var queueDepth: Int }
        let status = try harness.decode(Status.self, harness.raddctl(["status", "--json"]))
        XCTAssertEqual(status.reportsByState["quarantined"], expectedPhrases.count)
        // The depth counts the file in flight, so 0 also says the worker is not stuck on one.
        XCTAssertEqual(status.queueDepth, 0)
        XCTAssertEqual(try harness.allReports(), [], "a torture file became a report")

        XCTAssertEqual(Set(allEntries(harness.quarantineDir)), expectedQuarantine)
        XCTAssertEqual(allEntries(harness.dropDir), [".radd-work"], "left in the drop folder")
        XCTAssertEqual(allEntries(harness.dropDir + "/.radd-work"), [], "left in the work area")
        for (name, phrases) in expectedPhrases.sorted(by: { $0.key < $1.key }) {
            let reasonPath = harness.quarantineDir + "/" + name + ".reason"
            guard let reason = try? String(contentsOfFile: reasonPath, encoding: .utf8) else {
                XCTFail("no readable reason for \(name)")
                continue
            }
            print("torture reason: \(reason.trimmingCharacters(in: .newlines))")
            XCTAssertTrue(reason.hasPrefix(name + " "), "the reason must name the file: \(reason)")
            for phrase in phrases { XCTAssertTrue(reason.contains(phrase), "\(name): '\(phrase)' missing from: \(reason)") }
        }

        // The links moved as links; what they point at was neither moved, changed nor read.
        for (link, target) in [("link.txt", "/etc/passwd"), ("report-link.txt", linkedReport)] {
            let quarantined = harness.quarantineDir + "/" + link
            var info = stat()
            XCTAssertEqual(lstat(quarantined, &info), 0)
            XCTAssertEqual(info.st_mode & S_IFMT, S_IFLNK, "\(link) was replaced by a copy of its target")
            XCTAssertEqual(try? FileManager.default.destinationOfSymbolicLink(atPath: quarantined), target)
        }
        XCTAssertEqual(try FileSnapshot(path: "/etc/passwd"), passwordFileBefore, "/etc/passwd was touched")
        let linkedReportAfter = try FileSnapshot(path: linkedReport, readingContents: false)
        XCTAssertEqual(linkedReportAfter, linkedReportBefore, "the file behind report-link.txt was moved or changed")
        XCTAssertEqual(linkedReportAfter.accessTime, linkedReportBefore.accessTime, "the file behind report-link.txt was read")
        XCTAssertEqual(try String(contentsOfFile: linkedReport, encoding: .utf8), linkedText)
        if try FileSnapshot(path: linkedReport, readingContents: false).accessTime == linkedReportBefore.accessTime {
            print("note: this file system does not record access times; only the empty report list shows that report-link.txt was not followed")
        }

        // A FIFO opened for reading would have released the writer blocked in open(2).
        XCTAssertFalse(blockedWriter.opened, "raddd opened the FIFO")
        var fifoInfo = stat()
        XCTAssertEqual(lstat(harness.quarantineDir + "/pipe.hl7", &fifoInfo), 0)
        XCTAssertEqual(fifoInfo.st_mode & S_IFMT, S_IFIFO, "the FIFO was replaced by something else")

        XCTAssertEqual(harness.stop().status, 0, "log:\n\(harness.log)")
    }
}

/// What shows whether a file was moved or changed (`==`), and whether it was read (`accessTime`).
struct FileSnapshot: Equatable {
    var device: UInt64
    var inode: UInt64
    var modified: timespec
    var changed: timespec
    var accessTime: Int
    var contents: Data?

    /// Without `readingContents` the file is not read, so its access time stays as it was.
    init(path: String, readingContents: Bool = true) throws {
        var info = stat()
        guard stat(path, &info) == 0 else { throw DaemonHarness.Failure("cannot stat \(path): errno \(errno)") }
        device = UInt64(info.st_dev)
        inode = UInt64(info.st_ino)
        modified = info.st_mtim
        changed = info.st_ctim
        accessTime = info.st_atim.tv_sec
        contents = readingContents ? try Data(contentsOf: URL(fileURLWithPath: path)) : nil
    }

    /// The access time is left out: reading the contents for a snapshot moves it.
    static func == (a: FileSnapshot, b: FileSnapshot) -> Bool {
        (a.device, a.inode, a.contents) == (b.device, b.inode, b.contents)
            && (a.modified.tv_sec, a.modified.tv_nsec, a.changed.tv_sec, a.changed.tv_nsec)
            == (b.modified.tv_sec, b.modified.tv_nsec, b.changed.tv_sec, b.changed.tv_nsec)
    }
}

/// A writer blocked in open(2) on a FIFO: the kernel releases it only when someone opens the FIFO
/// for reading, so `opened` tells whether anyone did.
final class FIFOWriter: Sendable {
    private let openedFlag = Mutex(false)
    private let finished = DispatchSemaphore(value: 0)

    init(path: String) {
        let thread = Thread { [self] in
            let fd = open(path, O_WRONLY | O_CLOEXEC)
            openedFlag.withLock { $0 = fd >= 0 }
            if fd >= 0 { close(fd) }
            finished.signal()
        }
        thread.name = "fifo-writer"
        thread.start()
    }

    var opened: Bool { openedFlag.withLock { $0 } }

    /// Opens the FIFO for reading wherever it is now, so that the writer thread ends.
    func release(candidatePaths: [String]) {
        for path in candidatePaths {
            let fd = open(path, O_RDONLY | O_NONBLOCK | O_CLOEXEC)
            guard fd >= 0 else { continue }
            let released = finished.wait(timeout: .now() + 5) == .success
            close(fd)
            if released { return }
        }
        XCTFail("the FIFO writer could not be released")
    }
}
