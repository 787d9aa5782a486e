import Model

/// A target's health as the last scrape left it (Prometheus's `up`, `down`, `unknown`).
public enum TargetHealth: String, Sendable, Hashable {
    case up, down, unknown
}

/// What `/api/v1/targets` shows for one active target.
public struct TargetState: Sendable, Hashable {
    /// Labels before target relabeling (with the job's defaults).
    public var discoveredLabels: Labels
    /// The target's labels, as attached to its samples.
    public var labels: Labels
    /// The job name.
    public var scrapePool: String
    /// The URL scraped, with its query.
    public var scrapeURL: String
    /// `scrapeURL` with a loopback host replaced by this machine's host name.
    public var globalURL: String
    /// Empty after a successful scrape.
    public var lastError: String
    /// Wall-clock time of the last scrape (ms since the epoch), nil before the first.
    public var lastScrape: Timestamp?
    /// Seconds the last scrape took.
    public var lastScrapeDuration: Double
    /// `unknown` until the first scrape ends.
    public var health: TargetHealth
    /// The target's own interval and timeout (relabeling may set them per target).
    public var scrapeInterval: PromDuration
    public var scrapeTimeout: PromDuration
    /// Samples rejected as out of order or duplicate since the target was created.
    public var rejectedSamples: Int
    /// Scrapes skipped because the previous one overran the interval.
    public var missedScrapes: Int
    /// Successful and failed scrapes since the target was created.
    public var scrapes: Int
    /// Failed scrapes since the target was created.
    public var failedScrapes: Int
}

/// A target that target relabeling dropped, for `/api/v1/targets?state=dropped`.
public struct DroppedTarget: Sendable, Hashable {
    /// Labels before relabeling (with the job's defaults).
    public var discoveredLabels: Labels
    /// The job name.
    public var scrapePool: String
}

/// HELP, TYPE and UNIT a target exposed for one metric family (`/api/v1/metadata`).
public struct MetricMetadata: Sendable, Hashable {
    /// Prometheus's API names: `counter`, `gauge`, `histogram`, `gaugehistogram`,
    /// `summary`, `info`, `stateset`, `unknown`.
    public var type: String
    /// The unescaped `# HELP` text.
    public var help: String
    /// The OpenMetrics `# UNIT`, empty if none.
    public var unit: String

    /// Metadata with the given fields; a metric without `# TYPE` is `unknown`.
    public init(type: String = "unknown", help: String = "", unit: String = "") {
        self.type = type
        self.help = help
        self.unit = unit
    }
}

/// A service discovery problem: the source (file) and what is wrong with it.
public struct DiscoveryError: Sendable, Hashable, CustomStringConvertible {
    /// The job whose discovery failed.
    public var job: String
    /// The file (or other source) at fault.
    public var source: String
    /// What is wrong, with file:line:column where known.
    public var message: String
    public var description: String { "job \(quoteLabelValue(job)): \(source): \(message)" }
}
