import Model
import Storage

/// Evaluates one query. Every node is evaluated once for all steps of its
/// grid (range-vectorised, like Prometheus's rangeEval), so selectors read
/// storage once per query and range functions slide a window over contiguous arrays.
final class Evaluator {
    let storage: any Queryable
    let options: EngineOptions
    let annotations: AnnotationSet
    let queryStart: Int64
    let queryEnd: Int64
    let queryStep: Int64
    private let deadline: UInt64
    private var samplesLoaded = 0

    init(storage: any Queryable, options: EngineOptions, query: String, queryStart: Int64, queryEnd: Int64, queryStep: Int64) {
        self.storage = storage
        self.options = options
        self.annotations = AnnotationSet(query: query)
        self.queryStart = queryStart
        self.queryEnd = queryEnd
        self.queryStep = queryStep
        deadline = Clock.monotonicNanos() + UInt64(max(options.timeoutSeconds, 0) * 1e9)
    }

    // MARK: Limits

    /// Throws when the query ran out of time or its task was cancelled.
    func checkInterrupt() throws(PromQLError) {
        if Task.isCancelled { throw .canceled("query was canceled in expression evaluation") }
        if Clock.monotonicNanos() > deadline { throw .timeout("query timed out in expression evaluation") }
    }

    /// Adds samples now held in memory (loaded from storage or produced by a
    /// node); fails when the total held at once exceeds `maxSamples`.
    func account(samples n: Int) throws(PromQLError) {
        samplesLoaded += n
        if samplesLoaded > options.maxSamples {
            throw .execution("query processing would load too many samples into memory in query execution")
        }
    }

    func warn(_ message: String, _ pos: PositionRange) { annotations.add(.warning, message, pos) }
    func info(_ message: String, _ pos: PositionRange) { annotations.add(.info, message, pos) }

    // MARK: Top level

    func evaluateTop(_ expr: Expr) throws -> QueryValue {
        let instant = queryStep == 0
        let grid = StepGrid(start: queryStart, end: queryEnd, interval: instant ? 1 : queryStep)
        let resolved = try expr.resolvingDurations(step: Double(queryStep) / 1000, range: Double(queryEnd - queryStart) / 1000)
        let value = try eval(resolved, grid)
        switch value {
        case .string(let s):
            return .string(t: queryStart, v: s)
        case .scalar(let vals):
            if instant { return .scalar(t: queryStart, v: vals.first ?? .nan) }
            return .matrix([MatrixSeries(labels: .empty, samples: samples(vals, grid))])
        case .matrix(let raw):
            var out = raw.map { MatrixSeries(labels: $0.dropName ? $0.labels.droppingMetadata : $0.labels,
                                             samples: zip($0.ts, $0.vs).map { Sample(t: $0.0, v: $0.1) }) }
            out = try mergeSameLabels(out)
            out.sort { $0.labels < $1.labels }
            return .matrix(out)
        case .vector(let series):
            if instant {
                var out: [VectorSample] = []
                var seen = Set<Labels>()
                for s in series {
                    guard let v = s.values.first, !isAbsent(v) else { continue }
                    let l = s.dropName ? s.labels.droppingMetadata : s.labels
                    guard seen.insert(l).inserted else {
                        throw PromQLError.execution("vector cannot contain metrics with the same labelset")
                    }
                    out.append(VectorSample(labels: l, t: queryStart, v: v))
                }
                return .vector(out)
            }
            var out: [MatrixSeries] = []
            for s in series {
                let pts = samples(s.values, grid)
                if pts.isEmpty { continue }
                out.append(MatrixSeries(labels: s.dropName ? s.labels.droppingMetadata : s.labels, samples: pts))
            }
            out = try mergeSameLabels(out)
            out.sort { $0.labels < $1.labels }
            return .matrix(out)
        }
    }

    private func samples(_ values: [Double], _ grid: StepGrid) -> [Sample] {
        var out: [Sample] = []
        for (i, v) in values.enumerated() where !isAbsent(v) { out.append(Sample(t: grid.time(i), v: v)) }
        return out
    }

