/// Turns an HTML or XHTML report into plain text: tags are dropped; p, div, h1–h6, li, tr and the
/// other block elements end a line; br ends a line (two in a row leave a blank line); td/th are
/// separated by a space; runs of whitespace become one space except inside pre; head, title,
/// script and style are skipped with their content; comments, doctype and processing
/// instructions are dropped; CDATA is kept as text. Named entities (the common ones), decimal
/// `&#..;` and hex `&#x..;` references are decoded; an unknown entity stays as written.
/// Headings such as "FINDINGS:" are text and so are kept, each on its own line when the markup
/// puts it in its own block.
enum HTMLText {
    static let blockTags: Set<String> = [
        "p", "div", "h1", "h2", "h3", "h4", "h5", "h6", "li", "tr", "ul", "ol", "dl", "dt", "dd",
        "table", "thead", "tbody", "tfoot", "caption", "section", "article", "header", "footer", "main",
        "nav", "aside", "blockquote", "pre", "hr", "body", "html", "address", "figure", "figcaption",
        "center", "form", "fieldset",
    ]
    static let skippedTags: Set<String> = ["head", "title", "script", "style", "template"]

    static func text(_ html: String) -> String {
        var converter = Converter(Array(html.utf8))
        converter.run()
        return converter.result()
    }

    struct Converter {
        let b: [UInt8]
        var i = 0
        var out: [UInt8] = []
        var lineHasText = false
        var pendingSpace = false
        var lastBreakWasBR = false
        var preDepth = 0

        init(_ bytes: [UInt8]) {
            b = bytes
            out.reserveCapacity(bytes.count)
        }

        mutating func run() {
            while i < b.count {
                let c = b[i]
                if c == UInt8(ascii: "<") {
                    markup()
                } else if c == UInt8(ascii: "&") {
                    entity()
                } else if c == 0x20 || c == 0x09 || c == 0x0A || c == 0x0D || c == 0x0C {
                    whitespace(c)
                    i += 1
                } else {
                    emit(c)
                    i += 1
                }
            }
        }

        func result() -> String {
            var lines = String(decoding: out, as: UTF8.self).split(separator: "\n", omittingEmptySubsequences: false)
                .map { $0.reversed().drop(while: { $0 == " " }).reversed() }.map { String($0) }
            while lines.first?.isEmpty == true { lines.removeFirst() }
            while lines.last?.isEmpty == true { lines.removeLast() }
            var kept: [String] = []
            for line in lines where !(line.isEmpty && kept.last?.isEmpty == true) { kept.append(line) }
            return kept.joined(separator: "\n")
        }

        // MARK: output

        mutating func emit(_ byte: UInt8) {
            if pendingSpace && lineHasText { out.append(0x20) }
            pendingSpace = false
            out.append(byte)
            lineHasText = true
        }

        mutating func emit(_ scalar: Unicode.Scalar) {
            if scalar == " " || scalar == "\u{A0}" || scalar == "\t" || scalar == "\n" || scalar == "\r" {
                whitespace(UInt8(ascii: scalar == "\n" ? "\n" : " "))
                return
            }
            for unit in String(scalar).utf8 { emit(unit) }
        }

        mutating func whitespace(_ c: UInt8) {
            if preDepth > 0 {
                if c == 0x0A { newline() } else if c != 0x0D { emit(c) }
            } else {
                pendingSpace = true
            }
        }

        mutating func newline() {
            out.append(0x0A)
            lineHasText = false
            pendingSpace = false
        }

        mutating func blockBreak() {
            if lineHasText { newline() }
            pendingSpace = false
            lastBreakWasBR = false
        }

        mutating func lineBreak() {
            if lineHasText || lastBreakWasBR { newline() }
            pendingSpace = false
            lastBreakWasBR = true
        }

        // MARK: markup

        func starts(with s: String, at k: Int) -> Bool {
            let u = Array(s.utf8)
            guard k + u.count <= b.count else { return false }
            for j in 0..<u.count where Self.lower(b[k + j]) != u[j] { return false }
            return true
        }

