#if canImport(Glibc)
import Glibc
#endif
import Config
import Foundation
import HTTPClient
import Logging
import Model
import Storage
import Synchronization

/// Settings of `ember bench ingest`.
public struct IngestBenchmarkOptions: Sendable {
    /// Synthetic targets to start (ignored when `externalTargets` is set).
    public var targets: Int
    /// Series per synthetic target.
    public var seriesPerTarget: Int
    /// Scrape interval of every target.
    public var interval: PromDuration
    /// How long to scrape.
    public var duration: Duration
    /// Real exporters to scrape instead (`http://host:port/metrics`).
    public var externalTargets: [String]

    /// Options; the defaults make 10 synthetic targets of 1000 series scraped every second for 30s.
    public init(targets: Int = 10, seriesPerTarget: Int = 1000, interval: PromDuration = PromDuration(seconds: 1),
                duration: Duration = .seconds(30), externalTargets: [String] = []) {
        self.targets = targets
        self.seriesPerTarget = seriesPerTarget
        self.interval = interval
        self.duration = duration
        self.externalTargets = externalTargets
    }
}

/// What an ingestion run measured.
public struct IngestBenchmarkReport: Sendable, CustomStringConvertible {
    /// Samples committed to the storage (payload samples and report series).
    public var samples: Int
    /// Wall-clock length of the run.
    public var seconds: Double
    /// Scrapes completed (successful or not) and the failed ones.
    public var scrapes: Int
    public var failedScrapes: Int
    /// Scrapes skipped because a scrape overran its interval.
    public var missedScrapes: Int
    /// Process CPU time minus the synthetic targets' own.
    public var cpuSeconds: Double
    /// CPU time the synthetic targets spent producing payloads.
    public var targetCPUSeconds: Double
    /// VmHWM of the process (includes the synthetic targets), in bytes.
    public var peakRSSBytes: Int
    /// The slowest of the targets' last scrapes, in seconds.
    public var slowestLastScrape: Double
    /// Distinct last errors of the targets.
    public var lastErrors: [String]

    /// Ingestion rate over the run.
    public var samplesPerSecond: Double { seconds > 0 ? Double(samples) / seconds : 0 }
    /// The scraper's CPU cost (without the synthetic targets') per million samples.
    public var cpuSecondsPerMillionSamples: Double { samples > 0 ? cpuSeconds / Double(samples) * 1e6 : 0 }

    /// The report as aligned lines for the terminal.
    public var description: String {
        var lines = [
            "samples ingested:        \(samples)",
            "duration:                \(String(format: "%.1f", seconds)) s",
            "samples/s:               \(String(format: "%.0f", samplesPerSecond))",
            "scrapes:                 \(scrapes) (failed \(failedScrapes), missed \(missedScrapes))",
            "CPU s per 1M samples:    \(String(format: "%.3f", cpuSecondsPerMillionSamples)) (scraper \(String(format: "%.2f", cpuSeconds)) s, targets \(String(format: "%.2f", targetCPUSeconds)) s)",
            "peak RSS:                \(peakRSSBytes / 1_048_576) MiB",
            "slowest last scrape:     \(String(format: "%.3f", slowestLastScrape)) s",
        ]
        lines += lastErrors.prefix(5).map { "error: \($0)" }
        return lines.joined(separator: "\n")
    }
}

