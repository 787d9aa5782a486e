import Model

extension Evaluator {
    /// Loads the range-vector argument of a function: raw samples (stale
    /// markers removed) covering every window the steps of `grid` need.
    func rangeArgument(_ arg: Expr, _ grid: StepGrid, function: String) throws -> RangeArgument {
        switch arg.unwrapped {
        case .matrixSelector(let ms):
            let (lo, hi) = refBounds(grid, at: ms.selector.at, offset: ms.selector.offset)
            let (left, right) = windowExtension(of: ms.selector)
            let raw = try select(ms.selector, mint: lo - ms.range - left + 1, maxt: hi + right, range: ms.range, function: function)
            var out: [RawSeries] = []
            out.reserveCapacity(raw.count)
            for var s in raw {
                if s.vs.contains(where: { StaleNaN.isStale($0) || OpaqueHistogram.isMarker($0) }) {
                    var ts: [Int64] = [], vs: [Double] = []
                    for (t, v) in zip(s.ts, s.vs) where !StaleNaN.isStale(v) {
                        if OpaqueHistogram.isMarker(v) {
                            s.hts.append(t)
                        } else {
                            ts.append(t)
                            vs.append(v)
                        }
                    }
                    s.ts = ts
                    s.vs = vs
                }
                out.append(s)
            }
            return RangeArgument(series: out, range: ms.range, at: ms.selector.at, offset: ms.selector.offset,
                                 extendLeft: left, extendRight: right, anchored: ms.selector.anchored, smoothed: ms.selector.smoothed)
        case .subquery(let sq):
            let raw = try evalSubqueryRaw(sq, windowEnd: 0, grid: grid)
            return RangeArgument(series: raw, range: sq.range, at: sq.at, offset: sq.offset)
        default:
            throw PromQLError.execution("expected a range vector argument for \(function)")
        }
    }

    /// How far anchored and smoothed selectors read before and after their windows.
    func windowExtension(of vs: VectorSelector) -> (Int64, Int64) {
        if vs.anchored { return (options.lookbackDelta, 0) }
        if vs.smoothed { return (options.lookbackDelta, options.lookbackDelta) }
        return (0, 0)
    }

    private func checkExtendedSelector(_ rf: RangeFunction, _ c: Call) throws {
        guard case .matrixSelector(let ms) = c.args[rf == .quantileOverTime ? 1 : 0].unwrapped else { return }
        if ms.selector.anchored && ![.resets, .changes, .rate, .increase, .delta].contains(rf) {
            throw PromQLError.execution("anchored modifier can only be used with: changes, delta, increase, rate, resets - not with \(rf.rawValue)")
        }
        if ms.selector.smoothed && ![.rate, .increase, .delta].contains(rf) {
            throw PromQLError.execution("smoothed modifier can only be used with: delta, increase, rate - not with \(rf.rawValue)")
        }
    }

    func evalRangeFunction(_ rf: RangeFunction, _ c: Call, _ grid: StepGrid) throws -> EvalValue {
        try checkExtendedSelector(rf, c)
        let matrixIndex = rf == .quantileOverTime ? 1 : 0
        var params: [[Double]] = []
        for (i, a) in c.args.enumerated() where i != matrixIndex {
            params.append(try eval(a, grid).scalarValue)
        }
        let arg = try rangeArgument(c.args[matrixIndex], grid, function: rf.rawValue)
        try validateRangeParams(rf, params, c)
        var out: [StepSeries] = []
        out.reserveCapacity(arg.series.count)
        for s in arg.series {
            try checkInterrupt()
            guard let values = slideWindows(rf, s, arg, grid, params) else { continue }
            // Like upstream, a subquery's series reach the function with their full
            // labels and without their pending name removal.
            out.append(StepSeries(labels: s.labels, values: values, dropName: !rf.keepsName))
            if rf == .rate || rf == .increase {
                let name = s.labels.metricName
                if !name.isEmpty, !["_total", "_sum", "_count", "_bucket"].contains(where: { name.hasSuffix($0) }) {
                    // Upstream reports a subquery argument at the start of the query.
                    var pos = c.args[0].position
                    if case .subquery = c.args[0].unwrapped { pos = PositionRange(start: 0, end: 0) }
                    info("metric might not be a counter, name does not end in _total/_sum/_count/_bucket: \(quoteLabelValue(name))", pos)
                }
            }
        }
        if rf == .absentOverTime {
            var values = [Double](repeating: 1, count: grid.count)
            for s in out { for (i, v) in s.values.enumerated() where !isAbsent(v) { values[i] = absentValue } }
            return .vector([StepSeries(labels: absentLabels(c.args[0]), values: values, dropName: true)])
        }
        return .vector(out)
    }

