import Model
import Storage
import Testing
@testable import Scraper

@Suite("Scrape cache")
struct ScrapeCacheTests {
    static func key(_ i: Int) -> [UInt8] { Array("metric_\(i % 7){instance=\"host-\(i)\"}".utf8) }

    func find(_ cache: ScrapeCache, _ key: [UInt8]) -> Int? {
        key.withUnsafeBytes { cache.find($0, hash: ScrapeCache.hash($0)) }
    }

    func insert(_ cache: inout ScrapeCache, _ key: [UInt8], labels: Labels?) -> Int {
        key.withUnsafeBytes { cache.insert($0, hash: ScrapeCache.hash($0), labels: labels) }
    }

    @Test("every inserted key is found at its index, others are not, across table growth")
    func lookups() {
        var cache = ScrapeCache()
        for i in 0..<5000 { #expect(insert(&cache, Self.key(i), labels: Labels(["i": String(i)])) == i) }
        #expect((0..<5000).allSatisfy { find(cache, Self.key($0)) == $0 })
        #expect(find(cache, Self.key(5000)) == nil)
        #expect(find(cache, []) == nil)
        #expect(find(cache, Array(Self.key(1).dropLast())) == nil, "a prefix is another key")
    }

    @Test("vanished series are the previous scrape's minus this one's, and old entries are compacted away")
    func iterations() {
        var cache = ScrapeCache()
        for i in 0..<200 {
            let index = insert(&cache, Self.key(i), labels: Labels(["__name__": "m", "i": String(i)]))
            cache.markSeen(index, ref: SeriesRef(i + 1), tracksStaleness: true)
        }
        cache.finishIteration()
        // Second scrape: only the first 100 come back.
        for i in 0..<100 {
            guard let index = find(cache, Self.key(i)) else { Issue.record("lost \(i)"); return }
            cache.markSeen(index, ref: SeriesRef(i + 1), tracksStaleness: true)
        }
        #expect(Set(cache.vanishedSeries().map(\.0)) == Set((100..<200).map { SeriesRef($0 + 1) }))
        cache.finishIteration()

        // A failed scrape is undone: the series it touched count as unseen.
        if let index = find(cache, Self.key(0)) { cache.markSeen(index, ref: 99, tracksStaleness: true) }
        cache.revertIteration()
        #expect(cache.vanishedSeries().count == 100)
        #expect(cache.currentSeries().count == 100)
        #expect(find(cache, Self.key(0)).map { cache.ref(at: $0) } == 1)

        // Two more iterations without the last 100: they are dropped, the rest still found.
        for _ in 0..<2 {
            for i in 0..<100 {
                if let index = find(cache, Self.key(i)) { cache.markSeen(index, ref: SeriesRef(i + 1), tracksStaleness: true) }
            }
            cache.finishIteration()
        }
        #expect(cache.count == 100)
        #expect((0..<100).allSatisfy { find(cache, Self.key($0)) != nil })
        #expect(find(cache, Self.key(150)) == nil)
    }
}
