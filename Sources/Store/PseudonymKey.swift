import Foundation
import RaddCore

/// The HMAC key behind every patient and accession pseudonym. It is generated once, when the
/// database is created, and kept inside the encrypted database rather than beside it: pseudonyms
/// must stay the same across database key rotations, and a separate file would be one more secret
/// to lose or leak. An administrator can export it to join labels to images (Docs/architecture.md).
enum PseudonymKey {
    static let secretName = "pseudonym_key"

    static func loadOrCreate(in database: Database) throws -> [UInt8] {
        try database.transaction {
            if let stored = try database.prepare("SELECT value FROM secrets WHERE name = ?")
                .bind([.text(secretName)]).withReset({ try $0.step() ? $0.text(0) : nil }) {
                guard let key = DatabaseKey.decodeHex(stored) else { throw StoreError.pseudonymKeyDamaged }
                return key
            }
            var generator = SystemRandomNumberGenerator()
            let key = (0..<32).map { _ in UInt8.random(in: 0...255, using: &generator) }
            try database.prepare("INSERT INTO secrets (name, value) VALUES (?, ?)")
                .bind([.text(secretName), .text(Digest.hex(key))]).run()
            return key
        }
    }
}
