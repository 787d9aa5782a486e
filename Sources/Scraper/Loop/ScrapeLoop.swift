import Config
import HTTPClient
import Logging
import Model
import Storage
import Synchronization

/// Everything a loop needs to know about its target and job.
struct LoopSettings: Sendable {
    let target: ScrapeTarget
    let job: String
    let request: ScrapeRequestTemplate
    let labeler: SampleLabeler
    let limits: ScrapeLimits
    let honorTimestamps: Bool
    let trackTimestampsStaleness: Bool
    let fallbackFormat: ExpositionFormat?
    let validationScheme: NameValidationScheme

    init(target: ScrapeTarget, config: ScrapeConfig) {
        self.target = target
        job = config.jobName
        request = ScrapeRequestTemplate(target: target, config: config)
        labeler = SampleLabeler(targetLabels: target.labels, honorLabels: config.honorLabels,
                                metricRelabelConfigs: config.metricRelabelConfigs)
        limits = config.limits
        honorTimestamps = config.honorTimestamps
        trackTimestampsStaleness = config.trackTimestampsStaleness
        switch config.fallbackScrapeProtocol {
        case .openMetricsText0_0_1, .openMetricsText1_0_0: fallbackFormat = .openMetrics
        case .prometheusText0_0_4, .prometheusText1_0_0: fallbackFormat = .prometheusText
        case .prometheusProto, nil: fallbackFormat = nil
        }
        validationScheme = config.metricNameValidationScheme
    }

    var intervalMillis: Int64 { target.interval.milliseconds }
}

/// The published, lock-protected view of a loop, read by the targets API.
final class LoopStatus: Sendable {
    let state: Mutex<TargetState>
    let metadata = Mutex<[String: MetricMetadata]>([:])
    /// Set while the pool exceeds `target_limit`: scrapes fail with this error without a request.
    let forcedError = Mutex<String?>(nil)

    init(_ state: TargetState) { self.state = Mutex(state) }
}

