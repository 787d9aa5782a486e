import Model
import Storage
import Testing
@testable import Scraper
import TestSupport

@Suite("Scrape cache")
struct ScrapeCacheTests {
    static func key(_ i: Int) -> [UInt8] { Array("metric_\(i % 7){instance=\"host-\(i)\"}".utf8) }

    func find(_ cache: ScrapeCache, _ key: [UInt8]) -> Int? {
        key.withUnsafeBytes { cache.find($0, hash: ScrapeCache.hash($0)) }
    }

    func lookup(_ cache: inout ScrapeCache, _ key: [UInt8]) -> Int? {
        key.withUnsafeBytes { cache.lookup($0) }
    }

    func insert(_ cache: inout ScrapeCache, _ key: [UInt8], dropped: Bool = false) -> Int {
        key.withUnsafeBytes { (try? cache.insert($0, hash: ScrapeCache.hash($0), dropped: dropped)) ?? -1 }
    }

    func keyString(_ cache: ScrapeCache, _ index: Int) -> String {
        cache.withKey(at: index) { String(decoding: $0, as: UTF8.self) }
    }

    @Test("every inserted key is found at its index, others are not, across table growth")
    func lookups() {
        var cache = ScrapeCache()
        for i in 0..<5000 { #expect(insert(&cache, Self.key(i)) == i) }
        #expect((0..<5000).allSatisfy { find(cache, Self.key($0)) == $0 })
        #expect(find(cache, Self.key(5000)) == nil)
        #expect(find(cache, []) == nil)
        #expect(find(cache, Array(Self.key(1).dropLast())) == nil, "a prefix is another key")
        #expect((0..<5000).allSatisfy { keyString(cache, $0) == String(decoding: Self.key($0), as: UTF8.self) })
    }

    @Test("lookup finds entries in payload order, in another order, and misses unknown keys")
    func predictedLookups() {
        var cache = ScrapeCache()
        for i in 0..<300 { cache.markSeen(insert(&cache, Self.key(i)), ref: SeriesRef(i + 1), tracksStaleness: true) }
        cache.finishIteration()
        #expect((0..<300).allSatisfy { lookup(&cache, Self.key($0)) == $0 }, "same order as inserted")
        cache.finishIteration()
        #expect((0..<300).reversed().allSatisfy { lookup(&cache, Self.key($0)) == $0 }, "reversed order")
        #expect(cache.count == 300)
        #expect(lookup(&cache, Self.key(300)) == nil)
        #expect(lookup(&cache, Array(Self.key(5).dropLast())) == nil, "a prefix of the predicted key")
        // A key equal in length to the predicted one but different.
        #expect(lookup(&cache, Self.key(0)) == 0)
        #expect(lookup(&cache, Array("metric_1{instance=\"host-x\"}".utf8)) == nil)
    }

    @Test("vanished series are the previous scrape's minus this one's, and old entries are compacted away")
    func iterations() {
        var cache = ScrapeCache()
        for i in 0..<200 {
            let index = insert(&cache, Self.key(i))
            cache.markSeen(index, ref: SeriesRef(i + 1), tracksStaleness: true)
        }
        cache.finishIteration()
        // Second scrape: only the first 100 come back.
        for i in 0..<100 {
            guard let index = lookup(&cache, Self.key(i)) else { Issue.record("lost \(i)"); return }
            cache.markSeen(index, ref: SeriesRef(i + 1), tracksStaleness: true)
        }
        #expect(Set(cache.vanishedEntries().map { cache.ref(at: $0) }) == Set((100..<200).map { SeriesRef($0 + 1) }))
        cache.finishIteration()

        // A failed scrape is undone: the series it touched count as unseen.
        if let index = lookup(&cache, Self.key(0)) { cache.markSeen(index, ref: 99, tracksStaleness: true) }
        cache.revertIteration()
        #expect(cache.vanishedEntries().count == 100)
        #expect(cache.currentEntries().count == 100)
        #expect(find(cache, Self.key(0)).map { cache.ref(at: $0) } == 99, "a ref the storage handed out stays")

        // Two more iterations without the last 100: they are dropped, the rest still found.
        for _ in 0..<2 {
            for i in 0..<100 {
                if let index = lookup(&cache, Self.key(i)) { cache.markSeen(index, ref: SeriesRef(i + 1), tracksStaleness: true) }
            }
            cache.finishIteration()
        }
        #expect(cache.count == 100)
        #expect((0..<100).allSatisfy { lookup(&cache, Self.key($0)) == $0 })
        #expect((0..<100).allSatisfy { keyString(cache, $0) == String(decoding: Self.key($0), as: UTF8.self) })
        #expect(find(cache, Self.key(150)) == nil)
    }

    @Test("labels are held until the entry has a ref, and survive a compaction that moves the entry")
    func heldLabels() {
        var cache = ScrapeCache()
        for i in 0..<200 { cache.markSeen(insert(&cache, Self.key(i)), ref: SeriesRef(i + 1), tracksStaleness: true) }
        let labels = Labels(["__name__": "metric_3", "instance": "host-150"])
        cache.hold(labels, at: 150)
        cache.markSeen(150, ref: 0, tracksStaleness: true)
        #expect(cache.heldLabels(at: 150) == labels, "no ref yet: kept")
        cache.finishIteration()
        // Only 150..<200 come back twice, so the first 150 entries are compacted away.
        for _ in 0..<3 {
            for i in 150..<200 {
                if let index = lookup(&cache, Self.key(i)) { cache.markSeen(index, ref: 0, tracksStaleness: true) }
            }
            cache.finishIteration()
        }
        #expect(cache.count == 50)
        let moved = find(cache, Self.key(150))
        #expect(moved == 0)
        #expect(moved.flatMap { cache.heldLabels(at: $0) } == labels)
        guard let moved, cache.count == 50 else { return }
        #expect(cache.heldLabels(at: 1) == nil)
        cache.markSeen(moved, ref: 7, tracksStaleness: true)
        #expect(cache.heldLabels(at: moved) == nil, "a ref releases the labels")
    }

    @Test("dropped entries are never vanished or current series")
    func droppedEntries() {
        var cache = ScrapeCache()
        let kept = insert(&cache, Self.key(0))
        let dropped = insert(&cache, Self.key(1), dropped: true)
        cache.markSeen(kept, ref: 1, tracksStaleness: true)
        cache.markSeen(dropped, ref: 0, tracksStaleness: false)
        #expect(cache.isDropped(dropped) && !cache.isDropped(kept))
        cache.finishIteration()
        #expect(cache.currentEntries() == [kept])
        #expect(cache.vanishedEntries() == [kept])
    }

    @Test("a failed scrape restores when each entry was last seen: one or two scrapes ago, or earlier")
    func revertRestoresAge() {
        var cache = ScrapeCache()
        let recent = insert(&cache, Self.key(0))
        let older = insert(&cache, Self.key(1))
        let new = insert(&cache, Self.key(2))
        cache.markSeen(older, ref: 2, tracksStaleness: true)
        cache.finishIteration()
        cache.markSeen(recent, ref: 1, tracksStaleness: true)
        cache.finishIteration()
        // A scrape that touches all three and fails.
        for (i, ref) in [(recent, 1), (older, 2), (new, 3)] { cache.markSeen(i, ref: SeriesRef(ref), tracksStaleness: true) }
        cache.revertIteration()
        #expect(cache.vanishedEntries() == [recent], "only the one seen in the previous scrape")
        #expect(cache.currentEntries() == [recent])
        cache.finishIteration()
        #expect(cache.vanishedEntries().isEmpty)
        #expect(cache.ref(at: new) == 3, "the ref stays")
    }

    /// Keys like a payload's: long shared prefixes, some keys prefixes of others.
    static func similarKey(_ i: Int) -> [UInt8] {
        Array("app_http_request_duration_seconds_bucket{handler=\"/api/v1/endpoint\(i / 12)\",le=\"\(i % 12)\"}".utf8)
            + (i % 5 == 0 ? Array("x".utf8) : [])
    }

    @Test("front-coded keys rebuild exactly, in any lookup order, across restart points and compactions")
    func frontCodedKeys() {
        var cache = ScrapeCache()
        let n = 500
        for i in 0..<n { cache.markSeen(insert(&cache, Self.similarKey(i)), ref: SeriesRef(i + 1), tracksStaleness: true) }
        #expect((0..<n).allSatisfy { keyString(cache, $0) == String(decoding: Self.similarKey($0), as: UTF8.self) })
        cache.finishIteration()
        // Random order: most lookups miss the prediction and compare against rebuilt keys.
        var order = Array(0..<n)
        var rng = SeededGenerator(seed: 7)
        order.shuffle(using: &rng)
        #expect(order.allSatisfy { lookup(&cache, Self.similarKey($0)) == $0 })
        #expect(lookup(&cache, Array(Self.similarKey(10).dropLast())) == nil, "a prefix of a key")
        #expect(lookup(&cache, Self.similarKey(10) + Array("y".utf8)) == nil, "a key extended")
        for i in order { cache.markSeen(i, ref: SeriesRef(i + 1), tracksStaleness: true) }
        cache.finishIteration()

        // Keep every third series for three scrapes: the rest is compacted away and the keys re-coded.
        let kept = stride(from: 0, to: n, by: 3).map { $0 }
        for _ in 0..<3 {
            for i in kept {
                guard let index = lookup(&cache, Self.similarKey(i)) else { Issue.record("lost \(i)"); return }
                cache.markSeen(index, ref: SeriesRef(i + 1), tracksStaleness: true)
            }
            cache.finishIteration()
        }
        #expect(cache.count == kept.count)
        for (index, i) in kept.enumerated() {
            #expect(keyString(cache, index) == String(decoding: Self.similarKey(i), as: UTF8.self))
            #expect(find(cache, Self.similarKey(i)) == index)
            #expect(cache.ref(at: index) == SeriesRef(i + 1))
        }
        #expect(find(cache, Self.similarKey(1)) == nil)
    }

    @Test("keys sharing more than 65535 bytes are stored with a shorter shared prefix")
    func longSharedPrefix() {
        var cache = ScrapeCache()
        let base = Array(repeating: UInt8(ascii: "a"), count: 70_000)
        let keys = [base + Array("{x=\"1\"}".utf8), base + Array("{x=\"2\"}".utf8), Array("b".utf8)]
        for key in keys { _ = insert(&cache, key) }
        for (i, key) in keys.enumerated() {
            #expect(cache.withKey(at: i) { Array($0) } == key)
            #expect(find(cache, key) == i)
        }
    }
}

