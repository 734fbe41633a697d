import Foundation
import RaddCore

/// HL7 v2 ORU^R01 (versions 2.3 to 2.8) → one `ParsedReport` per OBR. A batch file (FHS/BHS …
/// BTS/FTS, or simply several MSH messages) yields the reports of all its messages in order.
///
/// Field mapping:
/// - accession: OBR-18 (placer field 1), else OBR-3 (filler order number), else OBR-2 (placer
///   order number), first component each;
/// - patientID: PID-3, first repetition, first component (of the last PID before the OBR);
/// - examCode / examDescription: OBR-4 components 1 and 2; modality: OBR-24;
/// - observedAt: OBR-7; reportedAt: OBR-22 (HL7 TS → ISO 8601);
/// - status: OBR-25, else the OBX-11 of the report's text OBX (see `status`);
/// - text: OBX-5 of value type TX, FT, ST and text ED, in OBX-1 set-id order.
///
/// Errors never quote field content (it may be report text or patient data); they name the
/// segment number (counted over the file's non-empty segments) and the field.
public enum HL7v2Reader {
    static let format = "HL7 v2"

    public static func reports(from bytes: [UInt8]) throws -> [ParsedReport] {
        // No HL7 character set puts a NUL in a message; one means the file is not text at all.
        if let nul = bytes.firstIndex(of: 0) { throw IngestError.binaryContent(offset: nul) }
        let clean = HL7v2Framing.stripFraming(bytes)
        let messages = try HL7v2Framing.messages(in: clean)
        var reports = [ParsedReport]()
        reports.reserveCapacity(messages.count)
        for message in messages {
            var reader = MessageReader(bytes: clean, message: message)
            reports += try reader.reports()
        }
        return reports
    }
}

private func malformed(_ location: String, _ problem: String) -> IngestError {
    .malformed(format: HL7v2Reader.format, location: location, problem: problem)
}

/// A short, printable rendering of a code (message type, version, charset, status) for an error
/// message. These are protocol values, never patient data, but they may be junk: non-printable
/// bytes become '?', and the length is capped.
private func shown(_ s: String) -> String {
    let cleaned = String(s.unicodeScalars.prefix(24).map { $0.isASCII && $0.value >= 0x20 && $0.value < 0x7F ? Character($0) : "?" })
    return cleaned.isEmpty ? "(empty)" : cleaned
}

private struct MessageReader {
    let bytes: [UInt8]
    var message: HL7v2Message
    var d: HL7v2Delimiters { message.delimiters }

    // MARK: - Field access

    /// Raw range of one repetition/component/subcomponent of a field (1-based numbers), or nil.
    func range(_ seg: HL7v2Segment, _ field: Int, repetition: Int = 1, component: Int = 1,
               subcomponent: Int? = 1) -> Range<Int>? {
        guard let f = message.range(seg, field), !f.isEmpty,
              let rep = hl7Piece(bytes, f, on: d.repetition, repetition - 1),
              let comp = hl7Piece(bytes, rep, on: d.component, component - 1) else { return nil }
        guard let subcomponent else { return comp }
        return hl7Piece(bytes, comp, on: d.subcomponent, subcomponent - 1)
    }

    /// Decodes escapes, then the character set. Throws if a declared UTF-8 message is not UTF-8.
    func decode(_ raw: ArraySlice<UInt8>, _ location: @autoclosure () -> String) throws -> String {
        guard let s = message.charset.decode(raw) else {
            throw malformed(location(), "is not valid UTF-8, although MSH-18 declares UTF-8")
        }
        return s
    }

    /// A trimmed, non-empty value; HL7's explicit null `""` is nil too.
    func value(_ seg: HL7v2Segment, _ field: Int, repetition: Int = 1, component: Int = 1,
               subcomponent: Int? = 1) throws -> String? {
        guard let r = valueRange(seg, field, repetition: repetition, component: component, subcomponent: subcomponent) else {
            return nil
        }
        return try decodedValue(r, seg, field)
    }

