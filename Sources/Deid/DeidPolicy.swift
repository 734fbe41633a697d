/// How found PHI is replaced (policies/deid.conf).
public struct DeidPolicy: Sendable, Equatable {
    public enum Replacement: String, Sendable, CaseIterable {
        /// `[NAME]`, `[DATE]`, ...: plain to read, and no one mistakes a tag for a real value.
        case tags
        /// Realistic, consistent fakes ("hide in plain sight"): a missed name hides among fakes.
        case surrogates
    }

    public var replacement: Replacement
    /// With surrogates: shift dates by a per-patient number of days (keeps intervals).
    public var shiftDates: Bool

    public init(replacement: Replacement = .tags, shiftDates: Bool = true) {
        self.replacement = replacement
        self.shiftDates = shiftDates
    }
}
