import Foundation
import Model

extension Evaluator {
    /// `info(v, {data labels})`: adds data labels of info series (by default
    /// `target_info`) that share `instance` and `job` with each series of `v`.
    func evalInfo(_ c: Call, _ grid: StepGrid) throws -> [StepSeries] {
        let base = try eval(c.args[0], grid).vectorValue
        var dataMatchers: [String: [Matcher]] = [:]
        var nameMatchers: [Matcher] = []
        if c.args.count > 1, case .vectorSelector(let sel) = c.args[1].unwrapped {
            for m in sel.matchers {
                dataMatchers[m.name, default: []].append(m)
                if m.name == LabelName.metricName { nameMatchers.append(m) }
            }
        } else {
            nameMatchers = [try Matcher(.equal, LabelName.metricName, "target_info")]
        }
        let identifying = ["instance", "job"]
        let ignored = base.map { s in !nameMatchers.isEmpty && nameMatchers.allSatisfy { $0.matches(s.labels.metricName) } }
        var idValues: [String: Set<String>] = [:]
        for (k, s) in base.enumerated() where !ignored[k] {
            for l in identifying { if let v = s.labels.get(l) { idValues[l, default: []].insert(v) } }
        }
        var selectMatchers: [Matcher] = []
        var hasName = false
        for (name, values) in idValues {
            let re = values.sorted().map(NSRegularExpression.escapedPattern(for:)).joined(separator: "|")
            selectMatchers.append(try Matcher(.regexMatch, name, re))
        }
        for (_, ms) in dataMatchers {
            for m in ms {
                if m.name == LabelName.metricName { hasName = true }
                selectMatchers.append(m)
            }
        }
        dataMatchers.removeValue(forKey: LabelName.metricName)
        var infoSeries: [StepSeries] = []
        if !idValues.isEmpty {
            if !hasName { selectMatchers.insert(try Matcher(.equal, LabelName.metricName, "target_info"), at: 0) }
            infoSeries = try infoSampleTimes(selectMatchers, grid, bounds: infoBounds(c.args[0], grid))
        }
        return try combineInfo(base, ignored, infoSeries, dataMatchers, identifying, grid)
    }

    /// The sample window info series are read from: like Prometheus, the `@`
    /// and offset of the first selector in `expr` shift it, while the info
    /// series are still looked up at the step times.
    private func infoBounds(_ expr: Expr, _ grid: StepGrid) -> (Int64, Int64) {
        var first: VectorSelector?
        forEachSelector(expr) { vs in if first == nil { first = vs } }
        var start = grid.start, end = grid.time(max(grid.count - 1, 0))
        switch first?.at ?? .none {
        case .timestamp(let t): (start, end) = (t, t)
        case .start: (start, end) = (queryStart, queryStart)
        case .end: (start, end) = (queryEnd, queryEnd)
        case .none: break
        }
        let offset = first?.offset ?? 0
        return (start - options.lookbackDelta + 1 - offset, end - offset)
    }

    /// Info series as instant vectors whose values are the timestamps of the samples found.
    private func infoSampleTimes(_ matchers: [Matcher], _ grid: StepGrid, bounds: (Int64, Int64)) throws -> [StepSeries] {
        let vs = VectorSelector(name: nil, matchers: matchers, position: PositionRange(start: 0, end: 0))
        let raw = try select(vs, mint: bounds.0, maxt: bounds.1, range: 0, function: "info")
        return raw.compactMap { s in
            var values = [Double](repeating: absentValue, count: grid.count)
            var j = 0
            var any = false
            for i in 0..<grid.count {
                let r = latest(s, before: grid.time(i), lookback: options.lookbackDelta, from: j)
                j = r.next
                if r.value != nil {
                    values[i] = Double(r.t)
                    any = true
                }
            }
            return any ? StepSeries(labels: s.labels, values: values, dropName: false) : nil
        }
    }

    /// Per identifying signature, the info series with the newest sample at step `i`.
    private func newestInfo(_ info: [StepSeries], _ sigs: [Labels], at i: Int) throws -> [Labels: Int] {
        var newest: [Labels: Int] = [:]
        for (k, s) in info.enumerated() where !isAbsent(s.values[i]) {
            guard let e = newest[sigs[k]] else {
                newest[sigs[k]] = k
                continue
            }
            let existingT = info[e].values[i], t = s.values[i]
            if existingT < t {
                newest[sigs[k]] = k
            } else if existingT == t {
                throw PromQLError.execution("found duplicate series for info metric: existing \(info[e].labels.promString) @ \(Int64(existingT)), new \(s.labels.promString) @ \(Int64(t))")
            }
        }
        return newest
    }

    private func combineInfo(_ base: [StepSeries], _ ignored: [Bool], _ info: [StepSeries], _ dataMatchers: [String: [Matcher]],
                             _ identifying: [String], _ grid: StepGrid) throws -> [StepSeries] {
        func signature(_ name: String, _ l: Labels) -> Labels {
            var pairs = [Label(LabelName.metricName, name)]
            for n in identifying { if let v = l.get(n) { pairs.append(Label(n, v)) } }
            return Labels(pairs)
        }
        let infoNames = Array(Set(info.map(\.labels.metricName))).sorted()
        let infoSigs = info.map { signature($0.labels.metricName, $0.labels) }
        let baseSigs = base.map { s in infoNames.map { signature($0, s.labels) } }
        let allMatchEmpty = dataMatchers.values.allSatisfy { $0.allSatisfy(\.matchesEmpty) }
        var out: [StepSeries] = []
        var outIndex: [Labels: Int] = [:]
        for i in 0..<grid.count {
            let newest = try newestInfo(info, infoSigs, at: i)
            for (k, s) in base.enumerated() where !isAbsent(s.values[i]) {
                var labels = s.labels
                if !ignored[k] {
                    var added: [String: String] = [:]
                    var matchedAny = false
                    for sig in baseSigs[k] {
                        guard let e = newest[sig] else { continue }
                        matchedAny = true
                        for l in info[e].labels where l.name != LabelName.metricName {
                            if !dataMatchers.isEmpty && dataMatchers[l.name] == nil { continue }
                            if let v = added[l.name], v != l.value { throw PromQLError.execution("conflicting label: \(l.name)") }
                            if s.labels.has(l.name) { continue }
                            added[l.name] = l.value
                        }
                    }
                    if !matchedAny && !allMatchEmpty { continue }
                    if !added.isEmpty {
                        var b = LabelsBuilder(labels)
                        for (n, v) in added { b.set(n, v) }
                        labels = b.labels()
                    }
                }
                let o: Int
                if let e = outIndex[labels] {
                    o = e
                } else {
                    o = out.count
                    outIndex[labels] = o
                    out.append(StepSeries(labels: labels, values: [Double](repeating: absentValue, count: grid.count), dropName: false))
                }
                if !isAbsent(out[o].values[i]) {
                    throw PromQLError.execution("vector cannot contain metrics with the same labelset")
                }
                out[o].values[i] = s.values[i]
            }
        }
        return out
    }
}
