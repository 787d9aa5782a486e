import Model

extension Evaluator {
    /// `histogram_quantile` and `histogram_fraction` over classic `le` buckets.
    func histogramQuantile(_ c: Call, _ grid: StepGrid) throws -> [StepSeries] {
        let name = c.function.name
        if name == "histogram_fraction" {
            let lower = try eval(c.args[0], grid).scalarValue
            let upper = try eval(c.args[1], grid).scalarValue
            let input = try eval(c.args[2], grid).vectorValue
            let (groupLabels, members) = bucketGroups(input, c.args[2])
            return perGroup(groupLabels, members, input, grid) { i, buckets, _ in bucketFraction(lower[i], upper[i], &buckets) }
        }
        // histogram_quantile(q, v) or histogram_quantiles(v, "label", q1, q2, ...).
        let plural = name == "histogram_quantiles"
        let vectorArg = c.args[plural ? 0 : 1]
        let qArgs = plural ? Array(c.args.dropFirst(2)) : [c.args[0]]
        var qs: [[Double]] = []
        for arg in qArgs {
            let q = try eval(arg, grid).scalarValue
            for v in q where v.isNaN || v < 0 || v > 1 {
                warn("quantile value should be between 0 and 1, got \(goG(v))", arg.position)
                break
            }
            qs.append(q)
        }
        let input = try eval(vectorArg, grid).vectorValue
        let (groupLabels, members) = bucketGroups(input, vectorArg)
        var out: [StepSeries] = []
        for q in qs {
            var series = perGroup(groupLabels, members, input, grid) { i, buckets, g in
                let (value, forced) = bucketQuantile(q[i], &buckets)
                if forced {
                    let metric = groupLabels[g].metricName
                    self.info("input to histogram_quantile needed to be fixed for monotonicity (see https://prometheus.io/docs/prometheus/latest/querying/functions/#histogram_quantile)"
                              + (metric.isEmpty ? "" : " for metric name \(quoteLabelValue(metric))"), vectorArg.position)
                }
                return value
            }
            if plural, let first = q.first {
                let label = stringArg(c.args[1])
                for k in series.indices { series[k].labels = series[k].labels.setting(label, openMetricsFloat(first)) }
            }
            out += series
        }
        return plural ? try mergeStepSeries(out) : out
    }

    /// Evaluates `value` for every bucket group at every step where it has buckets.
    private func perGroup(_ groupLabels: [Labels], _ members: [[(Int, Double)]], _ input: [StepSeries], _ grid: StepGrid,
                          _ value: (Int, inout [(upper: Double, count: Double)], Int) -> Double) -> [StepSeries] {
        var out: [StepSeries] = []
        var buckets: [(upper: Double, count: Double)] = []
        for g in groupLabels.indices {
            var values = [Double](repeating: absentValue, count: grid.count)
            var any = false
            for i in 0..<grid.count {
                buckets.removeAll(keepingCapacity: true)
                for (k, le) in members[g] {
                    let v = input[k].values[i]
                    if !isNotFloat(v) { buckets.append((le, v)) }
                }
                if buckets.isEmpty { continue }
                values[i] = value(i, &buckets, g)
                any = true
            }
            if any { out.append(StepSeries(labels: groupLabels[g], values: values, dropName: true)) }
        }
        return out
    }
}

/// OpenMetrics float text (as labels.FormatOpenMetricsFloat): integers get `.0`.
func openMetricsFloat(_ v: Double) -> String {
    if v.isNaN { return "NaN" }
    if v.isInfinite { return v > 0 ? "+Inf" : "-Inf" }
    let s = goG(v)
    return s.contains(where: { $0 == "." || $0 == "e" }) ? s : s + ".0"
}

func parseBucketBound(_ s: String) -> Double? {
    guard !s.isEmpty else { return nil }
    switch s.lowercased() {
    case "+inf", "inf", "+infinity", "infinity": return .infinity
    case "-inf", "-infinity": return -.infinity
    case "nan": return .nan
    default: return Double(s)
    }
}

extension Evaluator {
    /// Groups bucket series by their labels without `le`, once for all steps;
    /// series without a parsable `le` are reported and left out.
    fileprivate func bucketGroups(_ input: [StepSeries], _ arg: Expr) -> ([Labels], [[(Int, Double)]]) {
        var groupIndex: [Labels: Int] = [:]
        var groupLabels: [Labels] = []
        var members: [[(Int, Double)]] = []
        for (k, s) in input.enumerated() {
            let leText = s.labels[LabelName.bucket]
            guard let le = parseBucketBound(leText) else {
                if s.hasAnyValue {
                    let name = s.labels.metricName
                    warn("bucket label \"le\" is missing or has a malformed value of \(quoteLabelValue(leText))"
                         + (name.isEmpty ? "" : " for metric name \(quoteLabelValue(name))"), arg.position)
                }
                continue
            }
            let key = s.labels.removing(LabelName.bucket)
            if let g = groupIndex[key] {
                members[g].append((k, le))
            } else {
                groupIndex[key] = groupLabels.count
                groupLabels.append(key)
                members.append([(k, le)])
            }
        }
        return (groupLabels, members)
    }
}

