/// RFC 4180 rows for the CSV that raddctl writes: a field with a comma, quote or line break is
/// quoted, with its quotes doubled.
public enum CSVRow {
    public static func line(_ fields: [String]) -> String {
        fields.map { field in
            // By scalar: "\r\n" is one Character that equals neither "\r" nor "\n".
            guard field.unicodeScalars.contains(where: { $0 == "," || $0 == "\"" || $0 == "\n" || $0 == "\r" }) else { return field }
            return "\"" + field.replacingOccurrences(of: "\"", with: "\"\"") + "\""
        }.joined(separator: ",")
    }
}
