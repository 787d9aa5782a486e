import Foundation
import Model
import Storage
import Testing
@testable import TSDB

/// A fresh directory under the system temp dir, removed when released.
final class TemporaryDirectory {
    let path: String

    init(_ name: String = "tsdb") {
        let template = NSTemporaryDirectory() + "ember-\(name)-XXXXXX"
        var bytes = Array(template.utf8CString)
        let made = bytes.withUnsafeMutableBufferPointer { mkdtemp($0.baseAddress!) }
        precondition(made != nil, "mkdtemp failed")
        path = String(decoding: bytes.dropLast().map { UInt8(bitPattern: $0) }, as: UTF8.self)
    }

    /// A path inside the directory.
    func sub(_ name: String) -> String { path + "/" + name }

    deinit { try? FileManager.default.removeItem(atPath: path) }
}

/// Options for tests: no background flush or sync in the way, quiet logs.
func testOptions(_ tweak: (inout TSDBOptions) -> Void = { _ in }) -> TSDBOptions {
    var o = TSDBOptions()
    o.flushIntervalMilliseconds = 3_600_000
    o.walSyncPolicy = .never
    o.logger.logLevel = .critical
    // Tests count chunks at exact sizes; the staggering has its own test.
    o.staggerFirstChunks = false
    tweak(&o)
    return o
}

func labels(_ pairs: KeyValuePairs<String, String>) -> Labels {
    Labels(pairs.map { Label($0.key, $0.value) })
}

/// Every series matching `matchers` with its samples in [mint, maxt].
func readAll(_ db: TSDB, _ matchers: [Matcher] = [], mint: Int64 = .min, maxt: Int64 = .max) throws -> [Labels: [Sample]] {
    let q = try db.querier(mint: mint, maxt: maxt)
    let all = matchers.isEmpty ? [try Matcher(.regexMatch, "__name__", ".+")] : matchers
    var out: [Labels: [Sample]] = [:]
    for s in try q.select(all, hints: nil) { out[s.labels] = s.makeIterator().collect() }
    return out
}

/// Appends `count` samples per series (t = start + i * step, v = f(series, t)) in one commit per step.
func appendGrid(_ db: TSDB, series: [Labels], start: Int64, step: Int64, count: Int,
                value: (Int, Int64) -> Double = { s, t in Double(s) * 1000 + Double(t) / 1000 }) throws {
    var refs = [SeriesRef](repeating: 0, count: series.count)
    for i in 0..<count {
        let app = db.appender()
        let t = start + Int64(i) * step
        for (k, l) in series.enumerated() {
            refs[k] = try app.append(ref: refs[k], labels: l, t: t, v: value(k, t))
        }
        try app.commit()
    }
}

/// Copies a directory as it is now: what a crash at this moment would leave on disk.
func crashCopy(of source: String, to destination: String) throws {
    try FileManager.default.copyItem(atPath: source, toPath: destination)
}

func fileSize(_ path: String) -> Int {
    ((try? FileManager.default.attributesOfItem(atPath: path))?[.size] as? Int) ?? 0
}

/// Overwrites bytes of a file at `offset`.
func patchFile(_ path: String, at offset: Int, with bytes: [UInt8]) throws {
    let h = try #require(FileHandle(forUpdatingAtPath: path))
    defer { try? h.close() }
    try h.seek(toOffset: UInt64(offset))
    try h.write(contentsOf: Data(bytes))
}

func truncateFile(_ path: String, to length: Int) throws {
    let h = try #require(FileHandle(forUpdatingAtPath: path))
    defer { try? h.close() }
    try h.truncate(atOffset: UInt64(length))
}

func walSegments(_ dir: String) throws -> [String] {
    try FileManager.default.contentsOfDirectory(atPath: dir + "/wal").sorted().map { dir + "/wal/" + $0 }
}

func chunkSegments(_ dir: String) throws -> [String] {
    try FileManager.default.contentsOfDirectory(atPath: dir + "/chunks").sorted().map { dir + "/chunks/" + $0 }
}
