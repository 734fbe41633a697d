import Foundation

/// Text from XML carried in an ED value: the narrative of a CDA document (document title, section
/// titles and section `<text>`, never the header with its patient and author names, nor the
/// machine-readable `<entry>` parts), or, for other XML/HTML, all character data with tags stripped.
/// One forward scan with counters, no recursion and no DOM, so deep or hostile nesting costs
/// nothing more than its length.
enum HL7v2Markup {
    enum Result: Equatable {
        case text(String)
        /// A CDA nonXMLBody holding a PDF: its bytes, to be read by `PDFText`.
        case pdf([UInt8])
        /// A CDA nonXMLBody in a media type radd does not read (the type is named).
        case unsupported(String)
    }

    static func text(fromXML xml: [UInt8]) -> Result {
        var s = Scanner(bytes: xml)
        return s.run()
    }

    private struct Scanner {
        let bytes: [UInt8]
        var i = 0
        var out = HL7v2TextBuilder()

        var isCDA = false
        var inBody = false         // inside structuredBody
        var entryDepth = 0         // open <entry> elements (machine-readable, skipped)
        var titleDepth = 0
        var textDepth = 0          // open narrative <text> elements
        var skipDepth = 0          // HTML <head>/<script>/<style>
        var inNonXMLText = false
        var nonXMLMedia = ""
        var nonXMLB64 = false
        var nonXMLRaw = [UInt8]()

        init(bytes: [UInt8]) { self.bytes = bytes }

        var capturing: Bool {
            if isCDA {
                return entryDepth == 0 && (titleDepth > 0 || (inBody && textDepth > 0))
            }
            return skipDepth == 0
        }

        mutating func run() -> Result {
            // Decide the mode from the root element name.
            if let root = firstElementName(), root == "ClinicalDocument" { isCDA = true }
            while i < bytes.count {
                if bytes[i] == UInt8(ascii: "<") {
                    tag()
                } else {
                    var j = i
                    while j < bytes.count, bytes[j] != UInt8(ascii: "<") { j += 1 }
                    if inNonXMLText { nonXMLRaw.append(contentsOf: bytes[i..<j]) }
                    else if capturing { out.appendText(decodeEntities(bytes[i..<j])) }
                    i = j
                }
            }
            if isCDA, !nonXMLMedia.isEmpty || !nonXMLRaw.isEmpty {
                return nonXMLBody()
            }
            return .text(out.finish())
        }

        func firstElementName() -> String? {
            var j = 0
            while j < bytes.count {
                guard let lt = bytes[j...].firstIndex(of: UInt8(ascii: "<")) else { return nil }
                let next = lt + 1 < bytes.count ? bytes[lt + 1] : 0
                if next == UInt8(ascii: "?") || next == UInt8(ascii: "!") {
                    guard let gt = bytes[lt...].firstIndex(of: UInt8(ascii: ">")) else { return nil }
                    j = gt + 1
                    continue
                }
                return name(from: lt + 1).0
            }
            return nil
        }

        /// Element name (namespace prefix dropped) and the index after it.
        func name(from start: Int) -> (String, Int) {
            var j = start
            while j < bytes.count {
                let b = bytes[j]
                if b == 0x20 || b == 0x09 || b == 0x0A || b == 0x0D || b == UInt8(ascii: ">") || b == UInt8(ascii: "/") { break }
                j += 1
            }
            let raw = bytes[start..<j]
            if raw.allSatisfy({ $0 < 0x80 }) {  // any real name: no need to walk it as Characters
                let local = raw.lastIndex(of: UInt8(ascii: ":")).map { $0 + 1 } ?? start
                return (String(decoding: bytes[local..<j], as: UTF8.self), j)
            }
            var name = String(decoding: raw, as: UTF8.self)
            if let colon = name.lastIndex(of: ":") { name = String(name[name.index(after: colon)...]) }
            return (name, j)
        }

