import Foundation
import Model

/// Alertmanager's HTTP API v2, free of any server framework: the server hands
/// each request under /api/v2/ to ``handle(method:path:query:body:)``.
public struct NotifyAPI: Sendable {
    /// A complete response.
    public typealias Response = (status: Int, contentType: String, body: [UInt8])

    /// The notifier whose state the API reads and changes.
    public let notifier: Notifier
    /// Reported in /api/v2/status versionInfo.
    public let version: String

    /// Serves `notifier`, reporting `version` in the status.
    public init(notifier: Notifier, version: String = "ember") {
        self.notifier = notifier
        self.version = version
    }

    /// Serves GET/POST /api/v2/alerts, GET /api/v2/alerts/groups, GET/POST /api/v2/silences,
    /// GET/DELETE /api/v2/silence/{id}, GET /api/v2/status and GET /api/v2/receivers.
    public func handle(method: String, path: String, query: [String: [String]], body: [UInt8]) async -> Response {
        var p = path
        while p.count > 1 && p.hasSuffix("/") { p.removeLast() }
        switch (method, p) {
        case ("GET", "/api/v2/alerts"): return await getAlerts(query)
        case ("POST", "/api/v2/alerts"): return await postAlerts(body)
        case ("GET", "/api/v2/alerts/groups"): return await getGroups(query)
        case ("GET", "/api/v2/silences"): return await getSilences(query)
        case ("POST", "/api/v2/silences"): return await postSilence(body)
        case ("GET", "/api/v2/status"): return await status()
        case ("GET", "/api/v2/receivers"): return await receivers()
        default: break
        }
        if p.hasPrefix("/api/v2/silence/") {
            let id = String(p.dropFirst("/api/v2/silence/".count))
            switch method {
            case "GET": return await getSilence(id)
            case "DELETE": return await deleteSilence(id)
            default: return Self.error(405, "method \(method) not allowed")
            }
        }
        let known = ["/api/v2/alerts", "/api/v2/alerts/groups", "/api/v2/silences", "/api/v2/status", "/api/v2/receivers"]
        if known.contains(p) { return Self.error(405, "method \(method) not allowed") }
        return Self.error(404, "path \(path) was not found")
    }

    // MARK: Alerts

    private func getAlerts(_ query: [String: [String]]) async -> Response {
        let filter: AlertFilter
        do { filter = try AlertFilter(query) } catch { return Self.error(400, error.description) }
        // Alertmanager lists alerts in fingerprint order.
        let views = await notifier.alertViews().filter(filter.accepts).sorted { $0.fingerprint < $1.fingerprint }
        return Self.json(.array(views.map(Self.alertJSON)))
    }

    private func getGroups(_ query: [String: [String]]) async -> Response {
        let filter: AlertFilter
        do { filter = try AlertFilter(query) } catch { return Self.error(400, error.description) }
        var out: [JSONValue] = []
        for g in await notifier.groupViews() {
            if let re = filter.receiver, !re.matches(g.receiver) { continue }
            let alerts = g.alerts.filter(filter.acceptsState).filter(filter.acceptsLabels)
            if alerts.isEmpty { continue }
            out.append(.object([("alerts", .array(alerts.map(Self.alertJSON))), ("labels", .strings(g.labels)),
                                ("receiver", .object([("name", .string(g.receiver))]))]))
        }
        return Self.json(.array(out))
    }

    private func postAlerts(_ body: [UInt8]) async -> Response {
        guard let list = (try? JSONSerialization.jsonObject(with: Data(body))) as? [[String: Any]] else {
            return Self.error(400, "body must be a JSON array of alerts")
        }
        var alerts: [PostableAlert] = []
        for (i, item) in list.enumerated() {
            guard let labels = item["labels"] as? [String: String] else {
                return Self.error(400, "alerts[\(i)]: labels must be an object of strings")
            }
            var a = PostableAlert(labels: labels, annotations: item["annotations"] as? [String: String] ?? [:],
                                  generatorURL: item["generatorURL"] as? String ?? "")
            for (key, path) in [("startsAt", \PostableAlert.startsAt), ("endsAt", \PostableAlert.endsAt)] {
                guard let text = item[key] as? String, !text.isEmpty else { continue }
                guard let date = parseRFC3339(text) else { return Self.error(400, "alerts[\(i)]: invalid \(key) \(text)") }
                a[keyPath: path] = date
            }
            alerts.append(a)
        }
        do {
            try await notifier.post(alerts)
        } catch {
            return Self.error(400, error.message)
        }
        return (200, "application/json", [])
    }

