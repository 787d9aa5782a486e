import Foundation
import Model

/// Functions over a range vector: each is computed per series on the
/// samples of the window (t - range, t] and slides across steps.
enum RangeFunction: String {
    case rate, increase, delta, irate, idelta, deriv, predictLinear = "predict_linear"
    case changes, resets
    case avgOverTime = "avg_over_time", sumOverTime = "sum_over_time", countOverTime = "count_over_time"
    case minOverTime = "min_over_time", maxOverTime = "max_over_time"
    case lastOverTime = "last_over_time", firstOverTime = "first_over_time"
    case stddevOverTime = "stddev_over_time", stdvarOverTime = "stdvar_over_time"
    case quantileOverTime = "quantile_over_time", madOverTime = "mad_over_time"
    case presentOverTime = "present_over_time", absentOverTime = "absent_over_time"
    case tsOfFirst = "ts_of_first_over_time", tsOfLast = "ts_of_last_over_time"
    case tsOfMax = "ts_of_max_over_time", tsOfMin = "ts_of_min_over_time"
    case doubleExponentialSmoothing = "double_exponential_smoothing"

    /// `last_over_time` and `first_over_time` act like an offset and keep the metric name.
    var keepsName: Bool { self == .lastOverTime || self == .firstOverTime }
}

/// The samples of one window; indices `lo..<hi` into the series arrays.
struct Window {
    let ts: UnsafeBufferPointer<Int64>
    let vs: UnsafeBufferPointer<Double>
    let lo: Int
    let hi: Int
    /// End of the window (inclusive) and its length, both in ms.
    let end: Int64
    let range: Int64
    /// The evaluation time of the step (predict_linear's anchor).
    let evalTime: Int64
    /// The whole series never decreases, so counter-reset scans can be skipped.
    let monotonic: Bool
    /// The window also holds samples up to the lookback delta before its start
    /// (anchored) and, for smoothed selectors, after its end.
    var anchored = false
    var smoothed = false

    var count: Int { hi - lo }
}

extension RangeFunction {
    /// The value for one window, or `absentValue` when the function yields nothing.
    /// `p0`, `p1` are the per-step scalar parameters, if any.
    func compute(_ w: Window, _ p0: Double, _ p1: Double) -> Double {
        let n = w.count
        if n == 0 { return absentValue }
        switch self {
        case .rate, .increase, .delta:
            if w.anchored || w.smoothed { return extendedRate(w, isCounter: self != .delta, isRate: self == .rate) }
            return extrapolatedRate(w, isCounter: self != .delta, isRate: self == .rate)
        case .irate, .idelta: return instantValue(w)
        case .deriv:
            guard n >= 2 else { return absentValue }
            return linearRegression(w, interceptTime: w.ts[w.lo]).slope
        case .predictLinear:
            guard n >= 2 else { return absentValue }
            let (slope, intercept) = linearRegression(w, interceptTime: w.evalTime)
            return slope * p0 + intercept
        case .changes, .resets: return countTransitions(w)
        case .avgOverTime: return average(w)
        case .sumOverTime:
            var sum = 0.0, c = 0.0
            for i in w.lo..<w.hi { kahanInc(w.vs[i], &sum, &c) }
            return sum.isInfinite ? sum : sum + c
        case .countOverTime: return Double(n)
        case .minOverTime, .maxOverTime, .tsOfMax, .tsOfMin: return extreme(w)
        case .lastOverTime: return w.vs[w.hi - 1]
        case .firstOverTime: return w.vs[w.lo]
        case .tsOfLast: return Double(w.ts[w.hi - 1]) / 1000
        case .tsOfFirst: return Double(w.ts[w.lo]) / 1000
        case .stddevOverTime: return variance(w).squareRoot()
        case .stdvarOverTime: return variance(w)
        case .quantileOverTime:
            var values = Array(w.vs[w.lo..<w.hi])
            return quantile(p0, &values)
        case .madOverTime: return medianAbsoluteDeviation(w)
        case .presentOverTime, .absentOverTime: return 1
        case .doubleExponentialSmoothing:
            guard n >= 2 else { return absentValue }
            return smooth(w, sf: p0, tf: p1)
        }
    }

