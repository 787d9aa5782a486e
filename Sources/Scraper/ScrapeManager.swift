import Config
import Foundation
import HTTPClient
import Logging
import Model
import Storage
import Synchronization

/// Settings of a ``ScrapeManager`` that are not part of prometheus.yml.
public struct ScrapeManagerOptions: Sendable {
    /// How often file_sd files are checked for changes (their mtime and size).
    public var fileSDPollInterval: Duration
    /// Seed of the scrape offsets; nil derives one from the host name and the
    /// external labels, as Prometheus does, so restarts keep the same schedule.
    public var offsetSeed: UInt64?
    /// Scrape each new target at once instead of at its offset (tests, benchmarks).
    public var skipOffsetting: Bool
    /// Replaces a loopback host in `globalURL`.
    public var hostname: String

    /// Options with Prometheus-like defaults.
    public init(fileSDPollInterval: Duration = .seconds(5), offsetSeed: UInt64? = nil, skipOffsetting: Bool = false,
                hostname: String = ProcessInfo.processInfo.hostName) {
        self.fileSDPollInterval = fileSDPollInterval
        self.offsetSeed = offsetSeed
        self.skipOffsetting = skipOffsetting
        self.hostname = hostname
    }
}

/// Scrapes the targets of a Prometheus configuration into a storage: one pool
/// per `scrape_config`, one loop per target, all sharing one HTTP client.
///
/// ```swift
/// let manager = ScrapeManager(storage: tsdb, httpClient: client)
/// await manager.apply(config)       // and again on every reload
/// ...
/// await manager.stop()
/// ```
public final class ScrapeManager: Sendable {
    private let storage: any Appendable
    private let client: HTTPClient
    private let options: ScrapeManagerOptions
    private let logger: Logger
    private let coordinator = Coordinator()
    private let pools = Mutex<[(job: String, pool: ScrapePool)]>([])

    /// A manager writing to `storage` through `httpClient`. Give the client a
    /// `maxIdleConnections` of at least the number of targets so every scrape
    /// reuses its connection.
    public init(storage: any Appendable, httpClient: HTTPClient, options: ScrapeManagerOptions = .init(),
                logger: Logger = Logger(label: "ember.scrape")) {
        self.storage = storage
        self.client = httpClient
        self.options = options
        self.logger = logger
    }

    /// Applies a (new) configuration. Jobs whose scrape config is unchanged keep
    /// their loops and staleness state; changed jobs restart their pool, handing
    /// each target's last series to its new loop; removed jobs stop and write
    /// staleness markers. The configuration must already be valid.
    public func apply(_ config: PrometheusConfig) async {
        await coordinator.apply(config, manager: self)
    }

    /// Runs until the calling task is cancelled, then stops every loop.
    public func run() async {
        while !Task.isCancelled {
            do { try await Task.sleep(for: .seconds(3600)) } catch { break }
        }
        await stop()
    }

    /// Stops every pool without staleness markers (Prometheus writes none on shutdown).
    public func stop() async {
        await coordinator.stopAll(manager: self)
    }

    /// Waits until targets removed by the last `apply` have written their
    /// staleness markers (each waits at most one scrape interval).
    public func awaitRemovedTargets() async {
        await coordinator.awaitEndOfRun()
    }

    /// Active targets, by job then discovery order.
    public var targets: [TargetState] {
        currentPools().flatMap { pool in pool.snapshot.withLock { $0.statuses }.map { $0.state.withLock { $0 } } }
    }

    /// Targets that target relabeling dropped (at most `keep_dropped_targets` per job when set).
    public var droppedTargets: [DroppedTarget] {
        currentPools().flatMap { pool in pool.snapshot.withLock { $0.dropped } }
    }

    /// Service discovery problems as of the last refresh (a broken file_sd file, say).
    public var discoveryErrors: [DiscoveryError] {
        currentPools().flatMap { pool in pool.snapshot.withLock { $0.discoveryErrors } }
    }

