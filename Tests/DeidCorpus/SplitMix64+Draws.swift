import RaddCore

/// The corpus's draws, on the shared SplitMix64 so that a corpus is reproducible on any
/// platform and Swift version.
extension SplitMix64 {
    /// Not `Int.random(in:using:)`: its algorithm is not promised stable across Swift releases.
    mutating func int(_ range: ClosedRange<Int>) -> Int {
        let width = UInt64(range.upperBound - range.lowerBound) + 1
        return range.lowerBound + Int(next() % width)
    }

    mutating func chance(_ probability: Double) -> Bool {
        Double(next() >> 11) / Double(1 << 53) < probability
    }

    mutating func pick<T>(_ items: [T]) -> T {
        items[int(0...(items.count - 1))]
    }

    mutating func digits(_ count: Int) -> String {
        String((0..<count).map { _ in Character(String(int(0...9))) })
    }

    mutating func letters(_ count: Int) -> String {
        let alphabet = Array("ABCDEFGHJKLMNPRSTUVWXYZ")
        return String((0..<count).map { _ in pick(alphabet) })
    }
}
