import Foundation
import RaddCore

/// One control method with the params it takes and the result it answers: the client's call and
/// the daemon's action are typed by the same declaration, so a field one side sends and the
/// other ignores cannot go unnoticed.
public protocol ControlEndpoint: Sendable {
    associatedtype Params: ControlParams
    associatedtype Result: Codable & Sendable
    static var method: ControlMethod { get }
}

/// The params object of one method. Its wire field names are listed so that a request naming a
/// field this method does not take is refused instead of silently ignored (protocol v1 clients
/// only ever send the fields of the method they call).
public protocol ControlParams: Codable, Sendable, Equatable {
    static var fieldNames: [String] { get }
}

/// Params whose synthesized `CodingKeys` are declared `CaseIterable`, which lists their fields.
public protocol KeyedControlParams: ControlParams {
    associatedtype CodingKeys: CodingKey & CaseIterable
}

extension KeyedControlParams {
    public static var fieldNames: [String] { CodingKeys.allCases.map(\.stringValue) }
}

/// The params of a method that takes none; `params` is then left out of the request.
public struct NoParams: ControlParams {
    public static let fieldNames: [String] = []
    public init() {}
}

/// The methods' endpoints, one nested type each (Endpoints+*.swift).
public enum Endpoints {
    /// Every endpoint, for the checks that each method has exactly one.
    public static let all: [any ControlEndpoint.Type] = [
        Status.self, Reports.self, Report.self, Labels.self, Review.self, ReviewShow.self, ReviewResolve.self,
        QuarantineList.self, QuarantineRetry.self, QuarantinePurge.self,
        AuditList.self, AuditVerify.self, AuditExport.self,
        Reload.self, KeyRotate.self, Pseudonym.self, Relabel.self,
        ExportLabels.self, ExportInstruct.self, GoldSample.self, GoldImport.self, Evaluate.self,
        Backup.self, Purge.self, Metrics.self,
    ]
}

/// The envelope of a request line: who to answer and which method; the params are read by the
/// method's endpoint (`ControlRequest.params(of:from:)`).
public struct ControlRequest: Codable, Sendable, Equatable {
    public var v: Int
    public var id: Int
    public var method: String

    public init(v: Int = ControlProtocol.version, id: Int, method: String) {
        self.v = v
        self.id = id
        self.method = method
    }

    /// The request line a client sends: `params` only when the method takes any.
    public static func line<E: ControlEndpoint>(_ endpoint: E.Type, id: Int, params: E.Params) throws -> Data {
        let body = Line(v: ControlProtocol.version, id: id, method: E.method.rawValue,
                        params: E.Params.self == NoParams.self ? nil : params)
        return try JSONEncoder.controlProtocol.encode(body)
    }

    private struct Line<P: Encodable>: Encodable {
        var v: Int
        var id: Int
        var method: String
        var params: P?
    }

    /// Reads the params of `endpoint` from a request line. An absent or null `params` is an
    /// empty object; a field the method does not take, or a value of the wrong type, is a
    /// `bad_request` that names the field (never its value, which may be an identifier).
    public static func params<E: ControlEndpoint>(of endpoint: E.Type, from line: Data) throws(ControlError) -> E.Params {
        do {
            return try JSONDecoder().decode(StrictParams<E.Params>.self, from: line).params
        } catch let error as ControlError {
            throw error
        } catch let error as DecodingError {
            throw ControlError(.badRequest, "\(E.method.rawValue): \(Self.describe(error, of: E.Params.self))")
        } catch {
            throw ControlError(.badRequest, "\(E.method.rawValue): params could not be read")
        }
    }

    static func describe<P: ControlParams>(_ error: DecodingError, of type: P.Type) -> String {
        let accepted = P.fieldNames.isEmpty ? "it takes no params" : "it takes: \(P.fieldNames.joined(separator: ", "))"
        func path(_ context: DecodingError.Context) -> String {
            (["params"] + context.codingPath.dropFirst().map { $0.intValue.map(String.init) ?? $0.stringValue }).joined(separator: ".")
        }
        switch error {
        case .typeMismatch(let expected, let context):
            return "\(path(context)) is not \(Self.typeName(expected))"
        case .valueNotFound(let expected, let context):
            return "\(path(context)) is null where \(Self.typeName(expected)) is needed"
        case .keyNotFound(let key, let context):
            return "\(path(context)).\(key.stringValue) is missing"
        case .dataCorrupted(let context):
            return context.codingPath.count > 1 ? "\(path(context)) is not valid here" : "params must be an object (\(accepted))"
        @unknown default:
            return "params could not be read (\(accepted))"
        }
    }

    private static func typeName(_ type: Any.Type) -> String {
        switch type {
        case is String.Type: return "a string"
        case is Bool.Type: return "true or false"
        case is Int.Type, is Int64.Type, is UInt64.Type, is Int32.Type: return "a whole number"
        case is Double.Type: return "a number"
        default:
            let name = "\(type)"
            if name.hasPrefix("Array") { return "a list" }
            if name.hasPrefix("Dictionary") { return "an object" }
            return "of the right kind (\(name))"
        }
    }
}

/// `{"params": {...}}` of a request line, with every field checked against the method's list.
private struct StrictParams<P: ControlParams>: Decodable {
    let params: P

    private enum Envelope: String, CodingKey { case params }

    private struct AnyKey: CodingKey {
        var stringValue: String
        var intValue: Int? { nil }
        init(stringValue: String) { self.stringValue = stringValue }
        init?(intValue: Int) { nil }
    }

    init(from decoder: Decoder) throws {
        let envelope = try decoder.container(keyedBy: Envelope.self)
        guard envelope.contains(.params), try !envelope.decodeNil(forKey: .params) else {
            params = try JSONDecoder().decode(P.self, from: Data("{}".utf8))
            return
        }
        let fields = try envelope.nestedContainer(keyedBy: AnyKey.self, forKey: .params)
        let unknown = fields.allKeys.map(\.stringValue).filter { !P.fieldNames.contains($0) }.sorted()
        if let first = unknown.first {
            let method = (try? decoder.container(keyedBy: MethodKey.self).decode(String.self, forKey: .method)) ?? "this method"
            let accepted = P.fieldNames.isEmpty ? "it takes no params" : "it takes: \(P.fieldNames.joined(separator: ", "))"
            let named = unknown.count == 1 ? "param '\(first.prefix(40))'" : "params \(unknown.prefix(5).map { "'\($0.prefix(40))'" }.joined(separator: ", "))"
            throw ControlError(.badRequest, "\(method.prefix(64)) does not take the \(named); \(accepted)")
        }
        params = try P(from: envelope.superDecoder(forKey: .params))
    }

    private enum MethodKey: String, CodingKey { case method }
}
