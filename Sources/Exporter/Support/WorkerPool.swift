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
            var timer: Task<Void, Never>? = nil
            if let deadline {
                timer = Task.detached {
                    try? await Task.sleep(until: deadline, clock: .continuous)
                    if !Task.isCancelled { once.resume(nil) }
                }
            }
            let timerHandle = timer
            submit {
                let value = body()
                timerHandle?.cancel()
                once.resume(value)
            }
        }
    }
}

/// Resumes a continuation at most once, whichever of the job or its timer finishes first.
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
