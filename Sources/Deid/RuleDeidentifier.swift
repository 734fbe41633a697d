import RaddCore

/// radd's de-identifier: structured PHI from the export first, then pattern rules with context,
/// then name lexicons, with clinical terms protected. Deterministic and offline.
public struct RuleDeidentifier: PHIFinder, Deidentifier {
    public static let version = "rules-2"
    /// Recorded with every stored report: which rules, which trade-off, which replacement.
    public var method: String {
        switch policy.mode {
        case .recall: return "\(Self.version)\(languageTag)+\(policy.replacement.rawValue)"
        case .balanced: return "\(Self.version)-balanced\(languageTag)+\(policy.replacement.rawValue)"
        }
    }

    /// English keeps the method names stored before languages existed.
    private var languageTag: String {
        switch language {
        case .en: return ""
        case .de: return "-de"
        }
    }

    public let policy: DeidPolicy
    let knowledge: NameKnowledge
    let pseudonymizer: Pseudonymizer?
    /// The language `phiSpans(in:structured:)` reads; `deidentify` reads each report's own.
    public let language: ReportLanguage

    public init(policy: DeidPolicy = DeidPolicy(), knowledge: NameKnowledge = .standard, pseudonymizer: Pseudonymizer? = nil,
                language: ReportLanguage = .en) {
        self.policy = policy
        self.knowledge = knowledge
        self.pseudonymizer = pseudonymizer
        self.language = language
    }

    /// The same de-identifier reading another language.
    public func reading(_ language: ReportLanguage) -> RuleDeidentifier {
        RuleDeidentifier(policy: policy, knowledge: knowledge, pseudonymizer: pseudonymizer, language: language)
    }

    /// Builds the word lists and the clinical safe list now rather than on the first report.
    public func prepare() {
        // A sample through every rule touches every lazily built list (a misspelling reaches the
        // sorted vocabulary, "New" the place phrases).
        let sample = ReportText("Seen by Dr. Quixote at GH in New York on 3/14; pateint intol.")
        let protected = sample.byteRanges(ofScalarRanges: knowledge.protectedRanges("Murphy sign"))
        _ = findMarks(sample, structured: StructuredPHI(), protected: protected)
        if language == .de {
            _ = phiSpans(in: "Frau Dr. med. Müller, Musterstraße 12, 10115 Berlin, Tel. 030/1234567, am 14. März 2024", structured: StructuredPHI())
        }
    }

    public func phiSpans(in text: String, structured: StructuredPHI) -> [PHISpan] {
        let report = ReportText(text)
        switch language {
        case .en: break
        case .de:
            // The English safe list and allow-list rules know English words only: in German
            // text they would protect or flag the wrong words, so German runs its own rules.
            var marks = Candidates()
            StructuredRules(structured: structured).apply(report, into: &marks)
            GermanRules(knowledge: knowledge).apply(text, into: &marks)
            let scalars = report.scalarOffsets()
            return marks.merged(bytes: report.bytes).map {
                PHISpan(start: scalars[$0.start], length: scalars[$0.end] - scalars[$0.start], category: $0.category)
            }
        }
        let protected = report.byteRanges(ofScalarRanges: knowledge.protectedRanges(text))
        let marks = findMarks(report, structured: structured, protected: protected)
        let scalars = report.scalarOffsets()
        return marks.merged(bytes: report.bytes).map {
            PHISpan(start: scalars[$0.start], length: scalars[$0.end] - scalars[$0.start], category: $0.category)
        }
    }

    func findMarks(_ report: ReportText, structured: StructuredPHI, protected: [Range<Int>]) -> Candidates {
        var marks = Candidates()
        StructuredRules(structured: structured).apply(report, into: &marks)
        DateTimeRules.apply(report, into: &marks)
        ContactAndIdentifierRules.apply(report, into: &marks)
        PlaceRules.apply(report, into: &marks)
        NameRules(knowledge: knowledge).apply(report, protected: protected, into: &marks)
        AllowListRules(vocabulary: .standard, mode: policy.mode).apply(report, protected: protected, into: &marks)
        return marks
    }

    /// The text with `spans` replaced under `policy`, without keyed surrogates (offline use).
    public static func replace(_ spans: [PHISpan], in text: String, policy: DeidPolicy) -> String {
        Replacement(policy: policy, pseudonymizer: nil, patientID: nil).apply(spans, to: text)
    }

    public func deidentify(_ report: Report) throws -> DeidentifiedReport {
        let metadata = report.metadata
        let structured = StructuredPHI(
            patientNames: metadata.patientName.map { [PersonName(given: $0.given, family: $0.family)] } ?? [],
            identifiers: [metadata.patientID, metadata.accession].compactMap { $0 },
            dates: [metadata.birthDate].compactMap { $0 })
        let reader = report.language == language ? self : reading(report.language)
        let spans = reader.phiSpans(in: report.text, structured: structured)
        var clean = report
        clean.text = Replacement(policy: policy, pseudonymizer: pseudonymizer, patientID: report.metadata.patientID)
            .apply(spans, to: report.text)
        return DeidentifiedReport(report: clean, spans: spans, method: reader.method)
    }
}
