import HTTPClient
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
    /// Sorted base labels per check, computed once.
    nonisolated let labels: [CheckLabels]
    private let pool: WorkerPool
    private let httpClient: HTTPClient?
    private var cached: [CheckResult?]
    private var inFlight: [Run?]

    /// A check's run in progress: its own task, or its slot in a batch of local checks
    /// (one task for the whole batch, so 90 local checks cost one task, not 90).
    enum Run: Sendable {
        case single(Task<CheckResult, Never>)
        case batch(Task<[CheckResult], Never>, Int)

        var value: CheckResult {
            get async {
                switch self {
                case .single(let task): return await task.value
                case .batch(let task, let k): return await task.value[k]
                }
            }
        }
    }

    /// Extra time a run gets beyond its timeout before the scheduler stops waiting,
    /// so the check's own, more precise timeout message usually wins.
    static let grace: Duration = .milliseconds(150)

    init(checks: [any Check], options: ExporterOptions, pool: WorkerPool, httpClient: HTTPClient?) {
        self.checks = checks
        self.httpClient = httpClient
        self.labels = checks.map { CheckLabels($0.config) }
        self.options = options
        self.pool = pool
        self.cached = Array(repeating: nil, count: checks.count)
        self.inFlight = Array(repeating: nil, count: checks.count)
    }

    /// Results for all checks, in configuration order (nil only for a check that has
    /// neither a result nor a run, which the scheduling below never leaves).
    func results(snapshot: HostSnapshot) async -> [CheckResult?] {
        var awaited: [Int] = []
        var background: [Int] = []
        var out: [CheckResult?] = Array(repeating: nil, count: checks.count)
        let now = ContinuousClock.now
        for i in checks.indices {
            let interval = checks[i].config.interval
            if interval == .zero {
                awaited.append(i)
            } else if let result = cached[i] {
                out[i] = result
                if now - result.finishedMonotonic >= .milliseconds(interval.milliseconds) { background.append(i) }
            } else {
                awaited.append(i)
            }
        }
        let tasks = start(awaited, snapshot: snapshot)
        _ = start(background, snapshot: snapshot)
        for i in awaited {
            if let run = tasks[i] { out[i] = await run.value }
        }
        return out
    }

    /// Starts runs for checks that are not already running; local checks go into one
    /// shared worker job, the others run each on their own.
    private func start(_ indices: [Int], snapshot: HostSnapshot) -> [Int: Run] {
        var tasks: [Int: Run] = [:]
        var local: [(Int, any LocalCheck)] = []
        let context = CheckContext(options: options, pool: pool, httpClient: httpClient, snapshot: snapshot)
        for i in indices {
            if let running = inFlight[i] {
                tasks[i] = running
            } else if let check = checks[i] as? any LocalCheck {
                local.append((i, check))
            } else {
                let check = checks[i]
                let task = Task.detached { () -> CheckResult in
                    let result = await Self.run(check, context: context)
                    await self.finish(i, result)
                    return result
                }
                inFlight[i] = .single(task)
                tasks[i] = .single(task)
            }
        }
        if !local.isEmpty {
            let indices = local.map(\.0)
            let batch = Task.detached { () -> [CheckResult] in
                let results = await Self.runLocal(local.map(\.1), context: context)
                await self.finish(indices, results)
                return results
            }
            for (k, i) in indices.enumerated() {
                inFlight[i] = .batch(batch, k)
                tasks[i] = .batch(batch, k)
            }
        }
        return tasks
    }

    private func finish(_ indices: [Int], _ results: [CheckResult]) {
        for (i, result) in zip(indices, results) { finish(i, result) }
    }

    private func finish(_ i: Int, _ result: CheckResult) {
        cached[i] = result
        inFlight[i] = nil
        if !result.outcome.success {
            options.logger.debug("check failed", metadata: [
                "check": "\(checks[i].config.name)", "reason": "\(result.outcome.reason ?? "")", "message": "\(result.outcome.message ?? "")",
            ])
        }
    }

    /// Local checks, one after another in a single worker job, bounded as a whole by
    /// the longest of their timeouts.
    static func runLocal(_ checks: [any LocalCheck], context: CheckContext) async -> [CheckResult] {
        let longest = checks.map(\.config.timeout.milliseconds).max() ?? 0
        let hardDeadline = ContinuousClock.now.advanced(by: .milliseconds(longest) + grace)
        let started = ContinuousClock.now
        let results = await context.pool.run(deadline: hardDeadline) { () -> [CheckResult] in
            checks.map { check in
                let checkStarted = ContinuousClock.now
                let outcome = check.evaluate(context)
                return CheckResult(outcome: outcome, durationSeconds: seconds(since: checkStarted), finishedAt: wallClockSeconds(),
                                   finishedMonotonic: ContinuousClock.now)
            }
        }
        if let results { return results }
        let timedOut = CheckResult(outcome: .failure("timeout", "reading host state did not finish in time"), durationSeconds: seconds(since: started),
                                   finishedAt: wallClockSeconds(), finishedMonotonic: ContinuousClock.now)
        return Array(repeating: timedOut, count: checks.count)
    }

    /// One run with a hard bound: whatever the check does, this returns by its
    /// timeout plus `grace`.
    static func run(_ check: any Check, context: CheckContext) async -> CheckResult {
        let started = ContinuousClock.now
        let timeout = Duration.milliseconds(check.config.timeout.milliseconds)
        let deadline = Deadline(after: check.config.timeout.seconds)
        let hardDeadline = started.advanced(by: timeout + grace)
        let outcome: CheckOutcome?
        if let blocking = check as? any BlockingCheck {
            outcome = await context.pool.run(deadline: hardDeadline) { blocking.runBlocking(context, deadline: deadline) }
        } else {
            outcome = await withHardDeadline(hardDeadline) { await check.execute(context, deadline: deadline) }
        }
        return CheckResult(outcome: outcome ?? .failure("timeout", "check did not finish within its timeout of \(check.config.timeout)"),
                           durationSeconds: seconds(since: started), finishedAt: wallClockSeconds(),
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
