import Foundation

/// A strict reader for the CSV raddctl writes (RFC 4180). CRLF ends a line as LF does: Swift reads
/// "\r\n" as one Character, so a file with CRLF endings would otherwise come back as a single row.
func strictCSV(_ text: String) -> [[String]] {
    var rows: [[String]] = [], row: [String] = [], field = "", quoted = false
    var characters = text.makeIterator()
    while let c = characters.next() {
        if quoted {
            if c == "\"" {
                if let next = characters.next() {
                    if next == "\"" { field.append("\"") } else {
                        quoted = false
                        if next == "," { row.append(field); field = "" } else if next == "\n" || next == "\r\n" { row.append(field); rows.append(row); row = []; field = "" }
                    }
                } else { quoted = false }
            } else { field.append(c) }
        } else if c == "\"" && field.isEmpty { quoted = true
        } else if c == "," { row.append(field); field = ""
        } else if c == "\n" || c == "\r\n" { row.append(field); rows.append(row); row = []; field = ""
        } else { field.append(c) }
    }
    return rows
}
