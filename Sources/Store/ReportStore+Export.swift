import Foundation
import RaddCore

/// A current report as a label export writes it: pseudonyms, the exam's date and codes, and its
/// answers for the task; never its text or the source's identifiers.
public struct ExportedReport: Sendable {
    public var id: Int64
    public var patientPseudonym: String?
    public var accessionPseudonym: String?
    /// When the exam was done, or else when it was reported, as stored: the date an export shifts.
    public var examDate: String?
    public var modality: String?
    public var examCode: String?
    /// The report's language (migration 10).
    public var language: ReportLanguage
    /// Its label sets for the task, oldest first.
    public var answers: [ExportedAnswer]
}

/// One label set as an export uses it.
public struct ExportedAnswer: Sendable {
    public var labeler: String
    /// One value per finding the export asked for, in that order: `undefined` for a finding the
    /// set does not answer.
    public var values: [LabelValue]
    public var followUp: [String]?
    /// The fields an export writes: labeler, version, model, prompt hash, task version and
    /// the time labelled.
    public var provenance: LabelProvenance
}

extension ReportStore {
    /// Answered current reports, read from the covering index reports_export.
    static let exportReports = """
        SELECT r.id, r.patient_pseudonym, r.accession_pseudonym, coalesce(r.observed_at, r.reported_at), r.modality, r.exam_code,
               r.language
        FROM reports r
        WHERE r.id > ? AND \(ReportStore.currentReport("r"))
          AND (?2 IS NULL OR r.stored_at >= ?2) AND (?3 IS NULL OR r.stored_at < ?3)
          AND EXISTS (SELECT 1 FROM label_sets s WHERE s.report_id = r.id AND s.task = ?4)
        ORDER BY r.id LIMIT ?5
        """

    static let exportLabelSets = """
        SELECT s.id, s.report_id, s.labeler, s.labeler_version, s.provenance, s.follow_up FROM label_sets s
        WHERE s.task = ? AND s.report_id BETWEEN ? AND ? ORDER BY s.id
        """

    /// The values of those sets other than `undefined` (what a set has no value for reads as
    /// `undefined` anyway), from the covering index labels_answered. CROSS JOIN keeps label_sets
    /// the outer loop, so that each set's values come together.
    static let exportLabelValues = """
        SELECT l.label_set_id, l.finding, l.value FROM label_sets s CROSS JOIN labels l ON l.label_set_id = s.id
        WHERE s.task = ? AND s.report_id BETWEEN ? AND ? AND l.value != 'undefined'
        """

    /// A page of current reports (not superseded) with answers for `task`, stored in
    /// [`since`, `until`), by id, each with its label sets for the task and their values for
    /// `findings`. Only indexes and label set rows are read: SQLCipher decrypts every page it
    /// reads, and report and label rows are many times the size of what an export needs.
    public func exportPage(task: String, findings: [String], since: String?, until: String?, afterReportID: Int64,
                           limit: Int) throws -> [ExportedReport] {
        var reports = try database.prepare(Self.exportReports)
            .bind([.integer(afterReportID), SQLValue(since), SQLValue(until), .text(task), SQLValue(limit)]).all { row in
                let id = row.integer(0)
                return ExportedReport(id: id, patientPseudonym: row.text(1), accessionPseudonym: row.text(2),
                                      examDate: row.text(3), modality: row.text(4), examCode: row.text(5),
                                      language: try row.value(6, table: "reports", rowID: id), answers: [])
            }
        guard let first = reports.first?.id, let last = reports.last?.id else { return [] }
        var reportIndex: [Int64: Int] = Dictionary(minimumCapacity: reports.count)
        for (index, report) in reports.enumerated() { reportIndex[report.id] = index }
        let range: [SQLValue] = [.text(task), .integer(first), .integer(last)]

        // Each set's values start as not answered and are filled in from its label rows below.
        var setPlace: [Int64: (report: Int, answer: Int)] = Dictionary(minimumCapacity: reports.count)
        let unanswered = [LabelValue](repeating: .undefined, count: findings.count)
        let decoder = JSONDecoder()
        var followUps: [String: [String]?] = [:]
        try database.prepare(Self.exportLabelSets).bind(range).withReset { row in
            while try row.step() {
                guard let index = reportIndex[row.integer(1)] else { continue }
                let labeler = row.text(2) ?? ""
                let provenance = row.withUTF8(4, ExportedProvenance.read)
                    ?? ExportedProvenance.decode(row.text(4) ?? "", with: decoder, labeler: labeler, version: row.text(3) ?? "")
                var followUp: [String]?
                if let json = row.text(5) {
                    if let known = followUps[json] {
                        followUp = known
                    } else {
                        followUp = try? decoder.decode([String].self, from: Data(json.utf8))
                        followUps[json] = followUp
                    }
                }
                setPlace[row.integer(0)] = (index, reports[index].answers.count)
                reports[index].answers.append(ExportedAnswer(labeler: labeler, values: unanswered, followUp: followUp,
                                                             provenance: provenance))
            }
        }

        let matcher = FindingMatcher(findings)
        var currentSet: Int64?
        var place: (report: Int, answer: Int)?
        try database.prepare(Self.exportLabelValues).bind(range).withReset { row in
            while try row.step() {
                let setID = row.integer(0)
                if setID != currentSet {
                    currentSet = setID
                    place = setPlace[setID]
                }
                guard let place, let finding = row.withUTF8(1, matcher.index) else { continue }
                reports[place.report].answers[place.answer].values[finding] = row.withUTF8(2, LabelValue.init(stored:))
            }
        }
        return reports
    }
}