    /// Evaluates `rf` on one series at every step, moving the window's two
    /// ends forward instead of searching; nil when no step produced a value.
    private func slideWindows(_ rf: RangeFunction, _ s: RawSeries, _ arg: RangeArgument, _ grid: StepGrid,
                              _ params: [[Double]]) -> [Double]? {
        if (rf == .maxOverTime || rf == .minOverTime) && arg.at == .none && s.hts.isEmpty {
            return slidingExtreme(max: rf == .maxOverTime, s, arg, grid)
        }
        let p0 = params.count > 0 ? params[0] : []
        let p1 = params.count > 1 ? params[1] : []
        var values = [Double](repeating: absentValue, count: grid.count)
        var any = false
        // A series without decreases needs no counter-reset scans in rate/increase.
        var monotonic = rf == .rate || rf == .increase
        if monotonic {
            for j in s.vs.indices.dropFirst() where !(s.vs[j] >= s.vs[j - 1]) {
                monotonic = false
                break
            }
        }
        s.ts.withUnsafeBufferPointer { ts in
            s.vs.withUnsafeBufferPointer { vs in
                var lo = 0, hi = 0, hlo = 0, hhi = 0
                let n = ts.count
                for i in 0..<grid.count {
                    let end = refTime(i, grid, at: arg.at, offset: arg.offset)
                    let start = end - arg.range - arg.extendLeft
                    let last = end + arg.extendRight
                    while hi < n, ts[hi] <= last { hi += 1 }
                    while lo < hi, ts[lo] <= start { lo += 1 }
                    let w = Window(ts: ts, vs: vs, lo: lo, hi: hi, end: end, range: arg.range, evalTime: grid.time(i),
                                   monotonic: monotonic, anchored: arg.anchored, smoothed: arg.smoothed)
                    var v: Double
                    if s.hts.isEmpty {
                        v = rf.compute(w, p0.isEmpty ? 0 : p0[i], p1.isEmpty ? 0 : p1[i])
                    } else {
                        while hhi < s.hts.count, s.hts[hhi] <= last { hhi += 1 }
                        while hlo < hhi, s.hts[hlo] <= start { hlo += 1 }
                        v = rf.computeMixed(w, s.hts[hlo..<hhi], p0.isEmpty ? 0 : p0[i], p1.isEmpty ? 0 : p1[i])
                    }
                    values[i] = v
                    if !isAbsent(v) { any = true }
                }
            }
        }
        return any ? values : nil
    }

    /// max/min_over_time in amortised O(1) per step: a monotonic queue of
    /// sample indices whose values can still become the window's extreme.
    /// NaN samples only count when the window holds nothing else, as in Prometheus.
    private func slidingExtreme(max isMax: Bool, _ s: RawSeries, _ arg: RangeArgument, _ grid: StepGrid) -> [Double]? {
        var values = [Double](repeating: absentValue, count: grid.count)
        var any = false
        var queue = [Int]()
        queue.reserveCapacity(64)
        var head = 0
        var lo = 0, hi = 0
        let n = s.ts.count
        for i in 0..<grid.count {
            let end = refTime(i, grid, at: arg.at, offset: arg.offset)
            let start = end - arg.range
            while hi < n, s.ts[hi] <= end {
                let v = s.vs[hi]
                if !v.isNaN {
                    while queue.count > head, isMax ? s.vs[queue[queue.count - 1]] <= v : s.vs[queue[queue.count - 1]] >= v {
                        queue.removeLast()
                    }
                    queue.append(hi)
                }
                hi += 1
            }
            while lo < hi, s.ts[lo] <= start { lo += 1 }
            while head < queue.count, queue[head] < lo { head += 1 }
            if head > 1024 {
                queue.removeFirst(head)
                head = 0
            }
            guard lo < hi else { continue }
            values[i] = head < queue.count ? s.vs[queue[head]] : .nan
            any = true
        }
        return any ? values : nil
    }

    private func validateRangeParams(_ rf: RangeFunction, _ params: [[Double]], _ c: Call) throws {
        switch rf {
        case .quantileOverTime:
            for q in params[0] where q.isNaN || q < 0 || q > 1 {
                warn("quantile value should be between 0 and 1, got \(goG(q))", c.args[0].position)
                break
            }
        case .doubleExponentialSmoothing:
            if let sf = params[0].first, sf <= 0 || sf >= 1 {
                throw PromQLError.execution("invalid smoothing factor. Expected: 0 < sf < 1, got: \(goFixed(sf))")
            }
            if let tf = params[1].first, tf <= 0 || tf >= 1 {
                throw PromQLError.execution("invalid trend factor. Expected: 0 < tf < 1, got: \(goFixed(tf))")
            }
        default:
            break
        }
    }
}

/// The samples of a range-vector argument and how its windows are placed.
struct RangeArgument {
    var series: [RawSeries]
    var range: Int64
    var at: AtModifier
    var offset: Int64
    /// Extra ms read before / after each window (anchored and smoothed selectors).
    var extendLeft: Int64 = 0
    var extendRight: Int64 = 0
    var anchored = false
    var smoothed = false
}

/// Go's `%f`: six decimals.
func goFixed(_ v: Double) -> String {
    if v.isNaN { return "NaN" }
    if v.isInfinite { return v > 0 ? "+Inf" : "-Inf" }
    let scaled = (abs(v) * 1_000_000).rounded()
    let intPart = Int64(scaled / 1_000_000)
    let frac = Int64(scaled.truncatingRemainder(dividingBy: 1_000_000))
    var fracText = String(frac)
    while fracText.count < 6 { fracText = "0" + fracText }
    return (v < 0 ? "-" : "") + "\(intPart).\(fracText)"
}
