import Config
import HTTPClient
import Logging
import Model

/// A rendered-ready set of metric families from one collection.
public struct ExpositionPage: Sendable {
    /// Families sorted by name.
    public var families: [MetricFamily]

    /// The page in the given exposition format.
    public func render(_ format: ExpositionFormat) -> [UInt8] {
        ExpositionWriter.render(families, format: format)
    }
}

/// Options or checks that cannot be used.
public struct ExporterError: Error, CustomStringConvertible, Sendable {
    public let message: String
    public var description: String { message }
}

/// Ember's host exporter: node_exporter-compatible host collectors plus the checks of
/// a checks file, gathered concurrently on every scrape.
///
/// The HTTP server (`ember exporter`, or the server's built-in exporter target) calls
/// `scrape(format:)` per request; everything here is safe to call concurrently.
public final class Exporter: Sendable {
    public let config: ChecksConfig
    public let options: ExporterOptions
    private let collectors: [any HostCollector]
    private let scheduler: CheckScheduler
    private let pool: WorkerPool
    private let httpClient: HTTPClient?
    private let watchedPorts: Set<WatchedPort>
    private let processFields: ProcessFields
    private let ownerCache = SocketOwnerCache()

    /// Builds the collectors and checks. Throws `ExporterError` for an invalid
    /// collector regular expression or check pattern.
    public init(config: ChecksConfig, options: ExporterOptions = ExporterOptions()) throws {
        self.config = config
        self.options = options
        pool = WorkerPool(maxThreads: options.maxWorkerThreads, name: "ember-exporter")
        collectors = try Self.makeCollectors(options)
        let checks: [any Check]
        do {
            checks = try config.checks.map(makeCheck)
        } catch {
            throw ExporterError(message: "invalid check: \(error)")
        }
        // Only http probes need libcurl (https://, or a redirect to it); its client
        // runs a thread, so an exporter without them does not start one.
        let needsHTTPClient = config.checks.contains { if case .http = $0.kind { return true } else { return false } }
        httpClient = needsHTTPClient ? HTTPClient() : nil
        scheduler = CheckScheduler(checks: checks, options: options, pool: pool, httpClient: httpClient)
        processFields = checks.reduce(into: ProcessFields()) { f, check in
            if let p = check as? ProcessCheck { f.formUnion(p.fields) }
        }
        watchedPorts = Set(config.checks.compactMap { check in
            if case .port(let p) = check.kind { return WatchedPort(proto: p.proto, port: p.port) }
            return nil
        })
    }

    static func makeCollectors(_ options: ExporterOptions) throws -> [any HostCollector] {
        func regex(_ pattern: String?, _ flag: String) throws -> SearchRegex? {
            guard let pattern, !pattern.isEmpty else { return nil }
            do { return try SearchRegex(pattern) } catch { throw ExporterError(message: "--\(flag): \(error)") }
        }
        let paths = options.paths
        var out: [any HostCollector] = []
        for name in options.collectors.sorted() {
            switch name {
            case .arp: out.append(ARPCollector(paths: paths))
            case .conntrack: out.append(ConntrackCollector(paths: paths))
            case .cpu: out.append(CPUCollector(paths: paths))
            case .entropy: out.append(EntropyCollector(paths: paths))
            case .filefd: out.append(FilefdCollector(paths: paths))
            case .netclass: out.append(NetclassCollector(paths: paths))
            case .netstat: out.append(NetstatCollector(paths: paths))
            case .os: out.append(OSReleaseCollector(paths: paths))
            case .selinux: out.append(SELinuxCollector(paths: paths))
            case .sockstat: out.append(SockstatCollector(paths: paths))
            case .softnet: out.append(SoftnetCollector(paths: paths))
            case .timex:
                #if os(Linux) && (arch(x86_64) || arch(arm64))
                out.append(TimexCollector())
                #endif
            case .udpQueues: out.append(UDPQueuesCollector(paths: paths))
            case .vmstat: out.append(VmstatCollector(paths: paths))
            case .diskstats:
                out.append(DiskstatsCollector(paths: paths, filter: DeviceFilter(
                    include: try regex(options.diskstatsDeviceInclude, "collector.diskstats.device-include"),
                    exclude: try regex(options.diskstatsDeviceExclude, "collector.diskstats.device-exclude"))))
            case .filesystem:
                out.append(FilesystemCollector(
                    paths: paths,
                    mountPointsExclude: try regex(options.filesystemMountPointsExclude, "collector.filesystem.mount-points-exclude"),
                    fsTypesExclude: try regex(options.filesystemFSTypesExclude, "collector.filesystem.fs-types-exclude")))
            case .loadavg: out.append(LoadavgCollector(paths: paths))
            case .meminfo: out.append(MeminfoCollector(paths: paths))
            case .netdev:
                out.append(NetdevCollector(paths: paths, filter: DeviceFilter(
                    include: try regex(options.netdevDeviceInclude, "collector.netdev.device-include"),
                    exclude: try regex(options.netdevDeviceExclude, "collector.netdev.device-exclude"))))
            case .pressure: out.append(PressureCollector(paths: paths))
            case .stat: out.append(StatCollector(paths: paths))
            case .textfile: out.append(TextfileCollector(directory: options.textfileDirectory))
            case .time: out.append(TimeCollector(paths: paths))
            case .uname: out.append(UnameCollector(paths: paths))
            }
        }
        return out
    }

