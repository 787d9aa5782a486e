import Foundation
import Model
import Storage
import Testing
@testable import TSDB

/// Compression on the shared benchmark dataset (shared/peers/make_dataset.py).
/// Opt-in, since the dataset is generated on demand (530 MB):
///
///     python3 make_dataset.py --out /tmp/ember-dataset/ds
///     EMBER_CHUNK_DATASET=/tmp/ember-dataset/ds.om swift test --filter ChunkDatasetTests
///
/// Prints bytes per sample per family and layout, and checks every chunk
/// decodes back bit-exactly.
@Suite("Chunk compression on the benchmark dataset")
struct ChunkDatasetTests {
    static let datasetPath = ProcessInfo.processInfo.environment["EMBER_CHUNK_DATASET"]

    /// Chunk sizes to report; the store picks one, the first is Prometheus's.
    static let chunkSizes = [120, 240, 480]

    @Test(.enabled(if: datasetPath != nil, "set EMBER_CHUNK_DATASET to a make_dataset.py .om file"))
    func bytesPerSample() throws {
        let path = try #require(Self.datasetPath)
        var stats = Self.chunkSizes.map { CompressionStats(chunkSize: $0) }
        var series = 0
        try OpenMetricsSeriesReader.read(path: path) { family, times, values in
            series += 1
            for i in stats.indices { try stats[i].add(family: family, times: times, values: values) }
        }
        #expect(series > 0)
        for s in stats {
            print(s.report())
            #expect(s.mismatches == 0)
            // Far below Gorilla; the figure itself is in the printed report.
            #expect(s.totalBytes * 2 < s.xorBytes)
        }
    }
}

/// Accumulates encoded sizes for one chunk size.
struct CompressionStats {
    let chunkSize: Int
    var samples = 0
    var chunks = 0
    var totalBytes = 0
    var xorBytes = 0
    var mismatches = 0
    var byFamily: [String: (samples: Int, bytes: Int)] = [:]
    var byValueLayout: [String: (samples: Int, bytes: Int)] = [:]
    var byTimeLayout: [String: Int] = [:]

    init(chunkSize: Int) { self.chunkSize = chunkSize }

    mutating func add(family: String, times: [Int64], values: [Double]) throws {
        var start = 0
        while start < times.count {
            let end = min(start + chunkSize, times.count)
            let t = Array(times[start..<end]), v = Array(values[start..<end])
            let chunk = SealedChunk.encode(timestamps: t, values: v)
            let head = makeHead(zip(t, v).map { Sample(t: $0, v: $1) })
            let decoded = try decodeSealed(chunk)
            if firstMismatch(decoded, zip(t, v).map { Sample(t: $0, v: $1) }) != nil { mismatches += 1 }
            let layout = try chunk.bytes.withUnsafeBytes { try ChunkLayout(encoding: chunk.encoding, bytes: $0) }
            let n = end - start
            samples += n
            chunks += 1
            totalBytes += chunk.bytes.count
            xorBytes += head.bytes.count
            byFamily[family, default: (0, 0)].samples += n
            byFamily[family, default: (0, 0)].bytes += chunk.bytes.count
            let valueKey = layout.values.split(separator: " ").prefix(2).joined(separator: " ")
            byValueLayout[valueKey, default: (0, 0)].samples += n
            byValueLayout[valueKey, default: (0, 0)].bytes += chunk.bytes.count
            byTimeLayout[layout.timestamps, default: 0] += 1
            start = end
        }
    }

    func report() -> String {
        func bps(_ bytes: Int, _ n: Int) -> String { String(format: "%.3f", Double(bytes) / Double(max(n, 1))) }
        var lines = ["== chunk size \(chunkSize): \(samples) samples, \(chunks) chunks, \(totalBytes) bytes = \(bps(totalBytes, samples)) B/sample (XOR/Gorilla: \(bps(xorBytes, samples)) B/sample), \(mismatches) mismatches"]
        lines.append("  by family:")
        for (family, s) in byFamily.sorted(by: { $0.key < $1.key }) {
            lines.append("    \(family.padding(toLength: 44, withPad: " ", startingAt: 0)) \(bps(s.bytes, s.samples)) B/sample  share \(bps(s.bytes, samples))")
        }
        lines.append("  by value layout (whole chunk bytes):")
        for (layout, s) in byValueLayout.sorted(by: { $0.value.samples > $1.value.samples }) {
            lines.append("    \(layout.padding(toLength: 28, withPad: " ", startingAt: 0)) \(s.samples) samples  \(bps(s.bytes, s.samples)) B/sample")
        }
        lines.append("  timestamp layouts: " + byTimeLayout.sorted(by: { $0.value > $1.value }).map { "\($0.key): \($0.value)" }.joined(separator: ", "))
        return lines.joined(separator: "\n")
    }
}

/// Just enough of OpenMetrics for the dataset: `name{labels} value timestamp`
/// lines, each series's samples contiguous, `#` lines skipped.
enum OpenMetricsSeriesReader {
    struct ParseError: Error, CustomStringConvertible {
        let line: Int
        let reason: String
        var description: String { "line \(line): \(reason)" }
    }

    static func read(path: String, _ body: (String, [Int64], [Double]) throws -> Void) throws {
        guard let file = fopen(path, "r") else { throw ParseError(line: 0, reason: "cannot open \(path)") }
        defer { fclose(file) }
        var key: [CChar] = []
        var times: [Int64] = []
        var values: [Double] = []
        var lineNumber = 0
        var buffer = [CChar](repeating: 0, count: 1 << 16)
        while true {
            let done = try buffer.withUnsafeMutableBufferPointer { buf -> Bool in
                guard let line = buf.baseAddress, fgets(line, Int32(buf.count), file) != nil else { return true }
                lineNumber += 1
                if line[0] == 35 /* # */ || line[0] == 10 { return false }
                // Fields from the right: timestamp, value; the series is everything before.
                var end = strlen(line)
                while end > 0, line[end - 1] == 10 || line[end - 1] == 13 { end -= 1 }
                var tsStart = end
                while tsStart > 0, line[tsStart - 1] != 32 { tsStart -= 1 }
                var valueStart = tsStart - 1
                while valueStart > 0, line[valueStart - 1] != 32 { valueStart -= 1 }
                guard valueStart > 0, tsStart > valueStart + 1 else {
                    throw ParseError(line: lineNumber, reason: "expected `series value timestamp`")
                }
                line[end] = 0
                line[tsStart - 1] = 0
                var parsedEnd: UnsafeMutablePointer<CChar>?
                let seconds = strtod(line + tsStart, &parsedEnd)
                guard parsedEnd == line + end else { throw ParseError(line: lineNumber, reason: "bad timestamp") }
                let v = strtod(line + valueStart, &parsedEnd)
                guard parsedEnd == line + tsStart - 1 else { throw ParseError(line: lineNumber, reason: "bad value") }
                let keyLength = valueStart - 1
                if keyLength != key.count || memcmp(line, key, keyLength) != 0 {
                    if !times.isEmpty { try body(family(of: key), times, values) }
                    key = Array(UnsafeBufferPointer(start: line, count: keyLength))
                    times.removeAll(keepingCapacity: true)
                    values.removeAll(keepingCapacity: true)
                }
                times.append(Int64((seconds * 1000).rounded()))
                values.append(v)
                return false
            }
            if done { break }
        }
        if !times.isEmpty { try body(family(of: key), times, values) }
    }

    private static func family(of series: [CChar]) -> String {
        let name = series.prefix { $0 != 123 /* { */ }
        return String(decoding: name.map { UInt8(bitPattern: $0) }, as: UTF8.self)
    }
}
