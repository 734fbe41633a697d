import Foundation

/// A labelling task as data (policies/tasks/NAME.json, described in Docs/label-tasks.md): the
/// findings it asks about, their answer scheme, and the phrases the rule labeler looks for.
public struct LabelTask: Codable, Sendable, Equatable {
    public enum Kind: String, Codable, Sendable {
        /// CheXpert states: positive, negative, uncertain, not mentioned.
        case multilabel
        /// Yes, No or Undefined.
        case binary
    }

    public struct Finding: Codable, Sendable, Equatable {
        public var name: String
        /// Phrases that mention the finding. Words are matched whole and case-insensitively; a
        /// word ending in `*` matches any word starting with it; a lone `*` stands for up to three
        /// words ("heart * enlarged").
        public var mentions: [String]
        /// Phrases that contain a mention but do not mean the finding ("mass effect").
        public var unmentions: [String]?
        /// Phrases that say the finding is absent without negating a mention ("heart size is
        /// normal" for cardiomegaly): each one found is a negative mention.
        public var absent: [String]?
    }

    /// CheXpert's "No Finding": positive when no other finding (except `ignoring`) is positive or
    /// uncertain, otherwise not mentioned.
    public struct NoFinding: Codable, Sendable, Equatable {
        public var name: String
        public var ignoring: [String]
    }

    /// How a mention that is only raised as a possibility ("may represent atelectasis",
    /// "cannot exclude pneumonia") is labelled.
    public enum PossibleMentions: String, Codable, Sendable {
        /// As uncertain: CheXpert's convention, and the default.
        case uncertain
        /// Not at all, as if the report did not mention the finding there: the convention of
        /// label sets that code what the radiologist reads on the image (Open-i's indexers,
        /// NIH ChestX-ray14).
        case notMentioned
    }

    public var name: String
    public var kind: Kind
    public var description: String?
    public var findings: [Finding]
    /// Computed after the findings and written as the first column after the report.
    public var noFinding: NoFinding?
    public var possibleMentions: PossibleMentions?

    /// Output columns: "No Finding" (if the task has it), then the findings.
    public var columns: [String] { (noFinding.map { [$0.name] } ?? []) + findings.map(\.name) }

    public struct Problem: Error, CustomStringConvertible {
        public var description: String
    }

    /// Where task names are looked up unless told otherwise: the repository's tasks when run from
    /// it, then the installed ones.
    public static let defaultDirectories = ["policies/tasks", "/etc/radd/tasks"]

    /// A task file by path, or by name from the first of `directories` that has `NAME.json`.
    public static func load(_ nameOrPath: String, directories: [String]) throws -> LabelTask {
        let candidates = nameOrPath.hasSuffix(".json") || nameOrPath.contains("/")
            ? [nameOrPath] : directories.map { $0 + "/" + nameOrPath + ".json" }
        guard let path = candidates.first(where: { FileManager.default.fileExists(atPath: $0) }) else {
            throw Problem(description: "no task '\(nameOrPath)' (looked in \(candidates.joined(separator: ", ")))")
        }
        guard let data = FileManager.default.contents(atPath: path) else { throw Problem(description: "\(path): cannot read it") }
        do { return try JSONDecoder().decode(LabelTask.self, from: data) } catch {
            throw Problem(description: "\(path): not a valid task file (\(error))")
        }
    }
}
