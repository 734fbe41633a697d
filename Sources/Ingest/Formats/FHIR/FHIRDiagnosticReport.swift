import Foundation
import RaddCore

/// One DiagnosticReport resource (already parsed JSON) as a `ParsedReport`.
///
/// - accession: the `identifier` typed ACSN (v2-0203), else one whose system or type text says
///   "accession", else the first identifier; else the first `basedOn` reference's identifier, or
///   the id in its reference string ("ServiceRequest/abc" → "abc"). The resource's own logical
///   `id` is not used: it is a server's id, not the department's accession number.
/// - patientID: `subject.identifier.value` (an MRN, as HL7 PID-3 gives), else the id in
///   `subject.reference` ("Patient/123" → "123", "urn:uuid:…" → the uuid).
/// - examCode / examDescription: `code.coding[0]` code and display (display falls back to
///   `code.text`).
/// - modality: the first `category` coding that is a DICOM modality (system DCM), or a v2-0074
///   section that names one (CT, NMR → MR, NMS → NM, RUS/VUS/OUS → US). A plain "Radiology"
///   category (LOINC LP29684-5, v2-0074 RAD) says no modality, so it leaves the field empty.
/// - observedAt: `effectiveDateTime`, else `effectivePeriod.start`; reportedAt: `issued`; both as
///   written (FHIR dates are already ISO 8601).
/// - status: final, appended → final; amended, corrected → corrected; preliminary, partial,
///   registered → preliminary; anything else (cancelled, entered-in-error, unknown) is an error.
enum FHIRDiagnosticReport {
    static func report(_ r: [String: Any], location: String) throws -> ParsedReport {
        let status = try self.status(r["status"], location: location)
        let text: String
        var textFromPDF = false
        let outcome = try FHIRAttachment.text(of: (r["presentedForm"] as? [Any]) ?? [], location: location)
        if case .text(let value) = outcome {
            text = value
        } else if let conclusion = r["conclusion"] as? String, conclusion.contains(where: { !$0.isWhitespace }) {
            text = conclusion
        } else if case .pdfOnly(let pdf, let here) = outcome {
            switch try PDFText.extract(pdf) {
            case .text(let value):
                text = value
                textFromPDF = true
            case .problem(let problem): throw IngestError.pdf(problem, location: here)
            }
        } else {
            throw IngestError.malformed(format: "FHIR", location: location, problem: "no presentedForm text and no conclusion")
        }
        let code = r["code"] as? [String: Any]
        let coding = (code?["coding"] as? [Any])?.first as? [String: Any]
        let period = r["effectivePeriod"] as? [String: Any]
        var report = ParsedReport(
            accession: accession(r), patientID: patient(r["subject"]),
            patientName: personName((r["subject"] as? [String: Any])?["display"]),
            examCode: nonEmpty(coding?["code"]), examDescription: nonEmpty(coding?["display"]) ?? nonEmpty(code?["text"]),
            modality: modality(r["category"]),
            observedAt: nonEmpty(r["effectiveDateTime"]) ?? nonEmpty(period?["start"]),
            reportedAt: nonEmpty(r["issued"]), status: status, text: text)
        report.textFromPDF = textFromPDF
        return report
    }

    /// `subject.display`, the only place a DiagnosticReport names its patient: "Smith, John" or
    /// "John Smith".
    static func personName(_ display: Any?) -> PatientName? {
        guard let display = nonEmpty(display) else { return nil }
        if let comma = display.firstIndex(of: ",") {
            let family = display[..<comma].trimmingCharacters(in: .whitespaces)
            let given = display[display.index(after: comma)...].split(separator: " ").map(String.init)
            return family.isEmpty ? nil : PatientName(family: family, given: given)
        }
        var words = display.split(separator: " ").map(String.init)
        guard let family = words.popLast() else { return nil }
        return PatientName(family: family, given: words)
    }

    static func status(_ value: Any?, location: String) throws -> ReportStatus {
        guard let value = value as? String else {
            throw IngestError.malformed(format: "FHIR", location: "\(location).status", problem: "status is missing")
        }
        switch value {
        case "final", "appended": return .final
        case "amended", "corrected": return .corrected
        case "preliminary", "partial", "registered": return .preliminary
        case "cancelled", "entered-in-error", "unknown":
            throw IngestError.malformed(format: "FHIR", location: "\(location).status",
                                        problem: "status \(value) is not a report to store (only final, amended, corrected, appended, preliminary, partial, registered)")
        default:
            throw IngestError.malformed(format: "FHIR", location: "\(location).status",
                                        problem: "status is not a DiagnosticReport status")
        }
    }

