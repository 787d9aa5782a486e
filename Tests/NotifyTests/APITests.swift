import Foundation
import Testing
@testable import Notify

@Suite struct NotifyAPITests {
    static let yaml = """
        route:
          receiver: default
          group_by: [alertname]
          routes:
          - matchers: [team="db"]
            receiver: db
        receivers:
        - name: default
        - name: db
        inhibit_rules:
        - source_matchers: [severity="critical"]
          target_matchers: [severity="warning"]
          equal: [alertname]
        """

    func json(_ r: NotifyAPI.Response) -> Any? { try? JSONSerialization.jsonObject(with: Data(r.body), options: [.fragmentsAllowed]) }

    @Test func alertsRoundTripWithFilters() async throws {
        let clock = ManualClock(testEpoch)
        let api = NotifyAPI(notifier: try makeNotifier(Self.yaml, clock: clock))
        let post = """
            [{"labels": {"alertname": "Disk", "severity": "critical", "team": "db"}, "annotations": {"summary": "full"},
              "startsAt": "2026-11-18T11:00:00Z", "generatorURL": "http://prom/graph"},
             {"labels": {"alertname": "Disk", "severity": "warning"}}]
            """
        let r = await api.handle(method: "POST", path: "/api/v2/alerts", query: [:], body: Array(post.utf8))
        #expect(r.status == 200)
        let all = try #require(json(await api.handle(method: "GET", path: "/api/v2/alerts", query: [:], body: [])) as? [[String: Any]])
        #expect(all.count == 2)
        let critical = try #require(all.first { ($0["labels"] as? [String: String])?["severity"] == "critical" })
        #expect(critical["startsAt"] as? String == "2026-11-18T11:00:00.000Z")
        #expect(critical["endsAt"] as? String == "2026-11-18T11:11:40.000Z", "now + resolve_timeout")
        #expect((critical["receivers"] as? [[String: String]])?.first?["name"] == "db")
        #expect((critical["status"] as? [String: Any])?["state"] as? String == "active")
        #expect((critical["fingerprint"] as? String)?.count == 16)
        let warning = try #require(all.first { ($0["labels"] as? [String: String])?["severity"] == "warning" })
        #expect((warning["status"] as? [String: Any])?["state"] as? String == "suppressed")
        #expect((warning["status"] as? [String: Any])?["inhibitedBy"] as? [String] == [critical["fingerprint"] as? String ?? "-"])

        let filtered = json(await api.handle(method: "GET", path: "/api/v2/alerts", query: ["filter": [#"severity="critical""#]], body: [])) as? [Any]
        #expect(filtered?.count == 1)
        let notInhibited = json(await api.handle(method: "GET", path: "/api/v2/alerts", query: ["inhibited": ["false"]], body: [])) as? [Any]
        #expect(notInhibited?.count == 1)
        let byReceiver = json(await api.handle(method: "GET", path: "/api/v2/alerts", query: ["receiver": ["def.*"]], body: [])) as? [Any]
        #expect(byReceiver?.count == 1)
        let groups = try #require(json(await api.handle(method: "GET", path: "/api/v2/alerts/groups", query: [:], body: [])) as? [[String: Any]])
        #expect(groups.count == 2)
        #expect(Set(groups.compactMap { ($0["receiver"] as? [String: String])?["name"] }) == ["db", "default"])
    }

    @Test func invalidAlertsAreRefused() async throws {
        let api = NotifyAPI(notifier: try makeNotifier(Self.yaml, clock: ManualClock(testEpoch)))
        for body in [#"[{"labels": {}}]"#, #"[{"labels": {"a": "b"}, "startsAt": "2026-11-18T11:00:00Z", "endsAt": "2026-11-18T10:00:00Z"}]"#,
                     #"[{"labels": {"0bad": "x"}}]"#, "not json"] {
            let r = await api.handle(method: "POST", path: "/api/v2/alerts", query: [:], body: Array(body.utf8))
            #expect(r.status == 400, "\(body)")
            #expect(json(r) is String)
        }
        let empty = json(await api.handle(method: "GET", path: "/api/v2/alerts", query: [:], body: [])) as? [Any]
        #expect(empty?.isEmpty == true)
        #expect(await api.handle(method: "GET", path: "/api/v2/nothing", query: [:], body: []).status == 404)
        #expect(await api.handle(method: "PUT", path: "/api/v2/alerts", query: [:], body: []).status == 405)
    }

    @Test func silencesLifecycle() async throws {
        let clock = ManualClock(testEpoch)
        let api = NotifyAPI(notifier: try makeNotifier(Self.yaml, clock: clock))
        let body = """
            {"matchers": [{"name": "alertname", "value": "Disk", "isRegex": false, "isEqual": true}],
             "startsAt": "2026-11-18T11:00:00Z", "endsAt": "2026-11-18T12:00:00Z", "createdBy": "ops", "comment": "maint"}
            """
        let created = await api.handle(method: "POST", path: "/api/v2/silences", query: [:], body: Array(body.utf8))
        #expect(created.status == 200)
        let id = try #require((json(created) as? [String: String])?["silenceID"])
        let got = try #require(json(await api.handle(method: "GET", path: "/api/v2/silence/\(id)", query: [:], body: [])) as? [String: Any])
        #expect((got["status"] as? [String: String])?["state"] == "active")
        #expect(got["startsAt"] as? String == "2026-11-18T11:06:40.000Z", "a start in the past becomes now")
        #expect((got["matchers"] as? [[String: Any]])?.first?["name"] as? String == "alertname")
        let list = json(await api.handle(method: "GET", path: "/api/v2/silences", query: ["filter": ["alertname=Disk"]], body: [])) as? [Any]
        #expect(list?.count == 1)
        let none = json(await api.handle(method: "GET", path: "/api/v2/silences", query: ["filter": ["alertname=Other"]], body: [])) as? [Any]
        #expect(none?.isEmpty == true)

        #expect(await api.handle(method: "DELETE", path: "/api/v2/silence/\(id)", query: [:], body: []).status == 200)
        let expired = json(await api.handle(method: "GET", path: "/api/v2/silence/\(id)", query: [:], body: [])) as? [String: Any]
        #expect((expired?["status"] as? [String: String])?["state"] == "expired")
        #expect(await api.handle(method: "DELETE", path: "/api/v2/silence/\(id)", query: [:], body: []).status == 500)
        #expect(await api.handle(method: "GET", path: "/api/v2/silence/nope", query: [:], body: []).status == 404)

        let matchesAll = #"{"matchers": [{"name": "a", "value": ".*", "isRegex": true}], "startsAt": "2026-11-18T11:00:00Z", "endsAt": "2026-11-18T12:00:00Z"}"#
        let refused = await api.handle(method: "POST", path: "/api/v2/silences", query: [:], body: Array(matchesAll.utf8))
        #expect(refused.status == 400)
        #expect((json(refused) as? String)?.contains("must not match the empty string") == true)
        let past = #"{"matchers": [{"name": "a", "value": "b"}], "startsAt": "2026-11-18T09:00:00Z", "endsAt": "2026-11-18T10:00:00Z"}"#
        #expect(await api.handle(method: "POST", path: "/api/v2/silences", query: [:], body: Array(past.utf8)).status == 400)
    }

    @Test func statusAndReceivers() async throws {
        let api = NotifyAPI(notifier: try makeNotifier(Self.yaml, clock: ManualClock(testEpoch)), version: "0.1.0")
        let status = try #require(json(await api.handle(method: "GET", path: "/api/v2/status", query: [:], body: [])) as? [String: Any])
        #expect((status["config"] as? [String: String])?["original"] == Self.yaml)
        #expect((status["cluster"] as? [String: Any])?["status"] as? String == "disabled")
        #expect((status["versionInfo"] as? [String: String])?["version"] == "0.1.0")
        let receivers = json(await api.handle(method: "GET", path: "/api/v2/receivers", query: [:], body: [])) as? [[String: String]]
        #expect(receivers == [["name": "default"], ["name": "db"]])
    }
}
