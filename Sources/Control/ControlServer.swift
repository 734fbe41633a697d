import Foundation
import RaddCore
#if canImport(Glibc)
import Glibc
#endif

/// What the daemon plugs into the server: the answer to each authorised request, and an audit hook
/// for every request the server refuses before it reaches `handle`.
public protocol ControlHandler: AnyObject, Sendable {
    /// Returns the result to send, or throws a `ControlError` to send as the error. Called only
    /// when the caller holds one of the method's roles.
    func handle(_ request: ControlRequest, method: ControlMethod, from caller: ControlCaller) throws -> any Encodable
    /// Must write an audit record; if it throws, the refusal still stands.
    func refused(_ caller: ControlCaller, error: ControlError, method: String?) throws
}

/// The control socket: a SOCK_STREAM Unix socket that anyone may connect to (mode 0666), so that
/// every attempt reaches the daemon and is audited; who may do what is decided per connection
/// from SO_PEERCRED and the group database (`AccessPolicy`), never from the file mode. With a
/// socket group configured the socket is 0660 and group-owned instead: a filesystem gate in
/// front of the role check, at the price of not seeing attempts it stops.
/// One thread accepts; each connection gets a thread of its own and may send several requests.
public final class ControlServer: @unchecked Sendable {
    public let path: String
    private let access: CurrentAccessPolicy
    private let socketGroupID: UInt32?
    private let handler: ControlHandler
    private var listener: Int32 = -1
    private let connections = DispatchGroup()
    private let state = NSLock()
    private var stopping = false
    private static let idleTimeoutSeconds = 30
    private static let maxConnections = 64
    private let connectionSlots = DispatchSemaphore(value: ControlServer.maxConnections)

    public convenience init(path: String, access: AccessPolicy, socketGroupID: UInt32? = nil, handler: ControlHandler) {
        self.init(path: path, access: CurrentAccessPolicy(access), socketGroupID: socketGroupID, handler: handler)
    }

    public init(path: String, access: CurrentAccessPolicy, socketGroupID: UInt32? = nil, handler: ControlHandler) {
        self.path = path
        self.access = access
        self.socketGroupID = socketGroupID
        self.handler = handler
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
        listener = fd
        let thread = Thread { [self] in acceptLoop(fd) }
        thread.name = "control-accept"
        thread.start()
    }

    /// Stops accepting, gives connections in progress up to 5 s to finish their current request,
    /// and removes the socket file.
    public func stop() {
        state.lock()
        let alreadyStopping = stopping
        stopping = true
        state.unlock()
        guard !alreadyStopping, listener >= 0 else { return }
        shutdown(listener, Int32(SHUT_RDWR))
        unlink(path)
        _ = connections.wait(timeout: .now() + .seconds(5))
    }

    private var isStopping: Bool {
        state.lock(); defer { state.unlock() }
        return stopping
    }

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
        let access = self.access.value
        let caller = ControlCaller(peer: peer, roles: access.roles(of: peer))
        guard !caller.roles.isEmpty else {
            let error = ControlError(.permissionDenied, "user \(peer.username) (uid \(peer.uid)) holds no radd role; ask an administrator to add them to the group of the role they need (\(access.summary))")
            try? handler.refused(caller, error: error, method: nil)
            send(ControlResponse<Empty>(id: 0, error: error), to: fd)
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
                let refusal = ControlError(.badRequest, "request longer than \(ControlProtocol.maxRequestBytes) bytes")
                try? handler.refused(caller, error: refusal, method: nil)
                send(ControlResponse<Empty>(id: 0, error: refusal), to: fd)
                drainBeforeClose(fd)
                return
            } catch {
                // An idle client or a broken connection: nothing was asked, so nothing is answered.
                return
            }
            if line.allSatisfy({ $0 == UInt8(ascii: " ") || $0 == UInt8(ascii: "\r") }) { continue }
            respond(to: Data(line), from: caller, on: fd)
        }
    }

    private func respond(to line: Data, from caller: ControlCaller, on fd: Int32) {
        guard let request = try? JSONDecoder().decode(ControlRequest.self, from: line) else {
            let error = ControlError(.badRequest, "a request is one JSON object per line with v, id and method")
            try? handler.refused(caller, error: error, method: nil)
            return send(ControlResponse<Empty>(id: 0, error: error), to: fd)
        }
        guard request.v == ControlProtocol.version else {
            let error = ControlError(.unsupportedVersion, "protocol version \(request.v) is not supported; this daemon speaks version \(ControlProtocol.version)")
            try? handler.refused(caller, error: error, method: request.method)
            return send(ControlResponse<Empty>(id: request.id, error: error), to: fd)
        }
        guard let method = ControlMethod(rawValue: request.method) else {
            let known = ControlMethod.allCases.map(\.rawValue).joined(separator: ", ")
            let error = ControlError(.unknownMethod, "unknown method '\(request.method.prefix(64))'; known methods: \(known)")
            try? handler.refused(caller, error: error, method: request.method)
            return send(ControlResponse<Empty>(id: request.id, error: error), to: fd)
        }
        guard !method.allowedRoles.isDisjoint(with: caller.roles) else {
            let needed = method.allowedRoles.sorted().map(\.rawValue).joined(separator: " or ")
            let error = ControlError(.permissionDenied, "\(method.rawValue) needs the role \(needed); user \(caller.peer.username) holds \(caller.roleText) (\(access.value.summary))")
            try? handler.refused(caller, error: error, method: method.rawValue)
            return send(ControlResponse<Empty>(id: request.id, error: error), to: fd)
        }
        do {
            let result = try handler.handle(request, method: method, from: caller)
            send(ControlResponse(id: request.id, result: AnyEncodable(result)), to: fd)
        } catch let error as ControlError {
            send(ControlResponse<Empty>(id: request.id, error: error), to: fd)
        } catch {
            send(ControlResponse<Empty>(id: request.id, error: ControlError(.internalError, "the request failed inside the daemon; see its log")), to: fd)
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

    private func send<R>(_ response: ControlResponse<R>, to fd: Int32) {
        guard var bytes = try? JSONEncoder.controlProtocol.encode(response) else { return }
        bytes.append(UInt8(ascii: "\n"))
        try? UnixSocket.writeAll(fd, [UInt8](bytes))
    }
}

struct Empty: Codable, Sendable {}

struct AnyEncodable: Codable, @unchecked Sendable {
    let value: any Encodable
    init(_ value: any Encodable) { self.value = value }
    func encode(to encoder: Encoder) throws { try value.encode(to: encoder) }
    init(from decoder: Decoder) throws {
        throw DecodingError.dataCorrupted(.init(codingPath: decoder.codingPath, debugDescription: "encode only"))
    }
}
