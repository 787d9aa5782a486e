/// Static type rules Prometheus applies after parsing (checkAST).
enum TypeChecker {
    static func check(_ expr: Expr) throws(ParseError) {
        switch expr {
        case .number, .string, .vectorSelector, .matrixSelector:
            return
        case .paren(let p):
            try check(p.expr)
        case .subquery(let s):
            try check(s.expr)
            guard s.expr.type == .vector else {
                throw ParseError(position: s.position.start, message: "subquery is only allowed on instant vector, got \(s.expr.type.rawValue) instead")
            }
        case .unary(let u):
            try check(u.expr)
            guard u.expr.type == .scalar || u.expr.type == .vector else {
                throw ParseError(position: u.position.start, message: "unary expression only allowed on expressions of type scalar or instant vector, got \"\(u.expr.type.rawValue)\"")
            }
        case .binary(let b):
            try checkBinary(b)
        case .call(let c):
            try checkCall(c)
        case .aggregate(let a):
            try check(a.expr)
            if let p = a.param { try check(p) }
            guard a.expr.type == .vector else {
                throw ParseError(position: a.expr.position.start, message: "expected type instant vector in aggregation expression, got \(a.expr.type.rawValue)")
            }
            if let p = a.param {
                let want: ValueType = a.op == .countValues ? .string : .scalar
                guard p.type == want else {
                    throw ParseError(position: p.position.start, message: "expected type \(want.rawValue) in aggregation parameter, got \(p.type.rawValue)")
                }
            }
        }
    }

    private static func checkBinary(_ b: BinaryExpr) throws(ParseError) {
        try check(b.lhs)
        try check(b.rhs)
        let lt = b.lhs.type, rt = b.rhs.type
        for side in [b.lhs, b.rhs] where side.type != .scalar && side.type != .vector {
            throw ParseError(position: side.position.start, message: "binary expression must contain only scalar and instant vector types")
        }
        if b.returnBool && !b.op.isComparison {
            throw ParseError(position: b.opPosition.start, message: "bool modifier can only be used on comparison operators")
        }
        if b.op.isComparison && !b.returnBool && lt == .scalar && rt == .scalar {
            throw ParseError(position: b.opPosition.start, message: "comparisons between scalars must use BOOL modifier")
        }
        if b.op.isSetOperator && (lt == .scalar || rt == .scalar) {
            throw ParseError(position: b.opPosition.start, message: "set operator \"\(b.op.rawValue)\" not allowed in binary scalar expression")
        }
        if let m = b.matching, lt == .scalar || rt == .scalar, !b.op.isSetOperator,
           m.on || !m.matchingLabels.isEmpty || m.cardinality != .oneToOne || m.fillLeft != nil || m.fillRight != nil {
            throw ParseError(position: b.opPosition.start, message: "vector matching only allowed between instant vectors")
        }
    }

    private static func checkCall(_ c: Call) throws(ParseError) {
        let fn = c.function
        let n = fn.argTypes.count
        if fn.variadic == 0 {
            guard c.args.count == n else {
                throw ParseError(position: c.position.start, message: "expected \(n) argument(s) in call to \"\(fn.name)\", got \(c.args.count)")
            }
        } else {
            let minArgs = n - 1
            if c.args.count < minArgs {
                throw ParseError(position: c.position.start, message: "expected at least \(minArgs) argument(s) in call to \"\(fn.name)\", got \(c.args.count)")
            }
            if fn.variadic > 0, c.args.count > minArgs + fn.variadic {
                throw ParseError(position: c.position.start, message: "expected at most \(minArgs + fn.variadic) argument(s) in call to \"\(fn.name)\", got \(c.args.count)")
            }
        }
        for (i, arg) in c.args.enumerated() {
            try check(arg)
            let want = fn.argTypes[min(i, n - 1)]
            guard arg.type == want else {
                throw ParseError(position: arg.position.start, message: "expected type \(want.rawValue) in call to function \"\(fn.name)\", got \(arg.type.rawValue)")
            }
        }
    }
}
