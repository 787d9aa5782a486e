import ArgumentParser
import Foundation
import Logging
import Model
import Scraper
import TSDB

struct BenchCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "bench",
        abstract: "Built-in benchmarks.",
        subcommands: [BenchIngestCommand.self, BenchExporterCommand.self]
    )
}

/// `ember bench ingest`: scrapes synthetic targets on 127.0.0.1 (or real exporters) into the on-disk TSDB.
struct BenchIngestCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "ingest",
        abstract: "Measure ingestion: samples/s, CPU seconds per million samples, peak RSS, bytes per sample on disk, missed scrapes.",
        discussion: "Synthetic targets serve counters, gauges and histograms whose values change every scrape; they listen on 127.0.0.1 only."
    )

    @Option(help: "Number of synthetic targets.")
    var targets = 10

    @Option(name: .customLong("series"), help: "Series per target.")
    var seriesPerTarget = 1000

    @Option(help: "Scrape interval.")
    var interval = "1s"

    @Option(help: "How long to scrape.")
    var duration = "30s"

    @Option(name: .customLong("target"), help: "Scrape this URL instead of synthetic targets (repeatable).")
    var externalTargets: [String] = []

    @Option(name: .customLong("storage.tsdb.path"), help: "Data directory (default: a temporary directory, removed afterwards).")
    var path: String?

    func run() async throws {
        guard let interval = PromDuration(interval), interval.milliseconds > 0 else { throw ValidationError("invalid --interval \"\(self.interval)\"") }
        guard let duration = PromDuration(duration), duration.milliseconds > 0 else { throw ValidationError("invalid --duration \"\(self.duration)\"") }
        let dir = path ?? FileManager.default.temporaryDirectory.appendingPathComponent("ember-bench-\(UUID().uuidString)").path
        defer { if path == nil { try? FileManager.default.removeItem(atPath: dir) } }
        let db = try TSDB.open(directory: dir)
        let options = IngestBenchmarkOptions(targets: targets, seriesPerTarget: seriesPerTarget, interval: interval,
                                             duration: .milliseconds(duration.milliseconds), externalTargets: externalTargets)
        let seconds = Int(duration.milliseconds / 1000)
        let ticker = Task {
            let progress = ProgressBar(total: seconds, label: "scraping")
            for s in 0...seconds where !Task.isCancelled {
                progress.update(s)
                try? await Task.sleep(for: .seconds(1))
            }
            progress.finish()
        }
        let report = try await IngestBenchmark.run(options, storage: db, logger: Logger(label: "ember.bench"))
        ticker.cancel()
        await ticker.value
        try db.close()
        let disk = directoryBytes(dir)
        print(report)
        if report.samples > 0 {
            print("bytes per sample on disk: \(String(format: "%.3f", Double(disk) / Double(report.samples))) (\(disk) bytes, WAL included)")
        }
    }
}
