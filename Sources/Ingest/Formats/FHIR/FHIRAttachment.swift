import Foundation

/// The text of a DiagnosticReport's `presentedForm` attachments.
///
/// The first attachment with inline `data` in a text form wins: text/plain (also used when
/// contentType is missing and the data is not a PDF or markup), or text/html,
/// application/xhtml+xml and the "application/xhtml" US Core writes, turned into text by
/// `HTMLText`. The charset parameter is honoured: utf-8 (the default; a BOM is dropped),
/// iso-8859-1 / us-ascii, windows-1252. Attachments with only a `url`, and other types (images,
/// RTF…), are not usable. When no attachment gives text the caller falls back to `conclusion`.
enum FHIRAttachment {
    enum Outcome {
        case text(String)
        /// No text form, but a PDF: its bytes and where it is, for the caller to read when
        /// there is no `conclusion` either.
        case pdfOnly([UInt8], location: String)
        case none
    }

    static let htmlTypes: Set<String> = ["text/html", "application/xhtml+xml", "application/xhtml", "text/xhtml"]

    static func text(of forms: [Any], location: String) throws -> Outcome {
        var pdf: (bytes: [UInt8], location: String)?
        for (index, element) in forms.enumerated() {
            guard let form = element as? [String: Any], let data = form["data"] as? String else { continue }
            let here = "\(location).presentedForm[\(index)]"
            let (mime, charset) = parse(contentType: form["contentType"] as? String)
            guard mime.isEmpty || mime == "text/plain" || mime == "application/pdf" || htmlTypes.contains(mime) else { continue }
            guard let bytes = base64(data) else {
                throw IngestError.malformed(format: "FHIR", location: "\(here).data", problem: "not valid base64")
            }
            if mime == "application/pdf" || (mime.isEmpty && bytes.starts(with: Array("%PDF".utf8))) {
                if pdf == nil { pdf = (bytes, here) }
                continue
            }
            let decoded = try decode(bytes, charset: charset, location: here)
            let isHTML = htmlTypes.contains(mime)
                || (mime.isEmpty && decoded.drop(while: \.isWhitespace).first == "<")
            let text = isHTML ? HTMLText.text(decoded) : decoded.replacingOccurrences(of: "\r\n", with: "\n")
            if text.contains(where: { !$0.isWhitespace }) { return .text(text) }
        }
        return pdf.map { .pdfOnly($0.bytes, location: $0.location) } ?? .none
    }

    /// "text/plain; charset=ISO-8859-1" → ("text/plain", "iso-8859-1").
    static func parse(contentType: String?) -> (mime: String, charset: String) {
        guard let contentType else { return ("", "utf-8") }
        let parts = contentType.split(separator: ";").map { $0.trimmingCharacters(in: .whitespaces).lowercased() }
        var charset = "utf-8"
        for part in parts.dropFirst() where part.hasPrefix("charset=") {
            charset = String(part.dropFirst("charset=".count)).trimmingCharacters(in: CharacterSet(charactersIn: "\"' "))
        }
        return (parts.first ?? "", charset)
    }

    /// base64Binary allows line breaks and spaces (MIME style); padding may be missing.
    static func base64(_ value: String) -> [UInt8]? {
        var compact = value.filter { !$0.isWhitespace }
        let remainder = compact.utf8.count % 4
        if remainder == 2 || remainder == 3 { compact += String(repeating: "=", count: 4 - remainder) }
        return Data(base64Encoded: compact).map { [UInt8]($0) }
    }

    static func decode(_ bytes: [UInt8], charset: String, location: String) throws -> String {
        switch charset {
        case "utf-8", "utf8", "":
            var body = bytes[...]
            if body.starts(with: [0xEF, 0xBB, 0xBF]) { body = body.dropFirst(3) }
            guard let text = String(validating: body, as: UTF8.self) else {
                throw IngestError.malformed(format: "FHIR", location: "\(location).data",
                                            problem: "not valid UTF-8 text (the charset is UTF-8)")
            }
            return text
        case "iso-8859-1", "iso8859-1", "iso_8859-1", "latin1", "latin-1", "l1", "us-ascii", "ascii":
            return Windows1252.decodeLatin1(bytes)
        case "windows-1252", "cp1252":
            return Windows1252.decode(bytes)
        default:
            let shown = charset.count <= 40 && charset.allSatisfy({ $0.isLetter || $0.isNumber || "-_.:".contains($0) })
                ? "charset \(charset)" : "its charset"
            throw IngestError.malformed(format: "FHIR", location: "\(location).contentType",
                                        problem: "\(shown) is not supported (utf-8, iso-8859-1, windows-1252)")
        }
    }
}
