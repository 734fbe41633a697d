import Foundation
import RaddCore
import Synchronization
#if canImport(Glibc)
import Glibc
#endif

/// What the daemon plugs into the server: every decision about a connection and its requests
/// (who the caller is, what they may do, the answer, and the audit record of each refusal), so
/// that the server is only the socket and its framing.
public protocol ControlResponder: AnyObject, Sendable {
    /// The caller behind a connection, or the refusal (audited by the responder) that closes
    /// it before any request is read.
    func admit(_ peer: PeerCredentials) -> Result<ControlCaller, ControlError>
    /// The answer line (without its newline) to one request line. It never fails: every
    /// refusal and error is an answer.
    func respond(to line: Data, from caller: ControlCaller) -> Data
    /// The answer to a line longer than `ControlProtocol.maxRequestBytes`, after which the
    /// connection is closed.
    func refuseOverlongLine(from caller: ControlCaller) -> Data
}

/// The control socket: a SOCK_STREAM Unix socket that anyone may connect to (mode 0666), so that
/// every attempt reaches the daemon and is audited; who may do what is decided per connection
/// from SO_PEERCRED and the group database (`AccessPolicy`), never from the file mode. With a
/// socket group configured the socket is 0660 and group-owned instead: a filesystem gate in
/// front of the role check, at the price of not seeing attempts it stops.
/// One thread accepts; each connection gets a thread of its own and may send several requests.
public final class ControlServer: Sendable {
    public let path: String
    private let socketGroupID: UInt32?
    private let responder: ControlResponder
    private let connections = DispatchGroup()
    /// The listening socket (-1 before `listen`) and whether `stop` has begun.
    private let state = Mutex<(listener: Int32, stopping: Bool)>((-1, false))
    private static let idleTimeoutSeconds = 30
    private static let maxConnections = 64
    private let connectionSlots = DispatchSemaphore(value: ControlServer.maxConnections)

    public init(path: String, socketGroupID: UInt32? = nil, responder: ControlResponder) {
        self.path = path
        self.socketGroupID = socketGroupID
        self.responder = responder
    }

    /// Binds and listens. A stale socket from an earlier run is replaced; anything else at the path
    /// is left alone and reported.
    public func listen() throws {
        var existing = stat()
        if lstat(path, &existing) == 0 {
            guard (existing.st_mode & S_IFMT) == S_IFSOCK else {
                throw SystemError("control socket path \(path) exists and is not a socket", code: EEXIST)
            }
            if let probe = try? UnixSocket.connect(path) {
                close(probe)
                throw SystemError("another daemon is already listening on \(path)", code: EADDRINUSE)
            }
            unlink(path)
        }
        let fd = socket(AF_UNIX, Int32(SOCK_STREAM.rawValue) | Int32(SOCK_CLOEXEC.rawValue), 0)
        guard fd >= 0 else { throw SystemError("socket") }
        var address = try UnixSocket.address(path)
        // Created owner-only, then opened to the group: no window in which others could connect.
        let previousMask = umask(0o177)
        let bound = withUnsafePointer(to: &address) {
            $0.withMemoryRebound(to: sockaddr.self, capacity: 1) {
                bind(fd, $0, socklen_t(MemoryLayout<sockaddr_un>.size))
            }
        }
        umask(previousMask)
        guard bound == 0 else {
            let code = errno
            close(fd)
            throw SystemError("binding control socket \(path)", code: code)
        }
        if let group = socketGroupID, chown(path, uid_t(bitPattern: -1), group) != 0 {
            let code = errno
            close(fd)
            unlink(path)
            throw SystemError("giving control socket \(path) to group \(group)", code: code)
        }
        guard chmod(path, socketGroupID == nil ? 0o666 : 0o660) == 0, Glibc.listen(fd, 64) == 0 else {
            let code = errno
            close(fd)
            unlink(path)
            throw SystemError("listening on control socket \(path)", code: code)
        }
        state.withLock { $0.listener = fd }
        let thread = Thread { [self] in acceptLoop(fd) }
        thread.name = "control-accept"
        thread.start()
    }

