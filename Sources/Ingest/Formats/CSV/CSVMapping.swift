extension CSVReader {
    /// Which columns hold what, set per drop folder. A column left `nil` (or `text` left empty) is
    /// found from the header by the defaults below, matched case-insensitively with spaces and
    /// hyphens read as underscores:
    ///
    /// - id ← id, uid, accession, accession_number, report_id, study_id
    /// - text ← report, report_text, text; otherwise the section columns present among
    ///   indication, history, clinical_history, technique, comparison, findings, impression (at
    ///   least one of findings/impression), joined as "FINDINGS: …\nIMPRESSION: …". Other columns
    ///   (Open-i's MeSH, Problems, image) are never report text.
    /// - patient ← patient, patient_id, mrn
    /// - date ← date, study_date, exam_date
    /// - status ← status, report_status
    ///
    /// With `.automatic`, a file whose first record has a single field that is not a known header
    /// is the CheXpert labeler's header-less layout: one report per row, no ids.
    public struct Mapping: Sendable, Equatable {
        /// What to do with a row whose text columns are all empty or blank.
        public enum RowsWithoutText: Sendable, Equatable {
            /// The whole file is malformed ("line N: no report text").
            case reject
            /// The row is skipped and its line reported, so the skip is recorded with the file.
            /// Open-i, for one, has 21 studies whose report has no text at all.
            case skip
        }

        public var id: String?
        /// One column (its text as is), or several joined with their names as headings.
        public var text: [String]
        public var patient: String?
        public var date: String?
        public var status: String?
        /// `true`: no header line; the only column is the report text (the CheXpert layout).
        public var headerless: Bool
        public var rowsWithoutText: RowsWithoutText

        public init(id: String? = nil, text: [String] = [], patient: String? = nil, date: String? = nil,
                    status: String? = nil, headerless: Bool = false, rowsWithoutText: RowsWithoutText = .skip) {
            self.id = id
            self.text = text
            self.patient = patient
            self.date = date
            self.status = status
            self.headerless = headerless
            self.rowsWithoutText = rowsWithoutText
        }

        public static let automatic = Mapping()
        /// The CheXpert labeler's input: header-less, one column of report text.
        public static let chexpert = Mapping(headerless: true)

        static let idNames = ["id", "uid", "accession", "accession_number", "report_id", "study_id"]
        static let textNames = ["report", "report_text", "text"]
        static let sectionNames: [(name: String, heading: String)] = [
            ("indication", "INDICATION"), ("history", "HISTORY"), ("clinical_history", "CLINICAL HISTORY"),
            ("technique", "TECHNIQUE"), ("comparison", "COMPARISON"), ("findings", "FINDINGS"),
            ("impression", "IMPRESSION"),
        ]
        static let patientNames = ["patient", "patient_id", "mrn"]
        static let dateNames = ["date", "study_date", "exam_date"]
        static let statusNames = ["status", "report_status"]
        /// Names that make a one-column first record a header rather than a report.
        static let singleColumnHeaders: Set<String> = Set(textNames + ["findings", "impression", "reports",
                                                                       "report_impression", "report_findings"])

        /// No column is named, so the header-less layout may be detected.
        var findsAllColumns: Bool { id == nil && text.isEmpty && patient == nil && date == nil && status == nil }

        static func normalized(_ name: String) -> String {
            String(name.trimmingCharacters(in: .whitespaces).lowercased().map { $0 == " " || $0 == "-" ? "_" : $0 })
        }
    }

    /// Column indexes a mapping resolves to in one file's header.
    struct Columns {
        var id: Int?
        var text: [(index: Int, heading: String?)] = []
        var patient: Int?
        var date: Int?
        var status: Int?
        var count: Int
    }
}

extension CSVReader.Mapping {
    /// Resolves the mapping against the header names (already decoded).
    func resolve(header: [String]) throws -> CSVReader.Columns {
        let names = header.map(Self.normalized)
        var columns = CSVReader.Columns(count: header.count)
        func find(_ explicit: String?, _ defaults: [String], role: String) throws -> Int? {
            if let explicit {
                guard let index = names.firstIndex(of: Self.normalized(explicit)) else { throw missing(explicit, role) }
                return index
            }
            for name in defaults { if let index = names.firstIndex(of: name) { return index } }
            return nil
        }
        columns.id = try find(id, Self.idNames, role: "id")
        columns.patient = try find(patient, Self.patientNames, role: "patient")
        columns.date = try find(date, Self.dateNames, role: "date")
        columns.status = try find(status, Self.statusNames, role: "status")
        if !text.isEmpty {
            for name in text {
                guard let index = names.firstIndex(of: Self.normalized(name)) else { throw missing(name, "text") }
                let heading = text.count > 1 ? Self.normalized(name).uppercased().replacingOccurrences(of: "_", with: " ") : nil
                columns.text.append((index, heading))
            }
        } else if let index = Self.textNames.lazy.compactMap({ names.firstIndex(of: $0) }).first {
            columns.text = [(index, nil)]
        } else if names.contains("findings") || names.contains("impression") {
            for section in Self.sectionNames {
                if let index = names.firstIndex(of: section.name) { columns.text.append((index, section.heading)) }
            }
        } else {
            throw IngestError.malformed(format: "CSV", location: "line 1 (header)",
                                        problem: "no report text column (expected report, report_text, text, or findings/impression, or a column mapping)")
        }
        return columns
    }

    private func missing(_ name: String, _ role: String) -> IngestError {
        let shown = name.count <= 64 ? "\"\(name)\"" : "of the mapping"
        return IngestError.malformed(format: "CSV", location: "line 1 (header)",
                                     problem: "no column named \(shown), which the mapping gives for the \(role)")
    }
}