/// Which of the export's findings a label row names, compared as bytes rather than as Strings.
private struct FindingMatcher {
    private let names: [String]
    private let utf8Names: [[UInt8]]
    private let hasNonASCIIName: Bool

    init(_ names: [String]) {
        self.names = names
        utf8Names = names.map { Array($0.utf8) }
        hasNonASCIIName = utf8Names.contains { $0.contains { $0 >= 0x80 } }
    }

    func index(of name: UnsafeBufferPointer<UInt8>) -> Int? {
        if let found = utf8Names.firstIndex(where: { Self.equal($0, name) }) { return found }
        // Strings compare by canonical equivalence, so non-ASCII names that differ as bytes may
        // still be the same finding.
        guard hasNonASCIIName || name.contains(where: { $0 >= 0x80 }) else { return nil }
        return names.firstIndex(of: String(decoding: name, as: UTF8.self))
    }

    static func equal(_ bytes: [UInt8], _ other: UnsafeBufferPointer<UInt8>) -> Bool {
        bytes.count == other.count && (other.isEmpty || bytes.withUnsafeBufferPointer { memcmp($0.baseAddress!, other.baseAddress!, other.count) == 0 })
    }
}

extension LabelValue {
    private static let storedForms = allCases.map { (value: $0, utf8: Array($0.rawValue.utf8)) }

    /// A stored value; anything else reads as not mentioned, as it does everywhere labels are read.
    init(stored utf8: UnsafeBufferPointer<UInt8>) {
        self = Self.storedForms.first { FindingMatcher.equal($0.utf8, utf8) }?.value ?? .undefined
    }
}

/// A label set's provenance, as far as an export writes it. JSONDecoder cost more than anything
/// else in an export's rows, so the flat object the store writes is read here directly; anything
/// this reader does not fully understand (escapes, non-ASCII text, nesting, a repeated or unknown
/// key, a number it would have to convert) is left to JSONDecoder, so both give the same answer.
enum ExportedProvenance {
    private enum Field: String, CaseIterable {
        case labeler, version, model, endpoint, promptHash, task, taskVersion, temperature, labelledAt,
             latencyMilliseconds, promptTokens, evaluatedPromptTokens, completionTokens, discardedQuotes, requests

        enum Kind { case text, integer, number }

        var kind: Kind {
            switch self {
            case .taskVersion, .latencyMilliseconds, .promptTokens, .evaluatedPromptTokens, .completionTokens,
                 .discardedQuotes, .requests: return .integer
            case .temperature: return .number
            default: return .text
            }
        }
    }

    private static let fields = Field.allCases.map { (field: $0, utf8: Array($0.rawValue.utf8)) }

