import Foundation
import Model
import Storage

/// Evaluates one eval case and compares the result with its expectations.
struct CaseChecker {
    let engine: Engine
    let storage: MemoryStorage
    let cmd: EvalCommand
    var strict = false

    /// nil when the case passes, otherwise why it failed.
    func check() -> String? {
        if let problem = checkPrimary() { return problem }
        return strict ? strictCheck() : nil
    }

    private func checkPrimary() -> String? {
        let result: QueryResult
        do {
            if cmd.isRange {
                result = try engine.rangeQuery(storage, cmd.expr, start: cmd.start, end: cmd.end, step: cmd.step)
            } else {
                let at = cmd.rangeVector?.to ?? cmd.at
                result = try engine.instantQuery(storage, cmd.expr, at: at)
            }
        } catch {
            guard cmd.expectFail else { return "unexpected error: \(error.description)" }
            if let m = cmd.failMessage, m != error.description {
                return "expected error \"\(m)\", got \"\(error.description)\""
            }
            if let r = cmd.failRegex, !matches(r, error.description) {
                return "error \"\(error.description)\" does not match /\(r)/"
            }
            return nil
        }
        if cmd.expectFail { return "expected an error, got a result" }
        if let problem = checkAnnotations(result) { return problem }
        return compare(result.value)
    }

    private func matches(_ pattern: String, _ text: String) -> Bool {
        guard let re = try? NSRegularExpression(pattern: pattern) else { return false }
        return re.firstMatch(in: text, range: NSRange(location: 0, length: (text as NSString).length)) != nil
    }

    func checkAnnotations(_ result: QueryResult) -> String? {
        let warnings = result.warnings.map(\.description)
        let infos = result.infos.map(\.description)
        if cmd.atLeastOneWarn && warnings.isEmpty { return "expected a warning, got none" }
        if cmd.atLeastOneInfo && infos.isEmpty { return "expected an info annotation, got none" }
        if cmd.noWarn && !warnings.isEmpty { return "expected no warnings, got \(warnings)" }
        if cmd.noInfo && !infos.isEmpty { return "expected no info annotations, got \(infos)" }
        if let p = checkExpectations(cmd.warns, warnings, "warning") { return p }
        return checkExpectations(cmd.infos, infos, "info annotation")
    }

    private func checkExpectations(_ expected: [AnnotationExpectation], _ actual: [String], _ kind: String) -> String? {
        guard !expected.isEmpty else { return nil }
        func fits(_ e: AnnotationExpectation, _ a: String) -> Bool {
            switch e {
            case .any: return true
            case .message(let m): return m == a
            case .regex(let r): return matches(r, a)
            }
        }
        for e in expected where !actual.contains(where: { fits(e, $0) }) {
            return "expected \(kind) \(e) not found in \(actual)"
        }
        for a in actual where !expected.contains(where: { fits($0, a) }) {
            return "unexpected \(kind): \(a)"
        }
        return nil
    }

    func compare(_ value: QueryValue) -> String? {
        switch value {
        case .string(_, let s):
            guard let want = cmd.expectedString else { return "got string \"\(s)\", expected no string" }
            return want == s ? nil : "expected string \"\(want)\", got \"\(s)\""
        case .scalar(_, let v):
            guard let want = cmd.expectedScalar else { return "got scalar \(v), expected \(cmd.series.isEmpty ? "no result" : "a vector")" }
            return sampleValuesEqual(want, v) ? nil : "expected scalar \(want), got \(v)"
        case .vector(let samples):
            if cmd.expectedScalar != nil { return "expected a scalar, got a vector" }
            return compareVector(samples)
        case .matrix(let series):
            if cmd.expectedScalar != nil { return "expected a scalar, got a matrix" }
            return compareMatrix(series)
        }
    }

    private func compareVector(_ samples: [VectorSample]) -> String? {
        var expected: [Labels: (Int, Double)] = [:]
        for (i, s) in cmd.series.enumerated() {
            guard s.values.count == 1, case .float(let v) = s.values[0] else {
                return "expected series \(s.labels) needs exactly one float value in an instant query"
            }
            expected[s.labels] = (i, v)
        }
        if samples.count != expected.count {
            return "expected \(expected.count) samples, got \(samples.count): \(describe(samples))"
        }
        for (pos, s) in samples.enumerated() {
            guard let (i, v) = expected[s.labels] else { return "unexpected sample \(s.labels) \(s.v)" }
            if cmd.ordered && i != pos { return "sample \(s.labels) at position \(pos + 1), expected \(i + 1)" }
            if !sampleValuesEqual(v, s.v) { return "\(s.labels): expected \(v), got \(s.v)" }
        }
        return nil
    }

    private func describe(_ samples: [VectorSample]) -> String {
        samples.prefix(8).map { "\($0.labels) \($0.v)" }.joined(separator: ", ")
    }

    private func compareMatrix(_ series: [MatrixSeries]) -> String? {
        if cmd.ordered { return "expect ordered is not allowed for a range result" }
        let start: Int64, step: Int64, end: Int64
        if let rv = cmd.rangeVector {
            (start, end, step) = (rv.from, rv.to, rv.step)
        } else if cmd.isRange {
            (start, end, step) = (cmd.start, cmd.end, cmd.step)
        } else {
            if !series.isEmpty || !cmd.series.isEmpty { return "got a range vector without an `expect range vector` line" }
            return nil
        }
        var expected: [Labels: [Sample]] = [:]
        for s in cmd.series {
            var points: [Sample] = []
            for (i, v) in s.values.enumerated() {
                let t = start + Int64(i) * step
                if case .float(let f) = v {
                    if t > end { return "expected series \(s.labels) has more values than steps" }
                    points.append(Sample(t: t, v: f))
                }
            }
            expected[s.labels] = points
        }
        if series.count != expected.count {
            return "expected \(expected.count) series, got \(series.count): \(series.prefix(6).map { "\($0.labels) \($0.samples.map(\.v))" })"
        }
        for s in series {
            guard let want = expected[s.labels] else { return "unexpected series \(s.labels) \(s.samples.map(\.v))" }
            guard want.count == s.samples.count,
                  zip(want, s.samples).allSatisfy({ $0.t == $1.t && sampleValuesEqual($0.v, $1.v) }) else {
                return "\(s.labels): expected \(want.map { "\($0.v)@\($0.t / 1000)" }), got \(s.samples.map { "\($0.v)@\($0.t / 1000)" })"
            }
        }
        for i in series.indices.dropFirst() where !(series[i - 1].labels < series[i].labels) {
            return "range result is not sorted by labels"
        }
        return nil
    }
}

/// The float comparison of the test format: staleness markers only equal
/// each other, NaN equals NaN, otherwise relative tolerance 1e-6.
func sampleValuesEqual(_ a: Double, _ b: Double) -> Bool {
    if StaleNaN.isStale(a) || StaleNaN.isStale(b) { return StaleNaN.isStale(a) && StaleNaN.isStale(b) }
    if a.isNaN || b.isNaN { return a.isNaN && b.isNaN }
    if a == b { return true }
    return almostEqual(a, b, 1e-6)
}