    /// `value(…)?.uppercased()`, for codes (value type, result status). Codes are short and
    /// ASCII, and those are upper-cased as bytes straight into the string; a code holding escapes
    /// or other bytes is decoded first, as any value.
    func code(_ seg: HL7v2Segment, _ field: Int, component: Int = 1) throws -> String? {
        guard let r = valueRange(seg, field, component: component) else { return nil }
        let isPlainASCII = bytes[r].withUnsafeBufferPointer { raw in
            hl7IsASCII(raw) && !(d.escape.map { raw.contains($0) } ?? false)
        }
        guard isPlainASCII else { return try decodedValue(r, seg, field)?.uppercased() }
        return String(unsafeUninitializedCapacity: r.count) { code in
            for (offset, b) in bytes[r].enumerated() {
                code[offset] = b >= UInt8(ascii: "a") && b <= UInt8(ascii: "z") ? b - 0x20 : b
            }
            return r.count
        }
    }

    /// The trimmed range of a value, or nil when it is absent, blank or HL7's explicit null `""`.
    func valueRange(_ seg: HL7v2Segment, _ field: Int, repetition: Int = 1, component: Int = 1,
                    subcomponent: Int? = 1) -> Range<Int>? {
        guard let whole = range(seg, field, repetition: repetition, component: component, subcomponent: subcomponent) else {
            return nil
        }
        let r = hl7Trim(bytes, whole)
        if r.isEmpty || (r.count == 2 && bytes[r.lowerBound] == 0x22 && bytes[r.lowerBound + 1] == 0x22) { return nil }
        return r
    }

    /// Escapes, then the character set, decoded; nil when nothing is left (`\H\` alone, say).
    func decodedValue(_ r: Range<Int>, _ seg: HL7v2Segment, _ field: Int) throws -> String? {
        let s = try decode(HL7v2Escapes.decode(bytes, r, d), seg.location(field: field))
        return s.isEmpty ? nil : s
    }

    // MARK: - Message

    mutating func reports() throws -> [ParsedReport] {
        let msh = message.segments[0]
        try checkHeader(msh)

        var reports = [ParsedReport]()
        var patient = Patient()
        var current: ReportBuilder?
        for seg in message.segments.dropFirst() {
            switch seg.id {
            case .pid:
                patient = try Patient(pid: seg, reader: self)
            case .obr:
                if let done = current { reports.append(try finish(done)) }
                current = ReportBuilder(obr: seg, patient: patient)
            case .obx:
                guard current != nil else {
                    throw malformed(seg.location(), "OBX result before any OBR segment (truncated or misordered message)")
                }
                try addOBX(seg, to: &current!)
            default:
                continue  // NTE comments, PV1, ORC, SPM, Z-segments: not report text
            }
        }
        guard let last = current else {
            let end = message.segments[message.segments.count - 1]
            throw malformed(end.location(), "ORU^R01 message (MSH at segment \(msh.number)) ends without an OBR segment (truncated message?)")
        }
        reports.append(try finish(last))
        return reports
    }

