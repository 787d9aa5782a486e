import Testing
import Model
import Storage
@testable import PromQL

@Suite struct EngineTests {
    /// `m{job, instance}` counters every 15s for 10 minutes; `g` a gauge.
    private func storage() throws -> MemoryStorage {
        let s = MemoryStorage()
        let app = s.appender()
        for (job, inst, slope) in [("a", "1", 1.0), ("a", "2", 2.0), ("b", "1", 4.0)] {
            let l = Labels(["__name__": "m_total", "job": job, "instance": inst])
            for i in 0...40 { try app.append(l, Int64(i) * 15_000, Double(i) * 15 * slope) }
        }
        let g = Labels(["__name__": "g", "job": "a"])
        try app.append(g, 0, 1)
        try app.append(g, 60_000, 5)
        try app.append(g, 120_000, StaleNaN.value)
        try app.commit()
        return s
    }

    private func vector(_ r: QueryResult) -> [Labels: Double] {
        guard case .vector(let v) = r.value else { return [:] }
        return Dictionary(uniqueKeysWithValues: v.map { ($0.labels, $0.v) })
    }

    @Test func instantSelectorUsesLookbackAndStaleness() throws {
        let s = try storage()
        let e = Engine()
        #expect(vector(try e.instantQuery(s, "g", at: 90_000)) == [Labels(["__name__": "g", "job": "a"]): 5])
        // The stale marker at 2m ends the series at once.
        #expect(vector(try e.instantQuery(s, "g", at: 120_000)).isEmpty)
        // Lookback is left-open: a sample exactly 5m old is out.
        let short = Engine(EngineOptions(lookbackDelta: 60_000))
        #expect(vector(try short.instantQuery(s, "g", at: 60_000 + 59_999)).count == 1)
        #expect(vector(try short.instantQuery(s, "g", at: 60_000 + 60_000)).isEmpty)
    }

