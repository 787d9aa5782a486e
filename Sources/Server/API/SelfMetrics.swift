import Hummingbird
import Rules
import Synchronization
import Model
import Notify
import TSDB

extension EmberServer {
    /// Ember's own metrics in the text format, for scraping itself.
    func registerSelfMetricsRoute(_ router: Router<BasicRequestContext>) {
        let state = self.state
        router.get("/metrics") { _, _ in
            var out = SelfMetricsWriter()
            out.process(ProcessStats.read())
            out.text += "# HELP ember_build_info A metric with a constant '1' value labeled by version, revision and branch.\n"
            out.text += "# TYPE ember_build_info gauge\n"
            out.text += "ember_build_info{branch=\"\(BuildInfo.branch)\",revision=\"\(BuildInfo.revision)\",version=\"\(BuildInfo.version)\"} 1\n"
            out.tsdb(state.storage.stats)
            out.queries(state.queryStats)
            out.text += RuleMetrics.exposition(groups: state.ruleManager.groups.map { $0.snapshot() })
            if let sender = state.alertRouter.sender {
                out.text += RuleMetrics.exposition(sender: sender, queueCapacity: AlertmanagerSenderOptions().queueCapacity)
            }
            if let builtIn = state.notifier {
                out.text += NotifyMetrics.exposition(await builtIn.notifier.stats)
            }
            let reload = state.lastReload
            out.family("ember_config_last_reload_successful", "gauge", "Whether the last configuration reload attempt was successful.", reload.success ? 1 : 0)
            out.family("ember_config_last_reload_success_timestamp_seconds", "gauge", "Timestamp of the last successful configuration reload.",
                       reload.time.timeIntervalSince1970)
            return plainText(out.text, contentType: "text/plain; version=0.0.4; charset=utf-8")
        }
    }
}

/// Counts of HTTP API queries, for /metrics.
final class QueryStats: Sendable {
    let instant = Atomic<Int>(0)
    let range = Atomic<Int>(0)
    let failed = Atomic<Int>(0)
    /// Total evaluation time in microseconds.
    let micros = Atomic<Int>(0)
}

/// Writes single-sample metric families in the text format.
struct SelfMetricsWriter {
    var text = ""

    mutating func family(_ name: String, _ type: String, _ help: String, _ value: Double) {
        text += "# HELP \(name) \(help)\n# TYPE \(name) \(type)\n\(name) \(formatValue(value))\n"
    }

    mutating func process(_ p: ProcessStats) {
        family("process_cpu_seconds_total", "counter", "Total user and system CPU time spent in seconds.", p.cpuSeconds)
        family("process_resident_memory_bytes", "gauge", "Resident memory size in bytes.", p.residentBytes)
        family("process_virtual_memory_bytes", "gauge", "Virtual memory size in bytes.", p.virtualBytes)
        family("process_start_time_seconds", "gauge", "Start time of the process since unix epoch in seconds.", p.startTimeSeconds)
        family("process_open_fds", "gauge", "Number of open file descriptors.", Double(p.openFDs))
        family("process_max_fds", "gauge", "Maximum number of open file descriptors.", Double(p.maxFDs))
    }

