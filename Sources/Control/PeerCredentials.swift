import Foundation
import RaddCore
#if canImport(Glibc)
import Glibc
#endif

/// Who is on the other end of a Unix socket, as the kernel saw them at connect time.
public struct PeerCredentials: Sendable, Equatable {
    public var uid: UInt32
    public var gid: UInt32
    public var pid: Int32

    public init(uid: UInt32, gid: UInt32, pid: Int32) {
        self.uid = uid
        self.gid = gid
        self.pid = pid
    }

    public static func of(socket fd: Int32) throws -> PeerCredentials {
        var credentials = KernelUcred()
        var length = socklen_t(MemoryLayout<KernelUcred>.size)
        guard getsockopt(fd, SOL_SOCKET, SO_PEERCRED, &credentials, &length) == 0 else {
            throw SystemError("reading peer credentials (SO_PEERCRED)")
        }
        return PeerCredentials(uid: credentials.uid, gid: credentials.gid, pid: credentials.pid)
    }

    /// The user name for the uid, or "uid:N" for a uid with no passwd entry.
    public var username: String { UserDatabase.username(uid: uid) ?? "uid:\(uid)" }
}

/// `struct ucred` from <sys/socket.h>, which Glibc's Swift module hides behind _GNU_SOURCE.
private struct KernelUcred {
    var pid: Int32 = 0
    var uid: UInt32 = 0
    var gid: UInt32 = 0
}

/// Lookups in the system's user and group databases (NSS), thread-safe through the _r variants.
public enum UserDatabase {
    public static func username(uid: UInt32) -> String? {
        var entry = passwd()
        var result: UnsafeMutablePointer<passwd>?
        var buffer = [CChar](repeating: 0, count: 4096)
        guard getpwuid_r(uid, &entry, &buffer, buffer.count, &result) == 0, result != nil else { return nil }
        return String(cString: entry.pw_name)
    }

    /// The user's primary group from the passwd database.
    public static func primaryGroup(uid: UInt32) -> UInt32? {
        var entry = passwd()
        var result: UnsafeMutablePointer<passwd>?
        var buffer = [CChar](repeating: 0, count: 4096)
        guard getpwuid_r(uid, &entry, &buffer, buffer.count, &result) == 0, result != nil else { return nil }
        return entry.pw_gid
    }

    public static func groupID(named name: String) -> UInt32? {
        var entry = group()
        var result: UnsafeMutablePointer<group>?
        var buffer = [CChar](repeating: 0, count: 16384)
        guard getgrnam_r(name, &entry, &buffer, buffer.count, &result) == 0, result != nil else { return nil }
        return entry.gr_gid
    }

    /// The user's primary group and every supplementary group, from the group database (the
    /// client's own claims are never consulted).
    public static func groups(ofUID uid: UInt32, primaryGID: UInt32) -> Set<UInt32> {
        guard let name = username(uid: uid) else { return [primaryGID] }
        var count: Int32 = 64
        while true {
            var list = [gid_t](repeating: 0, count: Int(count))
            var capacity = count
            if getgrouplist(name, primaryGID, &list, &capacity) >= 0 {
                return Set(list.prefix(Int(capacity))).union([primaryGID])
            }
            guard capacity > count else { return [primaryGID] }
            count = capacity
        }
    }
}
