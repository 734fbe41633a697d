import Foundation
import RaddCore

/// Several labelers voting on each finding: models on different endpoints, or the rule labeler
/// together with models. Every member's answer is kept with the result.
///
/// The vote, per finding: the value most members gave wins. A tie goes to uncertain (for a
/// binary task, Undefined): members that disagree are exactly what a reviewer should see. For a
/// binary task "Undefined" and "not mentioned" count as the same vote. The follow-up is answered
/// only if the vote is Yes: with the options a majority of the members that said Yes chose.
public struct EnsembleLabeler: Labeler {
    public static let version = "vote-1"
    public let task: LabelTask
    public let name: String
    public let members: [any Labeler]

    public init(task: LabelTask, members: [any Labeler], name: String = "ensemble") {
        self.task = task
        self.members = members
        self.name = name
    }

    /// A member that cannot answer makes the ensemble fail for that report: a vote with a
    /// missing voter would silently become a different labeler.
    public func answer(_ text: String) throws -> TaskAnswer {
        let answers = try members.map { try $0.answer(text) }
        return vote(answers)
    }

    public func vote(_ answers: [TaskAnswer]) -> TaskAnswer {
        let values = task.findings.indices.map { index in
            Self.vote(answers.map { Self.normalized($0.values[index], kind: task.kind) })
        }
        var followUp: [String]?
        if task.kind == .binary, values.first == .positive, let options = task.followUp?.options.map(\.name) {
            let yes = answers.filter { $0.values.first == .positive }
            followUp = options.filter { option in
                2 * yes.filter { $0.followUp?.contains(option) == true }.count > yes.count
            }
        }
        // An extraction task keeps the phrases more than half the members quoted (the same words,
        // compared normalised), with the first member's wording and code.
        var phrases: [ExtractedPhrase]?
        if task.kind == .extraction {
            var counts: [String: Int] = [:], first: [String: ExtractedPhrase] = [:], order: [String] = []
            for answer in answers {
                for phrase in Set((answer.phrases ?? []).map(\.normalized)) { counts[phrase, default: 0] += 1 }
                for phrase in answer.phrases ?? [] where first[phrase.normalized] == nil {
                    first[phrase.normalized] = phrase
                    order.append(phrase.normalized)
                }
            }
            phrases = order.filter { 2 * counts[$0, default: 0] > answers.count }.compactMap { first[$0] }
        }
        func joined(_ parts: [String]) -> String? { parts.isEmpty ? nil : parts.joined(separator: "+") }
        let provenance = LabelProvenance(
            labeler: "ensemble", version: Self.version,
            model: joined(answers.compactMap(\.provenance.model)),
            endpoint: joined(answers.compactMap(\.provenance.endpoint)),
            task: task.name, taskVersion: task.version, labelledAt: Timestamp.string(Date()),
            latencyMilliseconds: answers.compactMap(\.provenance.latencyMilliseconds).max(),
            discardedQuotes: answers.compactMap(\.provenance.discardedQuotes).reduce(0, +))
        return TaskAnswer(values: values, followUp: followUp, provenance: provenance, members: answers, phrases: phrases)
    }

    public static func normalized(_ value: LabelValue, kind: LabelTask.Kind) -> LabelValue {
        kind == .binary && value == .undefined ? .uncertain : value
    }

    public static func vote(_ votes: [LabelValue]) -> LabelValue {
        var counts: [LabelValue: Int] = [:]
        for vote in votes { counts[vote, default: 0] += 1 }
        guard let most = counts.values.max() else { return .undefined }
        let leaders = LabelValue.allCases.filter { counts[$0] == most }
        return leaders.count == 1 ? leaders[0] : .uncertain
    }
}