    /// irate/idelta: from the last two samples; a counter reset makes irate use the last value alone.
    private func instantValue(_ w: Window) -> Double {
        guard w.count >= 2 else { return absentValue }
        let a = w.vs[w.hi - 2], b = w.vs[w.hi - 1]
        let dt = w.ts[w.hi - 1] - w.ts[w.hi - 2]
        if dt == 0 { return absentValue }
        var result = b
        if self == .idelta || !(b < a) { result = b - a }
        if self == .irate { result /= Double(dt) / 1000 }
        return result
    }

    /// changes (value differs, NaN equal to NaN) or resets (value decreases).
    private func countTransitions(_ w: Window) -> Double {
        guard let first = firstIndex(w) else { return absentValue }
        var c = 0
        var prev = w.vs[first]
        for i in (first + 1)..<w.hi {
            let v = w.vs[i]
            if self == .resets ? v < prev : (v != prev && !(v.isNaN && prev.isNaN)) { c += 1 }
            prev = v
        }
        return Double(c)
    }

    /// min/max_over_time, or the timestamp of the last minimum/maximum; NaN loses to any number.
    private func extreme(_ w: Window) -> Double {
        var best = w.vs[w.lo]
        var bestT = w.ts[w.lo]
        for i in w.lo..<w.hi {
            let v = w.vs[i]
            let take: Bool
            switch self {
            case .maxOverTime: take = v > best || best.isNaN
            case .minOverTime: take = v < best || best.isNaN
            case .tsOfMax: take = v >= best || best.isNaN
            default: take = v <= best || best.isNaN
            }
            if take {
                best = v
                bestT = w.ts[i]
            }
        }
        return self == .minOverTime || self == .maxOverTime ? best : Double(bestT) / 1000
    }

    private func medianAbsoluteDeviation(_ w: Window) -> Double {
        for i in w.lo..<w.hi where w.vs[i].isNaN { return .nan }
        var values = Array(w.vs[w.lo..<w.hi])
        let median = quantile(0.5, &values)
        var dev = values.map { abs($0 - median) }
        return quantile(0.5, &dev)
    }

    /// The value for a window that may also hold opaque histogram samples
    /// (`hist`: their timestamps). Functions that only need to know a sample
    /// exists count them; a histogram-only window of sum/avg/rate-like
    /// functions yields a histogram, a mixed one nothing (as Prometheus).
    func computeMixed(_ w: Window, _ hist: ArraySlice<Int64>, _ p0: Double, _ p1: Double) -> Double {
        guard let firstH = hist.first, let lastH = hist.last else { return compute(w, p0, p1) }
        let floats = w.count
        switch self {
        case .countOverTime: return Double(floats + hist.count)
        case .presentOverTime, .absentOverTime: return 1
        case .lastOverTime: return floats == 0 || lastH > w.ts[w.hi - 1] ? OpaqueHistogram.value : w.vs[w.hi - 1]
        case .firstOverTime: return floats == 0 || firstH < w.ts[w.lo] ? OpaqueHistogram.value : w.vs[w.lo]
        case .tsOfLast: return Double(floats == 0 ? lastH : max(lastH, w.ts[w.hi - 1])) / 1000
        case .tsOfFirst: return Double(floats == 0 ? firstH : min(firstH, w.ts[w.lo])) / 1000
        case .sumOverTime, .avgOverTime, .rate, .increase, .delta, .irate, .idelta:
            if floats > 0 { return absentValue }
            return self == .irate || self == .idelta || self == .rate || self == .increase || self == .delta
                ? (hist.count >= 2 ? OpaqueHistogram.value : absentValue) : OpaqueHistogram.value
        default:
            return compute(w, p0, p1)
        }
    }

