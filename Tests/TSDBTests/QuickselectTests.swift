import Testing
@testable import TSDB

/// The column planner takes its median by quickselect; it must be the sorted median exactly.
@Suite struct QuickselectTests {
    @Test func selectFindsTheSortedElementAtEveryRank() {
        var rng = SystemRandomNumberGenerator()
        var checked = 0
        for trial in 0..<300 {
            let count = 1 + trial % 97
            let spread: Int64 = trial % 3 == 0 ? 3 : 1_000_000 // many duplicates in a third of the trials
            let values = (0..<count).map { _ in Int64.random(in: -spread...spread, using: &rng) }
            let sorted = values.sorted()
            for rank in [0, count / 2, count - 1] {
                var scratch = values
                #expect(IntColumnEncoder.select(&scratch, rank: rank) == sorted[rank], "\(values) rank \(rank)")
                checked += 1
            }
        }
        #expect(checked == 900)
    }

    @Test func extremesAndConstantColumns() {
        var constant = [Int64](repeating: 7, count: 50)
        #expect(IntColumnEncoder.select(&constant, rank: 25) == 7)
        var extremes: [Int64] = [.max, .min, 0, .max, .min]
        #expect(IntColumnEncoder.select(&extremes, rank: 2) == 0)
        var single: [Int64] = [42]
        #expect(IntColumnEncoder.select(&single, rank: 0) == 42)
    }
}
