import Foundation

extension DeidPolicy {
    public struct Problem: Error, CustomStringConvertible, Equatable {
        public var description: String
    }

    /// Reads a policy file (policies/deid.policy): `key = value` lines, `#` comments. Every
    /// mistake is an error naming the file and line: raddd refuses to start on a bad policy.
    public init(contentsOf path: String) throws {
        guard let data = FileManager.default.contents(atPath: path) else {
            throw Problem(description: "cannot read de-identification policy \(path)")
        }
        guard let text = String(data: data, encoding: .utf8) else {
            throw Problem(description: "\(path): not UTF-8 text")
        }
        self.init()
        for (index, rawLine) in text.split(omittingEmptySubsequences: false, whereSeparator: \.isNewline).enumerated() {
            let line = (rawLine.firstIndex(of: "#").map { rawLine[..<$0] } ?? rawLine).trimmingCharacters(in: .whitespaces)
            if line.isEmpty { continue }
            let place = "\(path):\(index + 1)"
            guard let equals = line.firstIndex(of: "=") else { throw Problem(description: "\(place): expected 'key = value'") }
            let key = line[..<equals].trimmingCharacters(in: .whitespaces)
            let value = line[line.index(after: equals)...].trimmingCharacters(in: .whitespaces).lowercased()
            switch key {
            case "replacement":
                guard let replacement = Replacement(rawValue: value) else {
                    throw Problem(description: "\(place): replacement '\(value)' is not one of tags, surrogates")
                }
                self.replacement = replacement
            case "shift_dates":
                guard ["yes", "no"].contains(value) else { throw Problem(description: "\(place): shift_dates must be yes or no") }
                shiftDates = value == "yes"
            case "mode":
                guard let mode = Mode(rawValue: value) else {
                    throw Problem(description: "\(place): mode '\(value)' is not one of recall, balanced")
                }
                self.mode = mode
            default:
                throw Problem(description: "\(place): unknown policy setting '\(key)' (known: replacement, shift_dates, mode)")
            }
        }
    }
}