    /// The provenance in `json`, or nil when JSONDecoder must decide.
    static func read(_ json: UnsafeBufferPointer<UInt8>) -> LabelProvenance? {
        var scanner = Scanner(bytes: json)
        var seen: UInt32 = 0
        var labeler: String?, version: String?, model: String?, promptHash: String?, labelledAt: String?
        var taskVersion: Int?
        guard scanner.take(UInt8(ascii: "{")) else { return nil }
        if !scanner.take(UInt8(ascii: "}")) {
            repeat {
                guard let key = scanner.key(), let known = fields.firstIndex(where: { $0.utf8.elementsEqual(json[key]) }),
                      seen & 1 << known == 0, scanner.take(UInt8(ascii: ":")) else { return nil }
                seen |= 1 << known
                let field = fields[known].field
                if scanner.takeNull() {
                    // JSONDecoder refuses null for the two fields every provenance has.
                    guard field != .labeler && field != .version else { return nil }
                    continue
                }
                switch field.kind {
                case .text:
                    guard let text = scanner.string() else { return nil }
                    switch field {
                    case .labeler: labeler = text
                    case .version: version = text
                    case .model: model = text
                    case .promptHash: promptHash = text
                    case .labelledAt: labelledAt = text
                    default: break
                    }
                case .integer:
                    guard let value = scanner.integer() else { return nil }
                    if field == .taskVersion { taskVersion = value }
                case .number:
                    guard scanner.number() else { return nil }
                }
            } while scanner.take(UInt8(ascii: ","))
            guard scanner.take(UInt8(ascii: "}")) else { return nil }
        }
        guard scanner.atEnd, let labeler, let version else { return nil }
        return LabelProvenance(labeler: labeler, version: version, model: model, promptHash: promptHash,
                               taskVersion: taskVersion, labelledAt: labelledAt)
    }

    /// What JSONDecoder makes of `json`, cut to the fields an export writes; the set's own
    /// labeler and version when it cannot be decoded.
    static func decode(_ json: String, with decoder: JSONDecoder, labeler: String, version: String) -> LabelProvenance {
        guard let full = try? decoder.decode(LabelProvenance.self, from: Data(json.utf8)) else {
            return LabelProvenance(labeler: labeler, version: version)
        }
        return LabelProvenance(labeler: full.labeler, version: full.version, model: full.model, promptHash: full.promptHash,
                               taskVersion: full.taskVersion, labelledAt: full.labelledAt)
    }

    /// JSON tokens over bytes; whitespace before each token is skipped.
    private struct Scanner {
        let bytes: UnsafeBufferPointer<UInt8>
        var offset = 0

        var atEnd: Bool {
            mutating get {
                skipSpace()
                return offset == bytes.count
            }
        }

        mutating func skipSpace() {
            while offset < bytes.count {
                switch bytes[offset] {
                case UInt8(ascii: " "), UInt8(ascii: "\t"), UInt8(ascii: "\n"), UInt8(ascii: "\r"): offset += 1
                default: return
                }
            }
        }

        mutating func take(_ byte: UInt8) -> Bool {
            skipSpace()
            guard offset < bytes.count, bytes[offset] == byte else { return false }
            offset += 1
            return true
        }

        mutating func takeNull() -> Bool {
            skipSpace()
            guard bytes.count - offset >= 4, bytes[offset..<offset + 4].elementsEqual("null".utf8) else { return false }
            offset += 4
            return true
        }

        /// A key's bytes, when it is plain printable ASCII like the names of the fields.
        mutating func key() -> Range<Int>? {
            guard take(UInt8(ascii: "\"")) else { return nil }
            let start = offset
            while offset < bytes.count {
                let byte = bytes[offset]
                offset += 1
                if byte == UInt8(ascii: "\"") { return start..<offset - 1 }
                guard byte >= 0x20, byte < 0x80, byte != UInt8(ascii: "\\") else { return nil }
            }
            return nil
        }

