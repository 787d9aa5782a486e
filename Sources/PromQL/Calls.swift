import Foundation
import Model

extension Evaluator {
    func evalCall(_ c: Call, _ grid: StepGrid) throws -> EvalValue {
        let name = c.function.name
        if let rf = RangeFunction(rawValue: name) {
            return try evalRangeFunction(rf, c, grid)
        }
        if let scalar = try evalScalarFunction(c, grid) { return .scalar(scalar) }
        switch name {
        case "vector":
            let s = try eval(c.args[0], grid).scalarValue
            return .vector([StepSeries(labels: .empty, values: s, dropName: false)])
        case "timestamp":
            return .vector(try evalTimestamp(c.args[0], grid))
        case "absent":
            let input = try eval(c.args[0], grid).vectorValue
            var values = [Double](repeating: 1, count: grid.count)
            for s in input { for (i, v) in s.values.enumerated() where !isAbsent(v) { values[i] = absentValue } }
            return .vector([StepSeries(labels: absentLabels(c.args[0]), values: values, dropName: false)])
        case "label_replace": return .vector(try labelReplace(c, grid))
        case "label_join": return .vector(try labelJoin(c, grid))
        case "sort", "sort_desc", "sort_by_label", "sort_by_label_desc":
            return .vector(try sortFunction(c, grid))
        case "histogram_quantile", "histogram_quantiles", "histogram_fraction":
            return .vector(try histogramQuantile(c, grid))
        case "clamp", "clamp_min", "clamp_max":
            return .vector(try clampFunction(c, grid))
        case "round":
            return .vector(try roundFunction(c, grid))
        case "day_of_month", "day_of_week", "day_of_year", "days_in_month", "hour", "minute", "month", "year":
            if c.args.isEmpty {
                let values = (0..<grid.count).map { dateFunction(name, Double(grid.time($0) / 1000)) }
                return .vector([StepSeries(labels: .empty, values: values, dropName: false)])
            }
            return .vector(try mapFloats(c.args[0], grid) { self.dateFunction(name, $0) })
        case "info":
            return .vector(try evalInfo(c, grid))
        default:
            if let f = mathFunction(name) {
                return .vector(try mapFloats(c.args[0], grid, f))
            }
            // Native-histogram functions: Ember stores float samples only, so there is nothing to return.
            _ = try eval(c.args[c.args.count - 1], grid)
            return .vector([])
        }
    }

    /// Functions that return a scalar, or nil when `c` is not one of them.
    private func evalScalarFunction(_ c: Call, _ grid: StepGrid) throws -> [Double]? {
        let constant: Double
        switch c.function.name {
        case "time": return (0..<grid.count).map { Double(grid.time($0)) / 1000 }
        case "pi": constant = .pi
        case "start": constant = Double(queryStart) / 1000
        case "end": constant = Double(queryEnd) / 1000
        case "step": constant = Double(queryStep) / 1000
        case "range": constant = Double(queryEnd - queryStart) / 1000
        case "scalar": return try scalarOf(try eval(c.args[0], grid).vectorValue, grid)
        case "min_of", "max_of":
            let isMin = c.function.name == "min_of"
            let a = try eval(c.args[0], grid).scalarValue, b = try eval(c.args[1], grid).scalarValue
            return zip(a, b).map { x, y in isMin ? goMin(x, y) : goMax(x, y) }
        default: return nil
        }
        return [Double](repeating: constant, count: grid.count)
    }

    /// Applies `f` to every float value of a vector argument; the result drops the metric name.
    private func mapFloats(_ arg: Expr, _ grid: StepGrid, _ f: (Double) -> Double) throws -> [StepSeries] {
        var input = try eval(arg, grid).vectorValue
        for k in input.indices {
            input[k].dropName = true
            input[k].values = input[k].values.map { isNotFloat($0) ? absentValue : f($0) }
        }
        return input
    }

    private func roundFunction(_ c: Call, _ grid: StepGrid) throws -> [StepSeries] {
        var input = try eval(c.args[0], grid).vectorValue
        let nearest = c.args.count > 1 ? try eval(c.args[1], grid).scalarValue : [Double](repeating: 1, count: grid.count)
        for k in input.indices {
            input[k].dropName = true
            for i in 0..<grid.count {
                let v = input[k].values[i]
                if isNotFloat(v) {
                    input[k].values[i] = absentValue
                    continue
                }
                // Ties round up; dividing by the inverse is what Prometheus does for accuracy.
                let inv = 1.0 / nearest[i]
                input[k].values[i] = (v * inv + 0.5).rounded(.down) / inv
            }
        }
        return input
    }

    func scalarOf(_ input: [StepSeries], _ grid: StepGrid) throws -> [Double] {
        var out = [Double](repeating: .nan, count: grid.count)
        var counts = [Int](repeating: 0, count: grid.count)
        for s in input {
            for (i, v) in s.values.enumerated() where !isNotFloat(v) {
                counts[i] += 1
                out[i] = counts[i] == 1 ? v : .nan
            }
        }
        return out
    }

