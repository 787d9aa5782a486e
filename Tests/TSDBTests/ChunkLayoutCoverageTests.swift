import Model
import Storage
import Testing
@testable import TSDB
import TestSupport

/// The round-trip tests only prove something about layouts they reach;
/// this checks that the generated data reaches every one.
@Suite("Layout coverage of the round-trip data")
struct ChunkLayoutCoverageTests {
    @Test("generated chunks use every order, packing and value kind")
    func everyLayoutIsExercised() throws {
        var seen = Set<String>()
        for timeModel in TimeModel.allCases {
            for valueModel in ValueModel.allCases {
                for (seedIndex, n) in ChunkColumnarTests.sizes.enumerated() {
                    var rng = SeededGenerator(seed: UInt64(seedIndex) &* 7919 &+ UInt64(ValueModel.allCases.firstIndex(of: valueModel)!))
                    let chunk = SealedChunk.encode(timestamps: timeModel.generate(n, using: &rng),
                                                   values: valueModel.generate(n, using: &rng))
                    let layout = try chunk.bytes.withUnsafeBytes { try ChunkLayout(encoding: chunk.encoding, bytes: $0) }
                    seen.formUnion(Self.features(layout))
                }
            }
        }
        let wanted: Set<String> = ["order grid", "order delta", "order dod", "constant", "bits", "rice-offset", "rice-zigzag",
                                   "expgolomb", "sparse", "gcd", "integer", "decimal", "float bits", "gorilla xor", "exceptions"]
        #expect(wanted.subtracting(seen).isEmpty, "never produced: \(wanted.subtracting(seen).sorted())")
    }

    static func features(_ layout: ChunkLayout) -> Set<String> {
        var out = Set<String>()
        for column in [layout.timestamps, layout.values] {
            let words = column.split(separator: " ").map(String.init)
            for (i, word) in words.enumerated() {
                switch word {
                case "grid", "delta", "dod": out.insert("order \(word)")
                case "constant", "sparse", "rice-offset", "rice-zigzag", "expgolomb", "integer": out.insert(word)
                case "bits" where i > 0 && words[i - 1] == "float": out.insert("float bits")
                case "bits": out.insert("bits")
                case "xor": out.insert("gorilla xor")
                default:
                    if word.hasPrefix("decimal(") { out.insert("decimal") }
                    if word.hasPrefix("gcd=") { out.insert("gcd") }
                }
            }
        }
        if layout.exceptions > 0 { out.insert("exceptions") }
        return out
    }
}
