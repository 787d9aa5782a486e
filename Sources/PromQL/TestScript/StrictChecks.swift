import Model

/// Upstream's optional extra checks of instant evals (FORMAT.md §4.5): the
/// same expectations must hold with every selector pinned by `@` and
/// evaluated at other times, and when run as a range query around `at`.
extension CaseChecker {
    private static let timeFunctions: Set<String> = [
        "time", "timestamp", "predict_linear", "hour", "minute", "month", "year", "day_of_month",
        "day_of_week", "day_of_year", "days_in_month", "start", "end", "step", "range",
    ]

    func strictCheck() -> String? {
        guard !cmd.isRange, !cmd.expectFail, cmd.rangeVector == nil, cmd.expectedString == nil,
              let expr = try? PromQLParser.parse(cmd.expr) else { return nil }
        let called = functionNames(expr)
        if called.isDisjoint(with: Self.timeFunctions) {
            let pinned = "\(pin(expr, at: cmd.at))"
            let t = cmd.at
            let times: [Int64] = t == 0 ? [-1000, 0, 1000] : [-10 * t, 0, t / 5, t, 10 * t]
            for time in times {
                do {
                    let r = try engine.instantQuery(storage, pinned, at: time)
                    if let p = checkAnnotations(r) ?? compare(r.value) { return "with @ at \(time)ms (\(pinned)): \(p)" }
                } catch {
                    return "with @ at \(time)ms (\(pinned)): unexpected error: \(error.description)"
                }
            }
        }
        if !cmd.ordered, called.isDisjoint(with: ["start", "end", "range", "step"]) {
            do {
                let r = try engine.rangeQuery(storage, cmd.expr, start: cmd.at - 60_000, end: cmd.at + 60_000, step: 60_000)
                guard case .matrix(let m) = r.value else { return "range mode: not a matrix" }
                if cmd.expectedScalar != nil {
                    guard let p = m.first?.samples.first(where: { $0.t == cmd.at }) else { return "range mode: no scalar at \(cmd.at)" }
                    if let problem = compare(.scalar(t: cmd.at, v: p.v)) { return "range mode: \(problem)" }
                } else {
                    var samples: [VectorSample] = []
                    for s in m {
                        if let p = s.samples.first(where: { $0.t == cmd.at }) { samples.append(VectorSample(labels: s.labels, t: p.t, v: p.v)) }
                    }
                    if let problem = compare(.vector(samples)) { return "range mode: \(problem)" }
                }
            } catch {
                return "range mode: unexpected error: \(error.description)"
            }
        }
        return nil
    }

    private func functionNames(_ e: Expr) -> Set<String> {
        switch e {
        case .number, .string, .vectorSelector, .matrixSelector: return []
        case .subquery(let s): return functionNames(s.expr)
        case .paren(let p): return functionNames(p.expr)
        case .unary(let u): return functionNames(u.expr)
        case .binary(let b): return functionNames(b.lhs).union(functionNames(b.rhs))
        case .call(let c): return c.args.reduce(Set([c.function.name])) { $0.union(functionNames($1)) }
        case .aggregate(let a): return functionNames(a.expr).union(a.param.map(functionNames) ?? [])
        }
    }

    /// Adds `@ t` to every selector and outermost subquery that has none.
    private func pin(_ e: Expr, at t: Int64) -> Expr {
        switch e {
        case .number, .string: return e
        case .vectorSelector(var vs):
            if vs.at == .none { vs.at = .timestamp(t) }
            return .vectorSelector(vs)
        case .matrixSelector(var ms):
            if ms.selector.at == .none { ms.selector.at = .timestamp(t) }
            return .matrixSelector(ms)
        case .subquery(var s):
            if s.at == .none { s.at = .timestamp(t) }
            return .subquery(s)
        case .paren(var p):
            p.expr = pin(p.expr, at: t)
            return .paren(p)
        case .unary(var u):
            u.expr = pin(u.expr, at: t)
            return .unary(u)
        case .binary(var b):
            b.lhs = pin(b.lhs, at: t)
            b.rhs = pin(b.rhs, at: t)
            return .binary(b)
        case .call(var c):
            c.args = c.args.map { pin($0, at: t) }
            return .call(c)
        case .aggregate(var a):
            a.expr = pin(a.expr, at: t)
            a.param = a.param.map { pin($0, at: t) }
            return .aggregate(a)
        }
    }
}
