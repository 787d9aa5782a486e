import Foundation
import Model
import PromQL
import Storage
import Testing
@testable import Scraper

/// Staleness as the PromQL engine sees it: a vanished, failed or removed series
/// stops being returned at the scrape that noticed it, not five minutes later.
@Suite("Staleness")
struct ScrapeStalenessTests {
    @Test("a series that vanishes from the payload gets a StaleNaN marker")
    func vanishedSeries() async throws {
        let target = try TestTarget("a 1\nb 2\n")
        let storage = MemoryStorage()
        let m = ScrapeTest.manager(storage)
        await m.apply(try ScrapeTest.config(ScrapeTest.job(targets: [target.address])))
        #expect(await ScrapeTest.waitForScrapes(m, 2))
        let beforeChange = Clock.nowMillis()
        target.set("a 1\n")
        let n = m.targets.first?.scrapes ?? 0
        #expect(await ScrapeTest.waitForScrapes(m, n + 2))
        await m.stop()

        let b = try #require(try ScrapeTest.samples(storage, "b").values.first)
        let markers = b.filter { StaleNaN.isStale($0.v) }
        #expect(markers.count == 1, "one marker, at the first scrape without b")
        let now = Clock.nowMillis()
        #expect(try ScrapeTest.instant(storage, "b", at: beforeChange).map(\.v) == [2])
        #expect(try ScrapeTest.instant(storage, "b", at: now).isEmpty)
        #expect(try ScrapeTest.instant(storage, "a", at: now).map(\.v) == [1])

        // A range query shows b up to the marker and nothing after it.
        let marker = try #require(markers.first).t
        let result = try Engine().rangeQuery(storage, "b", start: marker - 400, end: marker + 400, step: 100)
        guard case .matrix(let series) = result.value else { Issue.record("not a matrix"); return }
        let times = try #require(series.first).samples.map(\.t)
        #expect(times.max().map { $0 < marker } == true)
        #expect(times.contains(marker - 100))
    }

    @Test("a failing target marks all its series stale and reports up 0")
    func failingTarget() async throws {
        let target = try TestTarget("a 1\nb 2\n")
        let storage = MemoryStorage()
        let m = ScrapeTest.manager(storage)
        await m.apply(try ScrapeTest.config(ScrapeTest.job(targets: [target.address])))
        #expect(await ScrapeTest.waitForScrapes(m, 1))
        target.set(status: 503)
        #expect(await ScrapeTest.wait { m.targets.first?.health == .down })
        let failures = m.targets.first?.scrapes ?? 0
        #expect(await ScrapeTest.waitForScrapes(m, failures + 1))
        let now = Clock.nowMillis()
        #expect(try ScrapeTest.instant(storage, "a", at: now).isEmpty)
        #expect(try ScrapeTest.instant(storage, "b", at: now).isEmpty)
        #expect(try ScrapeTest.instant(storage, "up", at: now).map(\.v) == [0])
        let markers = try #require(try ScrapeTest.samples(storage, "a").values.first).filter { StaleNaN.isStale($0.v) }
        #expect(markers.count == 1, "further failed scrapes write no more markers")

        // Recovery brings the series back.
        target.set(status: 200)
        #expect(await ScrapeTest.wait { m.targets.first?.health == .up })
        await m.stop()
        #expect(try ScrapeTest.instant(storage, "a", at: Clock.nowMillis()).map(\.v) == [1])
    }

    @Test("a removed target writes markers for its series and report series at its next scrape time")
    func removedTarget() async throws {
        let gone = try TestTarget("a 1\n")
        let stays = try TestTarget("c 3\n")
        let storage = MemoryStorage()
        let m = ScrapeTest.manager(storage)
        await m.apply(try ScrapeTest.config(ScrapeTest.job(targets: [gone.address, stays.address])))
        #expect(await ScrapeTest.waitForScrapes(m, 2))
        await m.apply(try ScrapeTest.config(ScrapeTest.job(targets: [stays.address])))
        await m.awaitRemovedTargets()
        let now = Clock.nowMillis()
        #expect(try ScrapeTest.instant(storage, "a", at: now).isEmpty)
        #expect(try ScrapeTest.instant(storage, "up{instance='\(gone.address)'}", at: now).isEmpty)
        #expect(try ScrapeTest.instant(storage, "c", at: now).map(\.v) == [3])
        let a = try #require(try ScrapeTest.samples(storage, "a").values.first)
        let last = try #require(a.last)
        #expect(StaleNaN.isStale(last.v))
        #expect(last.t == a[a.count - 2].t + 200, "marker at the next scheduled scrape")
        #expect(m.targets.map(\.scrapeURL) == ["http://\(stays.address)/metrics"])
        await m.stop()
    }

    @Test("series with explicit timestamps get no markers unless track_timestamps_staleness")
    func explicitTimestamps() async throws {
        for track in [false, true] {
            let target = try TestTarget("ts_series 1 1700000000000\nplain 1\n")
            let storage = MemoryStorage()
            let m = ScrapeTest.manager(storage)
            await m.apply(try ScrapeTest.config(ScrapeTest.job(targets: [target.address], extra: "track_timestamps_staleness: \(track)")))
            #expect(await ScrapeTest.waitForScrapes(m, 1))
            target.set("other 1\n")
            // A scrape whose response came before the change may still count
            // after it: the second one from now surely saw the new payload.
            let n = m.targets.first?.scrapes ?? 0
            #expect(await ScrapeTest.waitForScrapes(m, n + 2))
            await m.stop()
            let ts = try #require(try ScrapeTest.samples(storage, "ts_series").values.first)
            #expect(ts.contains { StaleNaN.isStale($0.v) } == track)
            let plain = try #require(try ScrapeTest.samples(storage, "plain").values.first)
            #expect(plain.contains { StaleNaN.isStale($0.v) })
        }
    }

    @Test("scrape timestamps snap to the interval within 2ms (at most 1% of it)")
    func alignedTimestamps() async throws {
        let config = try #require(try ScrapeTest.config(ScrapeTest.job(targets: ["127.0.0.1:1"])).scrapeConfigs.first)
        guard case .success(.target(let target)) = TargetPopulator.populate(Labels(["__address__": "127.0.0.1:1"]), config: config) else {
            Issue.record("no target"); return
        }
        let settings = LoopSettings(target: target, config: config)
        let status = LoopStatus(TargetState(
            discoveredLabels: .empty, labels: .empty, scrapePool: "test", scrapeURL: "", globalURL: "", lastError: "",
            lastScrape: nil, lastScrapeDuration: 0, health: .unknown, scrapeInterval: target.interval,
            scrapeTimeout: target.timeout, rejectedSamples: 0, missedScrapes: 0, scrapes: 0, failedScrapes: 0))
        let loop = ScrapeLoop(settings: settings, status: status, storage: MemoryStorage(), client: ScrapeTest.client,
                              logger: .init(label: "test"))
        #expect(await loop.appendTime(now: 1_000_123) == 1_000_123, "first scrape: its own time")
        await loop.inherit(lastAppendTime: 1_000_000, series: [])
        #expect(await loop.appendTime(now: 1_000_201) == 1_000_200)
        #expect(await loop.appendTime(now: 1_000_199) == 1_000_200)
        #expect(await loop.appendTime(now: 1_000_202) == 1_000_202, "2ms off is outside the tolerance")
        #expect(await loop.appendTime(now: 1_000_450) == 1_000_450)
    }
}
