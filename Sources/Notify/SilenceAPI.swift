import Foundation
import Model

extension NotifyAPI {
    func getSilences(_ query: [String: [String]]) async -> Response {
        var matchers: [Matcher] = []
        do {
            for f in query["filter"] ?? [] { matchers.append(try AlertmanagerMatchers.parseOne(f)) }
        } catch {
            return Self.error(400, error.reason)
        }
        let now = await notifier.now()
        let silences = await notifier.silences().filter { s in
            var byName: [String: String] = [:]
            for m in s.matchers { byName[m.name] = m.value }
            return matchers.allMatch(byName)
        }
        return Self.json(.array(Self.sortedForAPI(silences, now: now).map { Self.silenceJSON($0, now: now) }))
    }

    func getSilence(_ id: String) async -> Response {
        guard let s = await notifier.silence(id: id) else { return Self.error(404, "silence \(id) not found") }
        return Self.json(Self.silenceJSON(s, now: await notifier.now()))
    }

    func deleteSilence(_ id: String) async -> Response {
        do {
            try await notifier.expireSilence(id: id)
            return (200, "application/json", [])
        } catch .notFound {
            return Self.error(404, "silence \(id) not found")
        } catch {
            return Self.error(500, error.description)
        }
    }

    func postSilence(_ body: [UInt8]) async -> Response {
        guard let obj = (try? JSONSerialization.jsonObject(with: Data(body))) as? [String: Any] else {
            return Self.error(400, "body must be a JSON object")
        }
        guard let rawMatchers = obj["matchers"] as? [[String: Any]] else { return Self.error(400, "matchers: required array") }
        var matchers: [Matcher] = []
        for (i, m) in rawMatchers.enumerated() {
            guard let name = m["name"] as? String, let value = m["value"] as? String else {
                return Self.error(400, "matchers[\(i)]: name and value are required")
            }
            let isRegex = m["isRegex"] as? Bool ?? false, isEqual = m["isEqual"] as? Bool ?? true
            let type: MatchType = isRegex ? (isEqual ? .regexMatch : .regexNoMatch) : (isEqual ? .equal : .notEqual)
            do {
                matchers.append(try Matcher(type, name, value))
            } catch {
                return Self.error(400, "matchers[\(i)]: \(error)")
            }
        }
        guard let startsText = obj["startsAt"] as? String, let startsAt = parseRFC3339(startsText),
              let endsText = obj["endsAt"] as? String, let endsAt = parseRFC3339(endsText) else {
            return Self.error(400, "startsAt and endsAt must be RFC 3339 timestamps")
        }
        let now = await notifier.now()
        if endsAt < now { return Self.error(400, "Failed to create silence: end time can't be in the past") }
        if startsAt >= endsAt { return Self.error(400, "Failed to create silence: start time must be before end time") }
        let silence = Silence(id: obj["id"] as? String ?? "", matchers: matchers, startsAt: startsAt, endsAt: endsAt,
                              createdBy: obj["createdBy"] as? String ?? "", comment: obj["comment"] as? String ?? "")
        do {
            let id = try await notifier.setSilence(silence)
            return Self.json(.object([("silenceID", .string(id))]))
        } catch .notFound(let id) {
            return Self.error(404, "silence \(id) not found")
        } catch {
            return Self.error(400, error.description)
        }
    }

    static func silenceJSON(_ s: Silence, now: Date) -> JSONValue {
        .object([
            ("id", .string(s.id)),
            ("status", .object([("state", .string(s.state(at: now).rawValue))])),
            ("updatedAt", .string(apiTimestamp(s.updatedAt))),
            ("comment", .string(s.comment)),
            ("createdBy", .string(s.createdBy)),
            ("endsAt", .string(apiTimestamp(s.endsAt))),
            ("matchers", .array(s.matchers.map { m in
                .object([
                    ("isEqual", .bool(m.type == .equal || m.type == .regexMatch)),
                    ("isRegex", .bool(m.type == .regexMatch || m.type == .regexNoMatch)),
                    ("name", .string(m.name)),
                    ("value", .string(m.value)),
                ])
            })),
            ("startsAt", .string(apiTimestamp(s.startsAt))),
        ])
    }

    /// Alertmanager's order: active (ending soonest first), pending (starting soonest first),
    /// then expired (most recently ended first).
    static func sortedForAPI(_ list: [Silence], now: Date) -> [Silence] {
        func rank(_ s: Silence) -> Int {
            switch s.state(at: now) {
            case .active: return 0
            case .pending: return 1
            case .expired: return 2
            }
        }
        return list.sorted { a, b in
            let ra = rank(a), rb = rank(b)
            if ra != rb { return ra < rb }
            switch ra {
            case 0: return a.endsAt < b.endsAt
            case 1: return a.startsAt < b.startsAt
            default: return a.endsAt > b.endsAt
            }
        }
    }
}