    /// Merges series that ended up with equal labels after name removal; overlapping points are an error.
    private func mergeSameLabels(_ series: [MatrixSeries]) throws(PromQLError) -> [MatrixSeries] {
        var index: [Labels: Int] = [:]
        var out: [MatrixSeries] = []
        var merged = false
        for s in series {
            if let i = index[s.labels] {
                out[i].samples += s.samples
                merged = true
            } else {
                index[s.labels] = out.count
                out.append(s)
            }
        }
        guard merged else { return out }
        for i in out.indices {
            out[i].samples.sort { $0.t < $1.t }
            for j in out[i].samples.indices.dropFirst() where out[i].samples[j].t == out[i].samples[j - 1].t {
                throw .execution("vector cannot contain metrics with the same labelset")
            }
        }
        return out
    }

    // MARK: Dispatch

    /// Evaluates `expr` on `grid`. The sample limit applies to what is held at
    /// once, as in Prometheus: while a node runs, its inputs count; once it has
    /// produced its output, the inputs are released and only the output counts.
    func eval(_ expr: Expr, _ grid: StepGrid) throws -> EvalValue {
        let held = samplesLoaded
        let value = try evalNode(expr, grid)
        samplesLoaded = held
        try account(samples: Self.sampleCount(value))
        return value
    }

    static func sampleCount(_ value: EvalValue) -> Int {
        switch value {
        case .scalar, .string: return 0
        case .vector(let series):
            return series.reduce(0) { total, s in total + s.values.reduce(0) { isAbsent($1) ? $0 : $0 + 1 } }
        case .matrix(let series): return series.reduce(0) { $0 + $1.ts.count }
        }
    }

    private func evalNode(_ expr: Expr, _ grid: StepGrid) throws -> EvalValue {
        try checkInterrupt()
        switch expr {
        case .number(let n):
            return .scalar([Double](repeating: n.value, count: grid.count))
        case .string(let s):
            return .string(s.value)
        case .paren(let p):
            return try eval(p.expr, grid)
        case .unary(let u):
            let v = try eval(u.expr, grid)
            guard u.op == .sub else { return v }
            switch v {
            case .scalar(let s): return .scalar(s.map { isAbsent($0) ? $0 : -$0 })
            case .vector(var series):
                for i in series.indices {
                    series[i].dropName = true
                    series[i].values = series[i].values.map { isAbsent($0) ? $0 : -$0 }
                }
                return .vector(series)
            default: return v
            }
        case .vectorSelector(let vs):
            return .vector(try evalVectorSelector(vs, grid))
        case .matrixSelector(let ms):
            return .matrix(try loadMatrixForInstant(ms, grid))
        case .subquery(let sq):
            let t = grid.start
            return .matrix(try evalSubqueryRaw(sq, windowEnd: t, grid: grid))
        case .binary(let b):
            return try evalBinary(b, grid)
        case .call(let c):
            return try evalCall(c, grid)
        case .aggregate(let a):
            return .vector(try evalAggregate(a, grid))
        }
    }

    // MARK: Selectors

    /// The reference time of step `i` for a selector with modifiers.
    @inline(__always) func refTime(_ i: Int, _ grid: StepGrid, at: AtModifier, offset: Int64) -> Int64 {
        switch at {
        case .none: return grid.time(i) - offset
        case .timestamp(let t): return t - offset
        case .start: return queryStart - offset
        case .end: return queryEnd - offset
        }
    }

    /// Selects the series of `vs` with samples in [mint, maxt], decoded into arrays.
    func select(_ vs: VectorSelector, mint: Int64, maxt: Int64, range: Int64, function: String?) throws -> [RawSeries] {
        let step = queryStep
        let querier = try storage.querier(mint: mint, maxt: maxt)
        let selected = try querier.select(vs.matchers, hints: SelectHints(start: mint, end: maxt, step: step, range: range, function: function))
        var out: [RawSeries] = []
        out.reserveCapacity(selected.count)
        var total = 0
        for s in selected {
            let it = s.makeIterator()
            var ts: [Int64] = []
            var vals: [Double] = []
            if it.seek(mint) {
                repeat {
                    let t = it.timestamp
                    if t > maxt { break }
                    ts.append(t)
                    vals.append(it.value)
                } while it.next()
            }
            total += ts.count
            out.append(RawSeries(labels: s.labels, ts: ts, vs: vals))
        }
        try account(samples: total)
        try checkInterrupt()
        return out
    }

    /// Time bounds of the reference times a selector will be evaluated at.
    func refBounds(_ grid: StepGrid, at: AtModifier, offset: Int64) -> (Int64, Int64) {
        let a = refTime(0, grid, at: at, offset: offset)
        let b = refTime(max(grid.count - 1, 0), grid, at: at, offset: offset)
        return (min(a, b), max(a, b))
    }

