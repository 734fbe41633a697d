/// Who a stored answer is from. The raw strings are stored in the database and named on the
/// command line and in exports, so they must never change: `rules`, `llm` (the one model),
/// `llm:MODEL` (each model when several are configured), `gold` (a person), and `final`, the
/// label policy's choice among the others, which is never stored.
public enum LabelerID: Hashable, Sendable, CustomStringConvertible {
    case rules
    /// The only model raddd asks.
    case llm
    /// One of several models, by the name sent to its server.
    case model(String)
    case gold
    case final

    /// nil for any other text: there are no other labelers, and `llm:` without a model is none.
    public init?(rawValue: String) {
        switch rawValue {
        case "rules": self = .rules
        case "llm": self = .llm
        case "gold": self = .gold
        case "final": self = .final
        default:
            guard rawValue.hasPrefix(Self.modelPrefix), rawValue.count > Self.modelPrefix.count else { return nil }
            self = .model(String(rawValue.dropFirst(Self.modelPrefix.count)))
        }
    }

    public var rawValue: String {
        switch self {
        case .rules: return "rules"
        case .llm: return "llm"
        case .model(let name): return Self.modelPrefix + name
        case .gold: return "gold"
        case .final: return "final"
        }
    }

    public var description: String { rawValue }

    /// A model's labeler: `llm` while raddd asks one model (or the model is not known yet, being
    /// the first the server lists), `llm:MODEL` for each of several, so their answers stay apart.
    public static func llm(model: String?, modelCount: Int) -> LabelerID {
        guard modelCount > 1, let model, !model.isEmpty else { return .llm }
        return .model(model)
    }

    /// Whether the answers are a model's.
    public var isModel: Bool {
        switch self {
        case .llm, .model: return true
        case .rules, .gold, .final: return false
        }
    }

    private static let modelPrefix = "llm:"
}

extension LabelerID: Codable {
    public init(from decoder: any Decoder) throws {
        let container = try decoder.singleValueContainer()
        let text = try container.decode(String.self)
        guard let labeler = LabelerID(rawValue: text) else {
            throw DecodingError.dataCorruptedError(in: container, debugDescription:
                "'\(text.prefix(64))' is not a labeler (rules, llm, llm:MODEL, gold or final)")
        }
        self = labeler
    }

    public func encode(to encoder: any Encoder) throws {
        var container = encoder.singleValueContainer()
        try container.encode(rawValue)
    }
}

extension TaskAnswer {
    /// The labeler version a label set is stored under, part of the store's unique key for a
    /// report's answers: a model's prompt and model name belong to it, so a new prompt or model
    /// labels again rather than being taken for the same labeler. Changing this string for an
    /// unchanged labeler relabels every report.
    public var labelerVersion: String {
        guard provenance.labeler == LabelerID.llm.rawValue else { return provenance.version }
        return [provenance.version, String((provenance.promptHash ?? "").prefix(12)), provenance.model ?? ""].joined(separator: " ")
    }
}
