import HTTPClient
import Logging

/// What one run of a check found.
struct CheckOutcome: Sendable {
    var success: Bool
    /// The check's own metrics (beyond `ember_check_*`).
    var metrics: MetricSet
    /// A short, stable cause for `ember_check_error{reason}` when it failed.
    var reason: String?
    /// A human explanation for logs.
    var message: String?

    static func failure(_ reason: String, _ message: String, metrics: MetricSet = MetricSet()) -> CheckOutcome {
        CheckOutcome(success: false, metrics: metrics, reason: reason, message: message)
    }
}

/// Everything a check may use while it runs.
struct CheckContext: Sendable {
    let options: ExporterOptions
    let pool: WorkerPool
    /// libcurl client for https:// probes; present when the checks include http probes.
    let httpClient: HTTPClient?
    /// Shared by the checks of one scrape, so 50 process checks scan /proc once.
    let snapshot: HostSnapshot
}

/// A runnable check.
protocol Check: Sendable {
    var config: CheckConfig { get }
    func execute(_ context: CheckContext, deadline: Deadline) async -> CheckOutcome
}

/// A check that only reads host state (/proc, stat): cheap and non-blocking, so the
/// scheduler runs all of a scrape's local checks together in one worker job.
protocol LocalCheck: Check {
    func evaluate(_ context: CheckContext) -> CheckOutcome
}

extension LocalCheck {
    func execute(_ context: CheckContext, deadline: Deadline) async -> CheckOutcome {
        await context.pool.run(deadline: nil) { evaluate(context) } ?? .failure("timeout", "check did not finish")
    }
}

/// A check whose work is synchronous and bounded by its own deadline (sockets with
/// poll timeouts, children killed at the deadline): the scheduler runs it straight
/// on a worker thread.
protocol BlockingCheck: Check {
    func runBlocking(_ context: CheckContext, deadline: Deadline) -> CheckOutcome
}

extension BlockingCheck {
    func execute(_ context: CheckContext, deadline: Deadline) async -> CheckOutcome {
        await context.pool.run(deadline: nil) { runBlocking(context, deadline: deadline) } ?? .failure("timeout", "check did not finish")
    }
}

/// Labels shared by every metric of a check: `check` and the configured ones.
struct CheckLabels: Sendable {
    let base: [LabelPair]

    init(_ config: CheckConfig) {
        base = ([LabelPair("check", config.name)] + config.labels).sorted { $0.name < $1.name }
    }

    /// The base labels plus `extra` (which wins on a name clash, so a page never
    /// repeats a label name), sorted by name as client_golang exposes them.
    func with(_ extra: [LabelPair]) -> [LabelPair] {
        if extra.isEmpty { return base }
        var merged = base.filter { b in !extra.contains { $0.name == b.name } }
        for pair in extra where !merged.contains(where: { $0.name == pair.name }) { merged.append(pair) }
        return merged.sorted { $0.name < $1.name }
    }
}

/// Builds a check from its configuration.
func makeCheck(_ config: CheckConfig) throws -> any Check {
    switch config.kind {
    case .port(let c): return PortCheck(config: config, port: c)
    case .service(let c): return ServiceCheck(config: config, service: c)
    case .process(let c): return try ProcessCheck(config: config, process: c)
    case .tcp(let c): return try TCPProbe(config: config, tcp: c)
    case .http(let c): return try HTTPProbe(config: config, http: c)
    case .command(let c): return try CommandCheck(config: config, command: c)
    case .file(let c): return FileCheck(config: config, file: c)
    }
}
