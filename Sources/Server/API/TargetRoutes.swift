import Foundation
import Hummingbird
import Model
import Scraper

extension EmberServer {
    /// /api/v1/targets and /api/v1/metadata from the scrape manager.
    func registerTargetRoutes(_ router: Router<BasicRequestContext>) {
        let manager = state.scrapeManager
        router.get("/api/v1/targets") { request, _ in
            let p = try await RequestParams.read(request)
            // As in Prometheus, an unknown state selects neither list (not an error).
            let wanted = p["state"]?.lowercased() ?? ""
            let showActive = ["", "any", "active"].contains(wanted)
            let showDropped = ["", "any", "dropped"].contains(wanted)
            let pool = p["scrapePool"]
            let active = showActive ? manager.targets.filter { pool == nil || $0.scrapePool == pool } : []
            let dropped = showDropped ? manager.droppedTargets.filter { pool == nil || $0.scrapePool == pool } : []
            return apiSuccess { w in
                w.raw(#"{"activeTargets":["#)
                for (i, t) in active.enumerated() {
                    if i > 0 { w.comma() }
                    w.target(t)
                }
                w.raw(#"],"droppedTargets":["#)
                for (i, t) in dropped.enumerated() {
                    if i > 0 { w.comma() }
                    w.raw(#"{"discoveredLabels":"#)
                    w.labelsObject(t.discoveredLabels)
                    w.raw("}")
                }
                // Counts of every pool's dropped targets, present only when dropped targets are asked for.
                w.raw(#"],"droppedTargetCounts":"#)
                guard showDropped else { w.raw("null}"); return }
                w.raw("{")
                let counts = Dictionary(grouping: manager.droppedTargets, by: \.scrapePool).mapValues(\.count)
                for (i, (job, n)) in counts.sorted(by: { $0.key < $1.key }).enumerated() {
                    if i > 0 { w.comma() }
                    w.key(job)
                    w.int(Int64(n))
                }
                w.raw("}}")
            }
        }
        router.get("/api/v1/metadata") { request, _ in
            let p = try await RequestParams.read(request)
            let limit = p["limit"].flatMap(Int.init)
            let perMetric = p["limit_per_metric"].flatMap(Int.init)
            let metadata = manager.metadata(metric: p["metric"], limit: limit.flatMap { $0 > 0 ? $0 : nil })
            return apiSuccess { w in
                w.raw("{")
                for (i, (name, entries)) in metadata.sorted(by: { $0.key < $1.key }).enumerated() {
                    if i > 0 { w.comma() }
                    w.key(name)
                    w.raw("[")
                    let shown = perMetric.map { $0 > 0 ? Array(entries.prefix($0)) : entries } ?? entries
                    for (j, m) in shown.enumerated() {
                        if j > 0 { w.comma() }
                        w.stringObject([("type", m.type), ("help", m.help), ("unit", m.unit)])
                    }
                    w.raw("]")
                }
                w.raw("}")
            }
        }
    }
}

extension JSONWriter {
    mutating func target(_ t: TargetState) {
        raw(#"{"discoveredLabels":"#)
        labelsObject(t.discoveredLabels)
        raw(#","labels":"#)
        labelsObject(t.labels)
        raw(#","scrapePool":"#); string(t.scrapePool)
        raw(#","scrapeUrl":"#); string(t.scrapeURL)
        raw(#","globalUrl":"#); string(t.globalURL)
        raw(#","lastError":"#); string(t.lastError)
        raw(#","lastScrape":"#)
        string(t.lastScrape.map { rfc3339(Date(timeIntervalSince1970: Double($0) / 1000)) } ?? "0001-01-01T00:00:00Z")
        raw(#","lastScrapeDuration":"#); raw(GoFloat.format(t.lastScrapeDuration, format: "g", precision: -1))
        raw(#","health":"#); string(t.health.rawValue)
        raw(#","scrapeInterval":"#); string(t.scrapeInterval.description)
        raw(#","scrapeTimeout":"#); string(t.scrapeTimeout.description)
        raw("}")
    }
}
