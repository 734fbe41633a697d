import Foundation

/// Wire format of the control socket: one JSON object per line in each direction. See
/// Docs/control-protocol.md. `v` is the protocol version; a server answers a request of a version
/// it does not speak with `unsupported_version` and the versions it does speak.
public enum ControlProtocol {
    public static let version = 1
    /// Longest request line accepted; a client sending more is cut off.
    public static let maxRequestBytes = 64 * 1024
}

public enum ControlMethod: String, Codable, Sendable, CaseIterable {
    case status
    case reports
    case report
}

public struct ControlRequest: Codable, Sendable, Equatable {
    public var v: Int
    public var id: Int
    public var method: String
    public var params: Params?

    public struct Params: Codable, Sendable, Equatable {
        public var id: Int64?
        public var state: String?
        public var limit: Int?
        public var after: Int64?

        public init(id: Int64? = nil, state: String? = nil, limit: Int? = nil, after: Int64? = nil) {
            self.id = id
            self.state = state
            self.limit = limit
            self.after = after
        }
    }

    public init(v: Int = ControlProtocol.version, id: Int, method: ControlMethod, params: Params? = nil) {
        self.v = v
        self.id = id
        self.method = method.rawValue
        self.params = params
    }
}

public enum ControlErrorCode: String, Codable, Sendable {
    case badRequest = "bad_request"
    case unsupportedVersion = "unsupported_version"
    case unknownMethod = "unknown_method"
    case permissionDenied = "permission_denied"
    case notFound = "not_found"
    case unavailable
    case internalError = "internal"
}

public struct ControlError: Codable, Sendable, Equatable, Error {
    public var code: ControlErrorCode
    public var message: String

    public init(_ code: ControlErrorCode, _ message: String) {
        self.code = code
        self.message = message
    }
}

/// A response carries exactly one of `result` or `error`.
public struct ControlResponse<Result: Codable & Sendable>: Codable, Sendable {
    public var v: Int
    public var id: Int
    public var ok: Bool
    public var result: Result?
    public var error: ControlError?

    public init(id: Int, result: Result) {
        v = ControlProtocol.version
        self.id = id
        ok = true
        self.result = result
        error = nil
    }

    public init(id: Int, error: ControlError) {
        v = ControlProtocol.version
        self.id = id
        ok = false
        result = nil
        self.error = error
    }
}

// MARK: - Results

public struct StatusResult: Codable, Sendable, Equatable {
    public var version: String
    public var protocolVersion: Int
    public var pid: Int32
    public var startedAt: String
    public var uptimeSeconds: Int
    public var schemaVersion: Int
    public var cipherVersion: String
    public var queueDepth: Int
    public var reportsByState: [String: Int]
    public var deidMethod: String
    public var dropDirectory: String

    public init(version: String, protocolVersion: Int, pid: Int32, startedAt: String, uptimeSeconds: Int,
                schemaVersion: Int, cipherVersion: String, queueDepth: Int, reportsByState: [String: Int],
                deidMethod: String, dropDirectory: String) {
        self.version = version
        self.protocolVersion = protocolVersion
        self.pid = pid
        self.startedAt = startedAt
        self.uptimeSeconds = uptimeSeconds
        self.schemaVersion = schemaVersion
        self.cipherVersion = cipherVersion
        self.queueDepth = queueDepth
        self.reportsByState = reportsByState
        self.deidMethod = deidMethod
        self.dropDirectory = dropDirectory
    }
}

public struct ReportSummary: Codable, Sendable, Equatable {
    public var id: Int64
    public var state: String
    public var sourceName: String
    public var format: String
    public var byteCount: Int64
    public var receivedAt: String
    public var storedAt: String
    public var deidMethod: String

    public init(id: Int64, state: String, sourceName: String, format: String, byteCount: Int64,
                receivedAt: String, storedAt: String, deidMethod: String) {
        self.id = id
        self.state = state
        self.sourceName = sourceName
        self.format = format
        self.byteCount = byteCount
        self.receivedAt = receivedAt
        self.storedAt = storedAt
        self.deidMethod = deidMethod
    }
}

public struct ReportsResult: Codable, Sendable, Equatable {
    public var reports: [ReportSummary]
    /// Pass as `after` to fetch the next page; absent on the last page.
    public var next: Int64?

    public init(reports: [ReportSummary], next: Int64?) {
        self.reports = reports
        self.next = next
    }
}

public struct LabelResult: Codable, Sendable, Equatable {
    public var finding: String
    public var value: String
    public var labeler: String
    public var model: String?
    public var labelerVersion: String
    public var createdAt: String

    public init(finding: String, value: String, labeler: String, model: String?, labelerVersion: String, createdAt: String) {
        self.finding = finding
        self.value = value
        self.labeler = labeler
        self.model = model
        self.labelerVersion = labelerVersion
        self.createdAt = createdAt
    }
}

public struct ReportResult: Codable, Sendable, Equatable {
    public var report: ReportSummary
    /// The stored text: de-identified by the method named in `report.deidMethod`.
    public var text: String
    public var labels: [LabelResult]

    public init(report: ReportSummary, text: String, labels: [LabelResult]) {
        self.report = report
        self.text = text
        self.labels = labels
    }
}

/// Only `v`, `id`, `ok` and `error` of a response, for reading the envelope before the result type is known.
struct ResponseEnvelope: Codable {
    var v: Int
    var id: Int
    var ok: Bool
    var error: ControlError?
}

extension JSONEncoder {
    static var controlProtocol: JSONEncoder {
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.sortedKeys, .withoutEscapingSlashes]
        return encoder
    }
}