        func find(_ pattern: String, from start: Int) -> Int? {
            let p = Array(pattern.utf8)
            var j = start
            while j + p.count <= bytes.count {
                if bytes[j] == p[0], bytes[j..<j + p.count].elementsEqual(p) { return j }
                j += 1
            }
            return nil
        }

        mutating func tag() {
            let rest = bytes.count - i
            if rest >= 4, bytes[i + 1] == UInt8(ascii: "!"), bytes[i + 2] == UInt8(ascii: "-"), bytes[i + 3] == UInt8(ascii: "-") {
                i = (find("-->", from: i + 4).map { $0 + 3 }) ?? bytes.count
                return
            }
            if rest >= 9, bytes[i + 1] == UInt8(ascii: "!"), bytes[i + 2] == UInt8(ascii: "[") {
                let end = find("]]>", from: i + 9) ?? bytes.count
                if inNonXMLText { nonXMLRaw.append(contentsOf: bytes[(i + 9)..<end]) }
                else if capturing { out.appendText(String(decoding: bytes[(i + 9)..<end], as: UTF8.self)) }
                i = min(end + 3, bytes.count)
                return
            }
            if rest >= 2, bytes[i + 1] == UInt8(ascii: "?") || bytes[i + 1] == UInt8(ascii: "!") {
                i = (bytes[i...].firstIndex(of: UInt8(ascii: ">")).map { $0 + 1 }) ?? bytes.count
                return
            }
            let closing = rest >= 2 && bytes[i + 1] == UInt8(ascii: "/")
            let (name, afterName) = name(from: closing ? i + 2 : i + 1)
            // Find the end of the tag, honouring quoted attribute values.
            var j = afterName
            var quote: UInt8 = 0
            while j < bytes.count {
                let b = bytes[j]
                if quote != 0 { if b == quote { quote = 0 } }
                else if b == UInt8(ascii: "\"") || b == UInt8(ascii: "'") { quote = b }
                else if b == UInt8(ascii: ">") { break }
                j += 1
            }
            let selfClosing = !closing && j > afterName && bytes[j - 1] == UInt8(ascii: "/")
            let attributes = bytes[afterName..<min(j, bytes.count)]
            i = min(j + 1, bytes.count)
            let lower = name.lowercased()
            if closing { close(lower) } else { open(lower, attributes: attributes, selfClosing: selfClosing) }
        }

        mutating func open(_ name: String, attributes: ArraySlice<UInt8>, selfClosing: Bool) {
            if isCDA {
                switch name {
                case "structuredbody": if !selfClosing { inBody = true }
                case "entry": if !selfClosing { entryDepth += 1 }
                case "title":
                    if !selfClosing, entryDepth == 0, textDepth == 0 {
                        titleDepth += 1
                        out.lastWasHeading = false
                        out.blankLine()
                    }
                case "text":
                    if selfClosing { return }
                    if entryDepth == 0, !inBody, bodyIsNonXML {
                        inNonXMLText = true
                        nonXMLMedia = attribute("mediaType", in: attributes) ?? "text/plain"
                        nonXMLB64 = (attribute("representation", in: attributes) ?? "").uppercased() == "B64"
                        return
                    }
                    if entryDepth == 0, inBody { textDepth += 1; out.blankLineIfHeading() }
                case "nonxmlbody": if !selfClosing { bodyIsNonXML = true }
                default: break
                }
                if capturing { block(name, opening: true) }
            } else {
                switch name {
                case "head", "script", "style": if !selfClosing { skipDepth += 1 }
                default: if capturing { block(name, opening: true) }
                }
            }
        }

        var bodyIsNonXML = false

