import Foundation

/// A model server and the model radd asks it for. The daemon, `raddctl label` and radd-compare
/// build their LLM labelers here, so the three ask a server the same way.
public struct ModelEndpoint: Sendable, Equatable {
    public var endpoint: Endpoint
    /// The name sent with each request.
    public var model: String

    public init(endpoint: Endpoint, model: String) {
        self.endpoint = endpoint
        self.model = model
    }

    /// The first model the server lists, nil if it lists none: what radd asks for when no model
    /// is named. Throws `ChatClient.Failure` when the server cannot be asked.
    public static func firstListedModel(at endpoint: Endpoint, timeoutSeconds: Double) throws -> String? {
        try ChatClient(endpoint: endpoint, model: "", timeoutSeconds: timeoutSeconds).models().first
    }

    public func client(timeoutSeconds: Double, onSend: (@Sendable (Data) -> Void)? = nil) -> ChatClient {
        ChatClient(endpoint: endpoint, model: model, timeoutSeconds: timeoutSeconds, onSend: onSend)
    }

    /// An LLM labeler for `task` on this model. Labelers that share a server share its
    /// `breaker`, so that one server's failures stop all requests to it.
    public func labeler(task: LabelTask, timeoutSeconds: Double, settings: LLMLabeler.Settings = LLMLabeler.Settings(),
                        breaker: CircuitBreaker, onSend: (@Sendable (Data) -> Void)? = nil) -> LLMLabeler {
        LLMLabeler(task: task, client: client(timeoutSeconds: timeoutSeconds, onSend: onSend), settings: settings, breaker: breaker)
    }
}

extension LLMLabeler.Settings {
    /// For a batch run, which should ride out a server restart rather than drop its reports.
    public static var batch: LLMLabeler.Settings {
        var settings = LLMLabeler.Settings()
        settings.circuitPatience = 600
        return settings
    }
}