    /// Where changes/resets start: for anchored windows the last sample at or
    /// before the window start; nil when no sample lies inside the window.
    private func firstIndex(_ w: Window) -> Int? {
        guard w.anchored else { return w.lo }
        let rangeStart = w.end - w.range
        guard w.ts[w.hi - 1] > rangeStart else { return nil }
        var i = w.lo
        while i < w.hi - 1, w.ts[i] <= rangeStart { i += 1 }
        return max(w.lo, i - 1)
    }

    /// rate/increase/delta over anchored or smoothed windows (no extrapolation).
    private func extendedRate(_ w: Window, isCounter: Bool, isRate: Bool) -> Double {
        let rangeStart = w.end - w.range, rangeEnd = w.end
        var last = w.hi - 1
        var s = w.lo
        while s < last, w.ts[s] <= rangeStart { s += 1 }
        var first = max(w.lo, s - 1)
        if w.smoothed {
            var e = w.lo
            while e < w.hi - 1, w.ts[e] < rangeEnd { e += 1 }
            last = e
        }
        if w.ts[last] <= rangeStart { return absentValue }
        func interpolate(_ a: Int, _ b: Int, _ t: Int64) -> Double {
            var y1 = w.vs[a]
            let y2 = w.vs[b]
            if isCounter && y2 < y1 { y1 = 0 }
            return y1 + (y2 - y1) * Double(t - w.ts[a]) / Double(w.ts[b] - w.ts[a])
        }
        let left = w.smoothed && w.ts[first] < rangeStart && first + 1 < w.hi ? interpolate(first, first + 1, rangeStart) : w.vs[first]
        let right = w.smoothed && last > w.lo && w.ts[last] > rangeEnd ? interpolate(last - 1, last, rangeEnd) : w.vs[last]
        var result = right - left
        if isCounter {
            if w.ts[first] <= rangeStart { first += 1 }
            if w.ts[last] >= rangeEnd { last -= 1 }
            var correction = 0.0
            var prev = left
            if first <= last {
                for i in first...last {
                    if w.vs[i] < prev { correction += prev }
                    prev = w.vs[i]
                }
            }
            if right < prev { correction += prev }
            result += correction
        }
        if isRate { result /= Double(w.range) / 1000 }
        return result
    }

    private func extrapolatedRate(_ w: Window, isCounter: Bool, isRate: Bool) -> Double {
        let n = w.count
        guard n >= 2 else { return absentValue }
        let rangeStart = w.end - w.range
        let first = w.vs[w.lo], last = w.vs[w.hi - 1]
        var result = last - first
        if isCounter && !w.monotonic {
            var prev = first
            for i in (w.lo + 1)..<w.hi {
                let v = w.vs[i]
                if v < prev { result += prev }
                prev = v
            }
        }
        let firstT = w.ts[w.lo], lastT = w.ts[w.hi - 1]
        var durationToStart = Double(firstT - rangeStart) / 1000
        var durationToEnd = Double(w.end - lastT) / 1000
        let sampledInterval = Double(lastT - firstT) / 1000
        let averageInterval = sampledInterval / Double(n - 1)
        let threshold = averageInterval * 1.1
        if durationToStart >= threshold { durationToStart = averageInterval / 2 }
        if isCounter {
            var durationToZero = durationToStart
            if result > 0 && first >= 0 { durationToZero = sampledInterval * (first / result) }
            if durationToZero < durationToStart { durationToStart = durationToZero }
        }
        if durationToEnd >= threshold { durationToEnd = averageInterval / 2 }
        var factor = (sampledInterval + durationToStart + durationToEnd) / sampledInterval
        if isRate { factor /= Double(w.range) / 1000 }
        return result * factor
    }

