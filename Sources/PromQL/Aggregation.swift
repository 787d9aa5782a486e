import Model

extension Evaluator {
    func evalAggregate(_ a: AggregateExpr, _ grid: StepGrid) throws -> [StepSeries] {
        var param: [Double] = []
        var valueLabel = ""
        if let p = a.param {
            if a.op == .countValues {
                valueLabel = stringArg(p)
                guard !valueLabel.isEmpty else { throw PromQLError.execution("invalid label name \(quoteLabelValue(valueLabel))") }
            } else {
                param = try eval(p, grid).scalarValue
            }
        }
        let input = try eval(a.expr, grid).vectorValue
        switch a.op {
        case .countValues:
            return try countValues(a, valueLabel, input, grid)
        case .topk, .bottomk, .limitk, .limitRatio:
            return try aggregateK(a, param, input, grid)
        default:
            break
        }
        let (seriesGroup, groupLabels) = groups(of: input, a)
        if a.op == .quantile {
            for v in param where v.isNaN || v < 0 || v > 1 {
                warn("quantile value should be between 0 and 1, got \(goG(v))", a.param?.position ?? a.position)
                break
            }
            if input.contains(where: { $0.values.contains(where: OpaqueHistogram.isMarker) }) {
                info("ignored histogram in quantile aggregation", a.expr.position)
            }
            return quantileAggregate(param, input, seriesGroup, groupLabels, grid)
        }
        let acc = accumulate(a, input, seriesGroup, groups: groupLabels.count, grid)
        var out: [StepSeries] = []
        out.reserveCapacity(groupLabels.count)
        for g in groupLabels.indices {
            var values = [Double](repeating: absentValue, count: grid.count)
            var any = false
            for i in 0..<grid.count {
                let idx = g * grid.count + i
                if !acc.histogram.isEmpty && acc.histogram[idx] {
                    // Ember cannot sum opaque histograms: a sum of histograms stays a histogram.
                    if acc.count[idx] > 0 {
                        warn("encountered a mix of histograms and floats for aggregation", a.expr.position)
                        continue
                    }
                    values[i] = OpaqueHistogram.value
                } else if acc.count[idx] == 0 {
                    continue
                } else {
                    values[i] = acc.result(idx)
                }
                any = true
            }
            if any { out.append(StepSeries(labels: groupLabels[g], values: values, dropName: acc.dropName[g])) }
        }
        return out
    }

    /// Maps each input series to its output group, once for all steps.
    func groups(of input: [StepSeries], _ a: AggregateExpr) -> (seriesGroup: [Int], groupLabels: [Labels]) {
        let grouping = Set(a.grouping)
        var groupIndex: [Labels: Int] = [:]
        var groupLabels: [Labels] = []
        var seriesGroup = [Int](repeating: 0, count: input.count)
        for (k, s) in input.enumerated() {
            let key = groupingLabels(s.labels, grouping, without: a.without)
            if let g = groupIndex[key] {
                seriesGroup[k] = g
            } else {
                seriesGroup[k] = groupLabels.count
                groupIndex[key] = groupLabels.count
                groupLabels.append(key)
            }
        }
        return (seriesGroup, groupLabels)
    }

    /// Folds every input value into its group's per-step state, series by series.
    private func accumulate(_ a: AggregateExpr, _ input: [StepSeries], _ seriesGroup: [Int], groups: Int,
                            _ grid: StepGrid) -> Accumulators {
        var acc = Accumulators(op: a.op, groups: groups, steps: grid.count)
        var ignoredHistogram = false
        for (k, s) in input.enumerated() {
            let g = seriesGroup[k]
            if s.dropName { acc.dropName[g] = true }
            s.values.withUnsafeBufferPointer { vals in
                for i in 0..<grid.count {
                    let v = vals[i]
                    if isAbsent(v) { continue }
                    if OpaqueHistogram.isMarker(v) {
                        switch a.op {
                        case .count, .group: break
                        case .sum, .avg:
                            acc.histogram[g * grid.count + i] = true
                            continue
                        default:
                            ignoredHistogram = true
                            continue
                        }
                    }
                    acc.add(g * grid.count + i, v)
                }
            }
        }
        if ignoredHistogram { info("ignored histogram in \(a.op.rawValue) aggregation", a.expr.position) }
        return acc
    }

    func groupingLabels(_ l: Labels, _ grouping: Set<String>, without: Bool) -> Labels {
        if without {
            return Labels(sortedUnchecked: l.pairs.filter { !grouping.contains($0.name) && $0.name != LabelName.metricName })
        }
        if grouping.isEmpty { return .empty }
        return Labels(sortedUnchecked: l.pairs.filter { grouping.contains($0.name) })
    }

