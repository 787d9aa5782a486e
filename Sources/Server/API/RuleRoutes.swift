import Foundation
import Hummingbird
import Model
import Rules

extension EmberServer {
    /// /api/v1/rules and /api/v1/alerts from the rule manager.
    func registerRuleRoutes(_ router: Router<BasicRequestContext>) {
        let manager = state.ruleManager
        router.get("/api/v1/rules") { request, _ in
            let p = try await RequestParams.read(request)
            let type = p["type"]
            guard type == nil || type == "alert" || type == "record" else {
                return apiError("bad_data", "invalid parameter \"type\": must be alert or record", status: .badRequest)
            }
            let names = Set(p.all("rule_name[]")), groups = Set(p.all("rule_group[]")), files = Set(p.all("file[]"))
            let snapshots = manager.groups.map { $0.snapshot() }
                .filter { (groups.isEmpty || groups.contains($0.name)) && (files.isEmpty || files.contains($0.file)) }
            return apiSuccess { w in
                w.raw(#"{"groups":["#)
                var firstGroup = true
                for g in snapshots {
                    let rules = g.rules.filter { rule in
                        switch rule.definition.kind {
                        case .alerting(let n): return type != "record" && (names.isEmpty || names.contains(n))
                        case .recording(let n): return type != "alert" && (names.isEmpty || names.contains(n))
                        }
                    }
                    if type != nil && rules.isEmpty { continue }
                    if !firstGroup { w.comma() }
                    firstGroup = false
                    w.ruleGroup(g, rules: rules)
                }
                w.raw("]}")
            }
        }
        router.get("/api/v1/alerts") { _, _ in
            let alerts = manager.groups.flatMap { $0.snapshot().rules.flatMap(\.activeAlerts) }
            return apiSuccess { w in
                w.raw(#"{"alerts":["#)
                for (i, a) in alerts.enumerated() {
                    if i > 0 { w.comma() }
                    w.alert(a)
                }
                w.raw("]}")
            }
        }
    }
}

extension JSONWriter {
    mutating func ruleGroup(_ g: RuleGroupSnapshot, rules: [RuleSnapshot]) {
        raw(#"{"name":"#); string(g.name)
        raw(#","file":"#); string(g.file)
        raw(#","rules":["#)
        for (i, r) in rules.enumerated() {
            if i > 0 { comma() }
            rule(r)
        }
        raw(#"],"interval":"#); raw(GoFloat.format(Double(g.interval) / 1000, format: "g", precision: -1))
        raw(#","limit":"#); int(Int64(g.limit))
        raw(#","evaluationTime":"#); raw(GoFloat.format(g.stats.lastDurationSeconds, format: "g", precision: -1))
        raw(#","lastEvaluation":"#); string(apiTime(g.stats.lastEvaluation))
        raw("}")
    }

    mutating func rule(_ r: RuleSnapshot) {
        let d = r.definition
        switch d.kind {
        case .alerting(let name):
            raw(#"{"state":"#); string(r.state.rawValue)
            raw(#","name":"#); string(name)
            raw(#","query":"#); string(d.exprText)
            raw(#","duration":"#); raw(GoFloat.format(d.holdDuration.seconds, format: "g", precision: -1))
            raw(#","keepFiringFor":"#); raw(GoFloat.format(d.keepFiringFor.seconds, format: "g", precision: -1))
            raw(#","labels":"#); pairsObject(d.labels)
            raw(#","annotations":"#); pairsObject(d.annotations)
            raw(#","alerts":["#)
            for (i, a) in r.activeAlerts.enumerated() {
                if i > 0 { comma() }
                alert(a)
            }
            raw("]")
            raw(#","type":"alerting""#)
        case .recording(let name):
            raw(#"{"name":"#); string(name)
            raw(#","query":"#); string(d.exprText)
            // Prometheus omits a recording rule's labels when there are none, and lastError when empty.
            if !d.labels.isEmpty { raw(#","labels":"#); pairsObject(d.labels) }
            raw(#","type":"recording""#)
        }
        raw(#","health":"#); string(r.health.rawValue)
        if let error = r.lastError, !error.isEmpty { raw(#","lastError":"#); string(error) }
        raw(#","evaluationTime":"#); raw(GoFloat.format(r.lastDurationSeconds, format: "g", precision: -1))
        raw(#","lastEvaluation":"#); string(apiTime(r.lastEvaluation))
        raw("}")
    }

    /// An active alert; the value in Go's %e form, as Prometheus prints it.
    mutating func alert(_ a: ActiveAlert) {
        raw(#"{"labels":"#); labelsObject(a.labels)
        raw(#","annotations":"#); labelsObject(a.annotations)
        raw(#","state":"#); string(a.state.rawValue)
        raw(#","activeAt":"#); string(apiTime(a.activeAt))
        if a.keepFiringSince > 0 { raw(#","keepFiringSince":"#); string(apiTime(a.keepFiringSince)) }
        raw(#","value":"#); string(GoFloat.format(a.value, format: "e", precision: -1))
        raw("}")
    }

    mutating func pairsObject(_ pairs: [(name: String, value: String)]) {
        raw("{")
        for (i, p) in pairs.enumerated() {
            if i > 0 { comma() }
            key(p.name)
            string(p.value)
        }
        raw("}")
    }
}

/// RFC 3339 with milliseconds; Go's zero time for "never".
func apiTime(_ ms: Timestamp) -> String {
    ms <= 0 ? "0001-01-01T00:00:00Z" : rfc3339(Date(timeIntervalSince1970: Double(ms) / 1000))
}