        mutating func close(_ name: String) {
            if isCDA {
                if capturing { block(name, opening: false) }
                switch name {
                case "structuredbody": inBody = false
                case "entry": entryDepth = max(0, entryDepth - 1)
                case "title":
                    if titleDepth > 0 { titleDepth -= 1; out.lineBreak(); out.lastWasHeading = true }
                case "text":
                    if inNonXMLText { inNonXMLText = false }
                    else if textDepth > 0, entryDepth == 0 { textDepth -= 1; out.blankLine() }
                case "nonxmlbody": bodyIsNonXML = false
                default: break
                }
            } else {
                switch name {
                case "head", "script", "style": skipDepth = max(0, skipDepth - 1)
                default: if capturing { block(name, opening: false) }
                }
            }
        }

        /// Line breaks around block elements of CDA narrative and HTML.
        mutating func block(_ name: String, opening: Bool) {
            switch name {
            case "br": out.lineBreak()
            case "paragraph", "p", "div", "list", "ul", "ol", "table", "section":
                out.blankLine()
            case "h1", "h2", "h3", "h4", "h5", "h6":
                out.blankLine()
            case "item", "li", "tr", "caption", "thead", "tbody", "tfoot":
                out.lineBreak()
            case "td", "th":
                if !opening { out.appendRaw("\t") }
            default: break
            }
        }

        func attribute(_ wanted: String, in attributes: ArraySlice<UInt8>) -> String? {
            let text = String(decoding: attributes, as: UTF8.self)
            guard let range = text.range(of: wanted + "=") else { return nil }
            let after = text[range.upperBound...]
            guard let q = after.first, q == "\"" || q == "'" else { return nil }
            let value = after.dropFirst().prefix { $0 != q }
            return String(value)
        }

        mutating func nonXMLBody() -> Result {
            let media = nonXMLMedia.lowercased()
            var raw = Array(decodeEntities(nonXMLRaw[...]).utf8)
            if nonXMLB64 {
                guard let data = Data(base64Encoded: String(decoding: raw.filter { !($0 == 0x20 || $0 == 0x0A || $0 == 0x0D || $0 == 0x09) }, as: UTF8.self)) else {
                    return .unsupported("\(media) with invalid base64")
                }
                raw = [UInt8](data)
            }
            if media.contains("pdf") || raw.starts(with: Array("%PDF".utf8)) { return .pdf(raw) }
            if media.hasPrefix("text/html") || media.contains("xml") {
                var inner = Scanner(bytes: raw)
                inner.isCDA = false
                if case .text(let t) = inner.runPlain() { return .text(t) }
            }
            if media.hasPrefix("text/") {
                let text = String(validating: raw, as: UTF8.self) ?? Windows1252.decodeLatin1(raw)
                return .text(text.trimmingCharacters(in: .whitespacesAndNewlines))
            }
            return .unsupported(media)
        }

        mutating func runPlain() -> Result {
            while i < bytes.count {
                if bytes[i] == UInt8(ascii: "<") { tag() } else {
                    var j = i
                    while j < bytes.count, bytes[j] != UInt8(ascii: "<") { j += 1 }
                    if capturing { out.appendText(decodeEntities(bytes[i..<j])) }
                    i = j
                }
            }
            return .text(out.finish())
        }
    }

    /// `&amp; &lt; &gt; &quot; &apos; &nbsp; &#NN; &#xHH;` and a few common HTML names; anything
    /// else is kept literally.
    static func decodeEntities(_ bytes: ArraySlice<UInt8>) -> String {
        let text = String(validating: bytes, as: UTF8.self) ?? Windows1252.decodeLatin1(bytes)
        // Searched as bytes: Foundation's search costs more than the rest of a short text node.
        guard text.utf8.contains(UInt8(ascii: "&")) else { return text }
        var out = ""
        out.reserveCapacity(text.utf8.count)
        var rest = text[...]
        while let amp = rest.firstIndex(of: "&") {
            out += rest[rest.startIndex..<amp]
            let after = rest[rest.index(after: amp)...]
            if let semi = after.prefix(12).firstIndex(of: ";") {
                let name = after[after.startIndex..<semi]
                if let decoded = entity(name) {
                    out += decoded
                    rest = after[after.index(after: semi)...]
                    continue
                }
            }
            out += "&"
            rest = after
        }
        out += rest
        return out
    }

