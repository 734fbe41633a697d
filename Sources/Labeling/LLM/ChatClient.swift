import Foundation

/// A client for one OpenAI-compatible server (llama.cpp's llama-server, vLLM, Ollama):
/// `/v1/chat/completions` to label, `/v1/models` for the model id stored as provenance.
public final class ChatClient: Sendable {
    public struct Message: Sendable, Equatable {
        public enum Role: String, Sendable { case system, user, assistant }
        public var role: Role
        public var content: String

        public init(_ role: Role, _ content: String) {
            self.role = role
            self.content = content
        }
    }

    public struct Request: Sendable {
        public var messages: [Message]
        public var schema: AnswerSchema
        public var maxTokens: Int
        public var temperature: Double
        public var seed: Int?

        public init(messages: [Message], schema: AnswerSchema, maxTokens: Int, temperature: Double, seed: Int?) {
            self.messages = messages
            self.schema = schema
            self.maxTokens = maxTokens
            self.temperature = temperature
            self.seed = seed
        }
    }

    public struct Reply: Sendable, Equatable {
        public var content: String
        /// The model id the server says answered.
        public var model: String?
        public var promptTokens: Int?
        /// Prompt tokens the server actually computed (the rest came from its prompt cache);
        /// llama.cpp reports them as `timings.prompt_n`, OpenAI-style servers as prompt tokens
        /// minus `usage.prompt_tokens_details.cached_tokens`.
        public var evaluatedPromptTokens: Int?
        public var completionTokens: Int?
        public var seconds: Double
    }

    public enum Failure: Error, CustomStringConvertible, Equatable {
        case unreachable(String)
        case timeout(String)
        /// The server answered with an error status.
        case status(Int, String)
        /// The server's reply was not an OpenAI-style completion.
        case malformedReply(String)

        /// Worth trying again: the server may come back or be less busy.
        public var isTransient: Bool {
            switch self {
            case .unreachable, .timeout: return true
            case .status(let code, _): return code == 429 || code >= 500
            // A cut-off or garbled reply is the transport's or the server's fault, not the model's.
            case .malformedReply: return true
            }
        }

        public var description: String {
            switch self {
            case .unreachable(let message), .timeout(let message): return message
            case .status(let code, let server): return "\(server) answered HTTP \(code)"
            case .malformedReply(let problem): return problem
            }
        }
    }

    public let endpoint: Endpoint
    /// The model name sent with each request; servers that serve one model ignore it.
    public let model: String
    private let http: HTTPClient
    /// Sees every completion body before it is sent. The saturation benchmark replays them
    /// straight to the server, so that its baseline asks exactly what radd asked.
    private let onSend: (@Sendable (Data) -> Void)?

    public init(endpoint: Endpoint, model: String, timeoutSeconds: Double = 120, connectTimeoutSeconds: Double = 5,
                onSend: (@Sendable (Data) -> Void)? = nil) {
        self.endpoint = endpoint
        self.model = model
        self.onSend = onSend
        http = HTTPClient(timeoutSeconds: timeoutSeconds, connectTimeoutSeconds: connectTimeoutSeconds)
    }

    public func complete(_ request: Request) throws -> Reply {
        let started = Date()
        let body = Self.body(for: request, model: model)
        onSend?(body)
        let response = try send("/v1/chat/completions", body: body)
        let seconds = Date().timeIntervalSince(started)
        guard let reply = try? JSONValue.parse(response),
              let content = reply["choices"]?.array?.first?["message"]?["content"]?.string else {
            throw Failure.malformedReply("\(endpoint) sent a reply that is not a chat completion (\(response.count) bytes)")
        }
        let usage = reply["usage"]
        let promptTokens = usage?["prompt_tokens"]?.int
        let cached = usage?["prompt_tokens_details"]?["cached_tokens"]?.int
        let evaluated = reply["timings"]?["prompt_n"]?.int ?? promptTokens.map { $0 - (cached ?? 0) }
        return Reply(content: content, model: reply["model"]?.string, promptTokens: promptTokens,
                     evaluatedPromptTokens: evaluated, completionTokens: usage?["completion_tokens"]?.int, seconds: seconds)
    }

    /// The request as it goes on the wire: OpenAI's chat format with `response_format`
    /// json_schema (llama.cpp, vLLM and Ollama constrain the answer to it).
    public static func body(for request: Request, model: String) -> Data {
        var body: [(String, JSONValue)] = [
            ("model", .string(model)),
            ("messages", .array(request.messages.map { .object([("role", .string($0.role.rawValue)), ("content", .string($0.content))]) })),
            ("temperature", .number(request.temperature)),
            ("max_tokens", .number(Double(request.maxTokens))),
            ("response_format", .object([
                ("type", .string("json_schema")),
                ("json_schema", .object([("name", .string("answer")), ("strict", .bool(true)), ("schema", request.schema.json)])),
            ])),
        ]
        if let seed = request.seed { body.append(("seed", .number(Double(seed)))) }
        return JSONValue.object(body).data
    }

    /// The ids of the models the server offers.
    public func models() throws -> [String] {
        let response = try send("/v1/models", body: nil)
        guard let list = (try? JSONValue.parse(response))?["data"]?.array else {
            throw Failure.malformedReply("\(endpoint) sent a model list that is not OpenAI-style")
        }
        return list.compactMap { $0["id"]?.string }
    }

    private func send(_ path: String, body: Data?) throws -> Data {
        let response: HTTPClient.Response
        do {
            response = try http.request(endpoint.baseURL + path, jsonBody: body, unixSocket: endpoint.unixSocket)
        } catch let failure as HTTPClient.Failure {
            switch failure.kind {
            case .timeout: throw Failure.timeout(failure.message)
            case .unreachable: throw Failure.unreachable(failure.message)
            case .other: throw Failure.unreachable(failure.message)
            }
        }
        guard (200..<300).contains(response.status) else { throw Failure.status(response.status, endpoint.description) }
        return response.body
    }
}