    func evalVectorSelector(_ vs: VectorSelector, _ grid: StepGrid) throws -> [StepSeries] {
        guard grid.count > 0 else { return [] }
        if vs.smoothed { return try evalSmoothedSelector(vs, grid) }
        let (lo, hi) = refBounds(grid, at: vs.at, offset: vs.offset)
        let lookback = options.lookbackDelta
        let raw = try select(vs, mint: lo - lookback + 1, maxt: hi, range: 0, function: nil)
        var out: [StepSeries] = []
        out.reserveCapacity(raw.count)
        for s in raw {
            var values = [Double](repeating: absentValue, count: grid.count)
            var any = false
            if vs.at != .none {
                let t = refTime(0, grid, at: vs.at, offset: vs.offset)
                if let v = latest(s, before: t, lookback: lookback, from: 0).value {
                    for i in values.indices { values[i] = v }
                    any = true
                }
            } else {
                var j = 0
                for i in 0..<grid.count {
                    let t = grid.time(i) - vs.offset
                    let r = latest(s, before: t, lookback: lookback, from: j)
                    j = r.next
                    if let v = r.value {
                        values[i] = v
                        any = true
                    }
                }
            }
            if any { out.append(StepSeries(labels: s.labels, values: values, dropName: false)) }
        }
        return out
    }

    /// The latest non-stale sample in (t - lookback, t]; `from` is a hint where to start scanning.
    @inline(__always)
    func latest(_ s: RawSeries, before t: Int64, lookback: Int64, from: Int) -> (value: Double?, next: Int, t: Int64) {
        var j = from
        let n = s.ts.count
        while j < n, s.ts[j] <= t { j += 1 }
        guard j > 0 else { return (nil, j, 0) }
        let k = j - 1
        let st = s.ts[k]
        if st <= t - lookback || StaleNaN.isStale(s.vs[k]) { return (nil, j, 0) }
        return (s.vs[k], j, st)
    }

    /// A range selector evaluated on its own (instant query of `x[5m]`).
    func loadMatrixForInstant(_ ms: MatrixSelector, _ grid: StepGrid) throws -> [RawSeries] {
        let end = refTime(0, grid, at: ms.selector.at, offset: ms.selector.offset)
        let (left, right) = windowExtension(of: ms.selector)
        let raw = try select(ms.selector, mint: end - ms.range - left + 1, maxt: end + right, range: ms.range, function: nil)
        return raw.compactMap { s in
            var r = RawSeries(labels: s.labels, ts: [], vs: [])
            for (t, v) in zip(s.ts, s.vs) where !StaleNaN.isStale(v) && !OpaqueHistogram.isMarker(v) {
                r.ts.append(t)
                r.vs.append(v)
            }
            if left > 0 || right > 0 { r = extendToBoundaries(r, mint: end - ms.range, maxt: end, smoothed: ms.selector.smoothed) }
            return r.ts.isEmpty ? nil : r
        }
    }

    /// Prometheus's extendFloats: the samples of (mint, maxt] plus synthetic
    /// points at both boundaries (interpolated when smoothed).
    private func extendToBoundaries(_ s: RawSeries, mint: Int64, maxt: Int64, smoothed: Bool) -> RawSeries {
        let n = s.ts.count
        guard n > 0 else { return s }
        var last = n - 1
        var k = 0
        while k < last, s.ts[k] <= mint { k += 1 }
        var first = max(0, k - 1)
        if smoothed {
            var e = 0
            while e < n - 1, s.ts[e] < maxt { e += 1 }
            last = e
        }
        var out = RawSeries(labels: s.labels, ts: [], vs: [], dropName: s.dropName)
        if s.ts[last] <= mint { return out }
        func interpolate(_ a: Int, _ b: Int, _ t: Int64) -> Double {
            s.vs[a] + (s.vs[b] - s.vs[a]) * Double(t - s.ts[a]) / Double(s.ts[b] - s.ts[a])
        }
        let leftValue = smoothed && s.ts[first] < mint && first + 1 < n ? interpolate(first, first + 1, mint) : s.vs[first]
        let rightValue = smoothed && last > 0 && s.ts[last] > maxt ? interpolate(last - 1, last, maxt) : s.vs[last]
        if s.ts[first] <= mint { first += 1 }
        if s.ts[last] >= maxt { last -= 1 }
        out.ts.append(mint)
        out.vs.append(leftValue)
        if first <= last {
            out.ts += s.ts[first...last]
            out.vs += s.vs[first...last]
        }
        out.ts.append(maxt)
        out.vs.append(rightValue)
        return out
    }

