import Foundation
import Model
import Storage
import Testing
@testable import TSDB

/// Kills a real child process with SIGKILL while it commits, many times,
/// and checks after each restart that every acknowledged commit is there,
/// whole, and that nothing else is.
@Suite struct CrashTests {
    static let seriesCount = 8

    static func childPath() throws -> String {
        if let p = ProcessInfo.processInfo.environment["EMBER_TSDB_CRASH_CHILD"] { return p }
        let dir = URL(fileURLWithPath: CommandLine.arguments[0]).deletingLastPathComponent()
        let candidates = [dir, dir.deletingLastPathComponent()].map { $0.appendingPathComponent("TSDBCrashChild").path }
        return try #require(candidates.first { FileManager.default.isExecutableFile(atPath: $0) },
                            "TSDBCrashChild not found next to \(dir.path); build it or set EMBER_TSDB_CRASH_CHILD")
    }

    /// Reads the child's stdout line by line.
    final class LineReader {
        let fd: Int32
        var buffer: [UInt8] = []

        init(_ handle: FileHandle) { fd = handle.fileDescriptor }

        /// The next line, or nil at end of stream.
        func next() -> String? {
            while true {
                if let nl = buffer.firstIndex(of: 10) {
                    let line = String(decoding: buffer[..<nl], as: UTF8.self)
                    buffer.removeSubrange(...nl)
                    return line
                }
                var chunk = [UInt8](repeating: 0, count: 4096)
                let n = chunk.withUnsafeMutableBytes { read(fd, $0.baseAddress, 4096) }
                if n <= 0 { return nil }
                buffer += chunk[..<n]
            }
        }
    }

    @Test(.timeLimit(.minutes(5)))
    func acknowledgedCommitsSurviveSIGKILL() throws {
        let child = try Self.childPath()
        let dir = TemporaryDirectory("crash")
        let data = dir.sub("data")
        var rng = SystemRandomNumberGenerator()
        var acknowledged = -1
        let rounds = 24
        for round in 0..<rounds {
            let p = Process()
            p.executableURL = URL(fileURLWithPath: child)
            p.arguments = [data, String(Self.seriesCount)]
            let out = Pipe()
            p.standardOutput = out
            try p.run()
            let reader = LineReader(out.fileHandleForReading)
            let ready = try #require(reader.next(), "child said nothing (round \(round))")
            #expect(ready == "ready \(acknowledged + 1)" || ready == "ready \(acknowledged + 2)",
                    "round \(round): child resumed at \(ready), last ack \(acknowledged)")
            if round == 0 {
                // While the child runs, the directory is locked against us.
                #expect(throws: TSDBError.self) { _ = try TSDB.open(directory: data, options: testOptions()) }
            }
            // Kill after a random number of acknowledgements plus a random delay.
            let target = Int.random(in: 1...800, using: &rng)
            var seen = 0
            while seen < target, let line = reader.next() {
                guard line.hasPrefix("ack "), let step = Int(line.dropFirst(4)) else {
                    Issue.record("round \(round): unexpected child output \(line)")
                    break
                }
                acknowledged = max(acknowledged, step)
                seen += 1
            }
            usleep(UInt32.random(in: 0...20_000, using: &rng))
            kill(p.processIdentifier, SIGKILL)
            p.waitUntilExit()
            // Lines printed before death were acknowledged too.
            while let line = reader.next() {
                if line.hasPrefix("ack "), let step = Int(line.dropFirst(4)) { acknowledged = max(acknowledged, step) }
            }
            #expect(p.terminationReason == .uncaughtSignal, "round \(round): the child ended by itself")
            try verify(data, acknowledged: acknowledged, round: round)
        }
        #expect(acknowledged > rounds)
    }

    /// Every acknowledged step present for every series, at most one more
    /// (committed but killed before printing), values exact, commits whole.
    func verify(_ data: String, acknowledged: Int, round: Int) throws {
        let db = try TSDB.open(directory: data, options: testOptions())
        defer { try? db.close() }
        let got = try readAll(db, [try Matcher(.equal, "__name__", "crash_test")])
        let counts = Set(got.values.map(\.count))
        #expect(counts.count == 1, "round \(round): commits must be whole, got counts \(counts)")
        #expect(got.count == Self.seriesCount || acknowledged < 0)
        for (l, samples) in got {
            let k = Int(l["series"].dropFirst())!
            #expect(samples.count >= acknowledged + 1, "round \(round): lost acknowledged steps of \(l)")
            #expect(samples.count <= acknowledged + 2, "round \(round): unexpected extra steps in \(l)")
            for (i, s) in samples.enumerated() where s.t != Int64(i) * 1000 || s.v != Double(k * 1_000_003 + i) / 4 {
                Issue.record("round \(round): \(l) sample \(i) is \(s)")
                break
            }
        }
        #expect(db.stats.chunkCorruptions == 0)
    }
}
