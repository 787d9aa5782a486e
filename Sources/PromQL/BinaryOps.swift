import Foundation
import Model

extension Evaluator {
    func evalBinary(_ b: BinaryExpr, _ grid: StepGrid) throws -> EvalValue {
        let lhs = try eval(b.lhs, grid)
        let rhs = try eval(b.rhs, grid)
        switch (lhs, rhs) {
        case (.scalar(let l), .scalar(let r)):
            return .scalar(zip(l, r).map { x, y in
                let (v, keep) = applyOp(b.op, x, y)
                if b.op.isComparison { return keep ? 1 : 0 }
                return v
            })
        case (.vector(var series), .scalar(let s)):
            applyScalar(b, &series, s, scalarOnLeft: false)
            return .vector(series)
        case (.scalar(let s), .vector(var series)):
            applyScalar(b, &series, s, scalarOnLeft: true)
            return .vector(series)
        case (.vector(let l), .vector(let r)):
            let matching = b.matching ?? VectorMatching()
            switch b.op {
            case .and, .or, .unless:
                return .vector(setOperation(b.op, l, r, matching, grid))
            default:
                return .vector(try vectorBinop(b, l, r, matching, grid))
            }
        default:
            throw PromQLError.execution("binary expression must contain only scalar and instant vector types")
        }
    }

    /// Result value and, for comparisons, whether the sample is kept.
    @inline(__always) func applyOp(_ op: BinaryOp, _ x: Double, _ y: Double) -> (Double, Bool) {
        switch op {
        case .add: return (x + y, true)
        case .sub: return (x - y, true)
        case .mul: return (x * y, true)
        case .div: return (x / y, true)
        case .pow: return (Foundation.pow(x, y), true)
        case .mod: return (fmod(x, y), true)
        case .atan2: return (Foundation.atan2(x, y), true)
        case .eql: return (x, x == y)
        case .neq: return (x, x != y)
        case .gtr: return (x, x > y)
        case .lss: return (x, x < y)
        case .gte: return (x, x >= y)
        case .lte: return (x, x <= y)
        case .and, .or, .unless: return (x, true)
        }
    }

    private func applyScalar(_ b: BinaryExpr, _ series: inout [StepSeries], _ s: [Double], scalarOnLeft: Bool) {
        for k in series.indices {
            var any = false
            series[k].values.withUnsafeMutableBufferPointer { vals in
                for i in vals.indices {
                    let v = vals[i]
                    if isAbsent(v) || isAbsent(s[i]) {
                        vals[i] = absentValue
                        continue
                    }
                    if OpaqueHistogram.isMarker(v) {
                        vals[i] = histogramOp(b, lhsHistogram: !scalarOnLeft, rhsHistogram: scalarOnLeft)
                        continue
                    }
                    let (r, keep) = scalarOnLeft ? applyOp(b.op, s[i], v) : applyOp(b.op, v, s[i])
                    if b.returnBool {
                        vals[i] = keep ? 1 : 0
                    } else if b.op.isComparison {
                        vals[i] = keep ? v : absentValue
                    } else {
                        vals[i] = r
                    }
                    if !isAbsent(vals[i]) { any = true }
                }
            }
            if !b.op.isComparison || b.returnBool { series[k].dropName = true }
            _ = any
        }
        series.removeAll { !$0.hasAnyValue }
    }

    /// The result of an operation with a native-histogram operand whose content
    /// is opaque: a histogram where Prometheus defines one, otherwise nothing (with an info).
    func histogramOp(_ b: BinaryExpr, lhsHistogram: Bool, rhsHistogram: Bool) -> Double {
        switch b.op {
        case .mul where !(lhsHistogram && rhsHistogram),
             .div where lhsHistogram && !rhsHistogram,
             .add where lhsHistogram && rhsHistogram,
             .sub where lhsHistogram && rhsHistogram:
            return b.returnBool ? absentValue : OpaqueHistogram.value
        case .eql where lhsHistogram && rhsHistogram, .neq where lhsHistogram && rhsHistogram:
            return absentValue
        default:
            let l = lhsHistogram ? "histogram" : "float", r = rhsHistogram ? "histogram" : "float"
            info("incompatible sample types encountered for binary operator \"\(b.op.rawValue)\": \(l) \(b.op.rawValue) \(r)",
                 PositionRange(start: b.lhs.position.start, end: b.rhs.position.end))
            return absentValue
        }
    }

    /// The matching signature of a series: the `on` labels, or all but the `ignoring` ones and the name.
    private func signature(_ l: Labels, _ m: VectorMatching) -> Labels {
        if m.on {
            let names = Set(m.matchingLabels)
            return Labels(sortedUnchecked: l.pairs.filter { names.contains($0.name) })
        }
        let names = Set(m.matchingLabels + [LabelName.metricName])
        return Labels(sortedUnchecked: l.pairs.filter { !names.contains($0.name) })
    }