        /// A string value: valid UTF-8 whose escapes, if any, stand for single ASCII characters
        /// (JSONEncoder writes "/" as "\/"); nil for anything else, \u escapes included.
        mutating func string() -> String? {
            guard take(UInt8(ascii: "\"")) else { return nil }
            let start = offset
            var unescaped: [UInt8]?
            while offset < bytes.count {
                let byte = bytes[offset]
                offset += 1
                switch byte {
                case UInt8(ascii: "\""):
                    let text = unescaped.map { String(validating: $0, as: UTF8.self) }
                        ?? String(validating: UnsafeBufferPointer(rebasing: bytes[start..<offset - 1]), as: UTF8.self)
                    return text
                case UInt8(ascii: "\\"):
                    guard offset < bytes.count, let character = Self.escaped[bytes[offset]] else { return nil }
                    if unescaped == nil { unescaped = Array(bytes[start..<offset - 1]) }
                    unescaped?.append(character)
                    offset += 1
                case ..<0x20:
                    return nil
                default:
                    unescaped?.append(byte)
                }
            }
            return nil
        }

        private static let escaped: [UInt8: UInt8] = [
            UInt8(ascii: "\""): UInt8(ascii: "\""), UInt8(ascii: "\\"): UInt8(ascii: "\\"), UInt8(ascii: "/"): UInt8(ascii: "/"),
            UInt8(ascii: "b"): 0x08, UInt8(ascii: "f"): 0x0C, UInt8(ascii: "n"): 0x0A, UInt8(ascii: "r"): 0x0D, UInt8(ascii: "t"): 0x09,
        ]

        /// An integer written plainly (no fraction, exponent or leading zero) that fits an Int.
        mutating func integer() -> Int? {
            skipSpace()
            let negative = offset < bytes.count && bytes[offset] == UInt8(ascii: "-")
            if negative { offset += 1 }
            let start = offset
            var value = 0
            while offset < bytes.count, Self.isDigit(bytes[offset]) {
                guard offset - start < 18 else { return nil }
                value = value * 10 + Int(bytes[offset] - UInt8(ascii: "0"))
                offset += 1
            }
            let count = offset - start
            guard count > 0, count == 1 || bytes[start] != UInt8(ascii: "0"), !(negative && value == 0),
                  offset == bytes.count || !Self.continuesNumber(bytes[offset]) else { return nil }
            return negative ? -value : value
        }

        /// Any JSON number that a Double holds finitely.
        mutating func number() -> Bool {
            skipSpace()
            let start = offset
            func digits() -> Int {
                let first = offset
                while offset < bytes.count, Self.isDigit(bytes[offset]) { offset += 1 }
                return offset - first
            }
            if offset < bytes.count, bytes[offset] == UInt8(ascii: "-") { offset += 1 }
            let integerStart = offset
            let integerDigits = digits()
            guard integerDigits > 0, integerDigits == 1 || bytes[integerStart] != UInt8(ascii: "0") else { return false }
            if offset < bytes.count, bytes[offset] == UInt8(ascii: ".") {
                offset += 1
                guard digits() > 0 else { return false }
            }
            if offset < bytes.count, bytes[offset] == UInt8(ascii: "e") || bytes[offset] == UInt8(ascii: "E") {
                offset += 1
                if offset < bytes.count, bytes[offset] == UInt8(ascii: "+") || bytes[offset] == UInt8(ascii: "-") { offset += 1 }
                guard digits() > 0 else { return false }
            }
            guard offset == bytes.count || !Self.continuesNumber(bytes[offset]) else { return false }
            let text = String(decoding: UnsafeBufferPointer(rebasing: bytes[start..<offset]), as: UTF8.self)
            return Double(text)?.isFinite == true
        }

        private static func isDigit(_ byte: UInt8) -> Bool {
            byte >= UInt8(ascii: "0") && byte <= UInt8(ascii: "9")
        }

        /// Whether a number that stopped before `byte` went on, in JSON or in something like it.
        private static func continuesNumber(_ byte: UInt8) -> Bool {
            switch byte {
            case UInt8(ascii: "0")...UInt8(ascii: "9"), UInt8(ascii: "."), UInt8(ascii: "e"), UInt8(ascii: "E"),
                 UInt8(ascii: "+"), UInt8(ascii: "-"): return true
            default: return false
            }
        }
    }
}