    /// Metadata per metric name across all targets, distinct entries only
    /// (`/api/v1/metadata`). `metric` selects one name; `limit` caps the number of
    /// metrics and `limitPerMetric` the entries per metric.
    public func metadata(metric: String? = nil, limit: Int? = nil, limitPerMetric: Int? = nil) -> [String: [MetricMetadata]] {
        var out: [String: [MetricMetadata]] = [:]
        for pool in currentPools() {
            for status in pool.snapshot.withLock({ $0.statuses }) {
                let entries = status.metadata.withLock { $0 }
                for (name, m) in entries where metric == nil || metric == name {
                    if out[name] == nil, let limit, limit >= 0, out.count >= limit { continue }
                    if let perMetric = limitPerMetric, perMetric >= 0, (out[name]?.count ?? 0) >= perMetric { continue }
                    if !(out[name]?.contains(m) ?? false) { out[name, default: []].append(m) }
                }
            }
        }
        return out
    }

    /// Metadata per target (`/api/v1/targets/metadata`).
    public func targetMetadata() -> [(target: TargetState, metadata: [String: MetricMetadata])] {
        currentPools().flatMap { pool in
            pool.snapshot.withLock { $0.statuses }.map { ($0.state.withLock { $0 }, $0.metadata.withLock { $0 }) }
        }
    }

    /// Warns when the shared client would have to close connections between scrapes.
    fileprivate func checkConnectionPool() {
        let count = targets.count
        if count > client.configuration.maxIdleConnections {
            logger.warning("\(count) targets but the HTTP client keeps only \(client.configuration.maxIdleConnections) idle connections: scrapes will reconnect")
        }
    }

    private func currentPools() -> [ScrapePool] { pools.withLock { $0.map(\.pool) } }

    fileprivate func makePool(_ config: ScrapeConfig, seed: UInt64?) -> ScrapePool {
        ScrapePool(config: config, storage: storage, client: client, options: options, offsetSeed: seed, logger: logger)
    }

    fileprivate func publish(_ list: [(String, ScrapePool)]) {
        pools.withLock { $0 = list.sorted { $0.0 < $1.0 }.map { (job: $0.0, pool: $0.1) } }
    }

    fileprivate func seed(for config: PrometheusConfig) -> UInt64? {
        if options.skipOffsetting { return nil }
        if let seed = options.offsetSeed { return seed }
        var h = StableHasher()
        h.combine(options.hostname)
        var labels = config.global.externalLabels.stableHash
        withUnsafeBytes(of: &labels) { h.combine(bytes: $0) }
        return h.value
    }
}

/// Serializes `apply` and `stop` calls.
private actor Coordinator {
    var pools: [String: ScrapePool] = [:]
    var retired: [ScrapePool] = []
    var seed: UInt64?

    func apply(_ config: PrometheusConfig, manager: ScrapeManager) async {
        let newSeed = manager.seed(for: config)
        let seedChanged = newSeed != seed
        seed = newSeed
        var next: [String: ScrapePool] = [:]
        for job in config.scrapeConfigs {
            if let existing = pools[job.jobName], !seedChanged {
                let current = await existing.config
                if current == job {
                    next[job.jobName] = existing
                    continue
                }
                if current.withoutDiscovery == job.withoutDiscovery {
                    await existing.updateDiscovery(job)
                    next[job.jobName] = existing
                    continue
                }
            }
            var handover: [UInt64: LoopHandover] = [:]
            if let existing = pools[job.jobName] { handover = await existing.stop(staleness: false) }
            let pool = manager.makePool(job, seed: newSeed)
            await pool.start(handover: handover)
            next[job.jobName] = pool
        }
        for (name, pool) in pools where next[name] == nil {
            _ = await pool.stop(staleness: true)
            retired.append(pool)
        }
        pools = next
        manager.publish(next.map { ($0.key, $0.value) })
        manager.checkConnectionPool()
    }

    func stopAll(manager: ScrapeManager) async {
        for pool in pools.values {
            _ = await pool.stop(staleness: false)
            await pool.abandonEndOfRun()
        }
        for pool in retired { await pool.abandonEndOfRun() }
        pools = [:]
        retired = []
        manager.publish([])
    }

    func awaitEndOfRun() async {
        for pool in pools.values { await pool.awaitEndOfRun() }
        for pool in retired { await pool.awaitEndOfRun() }
        retired = []
    }
}

extension ScrapeConfig {
    /// The config with its service discovery blanked, to tell a change of targets
    /// (handled by discovery) from a change of how targets are scraped (a pool restart).
    var withoutDiscovery: ScrapeConfig {
        var c = self
        c.staticConfigs = []
        c.fileSDConfigs = []
        return c
    }
}
