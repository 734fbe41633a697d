/// Windows-1252, the code page Windows exports use when they are not UTF-8. Bytes 0x80–0x9F are
/// the typographic characters below (undefined ones map to the C1 control of the same value, as
/// browsers do); every other byte is the Latin-1 code point of the same value.
enum Windows1252 {
    static let high: [UInt32] = [
        0x20AC, 0x0081, 0x201A, 0x0192, 0x201E, 0x2026, 0x2020, 0x2021, // 80–87
        0x02C6, 0x2030, 0x0160, 0x2039, 0x0152, 0x008D, 0x017D, 0x008F, // 88–8F
        0x0090, 0x2018, 0x2019, 0x201C, 0x201D, 0x2022, 0x2013, 0x2014, // 90–97
        0x02DC, 0x2122, 0x0161, 0x203A, 0x0153, 0x009D, 0x017E, 0x0178, // 98–9F
    ]

    static func scalar(_ byte: UInt8) -> Unicode.Scalar {
        if byte >= 0x80 && byte <= 0x9F { return Unicode.Scalar(high[Int(byte) - 0x80])! }
        return Unicode.Scalar(byte)
    }

    static func decode<C: Collection>(_ bytes: C) -> String where C.Element == UInt8 {
        var scalars = String.UnicodeScalarView()
        for byte in bytes { scalars.append(scalar(byte)) }
        return String(scalars)
    }

    /// ISO 8859-1: every byte is the code point of the same value. Written as UTF-8 bytes in one
    /// pass (two bytes for 0x80–0xFF), with pure ASCII passed straight through: the HL7 reader
    /// calls this on every field of a Latin-1 message.
    static func decodeLatin1<C: Collection>(_ bytes: C) -> String where C.Element == UInt8 {
        guard bytes.contains(where: { $0 >= 0x80 }) else { return String(decoding: bytes, as: UTF8.self) }
        var utf8 = [UInt8]()
        utf8.reserveCapacity(bytes.count + bytes.count / 4)
        for byte in bytes {
            if byte < 0x80 {
                utf8.append(byte)
            } else {
                utf8.append(0xC0 | (byte >> 6))
                utf8.append(0x80 | (byte & 0x3F))
            }
        }
        return String(decoding: utf8, as: UTF8.self)
    }
}

/// The 8-bit encoding a drop folder's text and CSV files are read in when they are not valid
/// UTF-8 (the folder's `encoding`). German RIS exports are often Windows-1252 or ISO 8859-1;
/// umlauts and ß in either are never valid UTF-8, and a file that is valid UTF-8 stays UTF-8,
/// so that an exporter switched to UTF-8 is not garbled.
public enum LegacyEncoding: String, Sendable, CaseIterable {
    case windows1252 = "windows-1252"
    case latin1 = "iso-8859-1"

    /// Every byte is a character in both, so decoding cannot fail.
    public func decode<C: Collection>(_ bytes: C) -> String where C.Element == UInt8 {
        switch self {
        case .windows1252: return Windows1252.decode(bytes)
        case .latin1: return Windows1252.decodeLatin1(bytes)
        }
    }

    /// Its name in messages and `--help`.
    public var displayName: String {
        switch self {
        case .windows1252: return "Windows-1252"
        case .latin1: return "ISO 8859-1"
        }
    }
}
