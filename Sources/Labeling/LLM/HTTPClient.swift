import CCurl
import Foundation

/// Where a model server listens: `http://host:port` (optionally with a path prefix such as
/// `/v1`-less proxies use) or `unix:/path/to/socket`, reached through libcurl's
/// CURLOPT_UNIX_SOCKET_PATH.
public struct Endpoint: Sendable, Equatable, Hashable, CustomStringConvertible {
    /// The URL requests are built on; for a Unix socket, `http://localhost`.
    public var baseURL: String
    public var unixSocket: String?

    public init(_ text: String) throws {
        if text.hasPrefix("unix:") {
            let path = String(text.dropFirst(5))
            guard path.hasPrefix("/") else { throw HTTPClient.Failure(kind: .other, message: "endpoint '\(text)': a Unix socket needs an absolute path (unix:/run/model.sock)") }
            baseURL = "http://localhost"
            unixSocket = path
            return
        }
        guard let components = URLComponents(string: text), components.scheme == "http" || components.scheme == "https",
              components.host?.isEmpty == false, components.query == nil, components.user == nil else {
            throw HTTPClient.Failure(kind: .other, message: "endpoint '\(text)' is not http://HOST:PORT, https://HOST:PORT or unix:/PATH")
        }
        baseURL = text.hasSuffix("/") ? String(text.dropLast()) : text
        unixSocket = nil
    }

    public var description: String { unixSocket.map { "unix:" + $0 } ?? baseURL }
}

/// A minimal blocking HTTP client over libcurl, for talking to a model server. Kept small on
/// purpose: AsyncHTTPClient would add about 12 minutes to every clean build.
public final class HTTPClient: Sendable {
    public struct Response: Sendable {
        public var status: Int
        public var body: Data
    }

    public struct Failure: Error, CustomStringConvertible {
        public enum Kind: Sendable, Equatable {
            /// Nothing listened, or the connection broke: worth trying again later.
            case unreachable
            case timeout
            case other
        }

        public var kind: Kind
        public var message: String
        public var description: String { message }
    }

    private static let globalInit: Void = { curl_global_init(Int(CURL_GLOBAL_DEFAULT)) }()

    public let timeoutSeconds: Double
    public let connectTimeoutSeconds: Double

    public init(timeoutSeconds: Double = 60, connectTimeoutSeconds: Double = 5) {
        _ = Self.globalInit
        self.timeoutSeconds = timeoutSeconds
        self.connectTimeoutSeconds = connectTimeoutSeconds
    }

    /// Sends `body` as JSON with POST, or GETs when `body` is nil.
    public func request(_ url: String, jsonBody body: Data? = nil, unixSocket: String? = nil) throws -> Response {
        guard let handle = curl_easy_init() else { throw Failure(kind: .other, message: "curl_easy_init failed") }
        defer { curl_easy_cleanup(handle) }
        let sink = ResponseSink()
        var headers: UnsafeMutablePointer<curl_slist>? = curl_slist_append(nil, "Content-Type: application/json")
        headers = curl_slist_append(headers, "Accept: application/json")
        defer { curl_slist_free_all(headers) }

        _ = radd_curl_setopt_string(handle, CURLOPT_URL, url)
        if let unixSocket { _ = radd_curl_setopt_string(handle, CURLOPT_UNIX_SOCKET_PATH, unixSocket) }
        _ = radd_curl_setopt_long(handle, CURLOPT_NOSIGNAL, 1)
        _ = radd_curl_setopt_long(handle, CURLOPT_TIMEOUT_MS, Int(timeoutSeconds * 1000))
        _ = radd_curl_setopt_long(handle, CURLOPT_CONNECTTIMEOUT_MS, Int(connectTimeoutSeconds * 1000))
        // Report text goes only where it was configured to go: never follow a redirect, never
        // pick up a proxy from the environment.
        _ = radd_curl_setopt_long(handle, CURLOPT_FOLLOWLOCATION, 0)
        _ = radd_curl_setopt_string(handle, CURLOPT_NOPROXY, "*")
        _ = radd_curl_setopt_slist(handle, CURLOPT_HTTPHEADER, headers)
        _ = radd_curl_setopt_write_function(handle) { pointer, size, count, context in
            let total = size * count
            guard let pointer, let context else { return total }
            Unmanaged<ResponseSink>.fromOpaque(context).takeUnretainedValue().data
                .append(UnsafeRawPointer(pointer).assumingMemoryBound(to: UInt8.self), count: total)
            return total
        }
        _ = radd_curl_setopt_pointer(handle, CURLOPT_WRITEDATA, Unmanaged.passUnretained(sink).toOpaque())

        let payload = body.map { [UInt8]($0) }
        let rc: CURLcode = withExtendedLifetime(sink) {
            guard let payload else { return curl_easy_perform(handle) }
            return payload.withUnsafeBufferPointer { buffer in
                _ = radd_curl_setopt_long(handle, CURLOPT_POST, 1)
                _ = radd_curl_setopt_long(handle, CURLOPT_POSTFIELDSIZE, buffer.count)
                _ = radd_curl_setopt_pointer(handle, CURLOPT_POSTFIELDS, UnsafeMutableRawPointer(mutating: buffer.baseAddress))
                return curl_easy_perform(handle)
            }
        }
        guard rc == CURLE_OK else {
            let kind: Failure.Kind
            switch rc {
            case CURLE_OPERATION_TIMEDOUT: kind = .timeout
            case CURLE_COULDNT_CONNECT, CURLE_COULDNT_RESOLVE_HOST, CURLE_RECV_ERROR, CURLE_SEND_ERROR,
                 CURLE_GOT_NOTHING, CURLE_PARTIAL_FILE:
                kind = .unreachable
            default: kind = .other
            }
            let server = unixSocket.map { "unix:" + $0 } ?? Self.hostPart(of: url)
            throw Failure(kind: kind, message: "HTTP request to \(server) failed: \(String(cString: curl_easy_strerror(rc)))")
        }
        var status = 0
        _ = radd_curl_getinfo_long(handle, CURLINFO_RESPONSE_CODE, &status)
        return Response(status: status, body: sink.data)
    }

    /// Error messages name the server, never the path or query, which could carry request data.
    static func hostPart(of url: String) -> String {
        guard let components = URLComponents(string: url), let host = components.host else { return "the server" }
        return components.port.map { "\(host):\($0)" } ?? host
    }

    private final class ResponseSink { var data = Data() }
}
