import ArgumentParser
import Foundation
import Model
import PromQL
import Scraper
import Storage
import TSDB

struct TSDBCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "tsdb",
        abstract: "Work with an Ember data directory: import, dump, analyze.",
        subcommands: [TSDBImportCommand.self, TSDBAnalyzeCommand.self, TSDBDumpCommand.self]
    )
}

struct StorageOptions: ParsableArguments {
    @Option(name: .customLong("storage.tsdb.path"), help: "Data directory.")
    var path = "data"

    @Option(name: .customLong("storage.tsdb.retention.time"), help: "Retention applied while the store is open.")
    var retention = "100y"

    func open() throws -> TSDB {
        var options = TSDBOptions()
        guard let r = PromDuration(retention) else { throw ValidationError("invalid --storage.tsdb.retention.time \"\(retention)\"") }
        options.retentionMilliseconds = r.milliseconds
        return try TSDB.open(directory: path, options: options)
    }
}

/// `ember tsdb import openmetrics FILE`: backfills an OpenMetrics file (with timestamps), like
/// `promtool tsdb create-blocks-from openmetrics`.
struct TSDBImportCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "import",
        abstract: "Backfill samples from an OpenMetrics file (every sample needs a timestamp).",
        discussion: "Usage: ember tsdb import openmetrics FILE [--storage.tsdb.path data]. Prints a progress bar on standard error."
    )

    @Argument(help: "Input format; only 'openmetrics' is supported.")
    var format: String

    @Argument(help: "Input file.")
    var file: String

    @OptionGroup var storage: StorageOptions

    func validate() throws {
        guard format == "openmetrics" else { throw ValidationError("unsupported import format \"\(format)\": use openmetrics") }
    }

    func run() throws {
        guard let data = FileManager.default.contents(atPath: file) else { throw ValidationError("cannot read \(file)") }
        let db = try storage.open()
        defer { try? db.close() }
        let started = Date()
        let (samples, series) = try importOpenMetrics(Array(data), into: db, source: file)
        let seconds = Date().timeIntervalSince(started)
        print("imported \(samples) samples of \(series) series in \(String(format: "%.1f", seconds))s")
    }
}

/// Streams an OpenMetrics payload into a bulk appender, caching labels by raw series text.
func importOpenMetrics(_ bytes: [UInt8], into db: TSDB, source: String) throws -> (samples: Int, series: Int) {
    var parser = ExpositionParser(bytes, format: .openMetrics, openMetricsSemantics: false)
    let bulk = db.bulkAppender()
    let progress = ProgressBar(total: bytes.reduce(into: 0) { if $1 == 10 { $0 += 1 } }, label: "importing")
    var lastRaw: ArraySlice<UInt8> = []
    var labels = Labels.empty
    var seriesCount = 0
    var samples = 0
    do {
        while let entry = try parser.next() {
            guard case .series(_, let value, let timestamp) = entry else { continue }
            guard let t = timestamp else {
                throw ValidationError("\(source):\(parser.lineNumber): sample without a timestamp cannot be imported")
            }
            let raw = parser.rawSeries
            if raw != lastRaw {
                lastRaw = raw
                labels = parser.labels()
                seriesCount += 1
            }
            try bulk.append(labels, t, value)
            samples += 1
            if samples & 0xFFFF == 0 { progress.update(parser.lineNumber) }
        }
    } catch let e as ExpositionError {
        throw ValidationError("\(source):\(e)")
    }
    _ = try bulk.commit()
    progress.finish()
    return (samples, seriesCount)
}

/// `ember tsdb analyze`: cardinality and storage efficiency.
struct TSDBAnalyzeCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "analyze",
        abstract: "Report series count, top metrics and label pairs by cardinality, chunks and bytes per sample."
    )

    @OptionGroup var storage: StorageOptions

    @Option(help: "How many entries of each top list to show.")
    var limit = 10

    func run() throws {
        let db = try storage.open()
        defer { try? db.close() }
        let stats = db.stats
        let q = try db.querier(mint: .min, maxt: .max)
        let all = try q.select([try Matcher(.regexMatch, LabelName.metricName, ".+")], hints: nil)
        var byMetric: [String: Int] = [:]
        var byPair: [String: Int] = [:]
        var samples = 0
        for s in all {
            byMetric[s.labels.metricName, default: 0] += 1
            for l in s.labels where l.name != LabelName.metricName { byPair["\(l.name)=\(l.value)", default: 0] += 1 }
            let it = s.makeIterator()
            while it.next() { samples += 1 }
        }
        let disk = directoryBytes(storage.path)
        print("Series: \(all.count)")
        print("Samples: \(samples)")
        print("Time range: \(stats.minTime) .. \(stats.maxTime) (ms)")
        print("Chunk segments: \(stats.chunkSegments), chunk bytes: \(stats.chunkBytes), index bytes: \(stats.indexBytes), WAL bytes: \(stats.walBytes)")
        if samples > 0 {
            print(String(format: "Bytes per sample: chunks %.3f, index %.3f, whole directory %.3f",
                         Double(stats.chunkBytes) / Double(samples), Double(stats.indexBytes) / Double(samples), Double(disk) / Double(samples)))
        }
        print("\nHighest cardinality metric names:")
        for (k, v) in byMetric.sorted(by: { $0.value > $1.value || ($0.value == $1.value && $0.key < $1.key) }).prefix(limit) { print("\(v) \(k)") }
        print("\nHighest cardinality label pairs:")
        for (k, v) in byPair.sorted(by: { $0.value > $1.value || ($0.value == $1.value && $0.key < $1.key) }).prefix(limit) { print("\(v) \(k)") }
    }
}

