/// The small subset of JSON Schema radd sends with every request (servers that support
/// structured output constrain the model's tokens to it) and checks every answer against
/// (servers that do not, or do so loosely, cannot slip an invalid answer through).
public indirect enum AnswerSchema: Sendable, Equatable {
    case object([(name: String, schema: AnswerSchema)])
    case array(of: AnswerSchema, maxItems: Int?)
    case string(oneOf: [String]?)

    public static func == (lhs: AnswerSchema, rhs: AnswerSchema) -> Bool { lhs.json == rhs.json }

    /// As JSON Schema: every property required, no others allowed.
    public var json: JSONValue {
        switch self {
        case .object(let properties):
            return .object([
                ("type", .string("object")),
                ("properties", .object(properties.map { ($0.name, $0.schema.json) })),
                ("required", .array(properties.map { .string($0.name) })),
                ("additionalProperties", .bool(false)),
            ])
        case .array(let items, let maxItems):
            var members: [(String, JSONValue)] = [("type", .string("array")), ("items", items.json)]
            if let maxItems { members.append(("maxItems", .number(Double(maxItems)))) }
            return .object(members)
        case .string(let choices):
            var members: [(String, JSONValue)] = [("type", .string("string"))]
            if let choices { members.append(("enum", .array(choices.map(JSONValue.string)))) }
            return .object(members)
        }
    }

    /// The first way `value` breaks the schema, as a path and a problem ("mentions[2].status: not
    /// one of present, absent, uncertain"); nil when it conforms. The model's own words are never
    /// repeated: they may quote the report.
    public func violation(in value: JSONValue, at path: String = "answer") -> String? {
        switch (self, value) {
        case (.object(let properties), .object(let members)):
            for (name, schema) in properties {
                guard let member = members.first(where: { $0.0 == name })?.1 else { return "\(path): missing \"\(name)\"" }
                if let problem = schema.violation(in: member, at: path + "." + name) { return problem }
            }
            if let extra = members.first(where: { member in !properties.contains { $0.name == member.0 } }) {
                return "\(path): unexpected member \"\(extra.0.prefix(40))\""
            }
            return nil
        case (.array(let items, let maxItems), .array(let elements)):
            if let maxItems, elements.count > maxItems { return "\(path): \(elements.count) items, at most \(maxItems) allowed" }
            for (index, element) in elements.enumerated() {
                if let problem = items.violation(in: element, at: "\(path)[\(index)]") { return problem }
            }
            return nil
        case (.string(let choices), .string(let string)):
            if let choices, !choices.contains(string) {
                return "\(path): not one of \(choices.joined(separator: ", "))"
            }
            return nil
        case (.object, _): return "\(path): expected an object"
        case (.array, _): return "\(path): expected an array"
        case (.string, _): return "\(path): expected a string"
        }
    }
}
