import Testing
import Model
import Storage
@testable import PromQL

/// Deterministic random queries: whatever the input, parsing and evaluation
/// end with a result or an error, never a crash.
@Suite struct FuzzTests {
    struct Generator {
        var state: UInt64 = 0x9E37_79B9_7F4A_7C15

        mutating func next(_ n: Int) -> Int {
            state = state &* 6_364_136_223_846_793_005 &+ 1_442_695_040_888_963_407
            return Int((state >> 33) % UInt64(n))
        }

        mutating func pick(_ options: [String]) -> String { options[next(options.count)] }

        mutating func selector() -> String {
            pick(["x", "y_total", "x{a=\"1\"}", "{__name__=~\"x|y_total\"}", "nope", "x offset 1m", "x @ 60", "y_total @ end()"])
        }

        mutating func range() -> String {
            selector() + pick(["[1m]", "[2m]", "[45s] anchored", "[1m] smoothed", "[step()+1m]"])
        }

        mutating func scalar(_ depth: Int) -> String {
            if depth <= 0 || next(3) == 0 { return pick(["1", "0.5", "-2", "NaN", "Inf", "0", "time()", "scalar(x)"]) }
            return "(\(scalar(depth - 1)) \(pick(["+", "-", "*", "/", "%", "^", "== bool", "atan2"])) \(scalar(depth - 1)))"
        }

        mutating func vector(_ depth: Int) -> String {
            if depth <= 0 { return selector() }
            switch next(12) {
            case 0: return selector()
            case 1: return "\(pick(["rate", "irate", "increase", "delta", "deriv", "changes", "resets", "max_over_time", "avg_over_time", "stddev_over_time", "last_over_time", "present_over_time", "absent_over_time", "mad_over_time", "ts_of_max_over_time"]))(\(range()))"
            case 2: return "\(pick(["sum", "avg", "min", "max", "count", "stddev", "group"])) \(pick(["", "by (a)", "without (a)"])) (\(vector(depth - 1)))"
            case 3: return "\(pick(["topk", "bottomk", "limitk", "quantile", "limit_ratio"]))(\(scalar(1)), \(vector(depth - 1)))"
            case 4: return "\(vector(depth - 1)) \(pick(["+", "-", "*", "/", ">", "<= bool", "and", "or", "unless", "+ on(a)", "* ignoring(a) group_left", "- fill(0)"])) \(vector(depth - 1))"
            case 5: return "\(vector(depth - 1)) \(pick(["+", ">", "/", "^"])) \(scalar(depth - 1))"
            case 6: return "\(pick(["abs", "ceil", "sqrt", "ln", "sort", "sort_desc", "timestamp", "hour", "-"]))(\(vector(depth - 1)))"
            case 7: return "max_over_time((\(vector(depth - 1)))[\(pick(["2m:30s", "1m:", "90s:20s"]))])"
            case 8: return "label_replace(\(vector(depth - 1)), \"b\", \"$1\", \"a\", \"(.*)\")"
            case 9: return "histogram_quantile(\(scalar(1)), \(vector(depth - 1)))"
            case 10: return "clamp(\(vector(depth - 1)), \(scalar(1)), \(scalar(1)))"
            default: return "count_values(\"v\", \(vector(depth - 1)))"
            }
        }
    }

    private func storage() throws -> MemoryStorage {
        let s = MemoryStorage()
        let app = s.appender()
        for (name, a) in [("x", "1"), ("x", "2"), ("y_total", "1")] {
            let l = Labels(["__name__": name, "a": a])
            for i in 0..<20 { try app.append(l, Int64(i) * 15_000, i == 7 ? StaleNaN.value : Double((i * 7) % 11)) }
        }
        try app.commit()
        return s
    }

    @Test func randomQueriesNeverCrash() throws {
        let s = try storage()
        let engine = Engine(EngineOptions(maxSamples: 500_000, timeoutSeconds: 5))
        var gen = Generator()
        var evaluated = 0
        for _ in 0..<1500 {
            let q = gen.vector(3)
            guard let expr = try? PromQLParser.parse(q) else { continue }
            // The printed form must parse too.
            #expect((try? PromQLParser.parse("\(expr)")) != nil, "\(q)")
            if (try? engine.instantQuery(s, q, at: 200_000)) != nil { evaluated += 1 }
            _ = try? engine.rangeQuery(s, q, start: 0, end: 300_000, step: 30_000)
        }
        #expect(evaluated > 500)
    }

    /// An instant query at t and the point at t of a range query around t agree.
    @Test func instantAndRangeEvaluationAgree() throws {
        let s = try storage()
        let engine = Engine(EngineOptions(maxSamples: 500_000, timeoutSeconds: 5))
        var gen = Generator(state: 12345)
        var compared = 0
        for _ in 0..<800 {
            let q = gen.vector(3)
            // end() and step() legitimately differ between the two query kinds.
            guard !q.contains("end()"), !q.contains("step()"), (try? PromQLParser.parse(q)) != nil,
                  let instant = try? engine.instantQuery(s, q, at: 120_000),
                  let range = try? engine.rangeQuery(s, q, start: 60_000, end: 180_000, step: 60_000),
                  case .vector(let v) = instant.value, case .matrix(let m) = range.value else { continue }
            var fromRange: [Labels: Double] = [:]
            for series in m {
                if let p = series.samples.first(where: { $0.t == 120_000 }) { fromRange[series.labels] = p.v }
            }
            let fromInstant = Dictionary(v.map { ($0.labels, $0.v) }, uniquingKeysWith: { a, _ in a })
            let same = fromRange.count == fromInstant.count && fromInstant.allSatisfy { l, x in
                guard let y = fromRange[l] else { return false }
                return x.isNaN ? y.isNaN : (x == y || abs(x - y) <= 1e-9 * max(abs(x), abs(y)))
            }
            #expect(same, "\(q): instant \(fromInstant) range \(fromRange)")
            compared += 1
        }
        #expect(compared > 200)
    }
}