    mutating func checkHeader(_ msh: HL7v2Segment) throws {
        // MSH-9: message code ^ trigger event (^ structure, ignored).
        let code = (try? value(msh, 9, component: 1)) ?? nil
        let event = (try? value(msh, 9, component: 2)) ?? nil
        guard code?.uppercased() == "ORU", event?.uppercased() == "R01" else {
            let found = [code, event].compactMap { $0 }.joined(separator: "^")
            throw malformed(msh.location(field: 9),
                            "message type is \(found.isEmpty ? "missing" : shown(found)), not ORU^R01")
        }
        // MSH-12: version ID (first component).
        let version = ((try? value(msh, 12)) ?? nil) ?? ""
        guard Self.supported(version: version) else {
            throw malformed(msh.location(field: 12),
                            version.isEmpty ? "no HL7 version given (supported: 2.3 to 2.8)"
                                : "HL7 version \(shown(version)) is not supported (supported: 2.3 to 2.8)")
        }
        // MSH-18: first repetition is the message's default character set.
        var charsetName = ""
        if let r = range(msh, 18, subcomponent: nil) {
            charsetName = hl7ASCII(bytes[hl7Trim(bytes, r)])
        }
        guard let charset = HL7v2Charset(msh18: charsetName) else {
            throw malformed(msh.location(field: 18),
                            "character set \(shown(charsetName)) is not supported (supported: ASCII, 8859/1, UNICODE UTF-8)")
        }
        if charset == .auto {
            message.charset = isUTF8(msh) ? .utf8 : .latin1
        } else {
            message.charset = charset
        }
    }

    /// Whether the whole message (from its MSH to its last segment) is valid UTF-8.
    func isUTF8(_ msh: HL7v2Segment) -> Bool {
        let start = message.range(msh).lowerBound
        let end = message.range(message.segments[message.segments.count - 1]).upperBound
        return bytes[start..<end].withUnsafeBufferPointer {
            hl7IsASCII($0) || String(validating: $0, as: UTF8.self) != nil
        }
    }

    /// `2.minor` or `2.minor.patch`: parts of ASCII digits, major exactly 2, minor 3 to 8 (leading
    /// zeros allowed). Read in one pass, part by part.
    static func supported(version: String) -> Bool {
        var part = 1, digitsInPart = 0, majorIsTwo = false, minor = 0
        for b in version.utf8 {
            if b == UInt8(ascii: ".") {
                guard digitsInPart > 0, part < 3 else { return false }
                part += 1
                digitsInPart = 0
                continue
            }
            guard b >= 0x30, b <= 0x39 else { return false }
            digitsInPart += 1
            if part == 1 { majorIsTwo = digitsInPart == 1 && b == UInt8(ascii: "2") }
            if part == 2 { minor = min(minor * 10 + Int(b - 0x30), 9) }  // 9: any minor above 8
        }
        return part >= 2 && digitsInPart > 0 && majorIsTwo && (3...8).contains(minor)
    }

    // MARK: - Report

    struct TextPart {
        var setID: Int?
        var order: Int
        /// Where the text lies in `ReportBuilder.text`.
        var range: Range<Int>
    }

    /// PID-3 (id), PID-5 (family^given^middle name) and PID-7 (birth date).
    struct Patient {
        var id: String?
        var name: PatientName?
        var birthDate: String?

        init() {}

        init(pid: HL7v2Segment, reader: MessageReader) throws {
            id = try reader.value(pid, 3)
            if let family = try reader.value(pid, 5, component: 1) {
                let given = try [reader.value(pid, 5, component: 2), reader.value(pid, 5, component: 3)].compactMap { $0 }
                name = PatientName(family: family, given: given)
            }
            // Only used to scrub the text: a birth date the sender wrote oddly must not cost the report.
            if let written = try? reader.timestamp(pid, 7) { birthDate = String(written.prefix(10)) }
        }
    }

    struct ReportBuilder {
        let obr: HL7v2Segment
        let patient: Patient
        var text = HL7v2ReportText()
        var parts: [TextPart] = []
        var obxStatuses: [(code: String, segment: HL7v2Segment)] = []
        var skippedBinaryED = false
    }