/// Scrapes one target at its interval, commits each scrape atomically and
/// writes staleness markers, like one Prometheus scrape loop.
actor ScrapeLoop {
    nonisolated let settings: LoopSettings
    nonisolated let status: LoopStatus
    let storage: any Appendable
    let client: HTTPClient
    let logger: Logger

    /// Unchecked: only this actor touches it, and the per-sample dynamic
    /// exclusivity checks of a class property showed in profiles.
    @exclusivity(unchecked) var cache = ScrapeCache()
    var metadata = ScrapeMetadata()
    /// Timestamp of the last scrape's samples (aligned), nil before the first.
    var lastAppendTime: Timestamp?
    /// Series a predecessor loop (before a config change) scraped last; they get
    /// staleness markers if this loop's first scrape does not produce them again.
    var carriedSeries: [Labels] = []
    var reportRefs = [SeriesRef](repeating: 0, count: ReportSeries.names.count)
    let reportLabels: [Labels]

    init(settings: LoopSettings, status: LoopStatus, storage: any Appendable, client: HTTPClient, logger: Logger) {
        self.settings = settings
        self.status = status
        self.storage = storage
        self.client = client
        var logger = logger
        logger[metadataKey: "target"] = "\(settings.target.url)"
        self.logger = logger
        reportLabels = ReportSeries.names.map { settings.target.labels.setting(LabelName.metricName, $0) }
    }

    /// Takes over the staleness state of the loop this one replaces.
    func inherit(lastAppendTime: Timestamp?, series: [Labels]) {
        self.lastAppendTime = lastAppendTime
        carriedSeries = series
    }

    /// What a successor needs: the last scrape time and its series.
    func handOver() -> LoopHandover {
        LoopHandover(lastAppendTime: lastAppendTime, series: cache.currentEntries().compactMap { finalLabels(ofEntry: $0) } + carriedSeries,
                     reportSeries: reportLabels)
    }

    /// Scrapes at every interval until the task is cancelled. The first scrape
    /// waits for the target's offset within the interval (see `ScrapeTarget.offsetMillis`).
    ///
    /// The loop does not sleep between scrapes: it hands each request to the
    /// HTTP client with the tick as its start time and awaits the response.
    /// A sleeping task cost a dispatch timer and about five context switches
    /// per tick, which at 50 targets per second were a tenth of the scraper's CPU.
    func run(offsetSeed: UInt64?) async {
        let interval = Duration.milliseconds(settings.intervalMillis)
        var tick = ContinuousClock.now
        if let seed = offsetSeed {
            let intervalMs = settings.intervalMillis
            let base = intervalMs - Clock.nowMillis() % intervalMs
            var wait = base + settings.target.offsetMillis(seed: seed)
            if wait > intervalMs { wait -= intervalMs }
            tick += .milliseconds(wait)
        }
        while !Task.isCancelled {
            await scrapeAndReport(at: tick)
            tick += interval
            let now = ContinuousClock.now
            if tick < now {
                // The scrape overran: skip the ticks that already passed, as a Go ticker drops them.
                let behind = Int((now - tick) / interval) + 1
                tick += interval * behind
                status.state.withLock { $0.missedScrapes += behind }
            }
        }
    }

    /// The scrape timestamp: snapped to the previous one plus the interval when
    /// within 2ms (at most 1% of the interval), so chunk timestamps stay regular.
    func appendTime(now: Timestamp) -> Timestamp {
        guard let last = lastAppendTime else { return now }
        let interval = settings.intervalMillis
        let tolerance = min(interval / 100, 2)
        let elapsed = now - last
        if elapsed > interval - tolerance && elapsed < interval + tolerance { return last + interval }
        return now
    }

    /// One scrape at `tick` (now when nil or past): fetch, parse, append,
    /// commit; on any failure roll back and commit only staleness markers and
    /// the report series with `up` 0. Returns at once when cancelled.
    func scrapeAndReport(at tick: ContinuousClock.Instant? = nil) async {
        let now = ContinuousClock.now
        let start = tick.map { max($0, now) } ?? now
        let wallStart = Clock.nowMillis() + (start - now).roundedMilliseconds
        let t = appendTime(now: wallStart)
        var counts = ScrapeCounts()
        var failure: String?
        var metadataChange: [String: MetricMetadata]?
        do {
            if let forced = status.forcedError.withLock({ $0 }) { throw ScrapeError(forced) }
            let response = try await client.execute(try settings.request.request(), startingAt: start)
            if Task.isCancelled { return }
            guard response.isSuccess else { throw ScrapeError("server returned HTTP status \(response.statusLine)") }
            let format = try detectFormat(response.headers["Content-Type"])
            let app = storage.appender()
            do {
                counts = try appendPayload(response.body, format: format, to: app, at: t, metadataChange: &metadataChange)
                appendReport(app, at: t, up: true, duration: (ContinuousClock.now - start).seconds, counts: counts)
                try app.commit()
                metadata.accept()
                if counts.rejected > 0 {
                    logger.warning("error on ingesting samples: \(counts.rejected) out of order, duplicate or out of bounds")
                }
            } catch {
                app.rollback()
                throw error
            }
        } catch is CancellationError {
            return
        } catch {
            if Task.isCancelled { return }
            // Failed before its start (no request was sent: an unreadable
            // credentials file, a forced error): report at the tick, not
            // ahead of it, or the loop would run ahead of the clock.
            if ContinuousClock.now < start {
                do { try await Task.sleep(until: start, clock: .continuous) } catch { return }
            }
            failure = "\(error)"
            counts = ScrapeCounts()
            cache.revertIteration()
            let app = storage.appender()
            appendStaleMarkers(app, at: t, entries: cache.vanishedEntries())
            appendStaleMarkers(app, at: t, series: carriedSeries)
            appendReport(app, at: t, up: false, duration: (ContinuousClock.now - start).seconds, counts: counts)
            do { try app.commit() } catch { logger.warning("committing a failed scrape's report: \(error)") }
            logger.debug("scrape failed: \(failure ?? "")")
        }
        carriedSeries = []
        cache.finishIteration()
        lastAppendTime = t
        publish(start: wallStart, duration: (ContinuousClock.now - start).seconds, failure: failure,
                rejected: counts.rejected, metadata: failure == nil ? metadataChange : nil)
    }

    private func detectFormat(_ contentType: String?) throws -> ExpositionFormat {
        let mediaType = contentType.map(Self.mediaType) ?? ""
        switch mediaType {
        case "application/openmetrics-text": return .openMetrics
        case "text/plain": return .prometheusText
        default:
            if let fallback = settings.fallbackFormat { return fallback }
            if mediaType.isEmpty {
                throw ScrapeError("non-compliant scrape target sending blank Content-Type and no fallback_scrape_protocol specified for target")
            }
            throw ScrapeError("received unsupported Content-Type \(quoteLabelValue(contentType ?? "")) and no fallback_scrape_protocol specified for target")
        }
    }

    /// The media type of a Content-Type value: before any `;`, without
    /// surrounding blanks, in ASCII lower case. Bytewise, because Foundation's
    /// trimming cost more than parsing the payload's first thousand lines.
    static func mediaType(_ contentType: String) -> String {
        var bytes = Array(contentType.utf8.prefix { $0 != UInt8(ascii: ";") })
        while let last = bytes.last, last == UInt8(ascii: " ") || last == UInt8(ascii: "\t") { bytes.removeLast() }
        let start = bytes.firstIndex { $0 != UInt8(ascii: " ") && $0 != UInt8(ascii: "\t") } ?? bytes.count
        for i in start..<bytes.count where bytes[i] >= UInt8(ascii: "A") && bytes[i] <= UInt8(ascii: "Z") { bytes[i] += 0x20 }
        return String(decoding: bytes[start...], as: UTF8.self)
    }

    private func publish(start: Timestamp, duration: Double, failure: String?, rejected: Int, metadata: [String: MetricMetadata]?) {
        status.state.withLock { s in
            s.lastScrape = start
            s.lastScrapeDuration = duration
            s.lastError = failure ?? ""
            s.health = failure == nil ? .up : .down
            s.rejectedSamples += rejected
            s.scrapes += 1
            if failure != nil { s.failedScrapes += 1 }
        }
        if let metadata { status.metadata.withLock { $0 = metadata } }
    }

    /// Staleness markers for every series of the last scrape and the report
    /// series, at the time the next scrape would have happened (as Prometheus
    /// does when a target goes away). Waits until then unless cancelled.
    func writeEndOfRunStaleness() async {
        guard let last = lastAppendTime else { return }
        let staleTime = last + settings.intervalMillis
        let wait = staleTime - Clock.nowMillis()
        if wait > 0 {
            do { try await Task.sleep(for: .milliseconds(wait)) } catch { return }
        }
        let app = storage.appender()
        appendStaleMarkers(app, at: staleTime, entries: cache.currentEntries())
        appendStaleMarkers(app, at: staleTime, series: carriedSeries + reportLabels)
        do { try app.commit() } catch { logger.warning("committing staleness markers: \(error)") }
        carriedSeries = []
    }

    func appendStaleMarkers(_ app: any Appender, at t: Timestamp, series: [Labels]) {
        for labels in series {
            // A marker that is out of order just means newer data exists: nothing to mark.
            _ = try? app.append(ref: 0, labels: labels, t: t, v: StaleNaN.value)
        }
    }

    private func appendReport(_ app: any Appender, at t: Timestamp, up: Bool, duration: Double, counts: ScrapeCounts) {
        let values = [up ? 1 : 0, duration, Double(counts.scraped), Double(counts.postRelabel), Double(counts.seriesAdded)]
        for i in values.indices {
            if let ref = try? app.append(ref: reportRefs[i], labels: reportLabels[i], t: t, v: values[i]) {
                reportRefs[i] = ref
            }
        }
    }
}

/// Per-scrape tallies for the report series and the target's state.
struct ScrapeCounts {
    var scraped = 0
    var postRelabel = 0
    var seriesAdded = 0
    var rejected = 0
}

/// The synthetic series every scrape writes, in `reportRefs` order.
enum ReportSeries {
    static let names = [
        "up", "scrape_duration_seconds", "scrape_samples_scraped", "scrape_samples_post_metric_relabeling", "scrape_series_added",
    ]
}

extension Duration {
    /// In seconds, for the `scrape_duration_seconds` series and the targets API.
    fileprivate var seconds: Double {
        let (s, atto) = components
        return Double(s) + Double(atto) / 1e18
    }

    /// In whole milliseconds, rounded to nearest.
    fileprivate var roundedMilliseconds: Int64 {
        let (s, atto) = components
        return s * 1000 + (atto + 500_000_000_000_000) / 1_000_000_000_000_000
    }
}