/// Scrapes synthetic (or given) targets into a storage for a while and measures it.
public enum IngestBenchmark {
    /// Runs the benchmark; the caller owns `storage` (memory or the on-disk TSDB).
    public static func run(_ options: IngestBenchmarkOptions, storage: any Appendable,
                           logger: Logger = Logger(label: "ember.bench")) async throws -> IngestBenchmarkReport {
        var synthetic: SyntheticTargets?
        var config = PrometheusConfig()
        if options.externalTargets.isEmpty {
            let targets = try SyntheticTargets(count: max(options.targets, 1), seriesPerTarget: options.seriesPerTarget)
            synthetic = targets
            var job = scrapeConfig("bench", interval: options.interval)
            job.staticConfigs = [TargetGroup(targets: targets.addresses)]
            config.scrapeConfigs = [job]
        } else {
            for (i, url) in options.externalTargets.enumerated() {
                config.scrapeConfigs.append(try externalJob(url, index: i, interval: options.interval))
            }
        }
        defer { synthetic?.shutdown() }

        let targetCount = config.scrapeConfigs.reduce(0) { $0 + $1.staticConfigs.reduce(0) { $0 + $1.targets.count } }
        let client = HTTPClient(configuration: .init(maxIdleConnections: max(targetCount * 2, 16)))
        defer { client.shutdown() }
        let counting = CountingAppendable(storage)
        let manager = ScrapeManager(storage: counting, httpClient: client,
                                    options: ScrapeManagerOptions(skipOffsetting: false, hostname: "bench"), logger: logger)
        let cpuStart = processCPUSeconds()
        let targetCPUStart = synthetic?.cpuSeconds ?? 0
        let start = ContinuousClock.now
        await manager.apply(config)
        try? await Task.sleep(for: options.duration)
        let states = manager.targets
        await manager.stop()
        let elapsed = ContinuousClock.now - start
        let targetCPU = (synthetic?.cpuSeconds ?? 0) - targetCPUStart
        return IngestBenchmarkReport(
            samples: counting.committed, seconds: Double(elapsed.components.seconds) + Double(elapsed.components.attoseconds) / 1e18,
            scrapes: states.reduce(0) { $0 + $1.scrapes }, failedScrapes: states.reduce(0) { $0 + $1.failedScrapes },
            missedScrapes: states.reduce(0) { $0 + $1.missedScrapes },
            cpuSeconds: processCPUSeconds() - cpuStart - targetCPU, targetCPUSeconds: targetCPU,
            peakRSSBytes: peakRSS(), slowestLastScrape: states.map(\.lastScrapeDuration).max() ?? 0, lastErrors: Array(Set(states.map(\.lastError).filter { !$0.isEmpty })).sorted())
    }

    static func scrapeConfig(_ name: String, interval: PromDuration) -> ScrapeConfig {
        var job = ScrapeConfig(jobName: name)
        job.scrapeInterval = interval
        job.scrapeTimeout = min(interval, PromDuration(seconds: 10))
        return job
    }

    /// A job scraping one URL given on the command line.
    static func externalJob(_ url: String, index: Int, interval: PromDuration) throws -> ScrapeConfig {
        guard let components = URLComponents(string: url), let scheme = components.scheme, scheme == "http" || scheme == "https",
              let host = components.host, !host.isEmpty else {
            throw ScrapeError("--target \(quoteLabelValue(url)): expected an http:// or https:// URL")
        }
        var job = scrapeConfig("bench-\(index)", interval: interval)
        job.scheme = scheme
        job.metricsPath = components.path.isEmpty ? "/metrics" : components.path
        for item in components.queryItems ?? [] { job.params[item.name, default: []].append(item.value ?? "") }
        let address = components.port.map { "\(host):\($0)" } ?? host
        job.staticConfigs = [TargetGroup(targets: [address])]
        return job
    }

    static func processCPUSeconds() -> Double {
        var usage = rusage()
        getrusage(RUSAGE_SELF.rawValue, &usage)
        func seconds(_ t: timeval) -> Double { Double(t.tv_sec) + Double(t.tv_usec) / 1e6 }
        return seconds(usage.ru_utime) + seconds(usage.ru_stime)
    }

    /// VmHWM from /proc/self/status, in bytes (0 where unavailable).
    static func peakRSS() -> Int {
        guard let status = try? String(contentsOfFile: "/proc/self/status", encoding: .utf8) else { return 0 }
        for line in status.split(separator: "\n") where line.hasPrefix("VmHWM:") {
            let kb = line.split(separator: " ").dropFirst().first.flatMap { Int($0) } ?? 0
            return kb * 1024
        }
        return 0
    }
}

/// Counts samples that reach a storage through committed appenders.
final class CountingAppendable: Appendable, Sendable {
    private let base: any Appendable
    private let count = Atomic<Int>(0)

    init(_ base: any Appendable) { self.base = base }

    var committed: Int { count.load(ordering: .relaxed) }

    func appender() -> any Appender { CountingAppender(base.appender(), owner: self) }

    fileprivate func add(_ n: Int) { count.add(n, ordering: .relaxed) }
}

private final class CountingAppender: Appender {
    let base: any Appender
    let owner: CountingAppendable
    var pending = 0

    init(_ base: any Appender, owner: CountingAppendable) {
        self.base = base
        self.owner = owner
    }

    func append(ref: SeriesRef, labels: Labels, t: Timestamp, v: Double) throws -> SeriesRef {
        let r = try base.append(ref: ref, labels: labels, t: t, v: v)
        pending += 1
        return r
    }

    func commit() throws {
        try base.commit()
        owner.add(pending)
        pending = 0
    }

    func rollback() {
        base.rollback()
        pending = 0
    }
}
