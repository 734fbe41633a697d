import Foundation
@testable import Ingest
import XCTest

final class InotifyWatcherTests: XCTestCase {
    /// One open, one write, one close: exactly one IN_CLOSE_WRITE.
    func writeOnce(_ path: String) {
        let fd = Glibc.open(path, O_WRONLY | O_CREAT | O_TRUNC, 0o644)
        _ = write(fd, "x", 1)
        close(fd)
    }

    func testClosedAndRenamedInFilesAreReported() throws {
        let root = NSTemporaryDirectory() + "radd-inotify-\(UUID().uuidString)"
        try FileManager.default.createDirectory(atPath: root + "/drop", withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(atPath: root) }
        let watcher = try InotifyWatcher(path: root + "/drop")

        writeOnce(root + "/drop/written.txt")
        writeOnce(root + "/staged.txt")
        XCTAssertEqual(rename(root + "/staged.txt", root + "/drop/moved.txt"), 0)
        // Opened for writing but not closed yet: must not be reported.
        let writer = Glibc.open(root + "/drop/moved.txt", O_WRONLY)
        XCTAssertGreaterThanOrEqual(writer, 0)

        var events: [InotifyWatcher.Event] = []
        let deadline = Date().addingTimeInterval(2)
        while events.count < 2 && Date() < deadline {
            events += try watcher.readEvents()
            usleep(10_000)
        }
        XCTAssertEqual(events, [.ready(folder: 0, name: "written.txt"), .ready(folder: 0, name: "moved.txt")])
        close(writer)
        usleep(50_000)
        XCTAssertEqual(try watcher.readEvents(), [.ready(folder: 0, name: "moved.txt")])
    }

    func testEventsNameTheirFolder() throws {
        let root = NSTemporaryDirectory() + "radd-inotify-\(UUID().uuidString)"
        for folder in ["a", "b"] {
            try FileManager.default.createDirectory(atPath: root + "/" + folder, withIntermediateDirectories: true)
        }
        defer { try? FileManager.default.removeItem(atPath: root) }
        let watcher = try InotifyWatcher(paths: [root + "/a", root + "/b"])
        writeOnce(root + "/b/second.txt")
        writeOnce(root + "/a/first.txt")
        var events: [InotifyWatcher.Event] = []
        let deadline = Date().addingTimeInterval(2)
        while events.count < 2 && Date() < deadline {
            events += try watcher.readEvents()
            usleep(10_000)
        }
        XCTAssertEqual(events, [.ready(folder: 1, name: "second.txt"), .ready(folder: 0, name: "first.txt")])
    }
}