    private func signatureOrdinals(_ l: [StepSeries], _ r: [StepSeries], _ m: VectorMatching) -> ([Int], [Int], Int) {
        var index: [Labels: Int] = [:]
        func ordinal(_ s: StepSeries) -> Int {
            let sig = signature(s.labels, m)
            if let o = index[sig] { return o }
            index[sig] = index.count
            return index.count - 1
        }
        let lo = l.map(ordinal)
        let ro = r.map(ordinal)
        return (lo, ro, index.count)
    }

    private func setOperation(_ op: BinaryOp, _ l: [StepSeries], _ r: [StepSeries], _ m: VectorMatching, _ grid: StepGrid) -> [StepSeries] {
        let (lo, ro, n) = signatureOrdinals(l, r, m)
        var rightPresent = [Bool](repeating: false, count: n)
        var leftPresent = [Bool](repeating: false, count: n)
        var outL = l
        var outR = op == .or ? r : []
        for i in 0..<grid.count {
            for j in 0..<n {
                rightPresent[j] = false
                leftPresent[j] = false
            }
            for (k, s) in r.enumerated() where !isAbsent(s.values[i]) { rightPresent[ro[k]] = true }
            for (k, s) in l.enumerated() where !isAbsent(s.values[i]) { leftPresent[lo[k]] = true }
            switch op {
            case .and:
                for k in outL.indices where !rightPresent[lo[k]] { outL[k].values[i] = absentValue }
            case .unless:
                for k in outL.indices where rightPresent[lo[k]] { outL[k].values[i] = absentValue }
            default:
                for k in outR.indices where leftPresent[ro[k]] { outR[k].values[i] = absentValue }
            }
        }
        return (outL + outR).filter { $0.hasAnyValue }
    }

    private func vectorBinop(_ b: BinaryExpr, _ l0: [StepSeries], _ r0: [StepSeries], _ m: VectorMatching, _ grid: StepGrid) throws -> [StepSeries] {
        let swapped = m.cardinality == .oneToMany
        let (l, r) = swapped ? (r0, l0) : (l0, r0)
        let (lo, ro, n) = signatureOrdinals(l, r, m)
        var rightAt = [Int](repeating: -1, count: n)
        var state = BinopState(evaluator: self, expr: b, matching: m, swapped: swapped, ordinals: n, steps: grid.count)
        // Cache keys: a real pair, or one side filled in (negative keys).
        let width = r.count + 1
        for i in 0..<grid.count {
            for j in 0..<n { rightAt[j] = -1 }
            state.startStep()
            for (k, s) in r.enumerated() where !isAbsent(s.values[i]) {
                let o = ro[k]
                if rightAt[o] >= 0 {
                    let side = swapped ? "left" : "right"
                    let group = matchLabels(s.labels, m)
                    throw PromQLError.execution("found duplicate series for the match group \(group.promString) on the \(side) hand-side of the operation: [\(pairText(s.labels, r[rightAt[o]].labels))];many-to-many matching not allowed: matching labels must be unique on one side")
                }
                rightAt[o] = k
            }
            for (k, s) in l.enumerated() {
                let lv = s.values[i]
                if isAbsent(lv) { continue }
                let o = lo[k]
                let rk = rightAt[o]
                if rk >= 0 {
                    try state.emit(i, s.labels, lv, r[rk].labels, r[rk].values[i], o, k &* width &+ rk)
                } else if let fill = m.fillRight {
                    try state.emit(i, s.labels, lv, matchLabels(s.labels, m), fill, o, -1 - k)
                }
            }
            if let fill = m.fillLeft {
                for (k, s) in r.enumerated() where !isAbsent(s.values[i]) && !state.matched[ro[k]] {
                    try state.emit(i, matchLabels(s.labels, m), fill, s.labels, s.values[i], ro[k], -1 - l.count - k)
                }
            }
        }
        return state.out.filter { $0.hasAnyValue }
    }

    /// The labels a series matches on: the `on` labels, or all but the `ignoring` ones and the name.
    private func matchLabels(_ l: Labels, _ m: VectorMatching) -> Labels {
        if m.on { return Labels(sortedUnchecked: l.pairs.filter { m.matchingLabels.contains($0.name) }) }
        return Labels(sortedUnchecked: l.pairs.filter { !m.matchingLabels.contains($0.name) && $0.name != LabelName.metricName })
    }

