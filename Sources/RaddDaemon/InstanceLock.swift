import Foundation
import RaddCore
#if canImport(Glibc)
import Glibc
#endif

/// One raddd per state directory. Two daemons on one database and drop folder would each claim
/// files and run their own start-up recovery, finishing each other's claims.
///
/// The lock is `flock` on `STATE_DIR/raddd.lock`, held by an open descriptor for the life of the
/// process: the kernel drops it when the process dies, so a `kill -9` or a power cut never leaves
/// a stale lock and nothing has to decide whether a pid in a file is still alive. The file holds
/// the holder's pid for the message a second raddd prints; it is never deleted, since deleting
/// it would let a third raddd lock a new file while the first still holds the old one.
final class InstanceLock: Sendable {
    static let fileName = "raddd.lock"

    let path: String
    private let descriptor: Int32

    /// Takes the lock or throws a start-up error naming the holder's pid.
    init(stateDirectory: String) throws {
        path = stateDirectory + "/" + Self.fileName
        let fd = open(path, O_RDWR | O_CREAT | O_NOFOLLOW | O_CLOEXEC, 0o600)
        guard fd >= 0 else { throw StartupError("cannot open the instance lock \(path): \(String(cString: strerror(errno)))") }
        if flock(fd, LOCK_EX | LOCK_NB) != 0 {
            let reason = errno
            let holder = Self.pid(in: fd)
            close(fd)
            guard reason == EWOULDBLOCK else {
                throw StartupError("cannot lock \(path): \(String(cString: strerror(reason)))")
            }
            let who = holder.map { "raddd (pid \($0))" } ?? "raddd"
            throw StartupError("another \(who) is already running on state directory \(stateDirectory) (it holds \(path)); stop it first, or give this one its own state_dir")
        }
        descriptor = fd
        // Root (`raddd --restore`) may be the first to create it: it must stay the daemon's user's,
        // like the state directory it lives in, or the daemon could not take it afterwards.
        var directory = stat()
        if geteuid() == 0, stat(stateDirectory, &directory) == 0 { _ = fchown(fd, directory.st_uid, directory.st_gid) }
        let text = Array("\(getpid())\n".utf8)
        // The pid is only for the message above; the lock is the flock, whatever the file says.
        if ftruncate(fd, 0) == 0 { _ = text.withUnsafeBytes { pwrite(fd, $0.baseAddress, $0.count, 0) } }
    }

    deinit { close(descriptor) }

    private static func pid(in fd: Int32) -> Int32? {
        var buffer = [UInt8](repeating: 0, count: 32)
        let count = buffer.withUnsafeMutableBytes { pread(fd, $0.baseAddress, $0.count, 0) }
        guard count > 0 else { return nil }
        return Int32(String(decoding: buffer[0..<count], as: UTF8.self).trimmingCharacters(in: .whitespacesAndNewlines))
    }
}
