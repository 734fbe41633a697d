import RaddCore

/// Labels one de-identified report. Implementations (rules, a local LLM, ensembles) come with
/// their own issues; the daemon stores whatever labels a configured labeler returns.
public protocol Labeler: Sendable {
    var provenance: LabelProvenance { get }
    func labels(for text: String) throws -> [Label]
}