    @Test func rateSumByJobRangeQuery() throws {
        let s = try storage()
        let r = try Engine().rangeQuery(s, "sum by (job) (rate(m_total[5m]))", start: 300_000, end: 600_000, step: 60_000)
        guard case .matrix(let m) = r.value else {
            Issue.record("not a matrix")
            return
        }
        #expect(m.map(\.labels) == [Labels(["job": "a"]), Labels(["job": "b"])])
        #expect(m[0].samples.count == 6)
        for p in m[0].samples { #expect(abs(p.v - 3) < 1e-9) }
        for p in m[1].samples { #expect(abs(p.v - 4) < 1e-9) }
    }

    @Test func arithmeticDropsNameAndComparisonKeepsIt() throws {
        let s = try storage()
        let e = Engine()
        let doubled = vector(try e.instantQuery(s, #"m_total{job="b"} * 2"#, at: 60_000))
        #expect(doubled == [Labels(["job": "b", "instance": "1"]): 480])
        let filtered = vector(try e.instantQuery(s, "m_total > 100", at: 60_000))
        #expect(filtered.keys.allSatisfy { $0.metricName == "m_total" })
        #expect(filtered.count == 2)
        // Delayed name removal: label_replace can still set the name of a rate.
        let renamed = vector(try e.instantQuery(s, #"label_replace(rate(m_total{job="b"}[1m]), "__name__", "x", "", "")"#, at: 60_000))
        #expect(renamed.keys.first?.metricName == "x")
    }

    @Test func scalarStringAndSpecialValues() throws {
        let s = try storage()
        let e = Engine()
        guard case .scalar(_, let v) = try e.instantQuery(s, "2 ^ 3 ^ 2", at: 0).value else {
            Issue.record("not a scalar")
            return
        }
        #expect(v == 512)
        guard case .scalar(_, let nan) = try e.instantQuery(s, "0 / 0", at: 0).value else {
            Issue.record("not a scalar")
            return
        }
        #expect(nan.isNaN)
        guard case .string(_, let str) = try e.instantQuery(s, #""hi""#, at: 0).value else {
            Issue.record("not a string")
            return
        }
        #expect(str == "hi")
    }

    @Test func vectorMatchingErrorsAreExecutionErrors() throws {
        let s = try storage()
        #expect(throws: PromQLError.self) { try Engine().instantQuery(s, "m_total + on(job) m_total", at: 60_000) }
        do {
            _ = try Engine().instantQuery(s, "m_total + on(job) m_total", at: 60_000)
        } catch {
            #expect(error.errorType == "execution")
            #expect(error.description.contains("many-to-many matching not allowed"))
        }
    }

    @Test func errorsAreTyped() throws {
        let s = try storage()
        let e = Engine()
        do {
            _ = try e.instantQuery(s, "sum(", at: 0)
            Issue.record("expected a parse error")
        } catch {
            #expect(error.errorType == "bad_data")
        }
        do {
            _ = try e.rangeQuery(s, "m_total[5m]", start: 0, end: 60_000, step: 15_000)
            Issue.record("expected bad_data")
        } catch {
            #expect(error.errorType == "bad_data")
        }
        let limited = Engine(EngineOptions(maxSamples: 10))
        do {
            _ = try limited.instantQuery(s, "m_total", at: 600_000)
            Issue.record("expected too many samples")
        } catch {
            #expect(error == .execution("query processing would load too many samples into memory in query execution"))
        }
        let points = Engine(EngineOptions(maxPointsPerSeries: 10))
        do {
            _ = try points.rangeQuery(s, "m_total", start: 0, end: 600_000, step: 1_000)
            Issue.record("expected too many points")
        } catch {
            #expect(error.errorType == "bad_data")
        }
        let noTime = Engine(EngineOptions(timeoutSeconds: 0))
        do {
            _ = try noTime.instantQuery(s, "m_total", at: 0)
            Issue.record("expected a timeout")
        } catch {
            #expect(error.errorType == "timeout")
        }
    }

    @Test func cancellationStopsTheQuery() async throws {
        let s = try storage()
        let engine = Engine()
        let task = Task { () throws -> QueryResult in
            withUnsafeCurrentTask { $0?.cancel() }
            return try engine.instantQuery(s, "sum(rate(m_total[5m]))", at: 600_000)
        }
        do {
            _ = try await task.value
            Issue.record("expected cancellation")
        } catch let error as PromQLError {
            #expect(error.errorType == "canceled")
        }
    }

    @Test func absentInfersLabelsAndTopkOrders() throws {
        let s = try storage()
        let e = Engine()
        #expect(vector(try e.instantQuery(s, #"absent(nope{job="x", a=~"y"})"#, at: 0)) == [Labels(["job": "x"]): 1])
        guard case .vector(let top) = try e.instantQuery(s, "topk(2, m_total)", at: 600_000).value else {
            Issue.record("not a vector")
            return
        }
        #expect(top.map(\.v) == [2400, 1200])
    }

    @Test func subqueryAndAtModifier() throws {
        let s = try storage()
        let e = Engine()
        let r = vector(try e.instantQuery(s, #"max_over_time(m_total{job="b"}[2m:30s])"#, at: 600_000))
        #expect(r.values.first == 2400)
        let at = vector(try e.instantQuery(s, #"m_total{job="b"} @ 60"#, at: 600_000))
        #expect(at.values.first == 240)
    }

    @Test func annotationsCarryPositions() throws {
        let s = try storage()
        let r = try Engine().instantQuery(s, "rate(g[5m])", at: 100_000)
        #expect(r.infos.map(\.description) == ["PromQL info: metric might not be a counter, name does not end in _total/_sum/_count/_bucket: \"g\" (1:6)"])
    }

    @Test func fillModifiersSupplyMissingSides() throws {
        let s = MemoryStorage()
        let app = s.appender()
        try app.append(Labels(["__name__": "a", "x": "1"]), 0, 1)
        try app.append(Labels(["__name__": "a", "x": "2"]), 0, 2)
        try app.append(Labels(["__name__": "b", "x": "1"]), 0, 10)
        try app.append(Labels(["__name__": "b", "x": "3"]), 0, 30)
        try app.commit()
        let e = Engine()
        #expect(vector(try e.instantQuery(s, "a + fill(0) b", at: 0)) ==
                [Labels(["x": "1"]): 11, Labels(["x": "2"]): 2, Labels(["x": "3"]): 30])
        #expect(vector(try e.instantQuery(s, "a - fill_right(100) b", at: 0)) ==
                [Labels(["x": "1"]): -9, Labels(["x": "2"]): -98])
    }

    @Test func durationExpressionsUseQueryStepAndRange() throws {
        let s = try storage()
        let e = Engine()
        // step() is 0 in an instant query, so the range is 1m.
        let c = vector(try e.instantQuery(s, #"count_over_time(m_total{job="b"}[1m + step()])"#, at: 600_000))
        #expect(c.values.first == 4)
        let r = try e.rangeQuery(s, #"count_over_time(m_total{job="b"}[step() * 2])"#, start: 300_000, end: 360_000, step: 60_000)
        guard case .matrix(let m) = r.value else {
            Issue.record("not a matrix")
            return
        }
        #expect(m.first?.samples.map(\.v) == [8, 8])
    }

    @Test func anchoredAndSmoothedSelectors() throws {
        let s = MemoryStorage()
        let app = s.appender()
        let c = Labels(["__name__": "c_total"])
        for i in 0...10 { try app.append(c, Int64(i) * 15_000, Double(i) * 10) }
        try app.commit()
        let e = Engine()
        let anchored = vector(try e.instantQuery(s, "increase(c_total[1m] anchored)", at: 67_500))
        #expect(anchored.values.first == 40)
        let smoothed = vector(try e.instantQuery(s, "increase(c_total[1m] smoothed)", at: 67_500))
        #expect(abs((smoothed.values.first ?? 0) - 40) < 1e-9)
        let point = vector(try e.instantQuery(s, "c_total smoothed", at: 67_500))
        #expect(point.values.first == 45)
        #expect(throws: PromQLError.self) { try e.instantQuery(s, "max_over_time(c_total[1m] anchored)", at: 67_500) }
        #expect("\(try PromQLParser.parse("rate(c_total[1m] anchored @ 10 offset 5s)"))" == "rate(c_total[1m] anchored @ 10.000 offset 5s)")
    }

    @Test func labelHashIsXXHash64() {
        #expect(XXHash64.hash([]) == 0xEF46_DB37_51D8_E999)
        #expect(XXHash64.hash(Array("abc".utf8)) == 0x44BC_2CF5_AD77_0999)
        #expect(XXHash64.hash(Array("Nobody inspects the spammish repetition".utf8)) == 0xFBCE_A83C_8A37_8BF1)
    }

    @Test func infoAddsTargetInfoDataLabels() throws {
        let s = MemoryStorage()
        let app = s.appender()
        try app.append(Labels(["__name__": "up", "job": "a", "instance": "x"]), 0, 1)
        try app.append(Labels(["__name__": "up", "job": "b", "instance": "y"]), 0, 1)
        try app.append(Labels(["__name__": "target_info", "job": "a", "instance": "x", "version": "1.2", "region": "eu"]), 0, 1)
        try app.commit()
        let e = Engine()
        #expect(vector(try e.instantQuery(s, "info(up)", at: 0)) == [
            Labels(["__name__": "up", "job": "a", "instance": "x", "version": "1.2", "region": "eu"]): 1,
            Labels(["__name__": "up", "job": "b", "instance": "y"]): 1,
        ])
        #expect(vector(try e.instantQuery(s, #"info(up, {version=~".+"})"#, at: 0)) == [
            Labels(["__name__": "up", "job": "a", "instance": "x", "version": "1.2"]): 1,
        ])
    }

    @Test func hostileRangesFailInsteadOfExhaustingMemory() throws {
        let s = try storage()
        let e = Engine()
        #expect(throws: PromQLError.self) { try e.instantQuery(s, "max_over_time(m_total[1000y:1ms])", at: 0) }
        #expect(throws: PromQLError.self) { try e.instantQuery(s, "m_total offset 100000000y", at: 0) }
        #expect(throws: PromQLError.self) { try e.instantQuery(s, "m_total", at: .max) }
    }

    @Test func slidingExtremesAgreeWithDirectScans() throws {
        let s = MemoryStorage()
        let app = s.appender()
        var state: UInt64 = 42
        for i in 0..<400 {
            state = state &* 6_364_136_223_846_793_005 &+ 1_442_695_040_888_963_407
            let r = Double(state >> 40) / Double(1 << 24)
            let v = r < 0.05 ? Double.nan : (r * 100).rounded()
            try app.append(Labels(["__name__": "x"]), Int64(i) * 7_000, v)
        }
        try app.commit()
        let e = Engine()
        for fn in ["max_over_time", "min_over_time"] {
            let r = try e.rangeQuery(s, "\(fn)(x[45s])", start: 0, end: 2_800_000, step: 20_000)
            guard case .matrix(let m) = r.value, let series = m.first else {
                Issue.record("no result for \(fn)")
                continue
            }
            for p in series.samples.prefix(140) {
                // With @ the window is fixed, which takes the direct-scan path.
                guard case .vector(let v) = try e.instantQuery(s, "\(fn)(x[45s] @ \(Double(p.t) / 1000))", at: p.t).value,
                      let direct = v.first?.v else {
                    Issue.record("no direct value at \(p.t)")
                    continue
                }
                #expect(direct.isNaN ? p.v.isNaN : direct == p.v, "\(fn) at \(p.t)")
            }
        }
    }

    @Test func parsedExpressionsCanBeEvaluatedRepeatedly() throws {
        let s = try storage()
        let e = Engine()
        let expr = try PromQLParser.parse("sum(m_total)")
        #expect(vector(try e.instantQuery(s, expr, at: 60_000)) == [Labels.empty: 60 + 120 + 240])
        #expect(vector(try e.instantQuery(s, expr, at: 120_000)) == [Labels.empty: 120 + 240 + 480])
        let r = try e.rangeQuery(s, expr, start: 0, end: 60_000, step: 30_000)
        guard case .matrix(let m) = r.value else {
            Issue.record("not a matrix")
            return
        }
        #expect(m.first?.samples.map(\.v) == [0, 210, 420])
    }

    @Test func opaqueHistogramSamplesCountAsPresentButNotAsFloats() throws {
        let s = MemoryStorage()
        let app = s.appender()
        let l = Labels(["__name__": "mixed"])
        try app.append(l, 0, 1)
        try app.append(l, 10_000, 2)
        try app.append(l, 20_000, OpaqueHistogram.value)
        try app.commit()
        let e = Engine()
        #expect(vector(try e.instantQuery(s, "count_over_time(mixed[1m])", at: 30_000)).values.first == 3)
        #expect(vector(try e.instantQuery(s, "max_over_time(mixed[1m])", at: 30_000)).values.first == 2)
        #expect(vector(try e.instantQuery(s, "sum_over_time(mixed[1m])", at: 30_000)).isEmpty)
        #expect(vector(try e.instantQuery(s, "ts_of_last_over_time(mixed[1m])", at: 30_000)).values.first == 20)
        let r = try e.instantQuery(s, "max(mixed)", at: 30_000)
        #expect(vector(r).isEmpty)
        #expect(r.infos.map(\.message) == ["ignored histogram in max aggregation"])
        #expect(vector(try e.instantQuery(s, "abs(mixed)", at: 30_000)).isEmpty)
    }

    @Test func classicHistogramFunctions() throws {
        let s = MemoryStorage()
        let app = s.appender()
        for (le, count) in [("0.1", 10.0), ("0.2", 20), ("+Inf", 40)] {
            try app.append(Labels(["__name__": "h_bucket", "le": le, "job": "a"]), 0, count)
        }
        try app.commit()
        let e = Engine()
        #expect(vector(try e.instantQuery(s, "histogram_quantile(0.5, h_bucket)", at: 0)) == [Labels(["job": "a"]): 0.2])
        #expect(vector(try e.instantQuery(s, "histogram_fraction(0, 0.2, h_bucket)", at: 0)) == [Labels(["job": "a"]): 0.5])
        let part = vector(try e.instantQuery(s, "histogram_fraction(0.1, 0.15, h_bucket)", at: 0))[Labels(["job": "a"])] ?? 0
        #expect(abs(part - 0.125) < 1e-12)
        #expect(vector(try e.instantQuery(s, #"histogram_quantiles(h_bucket, "q", 0.25, 0.5)"#, at: 0)) == [
            Labels(["job": "a", "q": "0.25"]): 0.1,
            Labels(["job": "a", "q": "0.5"]): 0.2,
        ])
    }
}
