import Foundation
import Model
import Synchronization

/// The time source of the rule manager, so tests can drive evaluation deterministically.
public protocol RuleClock: Sendable {
    /// Current time, Unix ms.
    func now() -> Timestamp
    /// Returns once `now() >= deadline`; throws `CancellationError` if the task is cancelled.
    func sleep(until deadline: Timestamp) async throws
}

/// Wall-clock time.
public struct SystemRuleClock: RuleClock {
    /// The system clock.
    public init() {}

    /// Current wall-clock time, Unix ms.
    public func now() -> Timestamp { Clock.nowMillis() }

    /// Sleeps until `deadline` (Unix ms) or cancellation.
    public func sleep(until deadline: Timestamp) async throws {
        let wait = deadline - now()
        if wait > 0 { try await Task.sleep(for: .milliseconds(wait)) }
        try Task.checkCancellation()
    }
}

/// A clock that moves only when told to. Sleepers wake when `advance` passes their deadline.
public final class ManualRuleClock: RuleClock {
    private struct Sleeper {
        var deadline: Timestamp
        var id: Int
        var continuation: CheckedContinuation<Void, any Error>
    }

    private struct State {
        var now: Timestamp
        var sleepers: [Sleeper] = []
        var nextID = 0
    }

    private let state: Mutex<State>

    /// A clock standing at `now` (Unix ms).
    public init(now: Timestamp) { state = Mutex(State(now: now)) }

    /// The time the clock was last advanced to.
    public func now() -> Timestamp { state.withLock { $0.now } }

    /// Number of tasks currently sleeping on this clock (lets tests wait until a loop is idle).
    public var sleeperCount: Int { state.withLock { $0.sleepers.count } }

    /// Moves time to `t` (never backwards) and wakes sleepers whose deadline has come.
    public func advance(to t: Timestamp) {
        let due: [Sleeper] = state.withLock { s in
            s.now = max(s.now, t)
            let now = s.now
            let ready = s.sleepers.filter { $0.deadline <= now }
            s.sleepers.removeAll { $0.deadline <= now }
            return ready
        }
        for s in due { s.continuation.resume() }
    }

    /// Sleeps until `deadline` (Unix ms) or cancellation.
    public func sleep(until deadline: Timestamp) async throws {
        let id = state.withLock { s -> Int in
            s.nextID += 1
            return s.nextID
        }
        try await withTaskCancellationHandler {
            try await withCheckedThrowingContinuation { (c: CheckedContinuation<Void, any Error>) in
                let resumeNow: Bool = state.withLock { s in
                    if s.now >= deadline || Task.isCancelled { return true }
                    s.sleepers.append(Sleeper(deadline: deadline, id: id, continuation: c))
                    return false
                }
                if resumeNow { c.resume() }
            }
        } onCancel: {
            let cancelled = state.withLock { s -> Sleeper? in
                guard let i = s.sleepers.firstIndex(where: { $0.id == id }) else { return nil }
                return s.sleepers.remove(at: i)
            }
            cancelled?.continuation.resume(throwing: CancellationError())
        }
        try Task.checkCancellation()
    }
}
