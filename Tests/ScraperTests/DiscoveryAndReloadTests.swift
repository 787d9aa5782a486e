import Config
import Foundation
import Model
import Storage
import Testing
@testable import Scraper

@Suite("File discovery and reload")
struct DiscoveryAndReloadTests {
    static func tempDir() throws -> URL {
        let url = FileManager.default.temporaryDirectory.appendingPathComponent("ember-scrape-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: url, withIntermediateDirectories: true)
        return url
    }

    static func write(_ text: String, _ url: URL) throws {
        // Write then rename, as tools that generate SD files do, so a poll never sees half a file.
        let tmp = url.deletingLastPathComponent().appendingPathComponent(".\(UUID().uuidString).tmp")
        try text.write(to: tmp, atomically: false, encoding: .utf8)
        _ = rename(tmp.path, url.path)
    }

    @Test("file_sd: JSON and YAML via a glob, changes picked up, a broken file keeps the last good targets")
    func fileDiscovery() async throws {
        let dir = try Self.tempDir()
        defer { try? FileManager.default.removeItem(at: dir) }
        let one = try TestTarget("a 1\n")
        let two = try TestTarget("a 2\n")
        let jsonFile = dir.appendingPathComponent("web.json")
        let yamlFile = dir.appendingPathComponent("db.yml")
        try Self.write(#"[{"targets": ["\#(one.address)"], "labels": {"env": "prod", "__meta_rack": "r1"}}]"#, jsonFile)
        let storage = MemoryStorage()
        let m = ScrapeTest.manager(storage)
        let configFile = dir.appendingPathComponent("prometheus.yml").path
        await m.apply(try ScrapeTest.config("""
            scrape_configs:
              - job_name: sd
                scrape_interval: 200ms
                file_sd_configs: [{files: ['*.json', '*.yml'], refresh_interval: 1m}]
                relabel_configs: [{source_labels: [__meta_rack], target_label: rack}]
            """, file: configFile))
        #expect(await ScrapeTest.waitForScrapes(m, 1))
        let first = try #require(m.targets.first)
        #expect(first.labels == Labels(["job": "sd", "instance": one.address, "env": "prod", "rack": "r1"]))
        #expect(first.discoveredLabels["__meta_filepath"] == jsonFile.path)

        try Self.write("- targets: ['\(two.address)']\n  labels: {env: dev}\n", yamlFile)
        #expect(await ScrapeTest.wait { m.targets.count == 2 })

        try Self.write(#"[{"targets": ["\#(one.address)"], "labels": {"env": "prod"}}, {"targets": [unterminated"#, jsonFile)
        #expect(await ScrapeTest.wait { !m.discoveryErrors.isEmpty })
        let error = try #require(m.discoveryErrors.first)
        #expect(error.source == jsonFile.path)
        #expect(error.message.contains("web.json:2:1: invalid YAML"), "\(error.message)")
        #expect(m.targets.count == 2, "the broken file's last good targets stay")

        try Self.write("[]", jsonFile)
        #expect(await ScrapeTest.wait { m.targets.count == 1 && m.discoveryErrors.isEmpty })
        #expect(m.targets.first?.labels["env"] == "dev")

        try FileManager.default.removeItem(at: yamlFile)
        #expect(await ScrapeTest.wait { m.targets.isEmpty })
        await m.awaitRemovedTargets()
        await m.stop()
        #expect(try ScrapeTest.instant(storage, "a", at: Clock.nowMillis()).isEmpty, "removed targets went stale")
    }

    @Test("file_sd rejects bad label names and unknown keys with a location")
    func fileErrors() throws {
        let dir = try Self.tempDir()
        defer { try? FileManager.default.removeItem(at: dir) }
        let file = dir.appendingPathComponent("bad.yml")
        try Self.write("- targets: [a:1]\n  labelz: {}\n", file)
        #expect(throws: ConfigError.self) { try FileDiscovery.read(file.path) }
        try Self.write("- targets: [a:1]\n  labels: {'': x}\n", file)
        do {
            _ = try FileDiscovery.read(file.path)
            Issue.record("accepted an empty label name")
        } catch {
            #expect("\(error)".contains("bad.yml:2:"), "\(error)")
        }
        try Self.write("- targets: [a:1, b:2]\n  labels: {x: y}\n", file)
        let groups = try FileDiscovery.read(file.path)
        #expect(groups == [TargetGroup(targets: ["a:1", "b:2"], labels: Labels(["x": "y", "__meta_filepath": file.path]), source: file.path + ":0")])
    }

    @Test("reload: an unchanged job keeps its loops, a changed one restarts, a removed one goes stale")
    func reload() async throws {
        let target = try TestTarget("a 1\nb 2\n")
        let other = try TestTarget("c 3\n")
        let storage = MemoryStorage()
        let m = ScrapeTest.manager(storage)
        let both = ScrapeTest.job("keep", targets: [target.address]) + "\n"
            + ScrapeTest.job("gone", targets: [other.address]).replacingOccurrences(of: "scrape_configs:\n", with: "")
        await m.apply(try ScrapeTest.config(both))
        #expect(await ScrapeTest.waitForScrapes(m, 2))

        // Same config again: the loop keeps counting its scrapes.
        let scrapes = try #require(m.targets.first { $0.scrapePool == "keep" }?.scrapes)
        await m.apply(try ScrapeTest.config(both))
        #expect(try #require(m.targets.first { $0.scrapePool == "keep" }?.scrapes) >= scrapes)

        // Dropping b by metric relabeling restarts the pool; b gets its marker from the new loop.
        await m.apply(try ScrapeTest.config(ScrapeTest.job("keep", targets: [target.address], extra: """
            metric_relabel_configs: [{source_labels: [__name__], regex: b, action: drop}]
            """)))
        #expect(m.targets.count == 1)
        #expect((m.targets.first?.scrapes ?? 99) < scrapes, "a restarted pool has new loops")
        await m.awaitRemovedTargets()
        #expect(await ScrapeTest.waitForScrapes(m, 1, job: "keep"))
        let now = Clock.nowMillis()
        #expect(try ScrapeTest.instant(storage, "b", at: now).isEmpty)
        #expect(try ScrapeTest.instant(storage, "a", at: now).map(\.v) == [1])
        #expect(try ScrapeTest.instant(storage, "c", at: now).isEmpty, "the removed job's series are stale")
        #expect(try ScrapeTest.instant(storage, "up{job='gone'}", at: now).isEmpty)
        await m.stop()
        // a is never marked stale across the restart: one continuous series.
        #expect(try #require(try ScrapeTest.samples(storage, "a").values.first).allSatisfy { !StaleNaN.isStale($0.v) })
    }
}
