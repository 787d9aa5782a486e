import Foundation
import Model
import PromQL
import Storage

/// Runs one test group of a unit-test file: §4 of shared/rules-tests/FORMAT.md.
struct TestGroupRun {
    let spec: TestGroupSpec
    let file: UnitTestFile
    let ruleFiles: [String]
    let options: RuleUnitTestOptions

    private var evalInterval: Int64 { file.evaluationInterval.milliseconds }

    /// The failures of the group, worded as promtool words them; empty when it passed.
    func run() -> [String] {
        let feed: SampleFeed
        do {
            feed = try SampleFeed(spec.inputSeries, start: spec.startTimestamp,
                                  interval: (spec.interval ?? file.evaluationInterval).milliseconds)
        } catch {
            return ["\(error)"]
        }
        let (definitions, loadErrors) = loadRuleGroups()
        if !loadErrors.isEmpty { return loadErrors }

        let storage = AppendOnlyStorage()
        let engine = Engine(EngineOptions(lookbackDelta: 5 * 60_000, maxSamples: 10_000, defaultSubqueryStep: evalInterval))
        let groupOptions = RuleGroupOptions(storage: storage, engine: engine, externalLabels: spec.externalLabels,
                                            externalURL: spec.externalURL)
        let groups = ordered(definitions).map {
            RuleGroup($0, options: groupOptions, defaultInterval: spec.interval ?? file.evaluationInterval)
        }
        for g in groups { g.markRestored() }

        var errors = alertCaseErrors()
        if !errors.isEmpty { return errors }
        let mint = spec.startTimestamp
        // Bounded so that times never overflow (about 142,000 years).
        guard spec.maxEvalTime < 1 << 52 else { return ["eval_time \(PromDuration(milliseconds: spec.maxEvalTime)) is out of range"] }
        let maxt = mint + spec.maxEvalTime
        let alertTimes = Set(spec.alertTests.map(\.evalTime.milliseconds)).sorted()
        var nextAlertTime = 0
        var ts = mint
        while ts <= maxt {
            feed.append(until: ts, to: storage)
            let evalErrors = evaluate(groups, at: ts, since: mint)
            if !evalErrors.isEmpty { return errors + evalErrors }
            while nextAlertTime < alertTimes.count, mint + alertTimes[nextAlertTime] >= ts,
                  mint + alertTimes[nextAlertTime] < ts + evalInterval {
                errors += checkAlerts(at: alertTimes[nextAlertTime], groups: groups)
                nextAlertTime += 1
            }
            ts += evalInterval
        }
        for c in spec.promqlTests {
            if let e = checkQuery(c, engine: engine, storage: storage, at: mint + c.evalTime.milliseconds) { errors.append(e) }
        }
        return errors
    }

    private func loadRuleGroups() -> ([RuleGroupDefinition], [String]) {
        var definitions: [RuleGroupDefinition] = []
        var errors: [String] = []
        for f in ruleFiles {
            let (groups, problems) = RuleFileParser.load(file: f, ignoreUnknownFields: options.ignoreUnknownFields,
                                                         nameValidation: options.nameValidation)
            definitions += groups
            errors += problems.map(\.description)
        }
        return (definitions, errors)
    }

    /// Evaluates every group at `ts` in order; the rule errors it produced, as promtool reports them.
    private func evaluate(_ groups: [RuleGroup], at ts: Timestamp, since mint: Timestamp) -> [String] {
        var errors: [String] = []
        for g in groups {
            g.evaluate(at: ts)
            for r in g.rules {
                if let e = r.lastError {
                    errors.append("    rule: \(r.definition.name), time: \(goDuration(ts - mint)), err: \(e)")
                }
            }
        }
        return errors
    }

    private func alertCaseErrors() -> [String] {
        guard let missing = spec.alertTests.first(where: { $0.alertname.isEmpty }) else { return [] }
        let inGroup = spec.name.isEmpty ? "" : " (in TestGroup \(spec.name))"
        return ["an item under alert_rule_test misses required attribute alertname at eval_time \(missing.evalTime)\(inGroup)"]
    }

    /// Groups named in `group_eval_order` first, in that order; the rest in file order.
    private func ordered(_ groups: [RuleGroupDefinition]) -> [RuleGroupDefinition] {
        var rank: [String: Int] = [:]
        for (i, n) in file.groupEvalOrder.enumerated() where rank[n] == nil { rank[n] = i }
        return groups.enumerated().sorted { a, b in
            let ra = rank[a.element.name] ?? Int.max, rb = rank[b.element.name] ?? Int.max
            return ra != rb ? ra < rb : a.offset < b.offset
        }.map(\.element)
    }

