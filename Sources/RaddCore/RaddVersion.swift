public enum RaddVersion {
    public static let string = "0.1.0"
}