    /// `timestamp(selector)` returns the sample timestamps, not the step times.
    func evalTimestamp(_ arg: Expr, _ grid: StepGrid) throws -> [StepSeries] {
        if case .vectorSelector(let vs) = arg.unwrapped {
            let (lo, hi) = refBounds(grid, at: vs.at, offset: vs.offset)
            let raw = try select(vs, mint: lo - options.lookbackDelta + 1, maxt: hi, range: 0, function: "timestamp")
            var out: [StepSeries] = []
            for s in raw {
                var values = [Double](repeating: absentValue, count: grid.count)
                var j = 0
                var any = false
                for i in 0..<grid.count {
                    let t = refTime(i, grid, at: vs.at, offset: vs.offset)
                    let r = latest(s, before: t, lookback: options.lookbackDelta, from: vs.at == .none ? j : 0)
                    if vs.at == .none { j = r.next }
                    if r.value != nil {
                        values[i] = Double(r.t) / 1000
                        any = true
                    }
                }
                if any { out.append(StepSeries(labels: s.labels, values: values, dropName: true)) }
            }
            return out
        }
        var input = try eval(arg, grid).vectorValue
        for k in input.indices {
            input[k].dropName = true
            for i in 0..<grid.count where !isAbsent(input[k].values[i]) { input[k].values[i] = Double(grid.time(i)) / 1000 }
        }
        return input
    }

    /// Labels `absent()` infers from equality matchers of a selector argument.
    func absentLabels(_ arg: Expr) -> Labels {
        let matchers: [Matcher]
        switch arg.unwrapped {
        case .vectorSelector(let vs): matchers = vs.matchers
        case .matrixSelector(let ms): matchers = ms.selector.matchers
        default: return .empty
        }
        var b = LabelsBuilder()
        var has = Set<String>()
        for m in matchers where m.name != LabelName.metricName {
            if m.type == .equal && !has.contains(m.name) {
                b.set(m.name, m.value)
                has.insert(m.name)
            } else {
                b.remove(m.name)
            }
        }
        return b.labels()
    }

    func clampFunction(_ c: Call, _ grid: StepGrid) throws -> [StepSeries] {
        var input = try eval(c.args[0], grid).vectorValue
        let inf = [Double](repeating: .infinity, count: grid.count)
        let ninf = [Double](repeating: -.infinity, count: grid.count)
        let lower: [Double], upper: [Double]
        switch c.function.name {
        case "clamp":
            lower = try eval(c.args[1], grid).scalarValue
            upper = try eval(c.args[2], grid).scalarValue
        case "clamp_min":
            lower = try eval(c.args[1], grid).scalarValue
            upper = inf
        default:
            lower = ninf
            upper = try eval(c.args[1], grid).scalarValue
        }
        for k in input.indices {
            input[k].dropName = true
            for i in 0..<grid.count where !isAbsent(input[k].values[i]) {
                if upper[i] < lower[i] || OpaqueHistogram.isMarker(input[k].values[i]) {
                    input[k].values[i] = absentValue
                } else {
                    input[k].values[i] = goMax(lower[i], goMin(upper[i], input[k].values[i]))
                }
            }
        }
        return input
    }

    func mathFunction(_ name: String) -> ((Double) -> Double)? {
        switch name {
        case "abs": return { abs($0) }
        case "ceil": return { $0.rounded(.up) }
        case "floor": return { $0.rounded(.down) }
        case "exp": return { Foundation.exp($0) }
        case "sqrt": return { $0.squareRoot() }
        case "ln": return { Foundation.log($0) }
        case "log2": return { Foundation.log2($0) }
        case "log10": return { Foundation.log10($0) }
        case "sin": return { Foundation.sin($0) }
        case "cos": return { Foundation.cos($0) }
        case "tan": return { Foundation.tan($0) }
        case "asin": return { Foundation.asin($0) }
        case "acos": return { Foundation.acos($0) }
        case "atan": return { Foundation.atan($0) }
        case "sinh": return { Foundation.sinh($0) }
        case "cosh": return { Foundation.cosh($0) }
        case "tanh": return { Foundation.tanh($0) }
        case "asinh": return { Foundation.asinh($0) }
        case "acosh": return { Foundation.acosh($0) }
        case "atanh": return { Foundation.atanh($0) }
        case "rad": return { $0 * .pi / 180 }
        case "deg": return { $0 * 180 / .pi }
        case "sgn": return { $0 < 0 ? -1 : $0 > 0 ? 1 : $0 }
        default: return nil
        }
    }

    func dateFunction(_ name: String, _ seconds: Double) -> Double {
        guard seconds.isFinite, abs(seconds) < 1e17 else { return .nan }
        let t = Int64(seconds)
        var days = t / 86_400
        var rem = t % 86_400
        if rem < 0 {
            rem += 86_400
            days -= 1
        }
        let (y, m, d) = CivilDate.fromDays(days)
        switch name {
        case "hour": return Double(rem / 3600)
        case "minute": return Double((rem % 3600) / 60)
        case "day_of_month": return Double(d)
        case "month": return Double(m)
        case "year": return Double(y)
        case "day_of_week":
            let w = (days + 4) % 7
            return Double(w < 0 ? w + 7 : w)
        case "day_of_year":
            return Double(days - CivilDate.days(year: y, month: 1, day: 1) + 1)
        default: // days_in_month
            let next = m == 12 ? CivilDate.days(year: y + 1, month: 1, day: 1) : CivilDate.days(year: y, month: m + 1, day: 1)
            return Double(next - CivilDate.days(year: y, month: m, day: 1))
        }
    }
}

/// Go's math.Max: +Inf wins over NaN, NaN over everything else.
@inline(__always) func goMax(_ a: Double, _ b: Double) -> Double {
    if a == .infinity || b == .infinity { return .infinity }
    return a.isNaN || b.isNaN ? .nan : max(a, b)
}

/// Go's math.Min: -Inf wins over NaN, NaN over everything else.
@inline(__always) func goMin(_ a: Double, _ b: Double) -> Double {
    if a == -.infinity || b == -.infinity { return -.infinity }
    return a.isNaN || b.isNaN ? .nan : min(a, b)
}

