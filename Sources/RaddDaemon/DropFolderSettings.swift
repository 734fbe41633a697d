import Foundation
import Ingest
import RaddCore

/// One watched folder: where it is, what its files are, and what happens to an original once its
/// reports are committed. Set in the config file by a `[folder NAME]` section; the folder named
/// `drop` is always there, at `drop_dir`.
public struct DropFolderSettings: Sendable, Equatable {
    public static let defaultName = "drop"

    public var name: String
    public var path: String
    public var format: ReportReader.FormatChoice = .byExtension
    public var csvMapping: CSVReader.Mapping = .automatic
    /// Where committed originals are moved instead of being deleted. It must be on the drop
    /// folder's filesystem, so that the move is one atomic rename.
    public var archiveDirectory: String?
    /// The language of the folder's reports, or `auto` to detect it per report
    /// (`LanguageDetector`). nil: the section does not say, and the configuration's `language`
    /// (English by default: every folder was English before languages existed) applies;
    /// `DaemonConfiguration.folders` fills it in.
    public var language: LanguageSetting?
    /// How text and CSV files that are not valid UTF-8 are read; nil (`auto`): a text file must
    /// be UTF-8 and a CSV file is otherwise Windows-1252, as before the setting existed.
    public var encoding: LegacyEncoding?

    public init(name: String, path: String) {
        self.name = name
        self.path = path
    }

    /// Every key a `[folder NAME]` section accepts, in the order the docs list them.
    public static let keys = [
        "path", "format", "language", "encoding", "archive_dir", "csv_id", "csv_text", "csv_patient", "csv_date", "csv_status",
        "csv_layout", "csv_rows_without_text",
    ]

    static func validName(_ name: String) -> Bool {
        !name.isEmpty && name.count <= 32 && name.allSatisfy { $0.isASCII && ($0.isLetter || $0.isNumber || $0 == "-" || $0 == "_") }
    }

    mutating func set(_ key: String, _ value: String) throws {
        typealias Problem = DaemonConfiguration.Problem
        func column() throws -> String {
            guard !value.isEmpty else { throw Problem("\(key) must name a column") }
            return value
        }
        switch key {
        case "path": path = try DaemonConfiguration.path(value, key)
        case "format":
            if value.lowercased() == "auto" {
                format = .byExtension
            } else if let fixed = SourceFormat(rawValue: value.lowercased()) {
                format = .fixed(fixed)
            } else {
                throw Problem("format '\(value)' is not one of auto, \(SourceFormat.allCases.map(\.rawValue).joined(separator: ", "))")
            }
        case "language": language = try DaemonConfiguration.languageSetting(value)
        case "encoding":
            if value.lowercased() == "auto" {
                encoding = nil
            } else if let known = LegacyEncoding(rawValue: value.lowercased()) {
                encoding = known
            } else {
                throw Problem("encoding '\(value)' is not one of auto, \(LegacyEncoding.allCases.map(\.rawValue).joined(separator: ", ")) (how text and CSV files that are not UTF-8 are read)")
            }
        case "archive_dir": archiveDirectory = value.isEmpty ? nil : try DaemonConfiguration.path(value, key)
        case "csv_id": csvMapping.id = try column()
        case "csv_text":
            let names = value.split(separator: ",").map { $0.trimmingCharacters(in: .whitespaces) }.filter { !$0.isEmpty }
            guard !names.isEmpty else { throw Problem("csv_text must name one column, or several separated by commas") }
            csvMapping.text = names
        case "csv_patient": csvMapping.patient = try column()
        case "csv_date": csvMapping.date = try column()
        case "csv_status": csvMapping.status = try column()
        case "csv_layout":
            switch value.lowercased() {
            case "auto", "header": csvMapping.headerless = false
            case "headerless", "chexpert": csvMapping.headerless = true
            default: throw Problem("csv_layout '\(value)' is not one of auto, header, headerless (the CheXpert labeler's one-column layout)")
            }
        case "csv_rows_without_text":
            switch value.lowercased() {
            case "skip": csvMapping.rowsWithoutText = .skip
            case "reject": csvMapping.rowsWithoutText = .reject
            default: throw Problem("csv_rows_without_text '\(value)' is not one of skip (recorded with the file), reject (quarantine the file)")
            }
        default:
            throw Problem("unknown folder setting '\(key)' (known folder settings: \(Self.keys.joined(separator: ", ")))")
        }
    }

    func reader(maxFileBytes: Int64, maxReportsPerFile: Int) -> ReportReader {
        ReportReader(format: format, csvMapping: csvMapping, maxFileBytes: maxFileBytes, maxReportsPerFile: maxReportsPerFile,
                     legacyEncoding: encoding)
    }

    /// The setting in force: the section's, else English (folders from
    /// `DaemonConfiguration.folders` always carry one).
    public var effectiveLanguage: LanguageSetting { language ?? .fixed(.en) }

    /// How the language shows in `raddctl status` and `--check-config`.
    var languageDescription: String {
        switch effectiveLanguage {
        case .fixed(let language): return language.rawValue
        case .auto: return "auto (detected per report)"
        }
    }

    /// How the format shows in `raddctl status` and `--check-config`.
    var formatDescription: String {
        switch format {
        case .byExtension: return "auto (by extension)"
        case .fixed(let format): return format.rawValue
        }
    }
}