    private func quantileAggregate(_ q: [Double], _ input: [StepSeries], _ seriesGroup: [Int], _ groupLabels: [Labels],
                                   _ grid: StepGrid) -> [StepSeries] {
        var members = [[Int]](repeating: [], count: groupLabels.count)
        for (k, g) in seriesGroup.enumerated() { members[g].append(k) }
        var out: [StepSeries] = []
        var buf: [Double] = []
        for g in groupLabels.indices {
            var values = [Double](repeating: absentValue, count: grid.count)
            var any = false
            var drop = false
            for i in 0..<grid.count {
                buf.removeAll(keepingCapacity: true)
                for k in members[g] where !isNotFloat(input[k].values[i]) {
                    buf.append(input[k].values[i])
                    if input[k].dropName { drop = true }
                }
                if buf.isEmpty { continue }
                values[i] = quantile(q[i], &buf)
                any = true
            }
            if any { out.append(StepSeries(labels: groupLabels[g], values: values, dropName: drop)) }
        }
        return out
    }

    private func countValues(_ a: AggregateExpr, _ label: String, _ input: [StepSeries], _ grid: StepGrid) throws -> [StepSeries] {
        let grouping = Set(a.without ? a.grouping : a.grouping + [label])
        var index: [Labels: Int] = [:]
        var out: [StepSeries] = []
        for s in input {
            for i in 0..<grid.count {
                let v = s.values[i]
                // An opaque histogram has no printable value to count by.
                if isNotFloat(v) { continue }
                let l = groupingLabels(s.labels.setting(label, formatPromFloat(v)), grouping, without: a.without)
                if let k = index[l] {
                    out[k].values[i] = isAbsent(out[k].values[i]) ? 1 : out[k].values[i] + 1
                } else {
                    index[l] = out.count
                    var values = [Double](repeating: absentValue, count: grid.count)
                    values[i] = 1
                    out.append(StepSeries(labels: l, values: values, dropName: false))
                }
            }
        }
        return out
    }

    /// Prometheus's checks of the k / ratio parameter; false when nothing can be selected.
    private func validateK(_ a: AggregateExpr, _ ps: [Double]) throws -> Bool {
        if a.op == .limitRatio {
            if ps.allSatisfy({ $0 == 0 }) { return false }
            if ps.contains(where: \.isNaN) { throw PromQLError.execution("Ratio value is NaN") }
            if let m = ps.max(), m > 1 {
                warn("ratio value should be between -1 and 1, got \(goG(m)), capping to 1", a.param?.position ?? a.position)
            }
            if let m = ps.min(), m < -1 {
                warn("ratio value should be between -1 and 1, got \(goG(m)), capping to -1", a.param?.position ?? a.position)
            }
            return true
        }
        if let m = ps.max(), m < 1 { return false }
        if ps.contains(where: \.isNaN) { throw PromQLError.execution("Parameter value is NaN") }
        if let m = ps.min(), m <= -9.223372036854775e18 { throw PromQLError.execution("Scalar value \(goG(m)) underflows int64") }
        if let m = ps.max(), m >= 9.223372036854775e18 { throw PromQLError.execution("Scalar value \(goG(m)) overflows int64") }
        return true
    }

    private func aggregateK(_ a: AggregateExpr, _ param: [Double], _ input: [StepSeries], _ grid: StepGrid) throws -> [StepSeries] {
        guard try validateK(a, param) else { return [] }
        let (seriesGroup, groupLabels) = groups(of: input, a)
        let groupCount = groupLabels.count
        var outValues = input.map { _ in [Double](repeating: absentValue, count: grid.count) }
        var instantOrder: [Int] = []
        var perGroup = [[Int]](repeating: [], count: groupCount)
        for i in 0..<grid.count {
            for g in perGroup.indices { perGroup[g].removeAll(keepingCapacity: true) }
            for (k, s) in input.enumerated() where !isAbsent(s.values[i]) {
                if OpaqueHistogram.isMarker(s.values[i]) && (a.op == .topk || a.op == .bottomk) {
                    info("ignored histogram in \(a.op.rawValue) aggregation", a.position)
                    continue
                }
                perGroup[seriesGroup[k]].append(k)
            }
            for g in perGroup.indices where !perGroup[g].isEmpty {
                let chosen = selectK(a.op, param[i], perGroup[g], input, i)
                for k in chosen {
                    outValues[k][i] = input[k].values[i]
                    if grid.count == 1 { instantOrder.append(k) }
                }
            }
        }
        if grid.count == 1 {
            return instantOrder.map { StepSeries(labels: input[$0].labels, values: outValues[$0], dropName: input[$0].dropName) }
        }
        var out: [StepSeries] = []
        for k in input.indices where outValues[k].contains(where: { !isAbsent($0) }) {
            out.append(StepSeries(labels: input[k].labels, values: outValues[k], dropName: input[k].dropName))
        }
        return out
    }

