import Foundation
import Model
import Synchronization

/// An alert as a client posts it (Alertmanager's postableAlert): what Ember's
/// rule manager and POST /api/v2/alerts deliver. Fields are those of the JSON.
public struct PostableAlert: Sendable, Equatable {
    public var labels: [String: String]
    public var annotations: [String: String]
    /// nil means "now".
    public var startsAt: Date?
    /// nil means "until resolve_timeout passes without a fresh update".
    public var endsAt: Date?
    public var generatorURL: String

    /// Creates an alert; only the labels are required.
    public init(labels: [String: String], annotations: [String: String] = [:], startsAt: Date? = nil,
                endsAt: Date? = nil, generatorURL: String = "") {
        self.labels = labels
        self.annotations = annotations
        self.startsAt = startsAt
        self.endsAt = endsAt
        self.generatorURL = generatorURL
    }
}

/// Receives alerts from an alert source (Ember's rule manager).
public protocol AlertSink: Sendable {
    func receive(_ alerts: [PostableAlert]) async
}

/// An alert held by the notifier.
struct Alert: Sendable, Equatable {
    var labels: [String: String]
    var annotations: [String: String]
    var startsAt: Date
    var endsAt: Date
    var generatorURL: String
    var updatedAt: Date
    /// endsAt was derived from resolve_timeout, not sent by the client.
    var timeout: Bool
    let fingerprint: UInt64

    init(labels: [String: String], annotations: [String: String], startsAt: Date, endsAt: Date,
         generatorURL: String, updatedAt: Date, timeout: Bool) {
        self.labels = labels
        self.annotations = annotations
        self.startsAt = startsAt
        self.endsAt = endsAt
        self.generatorURL = generatorURL
        self.updatedAt = updatedAt
        self.timeout = timeout
        self.fingerprint = Self.fingerprint(labels)
    }

    /// Alertmanager's label-set fingerprint (FNV-1a over sorted pairs).
    static func fingerprint(_ labels: [String: String]) -> UInt64 { Labels(labels).stableHash }

    var fingerprintHex: String {
        let s = String(fingerprint, radix: 16)
        return String(repeating: "0", count: max(0, 16 - s.count)) + s
    }

    func resolved(at now: Date) -> Bool { endsAt <= now }

    /// Alertmanager's Alert.Merge: `self` is the stored alert, `newer` the update.
    func merged(with newer: Alert) -> Alert {
        if newer.updatedAt < updatedAt { return newer.merged(with: self) }
        var result = newer
        if startsAt < newer.startsAt { result.startsAt = startsAt }
        if newer.endsAt <= newer.updatedAt {
            if endsAt <= updatedAt && endsAt > newer.endsAt { result.endsAt = endsAt }
        } else if endsAt > newer.endsAt && !timeout {
            result.endsAt = endsAt
        }
        return result
    }

    /// Alertmanager's AlertSlice order: by job, then instance, then the whole label set.
    static func precedes(_ a: Alert, _ b: Alert) -> Bool {
        for key in ["job", "instance"] {
            let x = a.labels[key], y = b.labels[key]
            if x == nil && y == nil { continue }
            guard let xv = x else { return false }
            guard let yv = y else { return true }
            if xv != yv { return xv < yv }
        }
        return Labels(a.labels) < Labels(b.labels)
    }
}

/// The source of "now" for every timing decision, injectable so tests are deterministic.
public protocol NotifyClock: Sendable {
    func now() -> Date
}

/// Wall-clock time.
public struct SystemClock: NotifyClock {
    public init() {}
    /// The current wall-clock time.
    public func now() -> Date { Date() }
}

/// A clock that only moves when told to.
public final class ManualClock: NotifyClock {
    private let current: Mutex<Date>
    /// A clock standing at `start`.
    public init(_ start: Date) { current = Mutex(start) }
    /// The time the clock stands at.
    public func now() -> Date { current.withLock { $0 } }
    /// Moves the clock forward.
    public func advance(by seconds: Double) { current.withLock { $0 = $0.addingTimeInterval(seconds) } }
    /// Puts the clock at `date`.
    public func set(_ date: Date) { current.withLock { $0 = date } }
}
