/// Character references in HTML (FHIR narrative and presentedForm) and XML (CDA in HL7 ED
/// values): `&#NN;`, `&#xHH;` and the named entities clinical systems use. One table for both, so
/// the same report text decodes the same whichever format carried it.
enum MarkupEntity {
    /// The character `&name;` stands for, or nil when radd does not know the name (the caller
    /// then keeps it literally). Numeric references 0x80–0x9F are read as Windows-1252, as
    /// browsers do; a reference to NUL or to no character becomes U+FFFD.
    static func scalar<Name: StringProtocol>(named name: Name) -> Unicode.Scalar? {
        if name.hasPrefix("#") {
            let digits = name.dropFirst()
            let value: UInt32?
            if digits.first == "x" || digits.first == "X" {
                value = UInt32(digits.dropFirst(), radix: 16)
            } else {
                value = UInt32(digits, radix: 10)
            }
            guard let value else { return nil }
            if value >= 0x80 && value <= 0x9F { return Windows1252.scalar(UInt8(value)) }
            if value == 0 { return "\u{FFFD}" }
            return Unicode.Scalar(value) ?? "\u{FFFD}"
        }
        return named[String(name)]
    }

    static let named: [String: Unicode.Scalar] = [
        "amp": "&", "lt": "<", "gt": ">", "quot": "\"", "apos": "'", "nbsp": "\u{A0}",
        "copy": "©", "reg": "®", "trade": "™", "deg": "°", "plusmn": "±", "micro": "µ", "middot": "·",
        "times": "×", "divide": "÷", "ndash": "–", "mdash": "—", "lsquo": "‘", "rsquo": "’",
        "ldquo": "“", "rdquo": "”", "sbquo": "‚", "bdquo": "„", "hellip": "…", "bull": "•",
        "frac12": "½", "frac14": "¼", "frac34": "¾", "sup1": "¹", "sup2": "²", "sup3": "³",
        "ge": "≥", "le": "≤", "ne": "≠", "asymp": "≈", "larr": "←", "rarr": "→", "uarr": "↑", "darr": "↓",
        "alpha": "α", "beta": "β", "gamma": "γ", "delta": "δ", "mu": "μ", "sect": "§", "para": "¶",
        "laquo": "«", "raquo": "»", "iexcl": "¡", "iquest": "¿", "cent": "¢", "pound": "£", "euro": "€",
        "yen": "¥", "ordm": "º", "ordf": "ª", "acute": "´", "uml": "¨", "szlig": "ß",
        "Agrave": "À", "Aacute": "Á", "Acirc": "Â", "Auml": "Ä", "Ccedil": "Ç", "Egrave": "È",
        "Eacute": "É", "Ecirc": "Ê", "Iacute": "Í", "Ntilde": "Ñ", "Oacute": "Ó", "Ouml": "Ö",
        "Uacute": "Ú", "Uuml": "Ü", "agrave": "à", "aacute": "á", "acirc": "â", "auml": "ä",
        "aring": "å", "ccedil": "ç", "egrave": "è", "eacute": "é", "ecirc": "ê", "euml": "ë",
        "iacute": "í", "icirc": "î", "iuml": "ï", "ntilde": "ñ", "oacute": "ó", "ocirc": "ô",
        "ouml": "ö", "oslash": "ø", "uacute": "ú", "ucirc": "û", "uuml": "ü", "shy": "\u{AD}",
        "ensp": " ", "emsp": " ", "thinsp": " ", "zwnj": "\u{200C}", "zwj": "\u{200D}",
    ]
}