    /// The members of one group that topk/bottomk/limitk/limit_ratio keep at one step, in output order.
    private func selectK(_ op: AggregateOp, _ p: Double, _ members: [Int], _ input: [StepSeries], _ i: Int) -> [Int] {
        switch op {
        case .limitRatio:
            let r = max(-1, min(1, p))
            return members.filter { k in
                let offset = ratioOffset(input[k].labels)
                return r >= 0 ? offset < r : offset >= 1 + r
            }
        case .limitk:
            let k = Int(min(p, Double(members.count)))
            return Array(members.prefix(max(k, 0)))
        default:
            let k = Int(min(p, Double(members.count)))
            guard k >= 1 else { return [] }
            let top = op == .topk
            // Order: larger first for topk (NaN last), smaller first for bottomk (NaN last).
            func better(_ a: Int, _ b: Int) -> Bool {
                let x = input[a].values[i], y = input[b].values[i]
                if x.isNaN { return false }
                if y.isNaN { return true }
                return top ? x > y : x < y
            }
            if k * 4 >= members.count {
                var sorted = members
                sorted.sort { better($0, $1) }
                return Array(sorted.prefix(k))
            }
            // Few of many: keep the k best in a heap whose root is the worst kept.
            var heap: [Int] = []
            heap.reserveCapacity(k)
            for m in members {
                if heap.count < k {
                    heap.append(m)
                    var c = heap.count - 1
                    while c > 0 {
                        let p = (c - 1) / 2
                        guard better(heap[p], heap[c]) else { break }
                        heap.swapAt(p, c)
                        c = p
                    }
                } else if better(m, heap[0]) {
                    heap[0] = m
                    var p = 0
                    while true {
                        let l = 2 * p + 1, r = l + 1
                        var worst = p
                        if l < k, better(heap[worst], heap[l]) { worst = l }
                        if r < k, better(heap[worst], heap[r]) { worst = r }
                        if worst == p { break }
                        heap.swapAt(p, worst)
                        p = worst
                    }
                }
            }
            heap.sort { better($0, $1) }
            return heap
        }
    }

    /// A series' sampling position in [0, 1], from its label hash as Prometheus computes it.
    private func ratioOffset(_ l: Labels) -> Double {
        Double(l.prometheusHash) / Double(UInt64.max)
    }
}

/// Per-group, per-step state of the simple aggregations, stored column-wise
/// so one input series updates a contiguous slice.
struct Accumulators {
    let op: AggregateOp
    var value: [Double]
    var comp: [Double]
    var mean: [Double]
    var count: [Double]
    var incremental: [Bool]
    var dropName: [Bool]
    /// sum/avg steps that saw a histogram sample.
    var histogram: [Bool]

    init(op: AggregateOp, groups: Int, steps: Int) {
        self.op = op
        let n = groups * steps
        value = [Double](repeating: 0, count: n)
        comp = [Double](repeating: 0, count: n)
        mean = [Double](repeating: 0, count: n)
        count = [Double](repeating: 0, count: n)
        incremental = op == .avg ? [Bool](repeating: false, count: n) : []
        dropName = [Bool](repeating: false, count: groups)
        histogram = op == .sum || op == .avg ? [Bool](repeating: false, count: n) : []
    }

    @inline(__always) mutating func add(_ idx: Int, _ f: Double) {
        let first = count[idx] == 0
        count[idx] += 1
        switch op {
        case .sum:
            if first { value[idx] = f } else { kahanInc(f, &value[idx], &comp[idx]) }
        case .avg:
            if first {
                value[idx] = f
                mean[idx] = f
                return
            }
            let n = count[idx]
            if !incremental[idx] {
                var s = value[idx], c = comp[idx]
                kahanInc(f, &s, &c)
                if !s.isInfinite {
                    value[idx] = s
                    comp[idx] = c
                    return
                }
                incremental[idx] = true
                mean[idx] = value[idx] / (n - 1)
                comp[idx] /= n - 1
            }
            let q = (n - 1) / n
            var m = q * mean[idx], c = q * comp[idx]
            kahanInc(f / n, &m, &c)
            mean[idx] = m
            comp[idx] = c
        case .min:
            if first || value[idx] > f || value[idx].isNaN { value[idx] = f }
        case .max:
            if first || value[idx] < f || value[idx].isNaN { value[idx] = f }
        case .stddev, .stdvar:
            if first {
                value[idx] = f.isNaN || f.isInfinite ? .nan : 0
                mean[idx] = f
                return
            }
            let delta = f - mean[idx]
            mean[idx] += delta / count[idx]
            value[idx] += delta * (f - mean[idx])
        default:
            break
        }
    }

    func result(_ idx: Int) -> Double {
        switch op {
        case .sum: return value[idx] + comp[idx]
        case .avg:
            if count[idx] == 1 { return value[idx] }
            if incremental[idx] { return mean[idx] + comp[idx] }
            return value[idx] / count[idx] + comp[idx] / count[idx]
        case .count: return count[idx]
        case .group: return 1
        case .stdvar: return value[idx] / count[idx]
        case .stddev: return (value[idx] / count[idx]).squareRoot()
        default: return value[idx]
        }
    }
}
