import Foundation
import Testing
@testable import Exporter

/// The worker pool's hard deadlines, which keep a blocked job (a hung NFS statfs, a
/// stuck check) from holding up a scrape.
@Suite struct WorkerPoolTests {
    @Test func aJobPastItsDeadlineIsAbandonedAndOthersStillAnswer() async {
        let pool = WorkerPool(maxThreads: 4, name: "test-pool")
        let started = ContinuousClock.now
        // The stuck job outlasts the bound below by far, so finishing under it proves
        // the job was abandoned even when a loaded machine delays resumptions by seconds.
        async let stuck = pool.run(deadline: .now + .milliseconds(200)) { () -> Int in
            Thread.sleep(forTimeInterval: 8)
            return 1
        }
        async let quick = pool.run(deadline: .now + .seconds(5)) { () -> Int in 2 }
        async let noDeadline = pool.run(deadline: nil) { () -> Int in 3 }
        let results = await (stuck, quick, noDeadline)
        #expect(results.0 == nil)
        #expect(results.1 == 2)
        #expect(results.2 == 3)
        #expect(started.duration(to: .now) < .seconds(5))
    }

    @Test func deadlinesInAnyOrderEachFireOnTime() async {
        let timers = DeadlineTimers()
        let fired = FiredLog()
        let base = ContinuousClock.now
        // Scheduled latest first, so the watcher must be woken for each earlier one.
        for (ms, name) in [(400, "c"), (250, "b"), (100, "a")] {
            _ = timers.schedule(base + .milliseconds(ms)) { fired.add(name) }
        }
        let cancelled = timers.schedule(base + .milliseconds(150)) { fired.add("cancelled") }
        timers.cancel(cancelled)
        let done = await eventually(within: 3) { fired.names.count == 3 }
        #expect(done)
        #expect(fired.names == ["a", "b", "c"])
    }
}

final class FiredLog: @unchecked Sendable {
    private let lock = NSLock()
    private var list: [String] = []
    func add(_ name: String) { lock.lock(); list.append(name); lock.unlock() }
    var names: [String] { lock.lock(); defer { lock.unlock() }; return list }
}
