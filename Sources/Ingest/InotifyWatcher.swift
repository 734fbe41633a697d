import Foundation
import RaddCore
#if canImport(Glibc)
import Glibc
#endif

/// inotify on the drop folders, one watch each on a single descriptor. A file is a candidate when
/// its writer closed it (IN_CLOSE_WRITE) or it was renamed in whole (IN_MOVED_TO), the two ways
/// well-behaved exporters finish a file. Events name the folder by its index in `paths`.
public final class InotifyWatcher {
    public enum Event: Equatable {
        case ready(folder: Int, name: String)
        /// The kernel dropped events; every folder must be rescanned.
        case overflow
        /// A folder itself was removed or unmounted.
        case folderGone(folder: Int)
    }

    public let fileDescriptor: Int32
    private var folderByWatch: [Int32: Int] = [:]

    public init(paths: [String]) throws {
        fileDescriptor = inotify_init1(Int32(IN_NONBLOCK | IN_CLOEXEC))
        guard fileDescriptor >= 0 else { throw SystemError("inotify_init1") }
        let mask = UInt32(IN_CLOSE_WRITE | IN_MOVED_TO | IN_DELETE_SELF | IN_MOVE_SELF | IN_UNMOUNT | IN_ONLYDIR)
        for (folder, path) in paths.enumerated() {
            let watch = inotify_add_watch(fileDescriptor, path, mask)
            guard watch >= 0 else {
                let code = errno
                close(fileDescriptor)
                throw SystemError("watching \(path) with inotify", code: code)
            }
            folderByWatch[watch] = folder
        }
    }

    public convenience init(path: String) throws {
        try self.init(paths: [path])
    }

    deinit { close(fileDescriptor) }

    /// Reads everything queued now without blocking.
    public func readEvents() throws -> [Event] {
        var events: [Event] = []
        let bufferSize = 64 * 1024
        let buffer = UnsafeMutableRawPointer.allocate(byteCount: bufferSize, alignment: 8)
        defer { buffer.deallocate() }
        while true {
            let count = read(fileDescriptor, buffer, bufferSize)
            if count < 0 {
                if errno == EAGAIN || errno == EWOULDBLOCK { return events }
                if errno == EINTR { continue }
                throw SystemError("reading inotify events")
            }
            if count == 0 { return events }
            events += parse(UnsafeRawBufferPointer(start: buffer, count: count))
        }
    }

    func parse(_ bytes: UnsafeRawBufferPointer) -> [Event] {
        var events: [Event] = []
        let headerSize = MemoryLayout<inotify_event>.size
        var offset = 0
        while offset + headerSize <= bytes.count {
            let watch = bytes.loadUnaligned(fromByteOffset: offset, as: Int32.self)
            let mask = bytes.loadUnaligned(fromByteOffset: offset + 4, as: UInt32.self)
            let nameLength = Int(bytes.loadUnaligned(fromByteOffset: offset + 12, as: UInt32.self))
            let nameStart = offset + headerSize
            if mask & UInt32(IN_Q_OVERFLOW) != 0 {
                events.append(.overflow)
            } else if let folder = folderByWatch[watch], mask & UInt32(IN_DELETE_SELF | IN_MOVE_SELF | IN_UNMOUNT | IN_IGNORED) != 0 {
                events.append(.folderGone(folder: folder))
            } else if let folder = folderByWatch[watch], nameLength > 0, mask & UInt32(IN_ISDIR) == 0 {
                let raw = UnsafeRawBufferPointer(rebasing: bytes[nameStart..<min(nameStart + nameLength, bytes.count)])
                let nameBytes = raw.prefix { $0 != 0 }
                events.append(.ready(folder: folder, name: String(decoding: nameBytes, as: UTF8.self)))
            }
            offset = nameStart + nameLength
        }
        return events
    }
}