    /// The store's statistics under the names Prometheus uses for its TSDB, with the `ember_` prefix.
    mutating func tsdb(_ s: TSDBStats) {
        let gauges: [(String, String, Int)] = [
            ("ember_tsdb_head_series", "Total number of series in the head block.", s.headSeries),
            ("ember_tsdb_head_chunks", "Total number of open chunks in the head block.", s.headChunks),
            ("ember_tsdb_head_chunks_storage_size_bytes", "Size of the head chunks in memory, in bytes.", s.headChunkBytes),
            ("ember_tsdb_index_series", "Number of series in the SQLite index.", s.indexedSeries),
            ("ember_tsdb_wal_segments", "Number of write-ahead log segment files.", s.walSegments),
            ("ember_tsdb_wal_storage_size_bytes", "Size of the write-ahead log, in bytes.", s.walBytes),
            ("ember_tsdb_chunk_segments", "Number of chunk segment files.", s.chunkSegments),
            ("ember_tsdb_storage_chunks_size_bytes", "Size of the chunk segment files, in bytes.", s.chunkBytes),
            ("ember_tsdb_index_size_bytes", "Size of the SQLite index, in bytes.", s.indexBytes),
            ("ember_tsdb_lowest_timestamp_seconds", "Lowest timestamp value stored in the database.", Int(s.minTime / 1000)),
            ("ember_tsdb_highest_timestamp_seconds", "Highest timestamp value stored in the database.", Int(s.maxTime / 1000)),
        ]
        for (name, help, v) in gauges { family(name, "gauge", help, Double(v)) }
        let counters: [(String, String, Int)] = [
            ("ember_tsdb_head_samples_appended_total", "Total number of appended samples.", s.samplesAppended),
            ("ember_tsdb_out_of_order_samples_total", "Total number of out of order samples rejected.", s.outOfOrderSamples),
            ("ember_tsdb_duplicate_samples_total", "Total number of samples rejected for a duplicate timestamp with a different value.", s.duplicateSamples),
            ("ember_tsdb_head_series_created_total", "Total number of series created in the head.", s.seriesCreated),
            ("ember_tsdb_head_series_removed_total", "Total number of idle series removed from the head.", s.seriesEvicted),
            ("ember_tsdb_head_chunks_created_total", "Total number of chunks sealed.", s.chunksCreated),
            ("ember_tsdb_bulk_samples_appended_total", "Total number of samples written by backfill.", s.bulkSamplesAppended),
            ("ember_tsdb_commits_total", "Total number of committed append transactions.", s.commits),
            ("ember_tsdb_rollbacks_total", "Total number of rolled back append transactions.", s.rollbacks),
            ("ember_tsdb_wal_corruptions_total", "Total number of WAL corruptions detected.", s.walCorruptions),
            ("ember_tsdb_wal_truncations_total", "Total number of WAL truncations.", s.walTruncations),
            ("ember_tsdb_chunk_corruptions_total", "Total number of corrupt chunks detected.", s.chunkCorruptions),
            ("ember_tsdb_index_corruptions_total", "Total number of index corruptions detected.", s.indexCorruptions),
            ("ember_tsdb_time_retentions_total", "Total number of chunk segments removed by retention.", s.segmentsRemovedByRetention),
            ("ember_tsdb_retention_series_removed_total", "Total number of series removed by retention.", s.seriesRemovedByRetention),
            ("ember_tsdb_background_errors_total", "Total number of errors in background work (flushes, retention).", s.backgroundErrors),
        ]
        for (name, help, v) in counters { family(name, "counter", help, Double(v)) }
    }

    mutating func queries(_ q: QueryStats) {
        text += "# HELP ember_api_queries_total Total number of PromQL queries served by the HTTP API.\n# TYPE ember_api_queries_total counter\n"
        text += "ember_api_queries_total{type=\"instant\"} \(q.instant.load(ordering: .relaxed))\n"
        text += "ember_api_queries_total{type=\"range\"} \(q.range.load(ordering: .relaxed))\n"
        family("ember_api_query_errors_total", "counter", "Total number of PromQL queries that failed.", Double(q.failed.load(ordering: .relaxed)))
        family("ember_api_query_duration_seconds_total", "counter", "Total time spent evaluating PromQL queries.",
               Double(q.micros.load(ordering: .relaxed)) / 1e6)
    }
}

/// Formats a float as Prometheus's text format does.
func formatValue(_ v: Double) -> String {
    if v.isNaN { return "NaN" }
    if v.isInfinite { return v > 0 ? "+Inf" : "-Inf" }
    return GoFloat.format(v, format: "g", precision: -1)
}