    /// Stops accepting, gives connections in progress up to 5 s to finish their current request,
    /// and removes the socket file.
    public func stop() {
        let (listener, alreadyStopping) = state.withLock { state in
            defer { state.stopping = true }
            return (state.listener, state.stopping)
        }
        guard !alreadyStopping, listener >= 0 else { return }
        shutdown(listener, Int32(SHUT_RDWR))
        unlink(path)
        _ = connections.wait(timeout: .now() + .seconds(5))
    }

    private var isStopping: Bool { state.withLock { $0.stopping } }

    private func acceptLoop(_ fd: Int32) {
        while !isStopping {
            // accept4 is hidden behind _GNU_SOURCE; raddd never execs, so the close-on-exec
            // window between accept and fcntl does not matter.
            let client = accept(fd, nil, nil)
            if client >= 0 { _ = fcntl(client, F_SETFD, FD_CLOEXEC) }
            if client < 0 {
                if errno == EINTR || errno == ECONNABORTED { continue }
                if isStopping { break }
                if errno == EMFILE || errno == ENFILE { usleep(100_000); continue }
                break
            }
            connectionSlots.wait()
            connections.enter()
            let thread = Thread { [self] in
                defer {
                    close(client)
                    connectionSlots.signal()
                    connections.leave()
                }
                serve(client)
            }
            thread.name = "control-connection"
            thread.start()
        }
        close(fd)
    }

    private func serve(_ fd: Int32) {
        var timeout = timeval(tv_sec: Self.idleTimeoutSeconds, tv_usec: 0)
        setsockopt(fd, SOL_SOCKET, SO_RCVTIMEO, &timeout, socklen_t(MemoryLayout<timeval>.size))
        guard let peer = try? PeerCredentials.of(socket: fd) else { return }
        let caller: ControlCaller
        switch responder.admit(peer) {
        case .success(let admitted):
            caller = admitted
        case .failure(let refusal):
            send(ControlResponse<NoParams>.errorLine(id: 0, refusal), to: fd)
            drainBeforeClose(fd)
            return
        }
        let reader = LineReader(fd: fd, limit: ControlProtocol.maxRequestBytes)
        while !isStopping {
            let line: [UInt8]
            do {
                guard let next = try reader.nextLine() else { return }
                line = next
            } catch LineReader.ReadError.lineTooLong {
                send(responder.refuseOverlongLine(from: caller), to: fd)
                drainBeforeClose(fd)
                return
            } catch {
                // An idle client or a broken connection: nothing was asked, so nothing is answered.
                return
            }
            if line.allSatisfy({ $0 == UInt8(ascii: " ") || $0 == UInt8(ascii: "\r") }) { continue }
            send(responder.respond(to: Data(line), from: caller), to: fd)
        }
    }

    /// Closing with the client's request unread would reset the connection and could destroy the
    /// refusal before the client reads it; so the write side is closed and the rest read first.
    private func drainBeforeClose(_ fd: Int32) {
        shutdown(fd, Int32(SHUT_WR))
        var timeout = timeval(tv_sec: 1, tv_usec: 0)
        setsockopt(fd, SOL_SOCKET, SO_RCVTIMEO, &timeout, socklen_t(MemoryLayout<timeval>.size))
        var sink = [UInt8](repeating: 0, count: 4096)
        var total = 0
        while total < ControlProtocol.maxRequestBytes {
            let n = recv(fd, &sink, sink.count, 0)
            if n <= 0 { break }
            total += n
        }
    }

    private func send(_ line: Data, to fd: Int32) {
        var bytes = [UInt8](line)
        bytes.append(UInt8(ascii: "\n"))
        try? UnixSocket.writeAll(fd, bytes)
    }
}