/// `ember tsdb dump`: OpenMetrics out, for the selected series and time range.
struct TSDBDumpCommand: ParsableCommand {
    static let configuration = CommandConfiguration(commandName: "dump", abstract: "Write stored samples as OpenMetrics text.")

    @OptionGroup var storage: StorageOptions

    @Option(name: .customLong("match"), help: "Series selector (repeatable). Default: all series.")
    var matches: [String] = []

    @Option(name: .customLong("min-time"), help: "Minimum timestamp in ms.")
    var minTime: Int64 = .min

    @Option(name: .customLong("max-time"), help: "Maximum timestamp in ms.")
    var maxTime: Int64 = .max

    func run() throws {
        let db = try storage.open()
        defer { try? db.close() }
        let q = try db.querier(mint: minTime, maxt: maxTime)
        var sets: [[Matcher]] = []
        for m in matches {
            guard case .vectorSelector(let vs) = try PromQLParser.parse(m) else { throw ValidationError("--match \(m): not a series selector") }
            sets.append(vs.matchers)
        }
        if sets.isEmpty { sets = [[try Matcher(.regexMatch, LabelName.metricName, ".+")]] }
        var seen = Set<Labels>()
        let out = FileHandle.standardOutput
        for set in sets {
            for s in try q.select(set, hints: nil) where seen.insert(s.labels).inserted {
                let it = s.makeIterator()
                var text = ""
                while it.next() {
                    text += "\(exposition(s.labels)) \(GoFloat.format(it.value, format: "g", precision: -1)) \(GoFloat.format(Double(it.timestamp) / 1000, format: "f", precision: -1))\n"
                }
                out.write(text)
            }
        }
        out.write("# EOF\n")
    }
}

/// `name{a="1",b="2"}` as OpenMetrics writes a series (no spaces, quoted names where needed).
func exposition(_ labels: Labels) -> String {
    let name = labels.metricName
    let rest = labels.filter { $0.name != LabelName.metricName }
    var inner = rest.map { (isValidLegacyLabelName($0.name) ? $0.name : quoteLabelValue($0.name)) + "=" + quoteLabelValue($0.value) }
    if isValidLegacyMetricName(name) {
        return rest.isEmpty ? name : name + "{" + inner.joined(separator: ",") + "}"
    }
    inner.insert(quoteLabelValue(name), at: 0)
    return "{" + inner.joined(separator: ",") + "}"
}

extension FileHandle: @retroactive TextOutputStream {
    public func write(_ string: String) { write(Data(string.utf8)) }
}

func directoryBytes(_ path: String) -> Int {
    guard let e = FileManager.default.enumerator(atPath: path) else { return 0 }
    var total = 0
    while let f = e.nextObject() as? String {
        total += ((try? FileManager.default.attributesOfItem(atPath: path + "/" + f))?[.size] as? Int) ?? 0
    }
    return total
}

/// A one-line progress bar on standard error.
final class ProgressBar {
    let total: Int
    let label: String
    private var lastPercent = -1

    init(total: Int, label: String) {
        self.total = max(total, 1)
        self.label = label
    }

    func update(_ done: Int) {
        let percent = min(100, done * 100 / total)
        guard percent != lastPercent else { return }
        lastPercent = percent
        let filled = percent / 4
        FileHandle.standardError.write(Data("\r\(label) [\(String(repeating: "=", count: filled))\(String(repeating: " ", count: 25 - filled))] \(percent)%".utf8))
    }

    func finish() {
        update(total)
        FileHandle.standardError.write(Data("\n".utf8))
    }
}
