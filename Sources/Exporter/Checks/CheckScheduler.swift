import Logging

/// A finished check run, as served to scrapes.
struct CheckResult: Sendable {
    var outcome: CheckOutcome
    var durationSeconds: Double
    /// Wall-clock end of the run, seconds since the epoch.
    var finishedAt: Double
    /// Monotonic end of the run, for interval bookkeeping.
    var finishedMonotonic: ContinuousClock.Instant
}

/// Runs checks concurrently, each bounded by its timeout, and caches the results of
/// checks that have their own interval.
///
/// - A per-scrape check (interval 0) runs during the scrape; concurrent scrapes share
///   one run.
/// - An interval check is served from its cache. When the cache is older than the
///   interval, a refresh starts in the background and the scrape still gets the
///   cached result; only the very first scrape waits for a run.
actor CheckScheduler {
    private let checks: [any Check]
    private let options: ExporterOptions
    private let pool: WorkerPool
    private var cached: [CheckResult?]
    private var inFlight: [Task<CheckResult, Never>?]

    /// Extra time a run gets beyond its timeout before the scheduler stops waiting,
    /// so the check's own, more precise timeout message usually wins.
    static let grace: Duration = .milliseconds(150)

    init(checks: [any Check], options: ExporterOptions, pool: WorkerPool) {
        self.checks = checks
        self.options = options
        self.pool = pool
        self.cached = Array(repeating: nil, count: checks.count)
        self.inFlight = Array(repeating: nil, count: checks.count)
    }

    /// Results for all checks, in configuration order.
    func results(snapshot: HostSnapshot) async -> [CheckResult] {
        var waits: [(Int, Task<CheckResult, Never>)] = []
        var out: [CheckResult?] = Array(repeating: nil, count: checks.count)
        let now = ContinuousClock.now
        for i in checks.indices {
            let interval = checks[i].config.interval
            if interval == .zero {
                waits.append((i, start(i, snapshot: snapshot)))
                continue
            }
            if let result = cached[i] {
                out[i] = result
                if now - result.finishedMonotonic >= .milliseconds(interval.milliseconds) {
                    _ = start(i, snapshot: snapshot)
                }
            } else {
                waits.append((i, start(i, snapshot: snapshot)))
            }
        }
        for (i, task) in waits { out[i] = await task.value }
        return out.compactMap { $0 }
    }

    private func start(_ i: Int, snapshot: HostSnapshot) -> Task<CheckResult, Never> {
        if let running = inFlight[i] { return running }
        let check = checks[i]
        let context = CheckContext(options: options, pool: pool, snapshot: snapshot)
        let logger = options.logger
        let task = Task.detached { () -> CheckResult in
            let result = await Self.run(check, context: context)
            if !result.outcome.success {
                logger.debug("check failed", metadata: ["check": "\(check.config.name)", "reason": "\(result.outcome.reason ?? "")",
                                                        "message": "\(result.outcome.message ?? "")"])
            }
            await self.finish(i, result)
            return result
        }
        inFlight[i] = task
        return task
    }

    private func finish(_ i: Int, _ result: CheckResult) {
        cached[i] = result
        inFlight[i] = nil
    }

    /// One run with a hard bound: whatever the check does, this returns by its
    /// timeout plus `grace`.
    static func run(_ check: any Check, context: CheckContext) async -> CheckResult {
        let started = ContinuousClock.now
        let timeout = Duration.milliseconds(check.config.timeout.milliseconds)
        let deadline = Deadline(after: check.config.timeout.seconds)
        let hardDeadline = started.advanced(by: timeout + grace)
        let outcome = await withHardDeadline(hardDeadline) {
            await check.execute(context, deadline: deadline)
        } ?? .failure("timeout", "check did not finish within its timeout of \(check.config.timeout)")
        return CheckResult(outcome: outcome, durationSeconds: seconds(since: started), finishedAt: wallClockSeconds(),
                           finishedMonotonic: ContinuousClock.now)
    }
}

/// Runs `body` and returns its value, or nil once `deadline` passes (the body keeps
/// running and its eventual result is dropped).
func withHardDeadline<T: Sendable>(_ deadline: ContinuousClock.Instant, _ body: @escaping @Sendable () async -> T) async -> T? {
    let once = ResumeOnce<T?>()
    return await withCheckedContinuation { (continuation: CheckedContinuation<T?, Never>) in
        once.install(continuation)
        let timer = Task.detached {
            try? await Task.sleep(until: deadline, clock: .continuous)
            if !Task.isCancelled { once.resume(nil) }
        }
        Task.detached {
            let value = await body()
            timer.cancel()
            once.resume(value)
        }
    }
}