/// Prometheus's BucketQuantile; returns the value and whether monotonicity had to be forced.
func bucketQuantile(_ q: Double, _ buckets: inout [(upper: Double, count: Double)]) -> (Double, Bool) {
    if q.isNaN { return (.nan, false) }
    if q < 0 { return (-.infinity, false) }
    if q > 1 { return (.infinity, false) }
    buckets.sort { $0.upper < $1.upper }
    guard let last = buckets.last, last.upper == .infinity else { return (.nan, false) }
    // Coalesce buckets with the same upper bound.
    var merged: [(upper: Double, count: Double)] = []
    merged.reserveCapacity(buckets.count)
    for b in buckets {
        if let l = merged.last, l.upper == b.upper {
            merged[merged.count - 1].count += b.count
        } else {
            merged.append(b)
        }
    }
    var forced = false
    var prev = merged[0].count
    for i in 1..<merged.count {
        let curr = merged[i].count
        if curr == prev { continue }
        if almostEqual(prev, curr, 1e-12) {
            merged[i].count = prev
            continue
        }
        if curr < prev {
            merged[i].count = prev
            forced = true
            continue
        }
        prev = curr
    }
    guard merged.count >= 2 else { return (.nan, forced) }
    let observations = merged[merged.count - 1].count
    if observations == 0 { return (.nan, forced) }
    var rank = q * observations
    var b = 0
    while b < merged.count - 1, merged[b].count < rank { b += 1 }
    if b == merged.count - 1 { return (merged[merged.count - 2].upper, forced) }
    if b == 0 && merged[0].upper <= 0 { return (merged[0].upper, forced) }
    var bucketStart = 0.0
    let bucketEnd = merged[b].upper
    var count = merged[b].count
    if b > 0 {
        bucketStart = merged[b - 1].upper
        count -= merged[b - 1].count
        rank -= merged[b - 1].count
    }
    return (bucketStart + (bucketEnd - bucketStart) * (rank / count), forced)
}

/// The fraction of observations between `lower` and `upper` of cumulative classic buckets.
func bucketFraction(_ lower: Double, _ upper: Double, _ buckets: inout [(upper: Double, count: Double)]) -> Double {
    buckets.sort { $0.upper < $1.upper }
    guard let last = buckets.last, last.upper == .infinity else { return .nan }
    var merged: [(upper: Double, count: Double)] = []
    for b in buckets {
        if let l = merged.last, l.upper == b.upper {
            merged[merged.count - 1].count += b.count
        } else {
            merged.append(b)
        }
    }
    let count = merged[merged.count - 1].count
    if count == 0 || lower.isNaN || upper.isNaN { return .nan }
    if lower >= upper { return 0 }
    var rank = 0.0, lowerRank = 0.0, upperRank = 0.0
    var lowerSet = false, upperSet = false
    for (i, b) in merged.enumerated() {
        var lowerBound = i > 0 ? merged[i - 1].upper : -Double.infinity
        if i == 0 && b.upper > 0 { lowerBound = 0 }
        let upperBound = b.upper
        func interpolate(_ v: Double) -> Double {
            rank + (b.count - rank) * (v - lowerBound) / (upperBound - lowerBound)
        }
        if !lowerSet && lowerBound >= lower {
            lowerRank = rank
            lowerSet = true
        }
        if !upperSet && lowerBound >= upper {
            upperRank = rank
            upperSet = true
        }
        if lowerSet && upperSet { break }
        if !lowerSet && lowerBound < lower && upperBound > lower {
            lowerRank = upperBound.isInfinite ? rank : interpolate(lower)
            lowerSet = true
        }
        if !upperSet && lowerBound < upper && upperBound > upper {
            upperRank = upperBound.isInfinite ? rank : interpolate(upper)
            upperSet = true
        }
        if lowerSet && upperSet { break }
        rank = b.count
    }
    if !lowerSet || lowerRank > count { lowerRank = count }
    if !upperSet || upperRank > count { upperRank = count }
    return (upperRank - lowerRank) / count
}

/// Relative comparison like Prometheus's util/almost.Equal.
func almostEqual(_ a: Double, _ b: Double, _ epsilon: Double) -> Bool {
    if a == b { return true }
    let minNormal = 2.2250738585072014e-308
    let diff = abs(a - b)
    if a == 0 || b == 0 || abs(a) + abs(b) < minNormal { return diff < epsilon * minNormal }
    return diff / min(abs(a) + abs(b), Double.greatestFiniteMagnitude) < epsilon
}
