/// The language a report is written in. It decides which de-identification evidence applies
/// (German dates, addresses and names are written differently from US ones), which negation and
/// uncertainty cues the rule labeler reads, and which label tasks apply to the report.
/// A closed set: a language radd has no evidence for must be refused, not treated as English.
public enum ReportLanguage: String, Sendable, Codable, CaseIterable {
    case en
    case de

    /// The language's name for messages and `--help`.
    public var displayName: String {
        switch self {
        case .en: return "English"
        case .de: return "German"
        }
    }
}

/// A folder's or a command's `language` setting: one language for every report, or detected
/// per report from its text.
public enum LanguageSetting: Sendable, Equatable {
    case fixed(ReportLanguage)
    case auto

    /// Parses `en`, `de` or `auto`; nil for anything else, so that a typo is an error rather
    /// than a silent English default.
    public init?(setting: String) {
        if setting == "auto" { self = .auto; return }
        guard let language = ReportLanguage(rawValue: setting) else { return nil }
        self = .fixed(language)
    }

    public var settingValue: String {
        switch self {
        case .fixed(let language): return language.rawValue
        case .auto: return "auto"
        }
    }
}