    mutating func addOBX(_ seg: HL7v2Segment, to report: inout ReportBuilder) throws {
        let type = try code(seg, 2) ?? ""
        let setID = (try value(seg, 1)).flatMap { Int($0) }
        let text: Range<Int>
        switch type {
        case "TX", "FT":
            text = try appendTextValue(seg, to: &report.text)
        case "ST":
            if try isDICOMUID(seg) { return }
            text = try appendTextValue(seg, to: &report.text)
        case "ED":
            let edText = try edValue(seg, report: &report)
            text = report.text.appendText(edText ?? "")
        default:
            // CE/CWE/CNE/CD/CF (coded), NM/SN (numeric), DT/TM/TS/DTM, RP, NA, MA …: structured
            // values that duplicate or annotate the narrative; not report text.
            return
        }
        guard !text.isEmpty else { return }
        report.parts.append(TextPart(setID: setID, order: report.parts.count, range: text))
        if let status = try code(seg, 11) { report.obxStatuses.append((status, seg)) }
    }

    /// TX/FT/ST: each repetition whole (these types have no components, so a stray component
    /// separator is text), escapes decoded; repetitions become line breaks. Trailing blanks are
    /// dropped from each line (HL7 says trailing spaces in TX should be removed); leading ones kept.
    /// Returns the range of the value's text in `text`.
    func appendTextValue(_ seg: HL7v2Segment, to text: inout HL7v2ReportText) throws -> Range<Int> {
        guard let f = message.range(seg, 5), !f.isEmpty else { return text.endText() }
        var first = true
        for rep in HL7v2Pieces(bytes, f, on: d.repetition) {
            if !first { text.lineBreak() }
            first = false
            if rep.count == 2, bytes[rep.lowerBound] == 0x22, bytes[rep.lowerBound + 1] == 0x22 { continue }
            text.append(HL7v2Escapes.decode(bytes, rep, d))
        }
        guard let decoded = text.decodeLastText(text.endText(), from: message.charset) else {
            throw malformed(seg.location(field: 5), "is not valid UTF-8, although MSH-18 declares UTF-8")
        }
        return decoded
    }

    /// Normalises line ends to LF, strips trailing blanks per line and blank lines at both ends.
    static func normalize(_ s: String) -> String {
        var text = HL7v2ReportText()
        text.append(Array(s.utf8)[...])
        return String(decoding: text.bytes[text.endText()], as: UTF8.self)
    }

    /// DICOM SR exports (IHE "Simple Image and Numeric Report", as in the dcm4che samples) send
    /// the Study, Series and SR instance UIDs as ST results: OBX-3 `113014^DICOM Study^DCM`,
    /// `^Series Instance UID`, `^SR Instance UID`. These are identifiers, not report text, so an
    /// ST is skipped when OBX-3 is a DICOM (DCM) code or names a UID, or when its whole value is
    /// shaped like a DICOM UID (an OID: first arc 0–2, at least four numeric arcs). Ordinary ST
    /// text, including numbers such as "3.5" or dates like "12.03.2020", is kept.
    func isDICOMUID(_ seg: HL7v2Segment) throws -> Bool {
        let system = try code(seg, 3, component: 3)
        let label = try code(seg, 3, component: 2) ?? ""
        if system == "DCM" || Self.namesUID(label) { return true }
        guard let v = try value(seg, 5, component: 1) else { return false }
        let arcs = v.split(separator: ".", omittingEmptySubsequences: false)
        return arcs.count >= 4 && ["0", "1", "2"].contains(arcs[0])
            && arcs.allSatisfy { !$0.isEmpty && $0.allSatisfy({ $0.isASCII && $0.isNumber }) }
    }

    /// Whether an upper-cased OBX-3 label names a UID. An ASCII label (any real one) is searched as
    /// bytes: Foundation's string search alone costs more than reading the rest of the OBX.
    static func namesUID(_ label: String) -> Bool {
        var label = label
        let inASCII = label.withUTF8 { bytes -> Bool? in
            guard hl7IsASCII(bytes) else { return nil }
            return bytes.indices.dropLast(2).contains {
                bytes[$0] == UInt8(ascii: "U") && bytes[$0 + 1] == UInt8(ascii: "I") && bytes[$0 + 2] == UInt8(ascii: "D")
            }
        }
        return inASCII ?? label.contains("UID")
    }

