import Foundation
import RaddCore

/// HL7 v2 ORU^R01 → one `ParsedReport` per OBR; MDM^T02, T04, T06, T08 and T10 (a document with
/// its content) → one `ParsedReport` per TXA. A batch file (FHS/BHS … BTS/FTS, or simply several
/// MSH messages) yields the reports of all its messages in order.
///
/// Any v2 version is read (2.1 to 2.9, and vendors' variants such as 2.3.1, 2.3.z or 2.4-ESP), as
/// the major version it names: the fields radd reads mean the same in all of them. In v2.1,
/// MSH-9 is the message type alone (`ORU`). OBX text sent before the first OBR (some senders put
/// ORC and OBX first) belongs to the first OBR, or, with no OBR at all, to a report keyed by the
/// ORC's order numbers.
///
/// ORU field mapping:
/// - accession: OBR-18 (placer field 1), else OBR-3 (filler order number), else OBR-2 (placer
///   order number), first component each;
/// - patientID: PID-3, first repetition, first component (of the last PID before the OBR);
/// - examCode / examDescription: OBR-4 components 1 and 2; modality: OBR-24;
/// - observedAt: OBR-7; reportedAt: OBR-22 (HL7 TS → ISO 8601);
/// - status: OBR-25, else the OBX-11 of the report's text OBX (see `status`);
/// - text: OBX-5 of value type TX, FT, ST and text ED, in OBX-1 set-id order.
///
/// MDM field mapping (the OBX segments after a TXA are its document's text, as above):
/// - accession: TXA-12, the unique document number; for an addendum (T06) or a replacement (T10),
///   TXA-13, the parent document's number, when given, so that the new version supersedes the
///   one it replaces, as a corrected ORU result does;
/// - examCode / examDescription: TXA-2, the document type (components 1 and 2);
/// - observedAt: TXA-4 (activity date/time); reportedAt: TXA-6 (origination date/time);
/// - status: TXA-17, the completion status (see `documentStatus`).
///
/// Errors never quote field content (it may be report text or patient data); they name the
/// segment number (counted over the file's non-empty segments) and the field.
public enum HL7v2Reader {
    static let format = "HL7 v2"

    /// Every message's reports, all or nothing (tests and tools that want a file whole).
    public static func reports(from bytes: [UInt8]) throws -> [ParsedReport] {
        try read(bytes).allReports()
    }