    static func alertJSON(_ a: AlertView) -> JSONValue {
        var fields: [(String, JSONValue)] = [
            ("annotations", .strings(a.annotations)),
            ("endsAt", .string(apiTimestamp(a.endsAt))),
            ("fingerprint", .string(a.fingerprint)),
            ("receivers", .array(a.receivers.map { .object([("name", .string($0))]) })),
            ("startsAt", .string(apiTimestamp(a.startsAt))),
            ("status", .object([("inhibitedBy", .array(a.inhibitedBy.map { .string($0) })),
                                ("silencedBy", .array(a.silencedBy.map { .string($0) })),
                                ("state", .string(a.state.rawValue))])),
            ("updatedAt", .string(apiTimestamp(a.updatedAt))),
        ]
        // Alertmanager omits an empty generatorURL.
        if !a.generatorURL.isEmpty { fields.append(("generatorURL", .string(a.generatorURL))) }
        fields.append(("labels", .strings(a.labels)))
        return .object(fields)
    }

    // MARK: Status and receivers

    private func status() async -> Response {
        let (original, startedAt) = await notifier.statusInfo()
        return Self.json(.object([
            ("cluster", .object([("peers", .array([])), ("status", .string("disabled"))])),
            ("config", .object([("original", .string(original))])),
            ("uptime", .string(apiTimestamp(startedAt))),
            ("versionInfo", .object([("branch", .string("")), ("buildDate", .string("")), ("buildUser", .string("")),
                                     ("goVersion", .string("")), ("revision", .string("")), ("version", .string(version))])),
        ]))
    }

    private func receivers() async -> Response {
        Self.json(.array(await notifier.receiverNames().map { .object([("name", .string($0))]) }))
    }

    // MARK: Helpers

    static func json(_ v: JSONValue, status: Int = 200) -> Response { (status, "application/json", v.bytes) }

    /// Alertmanager answers errors with a JSON string.
    static func error(_ status: Int, _ message: String) -> Response { json(.string(message), status: status) }
}

/// The filter query parameters of GET /api/v2/alerts and /alerts/groups.
struct AlertFilter {
    var active = true, silenced = true, inhibited = true
    var matchers: [Matcher] = []
    var receiver: FastRegex?

    init(_ q: [String: [String]]) throws(MatcherParseError) {
        func flag(_ name: String) throws(MatcherParseError) -> Bool {
            guard let v = q[name]?.last else { return true }
            switch v.lowercased() {
            case "true", "1": return true
            case "false", "0": return false
            default: throw MatcherParseError(input: v, reason: "invalid boolean \(quoteLabelValue(v)) for \(name)")
            }
        }
        active = try flag("active")
        silenced = try flag("silenced")
        inhibited = try flag("inhibited")
        _ = try flag("unprocessed")
        for f in q["filter"] ?? [] { matchers.append(try AlertmanagerMatchers.parseOne(f)) }
        if let r = q["receiver"]?.last, !r.isEmpty {
            do { receiver = try FastRegex(r) } catch { throw MatcherParseError(input: r, reason: "\(error)") }
        }
    }

    func acceptsState(_ a: AlertView) -> Bool {
        if !silenced && !a.silencedBy.isEmpty { return false }
        if !inhibited && !a.inhibitedBy.isEmpty { return false }
        if !active && a.state == .active { return false }
        return true
    }

    func acceptsLabels(_ a: AlertView) -> Bool { matchers.allMatch(a.labels) }

    func accepts(_ a: AlertView) -> Bool {
        if let receiver, !a.receivers.contains(where: receiver.matches) { return false }
        return acceptsState(a) && acceptsLabels(a)
    }
}
