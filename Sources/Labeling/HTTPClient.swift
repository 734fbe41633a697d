import CCurl
import Foundation

/// A minimal blocking HTTP client over libcurl, for talking to a model server on loopback. Kept
/// small on purpose: AsyncHTTPClient would add about 12 minutes to every clean build.
public final class HTTPClient: @unchecked Sendable {
    public struct Response: Sendable {
        public var status: Int
        public var body: Data
    }

    public struct Failure: Error, CustomStringConvertible {
        public var message: String
        public var description: String { message }
    }

    private static let globalInit: Void = { curl_global_init(Int(CURL_GLOBAL_DEFAULT)) }()

    public let timeoutSeconds: Int

    public init(timeoutSeconds: Int = 60) {
        _ = Self.globalInit
        self.timeoutSeconds = timeoutSeconds
    }

    /// Sends `body` as JSON with POST, or GETs when `body` is nil.
    public func request(_ url: String, jsonBody body: Data? = nil) throws -> Response {
        guard let handle = curl_easy_init() else { throw Failure(message: "curl_easy_init failed") }
        defer { curl_easy_cleanup(handle) }
        let sink = ResponseSink()
        var headers: UnsafeMutablePointer<curl_slist>? = curl_slist_append(nil, "Content-Type: application/json")
        headers = curl_slist_append(headers, "Accept: application/json")
        defer { curl_slist_free_all(headers) }

        _ = radd_curl_setopt_string(handle, CURLOPT_URL, url)
        _ = radd_curl_setopt_long(handle, CURLOPT_NOSIGNAL, 1)
        _ = radd_curl_setopt_long(handle, CURLOPT_TIMEOUT, timeoutSeconds)
        _ = radd_curl_setopt_long(handle, CURLOPT_CONNECTTIMEOUT, 5)
        // Model servers are local; never follow a redirect somewhere else with report text.
        _ = radd_curl_setopt_long(handle, CURLOPT_FOLLOWLOCATION, 0)
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
            throw Failure(message: "HTTP request to \(Self.hostPart(of: url)) failed: \(String(cString: curl_easy_strerror(rc)))")
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