    /// ED: source^type^subtype^encoding^data. The data component is taken whole (not split on the
    /// subcomponent separator: encapsulated XML uses `&` freely, as the dcm4che CDA sample does).
    mutating func edValue(_ seg: HL7v2Segment, report: inout ReportBuilder) throws -> String? {
        guard let f = message.range(seg, 5), !f.isEmpty else { return nil }
        let location = seg.location(field: 5)
        var texts = [String]()
        for rep in HL7v2Pieces(bytes, f, on: d.repetition) where !rep.isEmpty {
            let comps = hl7Split(bytes, rep, on: d.component, limit: 5)
            guard comps.count == 5 else {
                throw malformed(location, "ED value has \(comps.count) components, expected 5 (source^type^subtype^encoding^data)")
            }
            func code(_ i: Int) -> String {
                hl7ASCII(HL7v2Escapes.decode(bytes, hl7Trim(bytes, comps[i]), d)).uppercased()
            }
            let type = code(1), subtype = code(2), encoding = code(3)
            let rawData = HL7v2Escapes.decode(bytes, comps[4], d)
            let data: [UInt8]
            var inMessageCharset = false
            switch encoding {
            case "BASE64", "B64":
                guard let decoded = Self.base64(rawData) else { throw malformed(location, "ED data is not valid base64") }
                data = decoded
            case "HEX":
                guard let decoded = Self.hex(rawData) else { throw malformed(location, "ED data is not valid hexadecimal") }
                data = decoded
            case "A", "ASCII", "NONE", "":
                data = Array(rawData)
                inMessageCharset = true
            default:
                throw malformed(location, "ED encoding \(shown(encoding)) is not supported (supported: A, Hex, Base64)")
            }
            let isPDF = subtype == "PDF" || subtype.contains("APPLICATION/PDF") || subtype.hasSuffix("/PDF")
                || data.starts(with: Array("%PDF-".utf8))
            if isPDF { throw IngestError.embeddedPDF }

            var body = data[...]
            if body.starts(with: [0xEF, 0xBB, 0xBF]) { body = body.dropFirst(3) }
            let head = body.prefix(200).drop { $0 == 0x20 || $0 == 0x0A || $0 == 0x0D || $0 == 0x09 }
            let looksMarkup = head.first == UInt8(ascii: "<")
            let isMarkup = subtype.contains("XML") || subtype.contains("HTML") || (type.hasPrefix("TEXT") && looksMarkup)
                || (type == "APPLICATION" && looksMarkup && subtype.contains("XML"))
            if isMarkup {
                switch HL7v2Markup.text(fromXML: Array(body)) {
                case .text(let t): texts.append(t)
                case .pdf: throw IngestError.embeddedPDF
                case .unsupported(let media):
                    throw malformed(location, "CDA document body of type \(shown(media)) is not supported (text/plain, text/html or application/pdf)")
                }
                continue
            }
            guard type.hasPrefix("TEXT") else {
                // IMAGE, AUDIO, VIDEO, APPLICATION/… (other than PDF and XML): not text. Skipped,
                // so that a key image next to the TX narrative does not block the report.
                report.skippedBinaryED = true
                continue
            }
            if subtype.contains("RTF") {
                throw malformed(location, "ED text of subtype RTF is not supported (plain text, HTML, XML or CDA)")
            }
            let text: String
            if inMessageCharset, let s = message.charset.decode(body) {
                text = s
            } else {
                text = String(validating: body, as: UTF8.self) ?? Windows1252.decodeLatin1(body)
            }
            texts.append(text)
        }
        return Self.normalize(texts.joined(separator: "\n"))
    }

    static func base64(_ raw: ArraySlice<UInt8>) -> [UInt8]? {
        var chars = raw.filter { !($0 == 0x20 || $0 == 0x0A || $0 == 0x0D || $0 == 0x09) }
        while chars.count % 4 != 0 { chars.append(UInt8(ascii: "=")) }
        guard let data = Data(base64Encoded: Data(chars)) else { return nil }
        return [UInt8](data)
    }

