import Model

extension Expr {
    /// The expression with every duration expression replaced by its value
    /// for a query with the given step and range (seconds), as Prometheus
    /// resolves them before evaluation.
    func resolvingDurations(step: Double, range: Double) throws(PromQLError) -> Expr {
        func ms(_ e: DurationExpr, positive: Bool) throws(PromQLError) -> Int64 {
            let s = e.seconds(step: step, range: range)
            guard s.isFinite, abs(s) < maxTimeSeconds else { throw .badData("invalid duration expression \(e): \(s)") }
            let v = Int64((s * 1000).rounded())
            if positive && v <= 0 { throw .badData("duration expression \(e) must be greater than 0, got \(goG(s))s") }
            return v
        }
        func selector(_ vs: VectorSelector) throws(PromQLError) -> VectorSelector {
            var vs = vs
            if let e = vs.offsetExpr { vs.offset = try ms(e, positive: false) }
            return vs
        }
        switch self {
        case .number, .string: return self
        case .vectorSelector(let vs): return .vectorSelector(try selector(vs))
        case .matrixSelector(var m):
            m.selector = try selector(m.selector)
            if let e = m.rangeExpr { m.range = try ms(e, positive: true) }
            return .matrixSelector(m)
        case .subquery(var s):
            s.expr = try s.expr.resolvingDurations(step: step, range: range)
            if let e = s.rangeExpr { s.range = try ms(e, positive: true) }
            if let e = s.stepExpr { s.step = try ms(e, positive: true) }
            if let e = s.offsetExpr { s.offset = try ms(e, positive: false) }
            return .subquery(s)
        case .paren(var p):
            p.expr = try p.expr.resolvingDurations(step: step, range: range)
            return .paren(p)
        case .unary(var u):
            u.expr = try u.expr.resolvingDurations(step: step, range: range)
            return .unary(u)
        case .binary(var b):
            b.lhs = try b.lhs.resolvingDurations(step: step, range: range)
            b.rhs = try b.rhs.resolvingDurations(step: step, range: range)
            return .binary(b)
        case .call(var c):
            var args: [Expr] = []
            for a in c.args { args.append(try a.resolvingDurations(step: step, range: range)) }
            c.args = args
            return .call(c)
        case .aggregate(var a):
            a.expr = try a.expr.resolvingDurations(step: step, range: range)
            if let p = a.param { a.param = try p.resolvingDurations(step: step, range: range) }
            return .aggregate(a)
        }
    }
}
