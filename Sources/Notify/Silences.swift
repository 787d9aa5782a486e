import Foundation
import Model

/// The life-cycle state of a silence.
public enum SilenceState: String, Sendable {
    case pending, active, expired
}

/// A silence: alerts matching every matcher are muted between startsAt and endsAt.
public struct Silence: Sendable, Equatable {
    public var id: String
    public var matchers: [Matcher]
    public var startsAt: Date
    public var endsAt: Date
    public var updatedAt: Date
    public var createdBy: String
    public var comment: String

    public init(id: String = "", matchers: [Matcher], startsAt: Date, endsAt: Date, updatedAt: Date = Date(timeIntervalSince1970: 0),
                createdBy: String, comment: String) {
        self.id = id
        self.matchers = matchers
        self.startsAt = startsAt
        self.endsAt = endsAt
        self.updatedAt = updatedAt
        self.createdBy = createdBy
        self.comment = comment
    }

    public func state(at now: Date) -> SilenceState {
        if now < startsAt { return .pending }
        if now < endsAt { return .active }
        return .expired
    }

    func mutes(_ labels: [String: String]) -> Bool { matchers.allMatch(labels) }
}

/// Why a silence was refused or could not be found.
public enum SilenceError: Error, CustomStringConvertible, Sendable, Equatable {
    case notFound(String)
    case invalid(String)
    case alreadyExpired(String)

    public var description: String {
        switch self {
        case .notFound(let id): return "silence \(id) not found"
        case .invalid(let why): return why
        case .alreadyExpired(let id): return "silence \(id) already expired"
        }
    }
}

/// The silence store's rules (Alertmanager's silence.Silences): validation,
/// in-place update when allowed, otherwise expire-and-replace.
struct SilenceBook {
    var silences: [String: Silence] = [:]

    static func validate(_ s: Silence) throws(SilenceError) {
        if s.matchers.isEmpty { throw .invalid("at least one matcher required") }
        if s.matchers.allSatisfy(\.matchesEmpty) {
            throw .invalid("at least one matcher must not match the empty string")
        }
        if s.endsAt < s.startsAt { throw .invalid("end time must not be before start time") }
    }

    /// Creates or updates; returns the id of the stored silence and every silence changed.
    mutating func set(_ new: Silence, now: Date) throws(SilenceError) -> (id: String, changed: [Silence]) {
        try Self.validate(new)
        var changed: [Silence] = []
        if !new.id.isEmpty {
            guard let prev = silences[new.id] else { throw .notFound(new.id) }
            if Self.canUpdate(prev, new, now: now) {
                var s = new
                s.updatedAt = now
                silences[s.id] = s
                return (s.id, [s])
            }
            if prev.state(at: now) != .expired, let expired = try? expire(prev.id, now: now) {
                changed.append(expired)
            }
        }
        var s = new
        s.id = UUID().uuidString.lowercased()
        if s.startsAt < now { s.startsAt = now }
        s.updatedAt = now
        silences[s.id] = s
        changed.append(s)
        return (s.id, changed)
    }

    private static func canUpdate(_ a: Silence, _ b: Silence, now: Date) -> Bool {
        if a.matchers != b.matchers { return false }
        switch a.state(at: now) {
        case .active:
            if Int64(a.startsAt.timeIntervalSince1970) != Int64(b.startsAt.timeIntervalSince1970) { return false }
            if b.endsAt < now { return false }
        case .pending:
            if b.startsAt < now { return false }
        case .expired:
            return false
        }
        return true
    }

    mutating func expire(_ id: String, now: Date) throws(SilenceError) -> Silence {
        guard var s = silences[id] else { throw .notFound(id) }
        switch s.state(at: now) {
        case .expired: throw .alreadyExpired(id)
        case .active: s.endsAt = now
        case .pending:
            s.startsAt = now
            s.endsAt = now
        }
        s.updatedAt = now
        silences[id] = s
        return s
    }

    /// Ids of the active silences muting `labels`, sorted.
    func mutedBy(_ labels: [String: String], now: Date) -> [String] {
        silences.values.filter { $0.state(at: now) == .active && $0.mutes(labels) }.map(\.id).sorted()
    }
}