    static func hex(_ raw: ArraySlice<UInt8>) -> [UInt8]? {
        let digits = raw.filter { !($0 == 0x20 || $0 == 0x0A || $0 == 0x0D || $0 == 0x09) }
        guard digits.count % 2 == 0 else { return nil }
        var out = [UInt8]()
        out.reserveCapacity(digits.count / 2)
        var i = 0
        while i < digits.count {
            guard let hi = Int(String(UnicodeScalar(digits[i])), radix: 16),
                  let lo = Int(String(UnicodeScalar(digits[i + 1])), radix: 16) else { return nil }
            out.append(UInt8(hi << 4 | lo))
            i += 2
        }
        return out
    }

    func finish(_ b: ReportBuilder) throws -> ParsedReport {
        let obr = b.obr
        var parts = b.parts
        // Set-id order when every text OBX has a numeric OBX-1; otherwise (some senders leave
        // OBX-1 empty) the order of the segments. The sort is stable for equal set ids.
        if parts.allSatisfy({ $0.setID != nil }) {
            parts.sort { ($0.setID!, $0.order) < ($1.setID!, $1.order) }
        }
        let text = b.text.joined(parts.lazy.map { $0.range })
        guard !text.isEmpty else {
            throw malformed(obr.location(), b.skippedBinaryED
                ? "no report text: its OBX values are coded, numeric or non-text ED (image, audio …) only"
                : "no report text: no OBX with a TX, FT, ST or text ED value follows this OBR")
        }
        let accession = try value(obr, 18) ?? value(obr, 3) ?? value(obr, 2)
        return ParsedReport(
            accession: accession,
            patientID: b.patient.id,
            patientName: b.patient.name,
            birthDate: b.patient.birthDate,
            examCode: try value(obr, 4, component: 1),
            examDescription: try value(obr, 4, component: 2),
            modality: try value(obr, 24),
            observedAt: try timestamp(obr, 7),
            reportedAt: try timestamp(obr, 22),
            status: try status(b),
            text: text)
    }

    /// OBR-25 result status (HL7 table 0123), else OBX-11 (table 0085) of the report's text OBX:
    /// - F final → final; C corrected → corrected (supersedes the stored version);
    /// - P preliminary, A some results available, R results stored but not verified,
    ///   I in progress / pending, S scheduled / partial, O order received → preliminary: a report
    ///   exists but is not yet the signed final one. OBX-11 U (changed to final) → final.
    /// - OBR-25 X (no results, order cancelled), OBX-11 D (delete), W (posted as wrong) and
    ///   X (cannot be obtained) retract a result; radd does not store retractions as reports, so
    ///   the message is refused with a reason rather than stored under a wrong status.
    /// - Several OBX-11 codes: corrected wins over preliminary, which wins over final.
    /// - No status anywhere: final (a report sent without a status is the issued report).
    /// An OBR-25 code outside the table is ignored in favour of OBX-11.
    func status(_ b: ReportBuilder) throws -> ReportStatus {
        if let code = try code(b.obr, 25) {
            switch code {
            case "F": return .final
            case "C": return .corrected
            case "P", "A", "R", "I", "S", "O": return .preliminary
            case "X":
                throw malformed(b.obr.location(field: 25), "result status X (no results available, order cancelled) carries no report")
            default: break
            }
        }
        var result: ReportStatus?
        for (code, seg) in b.obxStatuses {
            let s: ReportStatus
            switch code {
            case "F", "U": s = .final
            case "C": s = .corrected
            case "P", "R", "S", "I": s = .preliminary
            case "D", "W", "X":
                throw malformed(seg.location(field: 11), "result status \(code) retracts the result (delete, wrong or cannot be obtained); radd does not ingest retractions")
            default: continue
            }
            switch (result, s) {
            case (nil, _), (.final?, _), (.preliminary?, .corrected): result = s
            default: break
            }
        }
        return result ?? .final
    }