    static let v20203 = "http://terminology.hl7.org/CodeSystem/v2-0203"

    static func accession(_ r: [String: Any]) -> String? {
        let identifiers = ((r["identifier"] as? [Any]) ?? []).compactMap { $0 as? [String: Any] }
            .filter { nonEmpty($0["value"]) != nil }
        func typeCodings(_ identifier: [String: Any]) -> [[String: Any]] {
            (((identifier["type"] as? [String: Any])?["coding"] as? [Any]) ?? []).compactMap { $0 as? [String: Any] }
        }
        if let typed = identifiers.first(where: { typeCodings($0).contains { $0["code"] as? String == "ACSN" } }) {
            return nonEmpty(typed["value"])
        }
        if let named = identifiers.first(where: { identifier in
            let type = identifier["type"] as? [String: Any]
            let words = [identifier["system"], type?["text"]].compactMap { $0 as? String }
                + typeCodings(identifier).compactMap { $0["display"] as? String }
            return words.contains { $0.lowercased().contains("accession") }
        }) {
            return nonEmpty(named["value"])
        }
        if let first = identifiers.first { return nonEmpty(first["value"]) }
        for element in (r["basedOn"] as? [Any]) ?? [] {
            guard let reference = element as? [String: Any] else { continue }
            if let value = nonEmpty((reference["identifier"] as? [String: Any])?["value"]) { return value }
            if let id = referenceID(reference["reference"], type: nil) { return id }
        }
        return nil
    }

    static func patient(_ subject: Any?) -> String? {
        guard let subject = subject as? [String: Any] else { return nil }
        return nonEmpty((subject["identifier"] as? [String: Any])?["value"]) ?? referenceID(subject["reference"], type: "Patient")
    }

    /// "Patient/123", "https://x/fhir/Patient/123/_history/2" → "123"; "urn:uuid:abc" → "abc";
    /// a local "#contained" reference has no id.
    static func referenceID(_ value: Any?, type: String?) -> String? {
        guard let reference = nonEmpty(value), !reference.hasPrefix("#") else { return nil }
        if reference.hasPrefix("urn:uuid:") || reference.hasPrefix("urn:oid:") {
            return nonEmpty(String(reference.split(separator: ":").last ?? ""))
        }
        var parts = reference.split(separator: "/").map(String.init)
        if let history = parts.firstIndex(of: "_history") { parts = Array(parts[..<history]) }
        if let type, let index = parts.lastIndex(of: type), index + 1 < parts.count { return parts[index + 1] }
        guard parts.count >= 2 else { return type == nil ? parts.first : nil }
        return parts.last
    }

    static let dicomModalities: Set<String> = [
        "CR", "CT", "DX", "MR", "NM", "PT", "US", "XA", "RF", "MG", "IO", "OT", "PX", "RG", "BMD", "ES", "OP",
    ]
    static let v20074Modalities: [String: String] = [
        "CT": "CT", "NMR": "MR", "NMS": "NM", "RUS": "US", "VUS": "US", "OUS": "US", "CUS": "US",
    ]

    static func modality(_ categories: Any?) -> String? {
        for category in (categories as? [Any]) ?? [] {
            for element in ((category as? [String: Any])?["coding"] as? [Any]) ?? [] {
                guard let coding = element as? [String: Any], let code = coding["code"] as? String else { continue }
                let system = (coding["system"] as? String) ?? ""
                if system.contains("dicom.nema.org") && system.hasSuffix("DCM") && dicomModalities.contains(code) {
                    return code
                }
                if system.hasSuffix("v2-0074"), let modality = v20074Modalities[code] { return modality }
            }
        }
        return nil
    }

    static func nonEmpty(_ value: Any?) -> String? {
        guard let string = value as? String else { return nil }
        let trimmed = string.trimmingCharacters(in: .whitespacesAndNewlines)
        return trimmed.isEmpty ? nil : trimmed
    }
}