    /// Gathers host metrics and check results. Returns within the longest check
    /// timeout (plus a small grace) however the checks behave.
    public func collect() async -> ExpositionPage {
        let snapshot = HostSnapshot(paths: options.paths, watchedPorts: watchedPorts, processFields: processFields, ownerCache: ownerCache)
        async let checkResults = scheduler.results(snapshot: snapshot)
        var set = await collectHost()
        let results = await checkResults
        if !scheduler.labels.isEmpty {
            let families = CheckFamilies(&set)
            for (labels, result) in zip(scheduler.labels, results) {
                if let result { appendCheck(labels, result, families, to: &set) }
            }
        }
        return ExpositionPage(families: set.sorted())
    }

    /// One scrape: collect and render. `contentType` goes into the response header.
    public func scrape(format: ExpositionFormat) async -> (contentType: String, body: [UInt8]) {
        let page = await collect()
        return (format.contentType, page.render(format))
    }

    /// One scrape, choosing the format from the request's Accept header.
    public func scrape(accept: String?) async -> (contentType: String, body: [UInt8]) {
        await scrape(format: ExpositionFormat.negotiate(accept: accept))
    }

    private func collectHost() async -> MetricSet {
        let deadline = ContinuousClock.now.advanced(by: .milliseconds(options.collectorTimeout.milliseconds))
        let pool = self.pool
        let logger = options.logger
        let timeoutSeconds = options.collectorTimeout.seconds
        // Collectors that only read /proc and /sys share one worker job; the two that
        // touch arbitrary mounts (statfs, the textfile directory) get their own, so a
        // hung NFS mount times out alone (a textfile collector without a directory reads
        // nothing and stays in the shared job).
        var groups: [[Int]] = [[]]
        for (i, collector) in collectors.enumerated() {
            let touchesMounts = collector is FilesystemCollector || (collector as? TextfileCollector).map { !$0.directory.isEmpty } ?? false
            if touchesMounts { groups.append([i]) } else { groups[0].append(i) }
        }
        let collectors = self.collectors
        let outcomes = await withTaskGroup(of: [CollectorRun].self) { group in
            for indices in groups where !indices.isEmpty {
                group.addTask {
                    let runs = await pool.run(deadline: deadline) { () -> [CollectorRun] in
                        indices.map { Self.runCollector(collectors[$0], index: $0, logger: logger) }
                    }
                    if let runs { return runs }
                    return indices.map { i in
                        logger.error("collector timed out", metadata: ["name": "\(collectors[i].name)"])
                        return CollectorRun(index: i, metrics: MetricSet(), seconds: timeoutSeconds, success: false)
                    }
                }
            }
            var all: [CollectorRun] = []
            for await runs in group { all += runs }
            return all.sorted { $0.index < $1.index }
        }
        var set = MetricSet()
        for run in outcomes { set.merge(run.metrics) }
        if let duration = set.family("node_scrape_collector_duration_seconds", help: "node_exporter: Duration of a collector scrape.", type: .gauge),
           let success = set.family("node_scrape_collector_success", help: "node_exporter: Whether a collector succeeded.", type: .gauge) {
            for run in outcomes {
                let labels = [LabelPair("collector", collectors[run.index].name)]
                set.append(duration, labels: labels, value: run.seconds)
                set.append(success, labels: labels, value: run.success ? 1 : 0)
            }
        }
        return set
    }

    struct CollectorRun: Sendable {
        var index: Int
        var metrics: MetricSet
        var seconds: Double
        var success: Bool
    }

    /// Runs one collector on the calling (pool) thread; timing excludes queueing.
    static func runCollector(_ collector: any HostCollector, index: Int, logger: Logger) -> CollectorRun {
        let started = ContinuousClock.now
        var set = MetricSet()
        var success = true
        do {
            try collector.collect(into: &set)
        } catch let e as CollectorNoData {
            // Like node_exporter: success 0, logged at debug, and metrics sent before
            // the error still count.
            logger.debug("collector returned no data", metadata: ["name": "\(collector.name)", "err": "\(e)"])
            success = false
        } catch {
            logger.error("collector failed", metadata: ["name": "\(collector.name)", "err": "\(error)"])
            success = false
        }
        return CollectorRun(index: index, metrics: set, seconds: seconds(since: started), success: success)
    }

    /// The families every check reports into, declared once per page.
    struct CheckFamilies {
        let success, duration, lastRun, error: FamilyHandle?

        init(_ set: inout MetricSet) {
            success = set.family("ember_check_success", help: "Whether the check's last run succeeded (1) or not (0).", type: .gauge)
            duration = set.family("ember_check_duration_seconds", help: "How long the check's last run took.", type: .gauge)
            lastRun = set.family("ember_check_last_run_timestamp_seconds", help: "When the check last finished, seconds since the epoch.", type: .gauge)
            error = set.family("ember_check_error", help: "Present with value 1 while the check fails; reason says why.", type: .gauge)
        }
    }

    private func appendCheck(_ labels: CheckLabels, _ result: CheckResult, _ families: CheckFamilies, to set: inout MetricSet) {
        if let h = families.success { set.append(h, labels: labels.base, value: result.outcome.success ? 1 : 0) }
        if let h = families.duration { set.append(h, labels: labels.base, value: result.durationSeconds) }
        if let h = families.lastRun { set.append(h, labels: labels.base, value: result.finishedAt) }
        if !result.outcome.success, let h = families.error {
            set.append(h, labels: labels.with([LabelPair("reason", result.outcome.reason ?? "failed")]), value: 1)
        }
        set.merge(result.outcome.metrics)
    }
}