    /// Message by message: a message that cannot be read fails alone, with its position, MSH-10
    /// and its own bytes, and the others' reports are kept. Only what breaks the file as a whole
    /// (binary data, no MSH at all) is thrown.
    public static func read(_ bytes: [UInt8]) throws -> ReadParts {
        // No HL7 character set puts a NUL in a message; one means the file is not text at all.
        if let nul = bytes.firstIndex(of: 0) { throw IngestError.binaryContent(offset: nul) }
        let clean = HL7v2Framing.stripFraming(bytes)
        return try clean.withUnsafeBufferPointer { buffer in
            let ranges = try HL7v2Framing.messageRanges(buffer)
            var parts = ReadParts()
            parts.reports.reserveCapacity(ranges.count)
            var cutter = HL7v2Cutter()
            for (index, range) in ranges.enumerated() {
                do {
                    var reader = MessageReader(bytes: clean, message: try cutter.message(buffer, range))
                    parts.reports += try reader.reports()
                } catch let error as IngestError {
                    let location = PartLocation(unit: .message, position: index + 1, count: ranges.count,
                                                controlID: HL7v2Framing.controlID(clean, range))
                    parts.failures.append(FailedPart(location: location, error: error, bytes: Array(buffer[range]),
                                                     fileExtension: "hl7"))
                }
            }
            return parts
        }
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
        let kind = try checkHeader(msh)

        var reports = [ParsedReport]()
        var patient = Patient()
        var current: ReportBuilder?
        // ORU: OBX text before any OBR waits for the first OBR (or the message's end). Its ORC, if
        // any, keys a report that has no OBR.
        var orphans: ReportBuilder?
        var order: HL7v2Segment?
        for seg in message.segments.dropFirst() {
            switch (seg.id, kind) {
            case (.pid, _):
                patient = try Patient(pid: seg, reader: self)
            case (.obr, .observationResult):
                if let done = current { reports.append(try finish(done)) }
                current = ReportBuilder(anchor: .obr(seg), patient: patient)
                if let waiting = orphans {
                    current!.adopt(waiting)
                    orphans = nil
                }
            case (.orc, .observationResult):
                if order == nil { order = seg }
            case (.txa, .document(let event)):
                if let done = current { reports.append(try finish(done)) }
                current = ReportBuilder(anchor: .txa(seg, event), patient: patient)
            case (.obx, .observationResult) where current == nil:
                if orphans == nil { orphans = ReportBuilder(anchor: .orc(order), patient: patient) }
                try addOBX(seg, to: &orphans!)
            case (.obx, .document) where current == nil:
                throw malformed(seg.location(), "OBX before the TXA segment of the document (truncated or misordered message)")
            case (.obx, _):
                try addOBX(seg, to: &current!)
            default:
                continue  // NTE comments, PV1, EVN, ORC, SPM, Z-segments, an MDM's order: not report text
            }
        }
        if current == nil, var unkeyed = orphans, !unkeyed.parts.isEmpty {
            // Text with no OBR at all: a report of its own, keyed by the ORC seen (if any).
            unkeyed.anchor = .orc(order)
            current = unkeyed
        }
        guard let last = current else {
            let end = message.segments[message.segments.count - 1]
            switch kind {
            case .observationResult:
                throw malformed(end.location(), "ORU^R01 message (MSH at segment \(msh.number)) ends without an OBR segment or report text (truncated message?)")
            case .document(let event):
                throw malformed(end.location(), "MDM^\(event.rawValue) message (MSH at segment \(msh.number)) ends without a TXA segment (truncated message?)")
            }
        }
        reports.append(try finish(last))
        return reports
    }

    /// What a message is, from MSH-9, or why radd does not read it.
    enum Kind: Equatable {
        case observationResult
        case document(DocumentEvent)
    }

    /// The MDM events that carry the document's content; the others are status notifications.
    enum DocumentEvent: String {
        case original = "T02", statusChange = "T04", addendum = "T06", edit = "T08", replacement = "T10"

        /// An addendum, edit or replacement supersedes the version stored before it.
        var supersedes: Bool {
            switch self {
            case .original, .statusChange: return false
            case .addendum, .edit, .replacement: return true
            }
        }
    }