    private func average(_ w: Window) -> Double {
        var sum = w.vs[w.lo], count = 1.0
        var mean = 0.0, c = 0.0
        var incremental = false
        for i in (w.lo + 1)..<w.hi {
            let f = w.vs[i]
            count += 1
            if !incremental {
                var s2 = sum, c2 = c
                kahanInc(f, &s2, &c2)
                if !s2.isInfinite {
                    sum = s2
                    c = c2
                    continue
                }
                incremental = true
                mean = sum / (count - 1)
                c /= count - 1
            }
            let q = (count - 1) / count
            var m = q * mean, cc = q * c
            kahanInc(f / count, &m, &cc)
            mean = m
            c = cc
        }
        if incremental { return mean + c }
        return sum / count + c / count
    }

    private func variance(_ w: Window) -> Double {
        var count = 0.0, mean = 0.0, cMean = 0.0, aux = 0.0, cAux = 0.0
        for i in w.lo..<w.hi {
            let f = w.vs[i]
            count += 1
            let delta = f - (mean + cMean)
            kahanInc(delta / count, &mean, &cMean)
            kahanInc(delta * (f - (mean + cMean)), &aux, &cAux)
        }
        return (aux + cAux) / count
    }

    private func smooth(_ w: Window, sf: Double, tf: Double) -> Double {
        var s0 = 0.0
        var s1 = w.vs[w.lo]
        var b = w.vs[w.lo + 1] - w.vs[w.lo]
        for i in (w.lo + 1)..<w.hi {
            let x = sf * w.vs[i]
            let k = i - w.lo - 1
            if k > 0 { b = tf * (s1 - s0) + (1 - tf) * b }
            let y = (1 - sf) * (s1 + b)
            s0 = s1
            s1 = x + y
        }
        return s1
    }

    private func linearRegression(_ w: Window, interceptTime: Int64) -> (slope: Double, intercept: Double) {
        var n = 0.0, sumX = 0.0, cX = 0.0, sumY = 0.0, cY = 0.0, sumXY = 0.0, cXY = 0.0, sumX2 = 0.0, cX2 = 0.0
        let initY = w.vs[w.lo]
        var constY = true
        for i in w.lo..<w.hi {
            let y = w.vs[i]
            if constY && i > w.lo && y != initY { constY = false }
            n += 1
            let x = Double(w.ts[i] - interceptTime) / 1000
            kahanInc(x, &sumX, &cX)
            kahanInc(y, &sumY, &cY)
            kahanInc(x * y, &sumXY, &cXY)
            kahanInc(x * x, &sumX2, &cX2)
        }
        if constY {
            if initY.isInfinite { return (.nan, .nan) }
            return (0, initY)
        }
        sumX += cX
        sumY += cY
        sumXY += cXY
        sumX2 += cX2
        let covXY = sumXY - sumX * sumY / n
        let varX = sumX2 - sumX * sumX / n
        let slope = covXY / varX
        return (slope, sumY / n - slope * sumX / n)
    }
}

/// Kahan-Babuska-Neumaier compensated addition, as Prometheus's kahansum.Inc.
@inline(__always) func kahanInc(_ inc: Double, _ sum: inout Double, _ c: inout Double) {
    let t = sum + inc
    if t.isInfinite {
        c = 0
    } else if abs(sum) >= abs(inc) {
        c += (sum - t) + inc
    } else {
        c += (inc - t) + sum
    }
    sum = t
}

/// Prometheus's quantile over unsorted values (sorted in place; NaN sorts first).
func quantile(_ q: Double, _ values: inout [Double]) -> Double {
    if values.isEmpty || q.isNaN { return .nan }
    if q < 0 { return -.infinity }
    if q > 1 { return .infinity }
    values.sort { a, b in a.isNaN ? !b.isNaN : a < b }
    let n = Double(values.count)
    let rank = q * (n - 1)
    let lower = max(0, Int(rank.rounded(.down)))
    let upper = min(values.count - 1, lower + 1)
    let weight = rank - rank.rounded(.down)
    return values[lower] * (1 - weight) + values[upper] * weight
}