        static func lower(_ c: UInt8) -> UInt8 { c >= 0x41 && c <= 0x5A ? c + 0x20 : c }

        func find(_ s: String, from k: Int) -> Int? {
            var j = k
            while j < b.count {
                if starts(with: s, at: j) { return j }
                j += 1
            }
            return nil
        }

        mutating func markup() {
            if starts(with: "<!--", at: i) {
                i = find("-->", from: i + 4).map { $0 + 3 } ?? b.count
                return
            }
            if starts(with: "<![cdata[", at: i) {
                let close = find("]]>", from: i + 9) ?? b.count
                for k in (i + 9)..<close {
                    let c = b[k]
                    if c == 0x20 || c == 0x09 || c == 0x0A || c == 0x0D { whitespace(c) } else { emit(c) }
                }
                i = min(close + 3, b.count)
                return
            }
            var j = i + 1
            let closing = j < b.count && b[j] == UInt8(ascii: "/")
            if closing { j += 1 }
            if j < b.count, b[j] == UInt8(ascii: "!") || b[j] == UInt8(ascii: "?") {
                i = tagEnd(from: j) + 1
                return
            }
            let nameStart = j
            while j < b.count, Self.isNameByte(b[j]) { j += 1 }
            guard j > nameStart, Self.isLetter(b[nameStart]) else {
                emit(b[i])  // a lone "<" is text
                i += 1
                return
            }
            var name = String(decoding: b[nameStart..<j].map(Self.lower), as: UTF8.self)
            if let colon = name.lastIndex(of: ":") { name = String(name[name.index(after: colon)...]) }
            let end = tagEnd(from: j)
            let selfClosing = end > 0 && end < b.count && b[end - 1] == UInt8(ascii: "/")
            i = end + 1
            if HTMLText.skippedTags.contains(name) && !closing && !selfClosing {
                i = find("</" + name, from: i).map { tagEnd(from: $0) + 1 } ?? b.count
                return
            }
            if name == "br" {
                lineBreak()
            } else if HTMLText.blockTags.contains(name) {
                blockBreak()
                if name == "pre" { preDepth = max(0, preDepth + (closing ? -1 : selfClosing ? 0 : 1)) }
            } else if (name == "td" || name == "th") && !closing {
                pendingSpace = true
            }
        }

        /// The index of the ">" that ends a tag, skipping quoted attribute values.
        func tagEnd(from k: Int) -> Int {
            var j = k
            var quote: UInt8 = 0
            while j < b.count {
                let c = b[j]
                if quote != 0 {
                    if c == quote { quote = 0 }
                } else if c == UInt8(ascii: "\"") || c == UInt8(ascii: "'") {
                    quote = c
                } else if c == UInt8(ascii: ">") {
                    return j
                }
                j += 1
            }
            return b.count
        }

        static func isLetter(_ c: UInt8) -> Bool { (c >= 0x41 && c <= 0x5A) || (c >= 0x61 && c <= 0x7A) }
        static func isNameByte(_ c: UInt8) -> Bool {
            isLetter(c) || (c >= 0x30 && c <= 0x39) || c == UInt8(ascii: ":") || c == UInt8(ascii: "-") || c == UInt8(ascii: "_")
        }

        // MARK: entities

        mutating func entity() {
            var j = i + 1
            while j < b.count, j - i <= 32, b[j] != UInt8(ascii: ";"), b[j] != UInt8(ascii: "&"), b[j] > 0x20 { j += 1 }
            guard j < b.count, b[j] == UInt8(ascii: ";"), j > i + 1 else {
                emit(b[i])
                i += 1
                return
            }
            let name = String(decoding: b[(i + 1)..<j], as: UTF8.self)
            guard let scalar = MarkupEntity.scalar(named: name) else {
                emit(b[i])
                i += 1
                return
            }
            emit(scalar)
            i = j + 1
        }
    }
}
