import Foundation
import Synchronization

/// Threads for work that blocks in the kernel: socket I/O, waiting for children,
/// statfs on a mount that may hang.
///
/// Swift's cooperative pool has one thread per core (two here); a single blocking
/// `connect` or `waitpid` on it would stall every other check. Jobs run here instead,
/// and `run(deadline:)` lets the caller give up on a job that overruns while the job
/// itself finishes in the background.
final class WorkerPool: Sendable {
    private final class State: @unchecked Sendable {
        // Guarded by `condition`.
        var queue: [@Sendable () -> Void] = []
        var head = 0
        var threads = 0
        var idle = 0
    }

    private let condition = NSCondition()
    private let state = State()
    private let maxThreads: Int
    private let idleExit: TimeInterval
    private let name: String

    init(maxThreads: Int, name: String, idleExit: TimeInterval = 30) {
        self.maxThreads = max(1, maxThreads)
        self.name = name
        self.idleExit = idleExit
    }

    /// Queues a job; starts a thread when none is idle and the limit allows.
    func submit(_ job: @escaping @Sendable () -> Void) {
        condition.lock()
        state.queue.append(job)
        let pending = state.queue.count - state.head
        let spawn = state.idle < pending && state.threads < maxThreads
        if spawn { state.threads += 1 }
        condition.signal()
        condition.unlock()
        if spawn {
            let thread = Thread { [self] in self.workLoop() }
            thread.name = name
            thread.stackSize = 512 << 10
            thread.start()
        }
    }

    private func workLoop() {
        condition.lock()
        while true {
            if state.head < state.queue.count {
                let job = state.queue[state.head]
                state.head += 1
                if state.head > 64, state.head * 2 > state.queue.count {
                    state.queue.removeFirst(state.head)
                    state.head = 0
                }
                condition.unlock()
                job()
                condition.lock()
                continue
            }
            state.idle += 1
            let signalled = condition.wait(until: Date(timeIntervalSinceNow: idleExit))
            state.idle -= 1
            if !signalled, state.head >= state.queue.count {
                state.threads -= 1
                condition.unlock()
                return
            }
        }
    }

    /// Runs `body` on a pool thread and returns its result, or nil when `deadline`
    /// passes first. An abandoned job keeps running; its result is discarded.
    func run<T: Sendable>(deadline: ContinuousClock.Instant?, _ body: @escaping @Sendable () -> T) async -> T? {
        let once = ResumeOnce<T?>()
        return await withCheckedContinuation { (continuation: CheckedContinuation<T?, Never>) in
            once.install(continuation)
            let alarm = deadline.map { timers.schedule($0) { once.resume(nil) } }
            submit { [timers] in
                let value = body()
                if let alarm { timers.cancel(alarm) }
                once.resume(value)
            }
        }
    }

    private let timers = DeadlineTimers()
}

/// Deadlines of pool jobs, watched by one thread rather than a sleeping task per job:
/// jobs nearly always finish first, and a task per job would cost several
/// scheduler hops on every scrape. The thread starts on demand and exits when idle.
final class DeadlineTimers: Sendable {
    private final class State: @unchecked Sendable {
        // Guarded by `condition`.
        var entries: [(id: UInt64, deadline: ContinuousClock.Instant, fire: @Sendable () -> Void)] = []
        var nextID: UInt64 = 0
        var threadRunning = false
    }

    private let condition = NSCondition()
    private let state = State()
    private let idleExit: Duration = .seconds(30)

    /// Calls `fire` at `deadline` unless cancelled first; returns the id to cancel with.
    func schedule(_ deadline: ContinuousClock.Instant, fire: @escaping @Sendable () -> Void) -> UInt64 {
        condition.lock()
        defer { condition.unlock() }
        state.nextID += 1
        let id = state.nextID
        let earliest = state.entries.map(\.deadline).min()
        state.entries.append((id, deadline, fire))
        if !state.threadRunning {
            state.threadRunning = true
            let thread = Thread { [self] in self.watch() }
            thread.name = "ember-deadlines"
            thread.stackSize = 256 << 10
            thread.start()
        } else if earliest.map({ deadline < $0 }) ?? true {
            // Only an earlier deadline than the one being waited for needs a wakeup.
            condition.signal()
        }
        return id
    }

    func cancel(_ id: UInt64) {
        condition.lock()
        state.entries.removeAll { $0.id == id }
        condition.unlock()
    }

    private func watch() {
        condition.lock()
        var idleSince: ContinuousClock.Instant?
        while true {
            let now = ContinuousClock.now
            guard let earliest = state.entries.map(\.deadline).min() else {
                if let since = idleSince, now - since >= idleExit {
                    state.threadRunning = false
                    condition.unlock()
                    return
                }
                if idleSince == nil { idleSince = now }
                _ = condition.wait(until: Date(timeIntervalSinceNow: Self.seconds(idleExit)))
                continue
            }
            idleSince = nil
            if earliest <= now {
                let due = state.entries.filter { $0.deadline <= now }
                state.entries.removeAll { $0.deadline <= now }
                condition.unlock()
                for entry in due { entry.fire() }
                condition.lock()
                continue
            }
            _ = condition.wait(until: Date(timeIntervalSinceNow: Self.seconds(now.duration(to: earliest))))
        }
    }

    private static func seconds(_ d: Duration) -> TimeInterval {
        Double(d.components.seconds) + Double(d.components.attoseconds) / 1e18
    }
}

final class ResumeOnce<T: Sendable>: Sendable {
    private let state = Mutex<(CheckedContinuation<T, Never>?, Bool)>((nil, false))

    func install(_ continuation: CheckedContinuation<T, Never>) {
        state.withLock { $0.0 = continuation }
    }

    func resume(_ value: T) {
        let continuation = state.withLock { s -> CheckedContinuation<T, Never>? in
            if s.1 { return nil }
            s.1 = true
            let c = s.0
            s.0 = nil
            return c
        }
        continuation?.resume(returning: value)
    }
}