    /// HL7 TS/DTM `YYYY[MM[DD[HH[MM[SS[.S+]]]]]][+/-ZZZZ]` → ISO 8601. A date alone stays a date
    /// (`2001-05-01`, or `2001-05`, `2001`); a time is written to the second (`HH:MM:SS`, missing
    /// minutes/seconds as 00; fractions of a second are dropped), with `+HH:MM` when a zone is given.
    func timestamp(_ seg: HL7v2Segment, _ field: Int) throws -> String? {
        guard let raw = try value(seg, field) else { return nil }
        guard let iso = HL7v2Timestamp.iso8601(raw) else {
            throw malformed(seg.location(field: field), "not an HL7 timestamp (YYYY[MM[DD[HH[MM[SS[.S]]]]]][+/-ZZZZ])")
        }
        return iso
    }
}

/// HL7 TS/DTM → ISO 8601 (see `MessageReader.timestamp`). Date and time parts are copied as the
/// digits they were sent as, after range checks, so no number is formatted back.
enum HL7v2Timestamp {
    static func iso8601(_ raw: String) -> String? {
        var raw = raw
        return raw.withUTF8(iso8601)
    }

    private static func iso8601(_ u: UnsafeBufferPointer<UInt8>) -> String? {
        func isDigit(_ b: UInt8) -> Bool { b >= 0x30 && b <= 0x39 }
        func number(_ from: Int, _ count: Int) -> Int {
            (from..<from + count).reduce(0) { $0 * 10 + Int(u[$1] - 0x30) }
        }
        var digits = 0
        while digits < u.count, isDigit(u[digits]) { digits += 1 }
        guard digits >= 4, digits <= 14, digits % 2 == 0 else { return nil }
        var i = digits
        if i < u.count, u[i] == UInt8(ascii: ".") {
            guard digits == 14 else { return nil }
            i += 1
            let start = i
            while i < u.count, isDigit(u[i]) { i += 1 }
            guard i > start, i - start <= 4 else { return nil }
        }
        var zone: Int?  // index of the sign
        if i < u.count, u[i] == UInt8(ascii: "+") || u[i] == UInt8(ascii: "-") {
            guard u.count - i == 5, u[(i + 1)...].allSatisfy(isDigit), digits >= 10,
                  number(i + 1, 2) <= 14, number(i + 3, 2) <= 59 else { return nil }
            zone = i
            i = u.count
        }
        guard i == u.count else { return nil }

        let year = number(0, 4)
        guard year > 0 else { return nil }
        var out = Array(String(year).utf8)
        out.reserveCapacity(25)
        if digits >= 6 {
            guard (1...12).contains(number(4, 2)) else { return nil }
            out += [UInt8(ascii: "-"), u[4], u[5]]
        }
        if digits >= 8 {
            guard (1...31).contains(number(6, 2)) else { return nil }
            out += [UInt8(ascii: "-"), u[6], u[7]]
        }
        if digits >= 10 {
            let zero = UInt8(ascii: "0")
            let minute = digits >= 12 ? (u[10], u[11]) : (zero, zero)
            let second = digits >= 14 ? (u[12], u[13]) : (zero, zero)
            guard number(8, 2) <= 23, digits < 12 || number(10, 2) <= 59, digits < 14 || number(12, 2) <= 60 else {
                return nil
            }
            out += [UInt8(ascii: "T"), u[8], u[9], UInt8(ascii: ":"), minute.0, minute.1, UInt8(ascii: ":"), second.0, second.1]
        }
        if let sign = zone {
            out += [u[sign], u[sign + 1], u[sign + 2], UInt8(ascii: ":"), u[sign + 3], u[sign + 4]]
        }
        return String(decoding: out, as: UTF8.self)
    }
}
