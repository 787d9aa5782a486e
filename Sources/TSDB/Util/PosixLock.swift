#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

/// A plain mutex. The store's shared state is a graph of classes mutated in
/// place under a few coarse locks; a lock object (rather than `Mutex<State>`)
/// lets that state live in ordinary stored properties.
final class PosixLock: @unchecked Sendable {
    private let mutex: UnsafeMutablePointer<pthread_mutex_t>

    init() {
        mutex = .allocate(capacity: 1)
        pthread_mutex_init(mutex, nil)
    }

    deinit {
        pthread_mutex_destroy(mutex)
        mutex.deallocate()
    }

    /// The mutex itself, for a hot path that holds the lock object alive by
    /// other means: calling through the object retains and releases it
    /// around every lock and unlock.
    var rawMutex: UnsafeMutablePointer<pthread_mutex_t> { mutex }

    @inline(__always) func lock() { pthread_mutex_lock(mutex) }
    @inline(__always) func unlock() { pthread_mutex_unlock(mutex) }

    @inline(__always)
    func withLock<T>(_ body: () throws -> T) rethrows -> T {
        pthread_mutex_lock(mutex)
        defer { pthread_mutex_unlock(mutex) }
        return try body()
    }
}

/// A condition variable paired with a `PosixLock`-like mutex of its own,
/// used by the background maintenance thread to sleep until woken or timed out.
final class WakeSignal: @unchecked Sendable {
    private let mutex: UnsafeMutablePointer<pthread_mutex_t>
    private let cond: UnsafeMutablePointer<pthread_cond_t>
    private var signalled = false

    init() {
        mutex = .allocate(capacity: 1)
        cond = .allocate(capacity: 1)
        pthread_mutex_init(mutex, nil)
        pthread_cond_init(cond, nil)
    }

    deinit {
        pthread_cond_destroy(cond)
        pthread_mutex_destroy(mutex)
        cond.deallocate()
        mutex.deallocate()
    }

    func signal() {
        pthread_mutex_lock(mutex)
        signalled = true
        pthread_cond_signal(cond)
        pthread_mutex_unlock(mutex)
    }

    /// Waits until signalled or `milliseconds` pass; true when signalled.
    @discardableResult
    func wait(milliseconds: Int) -> Bool {
        pthread_mutex_lock(mutex)
        defer { pthread_mutex_unlock(mutex) }
        if !signalled {
            var now = timespec()
            clock_gettime(CLOCK_REALTIME, &now)
            var deadline = timespec()
            let ns = Int(now.tv_nsec) + (milliseconds % 1000) * 1_000_000
            deadline.tv_sec = now.tv_sec + milliseconds / 1000 + ns / 1_000_000_000
            deadline.tv_nsec = ns % 1_000_000_000
            _ = pthread_cond_timedwait(cond, mutex, &deadline)
        }
        let was = signalled
        signalled = false
        return was
    }
}