    /// `x smoothed`: the value at each step interpolated between the samples around it.
    func evalSmoothedSelector(_ vs: VectorSelector, _ grid: StepGrid) throws -> [StepSeries] {
        let (lo, hi) = refBounds(grid, at: vs.at, offset: vs.offset)
        let lb = options.lookbackDelta
        let raw = try select(vs, mint: lo - lb + 1, maxt: hi + lb, range: 0, function: nil)
        var out: [StepSeries] = []
        for s in raw {
            let pts = zip(s.ts, s.vs).filter { !StaleNaN.isStale($0.1) && !OpaqueHistogram.isMarker($0.1) }
            var values = [Double](repeating: absentValue, count: grid.count)
            var any = false
            var wlo = 0, i = 0
            for step in 0..<grid.count {
                let t = refTime(step, grid, at: vs.at, offset: vs.offset)
                while wlo < pts.count, pts[wlo].0 <= t - lb { wlo += 1 }
                if i < wlo { i = wlo }
                while i < pts.count, pts[i].0 < t { i += 1 }
                let inWindow = i < pts.count && pts[i].0 <= t + lb
                if inWindow && pts[i].0 == t {
                    values[step] = pts[i].1
                } else if i > wlo && inWindow {
                    let (t1, v1) = pts[i - 1], (t2, v2) = pts[i]
                    values[step] = v1 + (v2 - v1) * Double(t - t1) / Double(t2 - t1)
                } else if i > wlo {
                    values[step] = pts[i - 1].1
                } else {
                    continue
                }
                any = true
            }
            if any { out.append(StepSeries(labels: s.labels, values: values, dropName: false)) }
        }
        return out
    }

    // MARK: Subqueries

    /// The inner grid of a subquery whose windows end at `firstEnd ... lastEnd`.
    func subqueryGrid(_ sq: SubqueryExpr, firstEnd: Int64, lastEnd: Int64) -> StepGrid {
        let step = sq.step ?? options.defaultSubqueryStep
        let lowest = firstEnd - sq.range
        var start = step * (lowest / step)
        if start <= lowest { start += step }
        return StepGrid(start: start, end: lastEnd, interval: step)
    }

    /// Evaluates the inner expression of a subquery and returns it as raw series.
    /// `windowEnd` is only used for a top-level (instant) subquery.
    func evalSubqueryRaw(_ sq: SubqueryExpr, windowEnd: Int64, grid: StepGrid) throws -> [RawSeries] {
        let (first, last) = refBounds(grid, at: sq.at, offset: sq.offset)
        let inner = subqueryGrid(sq, firstEnd: first, lastEnd: last)
        try account(samples: inner.count)
        let value = try eval(sq.expr, inner)
        return toRaw(value, inner)
    }

    func toRaw(_ value: EvalValue, _ grid: StepGrid) -> [RawSeries] {
        switch value {
        case .vector(let series):
            return series.compactMap { s in
                var r = RawSeries(labels: s.labels, ts: [], vs: [], dropName: s.dropName)
                for (i, v) in s.values.enumerated() where !isAbsent(v) {
                    if OpaqueHistogram.isMarker(v) {
                        r.hts.append(grid.time(i))
                    } else {
                        r.ts.append(grid.time(i))
                        r.vs.append(v)
                    }
                }
                return r.ts.isEmpty && r.hts.isEmpty ? nil : r
            }
        case .scalar(let vals):
            var r = RawSeries(labels: .empty, ts: [], vs: [])
            for (i, v) in vals.enumerated() where !isAbsent(v) {
                r.ts.append(grid.time(i))
                r.vs.append(v)
            }
            return [r]
        case .matrix(let m):
            return m
        case .string:
            return []
        }
    }
}

extension Labels {
    /// Without `__name__`, `__type__` and `__unit__` (Prometheus's metadata labels).
    var droppingMetadata: Labels {
        guard contains(where: { $0.name == "__name__" || $0.name == "__type__" || $0.name == "__unit__" }) else { return self }
        return Labels(sortedUnchecked: pairs.filter { $0.name != "__name__" && $0.name != "__type__" && $0.name != "__unit__" })
    }
}
