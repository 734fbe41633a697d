import Foundation
import RaddCore
#if canImport(Glibc)
import Glibc
#endif

/// raddctl's side of the control socket.
public final class ControlClient {
    public let socketPath: String
    private let fd: Int32
    private let reader: LineReader
    private var nextID = 1

    /// Why the daemon could not be reached, with the advice an operator needs.
    public enum ConnectError: Error, CustomStringConvertible {
        case noDaemon(path: String)
        case permissionDenied(path: String)
        case other(path: String, SystemError)

        public var description: String {
            switch self {
            case .noDaemon(let path):
                return "cannot reach raddd at \(path): no daemon is listening (is raddd running? is --socket or RADD_SOCKET right?)"
            case .permissionDenied(let path):
                return "permission denied on \(path): your user must be in the control socket's group (see 'raddctl --help')"
            case .other(let path, let error):
                return "cannot reach raddd at \(path): \(error)"
            }
        }
    }

    /// `answerTimeout`: seconds to wait for an answer (re-keying a large database takes longer).
    public init(socketPath: String, answerTimeout: Int = 60) throws {
        self.socketPath = socketPath
        do {
            fd = try UnixSocket.connect(socketPath)
        } catch let error as SystemError {
            switch error.code {
            case ENOENT, ECONNREFUSED: throw ConnectError.noDaemon(path: socketPath)
            case EACCES, EPERM: throw ConnectError.permissionDenied(path: socketPath)
            default: throw ConnectError.other(path: socketPath, error)
            }
        }
        var timeout = timeval(tv_sec: answerTimeout, tv_usec: 0)
        setsockopt(fd, SOL_SOCKET, SO_RCVTIMEO, &timeout, socklen_t(MemoryLayout<timeval>.size))
        reader = LineReader(fd: fd, limit: 256 << 20)
    }

    deinit { close(fd) }

    /// Sends one request and decodes its result, throwing the daemon's `ControlError` on refusal.
    public func call<E: ControlEndpoint>(_ endpoint: E.Type, _ params: E.Params) throws -> E.Result {
        let id = nextID
        nextID += 1
        var line = try ControlRequest.line(endpoint, id: id, params: params)
        line.append(UInt8(ascii: "\n"))
        // A refused client may find the connection half-closed; the refusal is still there to read.
        var writeError: Error?
        do { try UnixSocket.writeAll(fd, [UInt8](line)) } catch { writeError = error }
        guard let reply = try reader.nextLine() else {
            if let writeError { throw writeError }
            throw ControlError(.unavailable, "raddd closed the connection without answering")
        }
        let data = Data(reply)
        let envelope = try JSONDecoder().decode(ResponseEnvelope.self, from: data)
        if let error = envelope.error { throw error }
        return try JSONDecoder().decode(ResultBody<E.Result>.self, from: data).result
    }

    /// A call of a method that takes no params.
    public func call<E: ControlEndpoint>(_ endpoint: E.Type) throws -> E.Result where E.Params == NoParams {
        try call(endpoint, NoParams())
    }
}

private struct ResultBody<Result: Decodable>: Decodable {
    var result: Result
}
