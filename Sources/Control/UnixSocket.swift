import Foundation
import RaddCore
#if canImport(Glibc)
import Glibc
#endif

/// Thin helpers over AF_UNIX stream sockets.
enum UnixSocket {
    static func address(_ path: String) throws -> sockaddr_un {
        var address = sockaddr_un()
        address.sun_family = sa_family_t(AF_UNIX)
        let bytes = Array(path.utf8)
        let capacity = MemoryLayout.size(ofValue: address.sun_path)
        guard bytes.count < capacity else { throw SystemError("socket path \(path)", code: ENAMETOOLONG) }
        withUnsafeMutableBytes(of: &address.sun_path) { raw in
            raw.copyBytes(from: bytes)
            raw[bytes.count] = 0
        }
        return address
    }

    static func connect(_ path: String) throws -> Int32 {
        let fd = socket(AF_UNIX, Int32(SOCK_STREAM.rawValue) | Int32(SOCK_CLOEXEC.rawValue), 0)
        guard fd >= 0 else { throw SystemError("socket") }
        var address = try address(path)
        let rc = withUnsafePointer(to: &address) {
            $0.withMemoryRebound(to: sockaddr.self, capacity: 1) {
                Glibc.connect(fd, $0, socklen_t(MemoryLayout<sockaddr_un>.size))
            }
        }
        if rc != 0 {
            let code = errno
            close(fd)
            throw SystemError("connecting to \(path)", code: code)
        }
        return fd
    }

    static func writeAll(_ fd: Int32, _ bytes: [UInt8]) throws {
        var offset = 0
        while offset < bytes.count {
            let n = bytes[offset...].withUnsafeBytes { send(fd, $0.baseAddress, $0.count, Int32(MSG_NOSIGNAL)) }
            if n < 0 {
                if errno == EINTR { continue }
                throw SystemError("writing to the control socket")
            }
            offset += n
        }
    }
}

/// Reads newline-terminated lines from a socket, refusing lines longer than `limit`.
final class LineReader {
    private let fd: Int32
    private let limit: Int
    private var buffer: [UInt8] = []

    enum ReadError: Error {
        case lineTooLong
        /// No complete line within the socket's receive timeout.
        case idle
    }

    init(fd: Int32, limit: Int) {
        self.fd = fd
        self.limit = limit
    }

    /// The next line without its newline, or nil at end of stream. Only bytes not yet searched
    /// are searched for the newline, so a long line (an export page) costs linear time.
    func nextLine() throws -> [UInt8]? {
        var chunk = [UInt8](repeating: 0, count: 65_536)
        var searched = 0
        while true {
            if let newline = buffer[searched...].firstIndex(of: UInt8(ascii: "\n")) {
                let line = Array(buffer[..<newline])
                buffer.removeSubrange(...newline)
                return line
            }
            searched = buffer.count
            if buffer.count > limit { throw ReadError.lineTooLong }
            let n = recv(fd, &chunk, chunk.count, 0)
            if n < 0 {
                if errno == EINTR { continue }
                if errno == EAGAIN || errno == EWOULDBLOCK { throw ReadError.idle }
                throw SystemError("reading from the control socket")
            }
            if n == 0 { return buffer.isEmpty ? nil : { defer { buffer = [] }; return buffer }() }
            buffer += chunk[0..<n]
        }
    }
}
