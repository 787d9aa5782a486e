// The child process of TSDBTests' crash test. It opens a data directory,
// resumes after the newest committed sample, and commits one sample per
// series per step, printing "ack <step>" after each commit returns. The
// test kills it with SIGKILL at random moments and checks that every
// acknowledged step is readable after a restart.
//
// usage: TSDBCrashChild <data dir> <series count> [max steps]
import Foundation
import Model
import Storage
import TSDB

/// One unbuffered write per line: once it returns, the parent can read the line.
func say(_ line: String) {
    var text = line + "\n"
    text.withUTF8 { _ = write(1, $0.baseAddress, $0.count) }
}

func value(series: Int, step: Int) -> Double { Double(series * 1_000_003 + step) / 4 }

let args = CommandLine.arguments
guard args.count >= 3, let seriesCount = Int(args[2]), seriesCount > 0 else {
    FileHandle.standardError.write(Data("usage: TSDBCrashChild <dir> <series> [max steps]\n".utf8))
    exit(2)
}
let maxSteps = args.count > 3 ? Int(args[3]) ?? 100_000 : 100_000

var options = TSDBOptions()
// Small files and frequent background work, so kills land in flushes,
// segment cuts and WAL truncations too.
options.walSegmentBytes = 64 << 10
options.maxSamplesPerChunk = 7
options.flushIntervalMilliseconds = 25
options.walSyncPolicy = .never
options.logger.logLevel = .error

/// The step after the newest one stored.
func resumeStep(_ db: TSDB) throws -> Int {
    let q = try db.querier(mint: .min, maxt: .max)
    var next = 0
    for s in try q.select([try Matcher(.equal, "__name__", "crash_test")], hints: nil) {
        if let last = s.makeIterator().collect().last { next = max(next, Int(last.t / 1000) + 1) }
    }
    return next
}

do {
    let db = try TSDB.open(directory: args[1], options: options)
    let series = (0..<seriesCount).map { Labels(["__name__": "crash_test", "series": "s\($0)"]) }
    let next = try resumeStep(db)
    say("ready \(next)")
    var refs = [SeriesRef](repeating: 0, count: seriesCount)
    for step in next..<(next + maxSteps) {
        let app = db.appender()
        for (k, l) in series.enumerated() {
            refs[k] = try app.append(ref: refs[k], labels: l, t: Int64(step) * 1000, v: value(series: k, step: step))
        }
        try app.commit()
        say("ack \(step)")
    }
    try db.close()
    say("done")
} catch {
    say("error \(error)")
    exit(1)
}