    mutating func checkHeader(_ msh: HL7v2Segment) throws -> Kind {
        // MSH-9: message code ^ trigger event (^ structure, ignored). v2.1 sends the code alone.
        let code = ((try? value(msh, 9, component: 1)) ?? nil)?.uppercased()
        let event = ((try? value(msh, 9, component: 2)) ?? nil)?.uppercased()
        let kind: Kind
        switch (code, event) {
        case ("ORU", "R01"?), ("ORU", nil):
            kind = .observationResult
        case ("MDM", let event?):
            if let content = DocumentEvent(rawValue: event) {
                kind = .document(content)
            } else if ["T01", "T03", "T05", "T07", "T09", "T11"].contains(event) {
                throw malformed(msh.location(field: 9), "MDM^\(event) is a document notification without the document's text (radd reads MDM^T02, T04, T06, T08 and T10)")
            } else {
                throw malformed(msh.location(field: 9), "message type is MDM^\(shown(event)), not an MDM event radd reads (T02, T04, T06, T08, T10)")
            }
        default:
            let found = [code, event].compactMap { $0 }.joined(separator: "^")
            throw malformed(msh.location(field: 9),
                            "message type is \(found.isEmpty ? "missing" : shown(found)), not ORU^R01 or an MDM document (T02, T04, T06, T08, T10)")
        }
        // MSH-12: version ID (first component), read as the v2 version it names.
        let version = ((try? value(msh, 12)) ?? nil) ?? ""
        guard Self.minorVersion(version) != nil else {
            throw malformed(msh.location(field: 12),
                            version.isEmpty ? "no HL7 version given (MSH-12 must name a v2 version, such as 2.3 or 2.5.1)"
                                : "MSH-12 '\(shown(version))' names no HL7 v2 version (expected 2.n, such as 2.2, 2.5.1 or 2.4-ESP)")
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
        return kind
    }

    /// Whether the whole message (from its MSH to its last segment) is valid UTF-8.
    func isUTF8(_ msh: HL7v2Segment) -> Bool {
        let start = message.range(msh).lowerBound
        let end = message.range(message.segments[message.segments.count - 1]).upperBound
        return bytes[start..<end].withUnsafeBufferPointer {
            hl7IsASCII($0) || String(validating: $0, as: UTF8.self) != nil
        }
    }

    /// The minor version of a v2 version ID, read as HAPI and Mirth read it: `2.`, then the minor
    /// number, then anything a vendor adds (`2.5.1` → 5, `2.3.z` → 3, `2.4-ESP` → 4; `V2.3` too).
    /// nil when it names no v2 version (`3.0`, `2`, empty, junk).
    static func minorVersion(_ version: String) -> Int? {
        var bytes = version.utf8[...]
        if bytes.first == UInt8(ascii: "V") || bytes.first == UInt8(ascii: "v") { bytes = bytes.dropFirst() }
        guard bytes.starts(with: [UInt8(ascii: "2"), UInt8(ascii: ".")]) else { return nil }
        let digits = bytes.dropFirst(2).prefix { $0 >= 0x30 && $0 <= 0x39 }
        guard !digits.isEmpty, digits.count <= 3 else { return nil }
        return digits.reduce(0) { $0 * 10 + Int($1 - 0x30) }
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

    /// The segment a report's fields come from.
    enum Anchor {
        case obr(HL7v2Segment)
        case txa(HL7v2Segment, DocumentEvent)
        /// Text with no OBR: keyed by the message's first ORC, if it has one.
        case orc(HL7v2Segment?)
    }

    struct ReportBuilder {
        var anchor: Anchor
        let patient: Patient
        var text = HL7v2ReportText()
        var parts: [TextPart] = []
        var obxStatuses: [(code: String, segment: HL7v2Segment)] = []
        var skippedBinaryED = false
        var textFromPDF = false

        /// Takes over the text gathered before this report's OBR; it comes first.
        mutating func adopt(_ earlier: ReportBuilder) {
            text = earlier.text
            parts = earlier.parts
            obxStatuses = earlier.obxStatuses
            skippedBinaryED = earlier.skippedBinaryED
            textFromPDF = earlier.textFromPDF
        }

        /// Where an error about the whole report points.
        var location: String {
            switch anchor {
            case .obr(let segment), .txa(let segment, _): return segment.location()
            case .orc(let segment?): return segment.location()
            case .orc(nil): return "the message's OBX segments"
            }
        }
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
            if isPDF {
                switch try PDFText.extract(Array(data)) {
                case .text(let text):
                    texts.append(text)
                    report.textFromPDF = true
                case .problem(let problem): throw IngestError.pdf(problem, location: location)
                }
                continue
            }

            var body = data[...]
            if body.starts(with: [0xEF, 0xBB, 0xBF]) { body = body.dropFirst(3) }
            let head = body.prefix(200).drop { $0 == 0x20 || $0 == 0x0A || $0 == 0x0D || $0 == 0x09 }
            let looksMarkup = head.first == UInt8(ascii: "<")
            let isMarkup = subtype.contains("XML") || subtype.contains("HTML") || (type.hasPrefix("TEXT") && looksMarkup)
                || (type == "APPLICATION" && looksMarkup && subtype.contains("XML"))
            if isMarkup {
                switch HL7v2Markup.text(fromXML: Array(body)) {
                case .text(let t): texts.append(t)
                case .pdf(let pdf):
                    switch try PDFText.extract(pdf) {
                    case .text(let text):
                        texts.append(text)
                        report.textFromPDF = true
                    case .problem(let problem): throw IngestError.pdf(problem, location: location)
                    }
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
        var parts = b.parts
        // Set-id order when every text OBX has a numeric OBX-1; otherwise (some senders leave
        // OBX-1 empty) the order of the segments. The sort is stable for equal set ids.
        if parts.allSatisfy({ $0.setID != nil }) {
            parts.sort { ($0.setID!, $0.order) < ($1.setID!, $1.order) }
        }
        let text = b.text.joined(parts.lazy.map { $0.range })
        guard !text.isEmpty else {
            let after: String
            switch b.anchor {
            case .obr: after = "this OBR"
            case .txa: after = "this TXA"
            case .orc: after = "the message header"
            }
            throw malformed(b.location, b.skippedBinaryED
                ? "no report text: its OBX values are coded, numeric or non-text ED (image, audio …) only"
                : "no report text: no OBX with a TX, FT, ST or text ED value follows \(after)")
        }
        var report = ParsedReport(accession: nil, patientID: b.patient.id, patientName: b.patient.name,
                                  birthDate: b.patient.birthDate, status: try status(b), text: text)
        report.textFromPDF = b.textFromPDF
        switch b.anchor {
        case .obr(let obr):
            report.accession = try value(obr, 18) ?? value(obr, 3) ?? value(obr, 2)
            report.examCode = try value(obr, 4, component: 1)
            report.examDescription = try value(obr, 4, component: 2)
            report.modality = try value(obr, 24)
            report.observedAt = try timestamp(obr, 7)
            report.reportedAt = try timestamp(obr, 22)
        case .txa(let txa, let event):
            let parent = event.supersedes ? try value(txa, 13) : nil
            report.accession = try parent ?? value(txa, 12)
            report.examCode = try value(txa, 2, component: 1)
            report.examDescription = try value(txa, 2, component: 2)
            report.observedAt = try timestamp(txa, 4)
            report.reportedAt = try timestamp(txa, 6)
        case .orc(let orc?):
            // ORC-3 filler and ORC-2 placer order numbers, as OBR-3 and OBR-2.
            report.accession = try value(orc, 3) ?? value(orc, 2)
        case .orc(nil):
            break
        }
        return report
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
        if case .txa(let txa, let event) = b.anchor { return try documentStatus(txa, event) }
        if case .obr(let obr) = b.anchor, let code = try code(obr, 25) {
            switch code {
            case "F": return .final
            case "C": return .corrected
            case "P", "A", "R", "I", "S", "O": return .preliminary
            case "X":
                throw malformed(obr.location(field: 25), "result status X (no results available, order cancelled) carries no report")
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

    /// TXA-17 document completion status (HL7 table 0271): AU authenticated and LA legally
    /// authenticated are the signed document (final; corrected when an addendum, edit or
    /// replacement supersedes an earlier version); DI dictated, DO documented, IP in progress,
    /// IN incomplete and PA pre-authenticated are preliminary. TXA-19 availability CA (cancelled)
    /// or OB (obsolete) retracts the document, which radd does not store. No status: as AU.
    func documentStatus(_ txa: HL7v2Segment, _ event: DocumentEvent) throws -> ReportStatus {
        if let availability = try code(txa, 19), ["CA", "OB"].contains(availability) {
            throw malformed(txa.location(field: 19), "document availability \(availability) (cancelled or obsolete) retracts the document; radd does not ingest retractions")
        }
        let signed: ReportStatus = event.supersedes ? .corrected : .final
        guard let completion = try code(txa, 17) else { return signed }
        switch completion {
        case "AU", "LA": return signed
        case "DI", "DO", "IP", "IN", "PA": return .preliminary
        case "CA": throw malformed(txa.location(field: 17), "document completion status CA (cancelled) carries no report")
        default: return signed
        }
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