    /// The two duplicates of a many-to-many error, in sorted order so the message is stable.
    private func pairText(_ a: Labels, _ b: Labels) -> String {
        let (x, y) = a < b ? (a, b) : (b, a)
        return "\(x.promString), \(y.promString)"
    }

    func resultLabels(_ lhs: Labels, _ rhs: Labels, _ m: VectorMatching, changesSchema: Bool) -> Labels {
        var pairs = lhs.pairs
        if changesSchema {
            pairs.removeAll { $0.name == "__name__" || $0.name == "__type__" || $0.name == "__unit__" }
        }
        if m.cardinality == .oneToOne {
            if m.on {
                let keep = Set(m.matchingLabels)
                pairs.removeAll { !keep.contains($0.name) }
            } else {
                let drop = Set(m.matchingLabels)
                pairs.removeAll { drop.contains($0.name) }
            }
        }
        var result = Labels(sortedUnchecked: pairs)
        if !m.include.isEmpty {
            var builder = LabelsBuilder(result)
            for name in m.include {
                builder.set(name, rhs[name])
            }
            result = builder.labels()
        }
        return result
    }
}

extension Labels {
    /// Prometheus's labels.String(): `{a="1", b="2"}` with every label, name included.
    var promString: String {
        "{" + pairs.map { p in
            let n = isValidLegacyLabelName(p.name) ? p.name : quoteLabelValue(p.name)
            return "\(n)=\(quoteLabelValue(p.value))"
        }.joined(separator: ", ") + "}"
    }
}

/// Output series of one vector-to-vector operation and the bookkeeping that
/// detects ambiguous matches, shared across all steps.
private struct BinopState {
    let evaluator: Evaluator
    let expr: BinaryExpr
    let matching: VectorMatching
    let swapped: Bool
    let steps: Int
    var out: [StepSeries] = []
    private var outIndex: [Labels: Int] = [:]
    private var pairIndex: [Int: Int] = [:]
    /// Per matching signature: whether some pair matched at the current step.
    private(set) var matched: [Bool]
    private var matchedMany: [Set<Labels>]

    init(evaluator: Evaluator, expr: BinaryExpr, matching: VectorMatching, swapped: Bool, ordinals: Int, steps: Int) {
        self.evaluator = evaluator
        self.expr = expr
        self.matching = matching
        self.swapped = swapped
        self.steps = steps
        matched = [Bool](repeating: false, count: ordinals)
        matchedMany = [Set<Labels>](repeating: [], count: matching.cardinality == .oneToOne ? 0 : ordinals)
    }

    mutating func startStep() {
        for j in matched.indices { matched[j] = false }
        for j in matchedMany.indices where !matchedMany[j].isEmpty { matchedMany[j].removeAll(keepingCapacity: true) }
    }

    /// Applies the operator to one matched pair at step `i`; `key` identifies the pair across steps.
    mutating func emit(_ i: Int, _ lLabels: Labels, _ lv: Double, _ rLabels: Labels, _ rv: Double, _ o: Int, _ key: Int) throws {
        let (x, y) = swapped ? (rv, lv) : (lv, rv)
        var (value, keep) = evaluator.applyOp(expr.op, x, y)
        if OpaqueHistogram.isMarker(x) || OpaqueHistogram.isMarker(y) {
            value = evaluator.histogramOp(expr, lhsHistogram: OpaqueHistogram.isMarker(x), rhsHistogram: OpaqueHistogram.isMarker(y))
            if isAbsent(value) { return }
            keep = true
        }
        if expr.returnBool { value = keep ? 1 : 0 }
        let outK = slot(key, lLabels, rLabels)
        if matching.cardinality == .oneToOne {
            if matched[o] {
                throw PromQLError.execution("multiple matches for labels: many-to-one matching must be explicit (group_left/group_right)")
            }
        } else if !matchedMany[o].insert(out[outK].labels).inserted {
            throw PromQLError.execution("multiple matches for labels: grouping labels must ensure unique matches")
        }
        matched[o] = true
        if !keep && !expr.returnBool { return }
        if !isAbsent(out[outK].values[i]) {
            throw PromQLError.execution("vector cannot contain metrics with the same labelset")
        }
        out[outK].values[i] = value
    }

    private mutating func slot(_ key: Int, _ lLabels: Labels, _ rLabels: Labels) -> Int {
        if let existing = pairIndex[key] { return existing }
        let labels = evaluator.resultLabels(lLabels, rLabels, matching, changesSchema: !expr.op.isComparison)
        let k: Int
        if let e = outIndex[labels] {
            k = e
        } else {
            k = out.count
            outIndex[labels] = k
            out.append(StepSeries(labels: labels, values: [Double](repeating: absentValue, count: steps), dropName: expr.returnBool))
        }
        pairIndex[key] = k
        return k
    }
}
