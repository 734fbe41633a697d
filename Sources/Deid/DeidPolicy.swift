/// How PHI is found and replaced (policies/deid.policy).
public struct DeidPolicy: Sendable, Equatable {
    public enum Replacement: String, Sendable, CaseIterable {
        /// `[NAME]`, `[DATE]`, ...: plain to read, and no one mistakes a tag for a real value.
        case tags
        /// Realistic, consistent fakes ("hide in plain sight"): a missed name hides among fakes.
        case surrogates
    }

    /// The trade-off between PHI let through and clinical words replaced.
    public enum Mode: String, Sendable, CaseIterable {
        /// Any word that is neither known vocabulary nor explained by a safe pattern is PHI, in
        /// any letter case: a name nobody listed is still caught, at the price of replacing rare
        /// words and misspellings. The default, because a leaked name cannot be taken back and a
        /// replaced misspelling costs little.
        case recall
        /// Unknown words are PHI only where they are written like names (capitalised, not at the
        /// start of a sentence), and more rare words count as vocabulary: fewer clinical words
        /// are replaced, and a lower-case name that no list knows can get through.
        case balanced
    }

    public var replacement: Replacement
    /// With surrogates: shift dates by a per-patient number of days (keeps intervals).
    public var shiftDates: Bool
    public var mode: Mode

    public init(replacement: Replacement = .tags, shiftDates: Bool = true, mode: Mode = .recall) {
        self.replacement = replacement
        self.shiftDates = shiftDates
        self.mode = mode
    }
}