    private func checkAlerts(at evalTime: Int64, groups: [RuleGroup]) -> [String] {
        var errors: [String] = []
        for c in spec.alertTests where c.evalTime.milliseconds == evalTime {
            var got: [AlertComparison] = []
            for g in groups {
                for rule in g.alertingRules where rule.name == c.alertname {
                    for a in rule.activeAlerts where a.state == .firing {
                        got.append(AlertComparison(labels: a.labels, annotations: a.annotations))
                    }
                }
            }
            let expected = c.expAlerts.map { e in
                var labels = e.labels
                labels[LabelName.alertName] = c.alertname
                return AlertComparison(labels: Labels(labels), annotations: Labels(e.annotations))
            }
            let gotSorted = got.sorted(), expSorted = expected.sorted()
            if gotSorted != expSorted {
                let name = spec.name.isEmpty ? "" : "    name: \(spec.name),\n"
                errors.append("\(name)    alertname: \(c.alertname), time: \(c.evalTime), \n        exp:\(AlertComparison.list(expSorted)), \n        got:\(AlertComparison.list(gotSorted))")
            }
        }
        return errors
    }

    private func checkQuery(_ c: PromQLTestCase, engine: Engine, storage: AppendOnlyStorage, at t: Timestamp) -> String? {
        let head = "    expr: \(goQuote(c.expr)), time: \(c.evalTime)"
        var got: [(labels: Labels, value: Double)]
        do {
            let result = try engine.instantQuery(storage, c.expr, at: t)
            switch result.value {
            case .vector(let v): got = v.map { ($0.labels, $0.v) }
            case .scalar(_, let v): got = [(.empty, v)]
            case .matrix, .string: return "\(head), err: rule result is not a vector or scalar"
            }
        } catch {
            return "\(head), err: \(error.description)"
        }
        var expected: [(labels: Labels, value: Double, histogram: Bool)] = []
        for s in c.expSamples {
            do {
                expected.append((try SeriesNotation.labels(s.labels), s.value, s.histogram != nil))
            } catch {
                return "\(head), err: labels \(goQuote(s.labels)): \(error.message)"
            }
        }
        got.sort { $0.labels < $1.labels }
        expected.sort { $0.labels < $1.labels }
        let same = got.count == expected.count && zip(got, expected).allSatisfy { g, e in
            g.labels == e.labels && (e.histogram ? OpaqueHistogram.isMarker(g.value) : floatsEqual(g.value, e.value))
        }
        if same { return nil }
        let exp = expected.isEmpty ? "nil" : expected.map { "\(goLabels($0.labels)) \($0.histogram ? "{{histogram}}" : goExponent($0.value))" }
            .joined(separator: ", ")
        let gotText = got.isEmpty ? "nil" : got.map { "\(goLabels($0.labels)) \(OpaqueHistogram.isMarker($0.value) ? "{{histogram}}" : goExponent($0.value))" }
            .joined(separator: ", ")
        return "\(head),\n        exp: \(exp)\n        got: \(gotText)"
    }

    private func floatsEqual(_ a: Double, _ b: Double) -> Bool {
        if a == b { return true }
        // Stale markers and NaNs are never equal, as with Go's ==.
        return file.fuzzyCompare && (a.nextUp == b || a.nextDown == b)
    }
}

/// An alert reduced to what a test compares.
struct AlertComparison: Comparable {
    var labels: Labels
    var annotations: Labels

    static func < (a: AlertComparison, b: AlertComparison) -> Bool {
        a.labels != b.labels ? a.labels < b.labels : a.annotations < b.annotations
    }

    static func list(_ items: [AlertComparison]) -> String {
        if items.isEmpty { return "[]" }
        var lines = ["["]
        for (i, a) in items.enumerated() {
            lines.append("\(i):" + (i < items.count - 1 ? "" : ""))
            lines.append("  Labels:\(goLabels(a.labels))")
            lines.append("  Annotations:\(goLabels(a.annotations))" + (i < items.count - 1 ? "," : ""))
        }
        lines.append("]")
        return lines.joined(separator: "\n            ")
    }
}

/// Go's labels.String(): `{a="1", b="2"}` with every pair, `__name__` included.
func goLabels(_ labels: Labels) -> String {
    "{" + labels.map { "\($0.name)=\(goQuote($0.value))" }.joined(separator: ", ") + "}"
}

/// Go's time.Duration String() for whole milliseconds: `0s`, `500ms`, `1m0s`, `1h2m3.5s`.
func goDuration(_ ms: Int64) -> String {
    if ms == 0 { return "0s" }
    let sign = ms < 0 ? "-" : ""
    let m = ms.magnitude
    if m < 1000 { return "\(sign)\(m)ms" }
    let hours = m / 3_600_000, minutes = m / 60_000 % 60, millis = m % 60_000
    var seconds = "\(millis / 1000)"
    if millis % 1000 != 0 {
        var frac = String(millis % 1000)
        while frac.count < 3 { frac = "0" + frac }
        while frac.hasSuffix("0") { frac.removeLast() }
        seconds += "." + frac
    }
    if hours > 0 { return "\(sign)\(hours)h\(minutes)m\(seconds)s" }
    if minutes > 0 { return "\(sign)\(minutes)m\(seconds)s" }
    return "\(sign)\(seconds)s"
}

/// Go's %q for printable text.
func goQuote(_ s: String) -> String { quoteLabelValue(s) }
