import Foundation
import RaddCore

/// How `raddctl audit export` writes audit records: one record per line (CSV after its header),
/// so a log collector or a spreadsheet can take the file as it grows.
public enum AuditExportFormat: String, Sendable, CaseIterable {
    /// RFC 4180, with a header.
    case csv
    /// One JSON object per line, the control protocol's fields.
    case jsonl
    /// FHIR R4 AuditEvent resources, NDJSON.
    case fhir
    /// RFC 5424 syslog messages, facility "log audit" (13).
    case syslog

    public var header: String? {
        self == .csv ? AuditFormats.csvColumns.joined(separator: ",") : nil
    }

    public func line(_ entry: AuditRecord) -> String {
        switch self {
        case .csv: return AuditFormats.csv(entry)
        case .jsonl: return AuditFormats.jsonLine(entry)
        case .fhir: return AuditFormats.fhirAuditEvent(entry)
        case .syslog: return AuditFormats.syslog(entry)
        }
    }
}

public enum AuditFormats {
    static let csvColumns = ["seq", "at", "event", "action", "outcome", "outcome_text", "uid", "username", "pid", "role",
                             "source", "object", "hash"]

    static func csv(_ entry: AuditRecord) -> String {
        let fields: [String?] = [String(entry.seq), entry.at, entry.event, entry.action, entry.outcome, entry.outcomeText,
                                 String(entry.uid), entry.username, String(entry.pid), entry.role, entry.source, entry.object, entry.hash]
        return CSVRow.line(fields.map { $0 ?? "" })
    }

    static func jsonLine(_ entry: AuditRecord) -> String {
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.sortedKeys, .withoutEscapingSlashes]
        return (try? encoder.encode(entry)).map { String(decoding: $0, as: UTF8.self) } ?? "{}"
    }

    // MARK: FHIR

    static let dicom = "http://dicom.nema.org/resources/ontology/DCM"

    /// FHIR R4 AuditEvent.outcome: 0 success, 4 minor failure (a refusal is one), 8 serious failure.
    static func fhirOutcome(_ outcome: String) -> String {
        switch outcome {
        case "success": return "0"
        case "serious_failure": return "8"
        default: return "4"
        }
    }

    /// One AuditEvent (FHIR R4) as a single line of JSON: type, subtype, action, recorded,
    /// outcome, the requesting agent (a person's uid and name, or raddd itself), the source
    /// (the appliance) and the entity (the query or object, with the record's seq and hash).
    static func fhirAuditEvent(_ entry: AuditRecord) -> String {
        // A record written by a later radd, with an event this one does not know, is reported as a
        // security alert rather than dropped.
        let codes = (AuditEvent(rawValue: entry.event) ?? .securityAlert).dicom
        let coding = { (system: String, code: String, display: String) -> [String: Any] in
            ["system": system, "code": code, "display": display]
        }
        let isDaemon = entry.role == "daemon"
        var agent: [String: Any] = [
            "type": ["coding": [isDaemon ? coding(dicom, "110150", "Application")
                                         : coding("http://terminology.hl7.org/CodeSystem/extra-security-role-type", "humanuser", "human user")]],
            "who": ["identifier": ["system": "urn:radd:unix-uid", "value": String(entry.uid)], "display": entry.username],
            "altId": entry.username,
            "requestor": !isDaemon,
        ]
        if let role = entry.role { agent["role"] = [["text": role]] }
        let site = entry.source ?? "radd"
        var event: [String: Any] = [
            "resourceType": "AuditEvent",
            "id": "\(site)-\(entry.seq)".filter { $0.isLetter || $0.isNumber || $0 == "-" || $0 == "." }.prefix(64).description,
            "type": coding(dicom, codes.code, codes.display),
            "action": entry.action,
            "recorded": entry.at,
            "outcome": fhirOutcome(entry.outcome),
            "agent": [agent],
            "source": [
                "site": site,
                "observer": ["display": "raddd on \(site)"],
                "type": [coding("http://terminology.hl7.org/CodeSystem/security-source-type", "4", "Application Server")],
            ],
        ]
        if let subtype = codes.subtype { event["subtype"] = [coding(dicom, subtype.code, subtype.display)] }
        let description = [entry.outcome == "success" ? nil : entry.outcome, entry.outcomeText].compactMap { $0 }.joined(separator: ": ")
        if !description.isEmpty { event["outcomeDesc"] = description }
        var details: [[String: Any]] = [["type": "seq", "valueString": String(entry.seq)], ["type": "event", "valueString": entry.event],
                                        ["type": "pid", "valueString": String(entry.pid)]]
        if let hash = entry.hash { details.append(["type": "sha256-chain", "valueString": hash]) }
        var entity: [String: Any] = ["detail": details]
        if let object = entry.object { entity["what"] = ["display": object]; entity["description"] = object }
        event["entity"] = [entity]
        guard let data = try? JSONSerialization.data(withJSONObject: event, options: [.sortedKeys, .withoutEscapingSlashes]) else { return "{}" }
        return String(decoding: data, as: UTF8.self)
    }

    // MARK: syslog

    /// The SD-ID of radd's structured data. 32473 is IANA's example enterprise number (RFC 5612);
    /// a site that forwards these lines may rename it to its own.
    public static let structuredDataID = "radd@32473"

    /// One RFC 5424 message: PRI for facility 13 (log audit) and a severity from the outcome,
    /// version 1, the record's time, the appliance as HOSTNAME, APP-NAME raddd, no PROCID, the
    /// event as MSGID, the record's fields as structured data, and a short text.
    static func syslog(_ entry: AuditRecord) -> String {
        let severity: Int
        switch entry.outcome {
        case "success": severity = 6
        case "serious_failure": severity = 3
        default: severity = entry.event == "security_alert" ? 1 : 4
        }
        let host = printable(entry.source ?? "-", limit: 255)
        let messageID = printable(entry.event, limit: 32)
        var parameters: [(String, String)] = [("seq", String(entry.seq)), ("action", entry.action), ("outcome", entry.outcome),
                                              ("uid", String(entry.uid)), ("user", entry.username), ("pid", String(entry.pid))]
        if let role = entry.role { parameters.append(("role", role)) }
        if let object = entry.object { parameters.append(("object", object)) }
        if let text = entry.outcomeText { parameters.append(("outcomeText", text)) }
        if let hash = entry.hash { parameters.append(("hash", hash)) }
        let data = "[" + structuredDataID + parameters.map { " \($0.0)=\"\(escapeParameter($0.1))\"" }.joined() + "]"
        let message = "\(entry.event) \(entry.outcome) by \(entry.username) (uid \(entry.uid))" + (entry.object.map { ": \($0)" } ?? "")
        return "<\(13 * 8 + severity)>1 \(entry.at) \(host.isEmpty ? "-" : host) raddd - \(messageID.isEmpty ? "-" : messageID) \(data) "
            + message.replacingOccurrences(of: "\n", with: " ")
    }

    /// PRINTUSASCII (33–126) only, as RFC 5424 requires of header fields.
    static func printable(_ text: String, limit: Int) -> String {
        String(String.UnicodeScalarView(text.unicodeScalars.filter { $0.value >= 33 && $0.value <= 126 }.prefix(limit)))
    }

    /// PARAM-VALUE escapes '"', '\' and ']' with a backslash.
    static func escapeParameter(_ value: String) -> String {
        var escaped = ""
        for character in value {
            if character == "\"" || character == "\\" || character == "]" { escaped.append("\\") }
            escaped.append(character == "\n" ? " " : character)
        }
        return escaped
    }
}