    /// A no-break space is a plain space here: CDA narrative uses it for layout only.
    private static func entity(_ name: Substring) -> String? {
        guard let scalar = MarkupEntity.scalar(named: name) else { return nil }
        return scalar == "\u{A0}" ? " " : String(Character(scalar))
    }
}

/// Accumulates text with HTML-like whitespace collapsing and explicit line/paragraph breaks.
struct HL7v2TextBuilder {
    private var lines: [String] = []
    private var current = ""
    private var pendingSpace = false
    var lastWasHeading = false

    mutating func appendText(_ text: String) {
        var text = text
        if text.withUTF8({ appendASCII($0) }) { return }
        for ch in text {
            if ch.isWhitespace {
                pendingSpace = true
            } else {
                if pendingSpace, !current.isEmpty { current.append(" ") }
                pendingSpace = false
                current.append(ch)
                lastWasHeading = false
            }
        }
    }

    /// `appendText` for ASCII text, a word at a time instead of a Character at a time; false,
    /// and nothing appended, when the text is not ASCII. Whitespace is the ASCII whitespace
    /// `Character.isWhitespace` knows: tab, LF, VT, FF, CR and space.
    private mutating func appendASCII(_ text: UnsafeBufferPointer<UInt8>) -> Bool {
        guard hl7IsASCII(text) else { return false }
        func isWhitespace(_ b: UInt8) -> Bool { b == 0x20 || (b >= 0x09 && b <= 0x0D) }
        var i = 0
        while i < text.count {
            guard !isWhitespace(text[i]) else {
                pendingSpace = true
                i += 1
                continue
            }
            let wordStart = i
            while i < text.count, !isWhitespace(text[i]) { i += 1 }
            if pendingSpace, !current.isEmpty { current.append(" ") }
            pendingSpace = false
            current += String(decoding: UnsafeBufferPointer(rebasing: text[wordStart..<i]), as: UTF8.self)
            lastWasHeading = false
        }
        return true
    }

    mutating func appendRaw(_ text: String) {
        if !current.isEmpty { current += text }
        pendingSpace = false
    }

    mutating func lineBreak() {
        if !current.isEmpty {
            lines.append(Self.trimmingBlanks(current))
            current = ""
        }
        pendingSpace = false
    }

    /// `trimmingCharacters(in: .whitespaces)`; for ASCII, which it nearly always is, that means
    /// spaces and tabs, trimmed without Foundation's detour through NSString.
    private static func trimmingBlanks(_ line: String) -> String {
        let utf8 = line.utf8
        guard utf8.allSatisfy({ $0 < 0x80 }) else { return line.trimmingCharacters(in: .whitespaces) }
        func isBlank(_ b: UInt8) -> Bool { b == 0x20 || b == 0x09 }
        guard let first = utf8.firstIndex(where: { !isBlank($0) }), let last = utf8.lastIndex(where: { !isBlank($0) }) else {
            return ""
        }
        return String(line[first...last])
    }

    /// A paragraph break, except straight after a heading, whose text stays under it.
    mutating func blankLine() {
        lineBreak()
        if lastWasHeading { return }
        if let last = lines.last, !last.isEmpty { lines.append("") }
    }

    /// Section text directly after its title stays under it (no blank line in between).
    mutating func blankLineIfHeading() {
        if lastWasHeading { lineBreak() } else { blankLine() }
    }

    mutating func finish() -> String {
        lineBreak()
        while let last = lines.last, last.isEmpty { lines.removeLast() }
        while let first = lines.first, first.isEmpty { lines.removeFirst() }
        return lines.joined(separator: "\n")
    }
}
