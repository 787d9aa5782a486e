import Config
import Foundation
import HTTPClient
import Logging
import Model
import Storage
import Synchronization

/// What a pool shows to readers without awaiting it.
struct PoolSnapshot: Sendable {
    var statuses: [LoopStatus] = []
    var dropped: [DroppedTarget] = []
    var discoveryErrors: [DiscoveryError] = []
}

/// What a stopped loop hands to its successor when a job's config changes.
struct LoopHandover: Sendable {
    var lastAppendTime: Timestamp?
    /// The target's series of its last scrape.
    var series: [Labels]
    /// Its report series (`up`, ...), which only need markers if the target is gone.
    var reportSeries: [Labels]
}

/// The scrape loops of one job: discovery feeds it target groups, it keeps one
/// loop per distinct target (labels and URL) and starts and stops loops as
/// targets come and go.
actor ScrapePool {
    /// The job's config; only its discovery part changes in place (`updateDiscovery`).
    private(set) var config: ScrapeConfig
    nonisolated let snapshot = Mutex(PoolSnapshot())
    private let storage: any Appendable
    private let client: HTTPClient
    private let logger: Logger
    private let options: ScrapeManagerOptions
    private let offsetSeed: UInt64?

    private struct Running {
        let loop: ScrapeLoop
        let task: Task<Void, Never>
    }

    private var loops: [UInt64: Running] = [:]
    private var order: [UInt64] = []
    private var discoveryTask: Task<Void, Never>?
    /// Bumped whenever discovery restarts or the pool stops, so a superseded
    /// discovery task that was mid-refresh cannot apply stale target groups.
    private var discoveryGeneration = 0
    private var endOfRunTasks: [Int: Task<Void, Never>] = [:]
    private var nextEndOfRunID = 0
    private var inherited: [UInt64: LoopHandover] = [:]
    private var reportedErrors: Set<DiscoveryError> = []

    init(config: ScrapeConfig, storage: any Appendable, client: HTTPClient, options: ScrapeManagerOptions,
         offsetSeed: UInt64?, logger: Logger) {
        self.config = config
        self.storage = storage
        self.client = client
        self.options = options
        self.offsetSeed = offsetSeed
        var logger = logger
        logger[metadataKey: "scrape_pool"] = "\(config.jobName)"
        self.logger = logger
    }

    /// Starts discovery; `handover` carries the staleness state of a previous
    /// pool of the same job, per target hash.
    func start(handover: [UInt64: LoopHandover] = [:]) {
        inherited = handover
        startDiscovery()
    }

    /// Takes a config that differs from the current one only in service
    /// discovery: loops of targets that stay keep running.
    func updateDiscovery(_ newConfig: ScrapeConfig) {
        discoveryTask?.cancel()
        config = newConfig
        startDiscovery()
    }

    /// Reads the targets once now (so `apply` returns with targets in place),
    /// then keeps polling the job's files, if it has any.
    private func startDiscovery() {
        discoveryGeneration += 1
        var discovery = JobDiscovery(config: config)
        let first = discovery.refresh()
        sync(first)
        report(discovery.errors)
        guard !discovery.fileConfigs.isEmpty else { return }
        let poll = options.fileSDPollInterval
        let generation = discoveryGeneration
        discoveryTask = Task { [weak self] in
            var last = first
            while !Task.isCancelled {
                do { try await Task.sleep(for: poll) } catch { return }
                let groups = discovery.refresh()
                let errors = discovery.errors
                guard let self else { return }
                if groups != last {
                    last = groups
                    await self.discovered(groups, errors: errors, generation: generation)
                } else {
                    await self.discovered(nil, errors: errors, generation: generation)
                }
            }
        }
    }

    private func discovered(_ groups: [TargetGroup]?, errors: [DiscoveryError], generation: Int) {
        guard generation == discoveryGeneration else { return }
        if let groups { sync(groups) }
        report(errors)
    }

    private func report(_ errors: [DiscoveryError]) {
        let fresh = Set(errors)
        for e in fresh.subtracting(reportedErrors) { logger.error("file service discovery failed, keeping the last good targets: \(e)") }
        reportedErrors = fresh
        snapshot.withLock { $0.discoveryErrors = errors }
    }

    /// Brings the loops in line with the discovered groups.
    func sync(_ groups: [TargetGroup]) {
        var targets: [UInt64: ScrapeTarget] = [:]
        var newOrder: [UInt64] = []
        var dropped: [DroppedTarget] = []
        for group in groups {
            for result in TargetPopulator.targets(from: group, config: config) {
                switch result {
                case .success(.target(let t)):
                    if targets[t.hash] == nil {
                        targets[t.hash] = t
                        newOrder.append(t.hash)
                    }
                case .success(.dropped(let labels)):
                    let keep = config.limits.keepDroppedTargets
                    if keep == 0 || dropped.count < keep { dropped.append(DroppedTarget(discoveredLabels: labels, scrapePool: config.jobName)) }
                case .failure(let error):
                    logger.warning("creating target failed: \(error) (group \(group.source))")
                }
            }
        }
        for (hash, running) in loops where targets[hash] == nil {
            loops.removeValue(forKey: hash)
            running.task.cancel()
            scheduleEndOfRun(running)
        }
        // Over `target_limit`, every target of the job fails its scrapes, as upstream.
        let limit = config.limits.targetLimit
        let forced = limit > 0 && newOrder.count > limit
            ? "target_limit exceeded (number of targets: \(newOrder.count), limit: \(limit))" : nil
        if let forced { logger.error("\(forced)") }
        for hash in newOrder { loops[hash]?.loop.status.forcedError.withLock { $0 = forced } }
        for hash in newOrder where loops[hash] == nil {
            guard let target = targets[hash] else { continue }
            startLoop(target, forcedError: forced)
        }
        order = newOrder
        if !inherited.isEmpty {
            // Targets of the previous pool that did not come back: their series end here.
            let leftovers = inherited
            inherited = [:]
            let storage = storage
            let interval = config.scrapeInterval.milliseconds
            let id = nextEndOfRunID
            nextEndOfRunID += 1
            endOfRunTasks[id] = Task { [weak self] in
                await Self.writeStaleMarkers(Array(leftovers.values), interval: interval, storage: storage)
                await self?.endOfRunFinished(id)
            }
        }
        let statuses = newOrder.compactMap { loops[$0]?.loop.status }
        snapshot.withLock {
            $0.statuses = statuses
            $0.dropped = dropped
        }
    }

    private func startLoop(_ target: ScrapeTarget, forcedError: String?) {
        let settings = LoopSettings(target: target, config: config)
        let status = LoopStatus(TargetState(
            discoveredLabels: target.discoveredLabels, labels: target.labels, scrapePool: config.jobName,
            scrapeURL: target.url, globalURL: globalURL(target), lastError: "", lastScrape: nil, lastScrapeDuration: 0,
            health: .unknown, scrapeInterval: target.interval, scrapeTimeout: target.timeout,
            rejectedSamples: 0, missedScrapes: 0, scrapes: 0, failedScrapes: 0))
        status.forcedError.withLock { $0 = forcedError }
        let loop = ScrapeLoop(settings: settings, status: status, storage: storage, client: client, logger: logger)
        let handover = inherited.removeValue(forKey: target.hash)
        let seed = offsetSeed
        let task = Task {
            if let handover { await loop.inherit(lastAppendTime: handover.lastAppendTime, series: handover.series) }
            await loop.run(offsetSeed: seed)
        }
        loops[target.hash] = Running(loop: loop, task: task)
    }

    private func globalURL(_ target: ScrapeTarget) -> String {
        let host = target.address
        for local in ["localhost", "127.0.0.1", "[::1]"] where host == local || host.hasPrefix(local + ":") {
            let rest = host.dropFirst(local.count)
            return target.url.replacingFirst("://" + host, with: "://" + options.hostname + rest)
        }
        return target.url
    }

    /// A removed target's last act: staleness markers once its next scrape would have been due.
    private func scheduleEndOfRun(_ running: Running) {
        let id = nextEndOfRunID
        nextEndOfRunID += 1
        endOfRunTasks[id] = Task { [weak self] in
            await running.task.value
            await running.loop.writeEndOfRunStaleness()
            await self?.endOfRunFinished(id)
        }
    }

    /// Staleness markers for handed-over series, at each one's next scrape time.
    private static func writeStaleMarkers(_ handovers: [LoopHandover], interval: Int64, storage: any Appendable) async {
        for handover in handovers {
            guard let last = handover.lastAppendTime else { continue }
            let staleTime = last + interval
            let wait = staleTime - Clock.nowMillis()
            if wait > 0 {
                do { try await Task.sleep(for: .milliseconds(wait)) } catch { return }
            }
            let app = storage.appender()
            for labels in handover.series + handover.reportSeries { _ = try? app.append(ref: 0, labels: labels, t: staleTime, v: StaleNaN.value) }
            try? app.commit()
        }
    }

    private func endOfRunFinished(_ id: Int) { endOfRunTasks.removeValue(forKey: id) }

    /// Stops discovery and every loop.
    ///
    /// - Parameter staleness: write end-of-run staleness markers (the job left the
    ///   config) instead of returning the loops' state for a successor pool.
    func stop(staleness: Bool) async -> [UInt64: LoopHandover] {
        discoveryTask?.cancel()
        discoveryTask = nil
        discoveryGeneration += 1
        var handover: [UInt64: LoopHandover] = [:]
        for (hash, running) in loops {
            running.task.cancel()
            await running.task.value
            if staleness {
                scheduleEndOfRun(running)
            } else {
                handover[hash] = await running.loop.handOver()
            }
        }
        loops = [:]
        snapshot.withLock { $0 = PoolSnapshot() }
        return handover
    }

    /// Cancels pending end-of-run markers and waits for them (shutdown writes none, as upstream).
    func abandonEndOfRun() async {
        let tasks = endOfRunTasks.values
        for task in tasks { task.cancel() }
        for task in tasks { await task.value }
    }

    /// Waits until pending end-of-run markers are written (bounded by one scrape interval each).
    func awaitEndOfRun() async {
        for task in endOfRunTasks.values { await task.value }
    }
}

extension String {
    func replacingFirst(_ target: String, with replacement: String) -> String {
        guard let range = range(of: target) else { return self }
        return replacingCharacters(in: range, with: replacement)
    }
}
