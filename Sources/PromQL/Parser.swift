import Model

struct Parser {
    let tokens: [Token]
    var index = 0
    var allowEmptySelector = false
    /// Current nesting of sub-expressions; bounded so hostile input cannot exhaust the stack.
    var depth = 0
    static let maxDepth = 500

    init(_ query: String) throws(ParseError) {
        tokens = try Lexer.tokenize(query)
    }

    var current: Token { tokens[index] }
    func peek(_ n: Int = 1) -> Token { tokens[min(index + n, tokens.count - 1)] }

    mutating func advance() -> Token {
        let t = tokens[index]
        if index < tokens.count - 1 { index += 1 }
        return t
    }

    func describe(_ t: Token) -> String {
        switch t.kind {
        case .eof: return "end of input"
        case .identifier: return "identifier \"\(t.text)\""
        case .number: return "number \"\(t.text)\""
        case .duration: return "duration \"\(t.text)\""
        case .string: return "string \(quoteLabelValue(t.text))"
        default: return "\"\(t.text)\""
        }
    }

    func isKeyword(_ t: Token, _ word: String) -> Bool {
        t.kind == .identifier && t.text.lowercased() == word
    }

    mutating func expect(_ kind: TokenKind, _ context: String) throws(ParseError) -> Token {
        guard current.kind == kind else {
            throw ParseError(position: current.start, message: "unexpected \(describe(current)) in \(context)")
        }
        return advance()
    }

    // MARK: Binary expressions

    func binaryOp(_ t: Token) -> BinaryOp? {
        switch t.kind {
        case .add: return .add
        case .sub: return .sub
        case .mul: return .mul
        case .div: return .div
        case .mod: return .mod
        case .pow: return .pow
        case .eql: return .eql
        case .neq: return .neq
        case .lss: return .lss
        case .lte: return .lte
        case .gtr: return .gtr
        case .gte: return .gte
        case .identifier:
            switch t.text.lowercased() {
            case "and": return .and
            case "or": return .or
            case "unless": return .unless
            case "atan2": return .atan2
            default: return nil
            }
        default: return nil
        }
    }

    mutating func parseExpression(minPrecedence: Int) throws(ParseError) -> Expr {
        var lhs = try parseUnary()
        while let op = binaryOp(current), op.precedence >= minPrecedence {
            let opToken = advance()
            var returnBool = false
            if isKeyword(current, "bool") {
                guard op.isComparison else {
                    throw ParseError(position: current.start, message: "bool modifier can only be used on comparison operators")
                }
                _ = advance()
                returnBool = true
            }
            let matching = try parseVectorMatching(op)
            let next = op.isRightAssociative ? op.precedence : op.precedence + 1
            let rhs = try parseExpression(minPrecedence: next)
            lhs = .binary(BinaryExpr(op: op, lhs: lhs, rhs: rhs, returnBool: returnBool, matching: matching,
                                     opPosition: PositionRange(start: opToken.start, end: opToken.end)))
        }
        return lhs
    }

    mutating func parseVectorMatching(_ op: BinaryOp) throws(ParseError) -> VectorMatching? {
        var m = VectorMatching()
        m.cardinality = op.isSetOperator ? .manyToMany : .oneToOne
        var explicit = false
        if isKeyword(current, "on") || isKeyword(current, "ignoring") {
            m.on = isKeyword(current, "on")
            _ = advance()
            m.matchingLabels = try parseLabelList()
            explicit = true
        }
        if isKeyword(current, "group_left") || isKeyword(current, "group_right") {
            let tok = advance()
            if op.isSetOperator {
                throw ParseError(position: tok.start, message: "no grouping allowed for \"\(op.rawValue)\" operation")
            }
            m.cardinality = isKeyword(tok, "group_left") ? .manyToOne : .oneToMany
            if current.kind == .leftParen { m.include = try parseLabelList() }
            explicit = true
        }
        while current.kind == .identifier, peek().kind == .leftParen,
              ["fill", "fill_left", "fill_right"].contains(current.text.lowercased()) {
            let tok = advance()
            if op.isSetOperator {
                throw ParseError(position: tok.start, message: "fill modifiers are not allowed for set operator \"\(op.rawValue)\"")
            }
            _ = advance()
            var sign = 1.0
            if current.kind == .sub || current.kind == .add {
                if advance().kind == .sub { sign = -1 }
            }
            let num = advance()
            guard num.kind == .number || num.kind == .duration else {
                throw ParseError(position: num.start, message: "unexpected \(describe(num)) in fill modifier, expected number")
            }
            let v = sign * (num.kind == .number ? parseNumberLiteral(num.text) : Double(PromDuration(num.text)?.milliseconds ?? 0) / 1000)
            _ = try expect(.rightParen, "fill modifier")
            switch tok.text.lowercased() {
            case "fill":
                m.fillLeft = v
                m.fillRight = v
                m.fillBoth = true
            case "fill_left":
                m.fillLeft = v
                m.fillBoth = false
            default:
                m.fillRight = v
                m.fillBoth = false
            }
            explicit = true
        }
        if explicit {
            for l in m.include where m.on && m.matchingLabels.contains(l) {
                throw ParseError(position: current.start, message: "label \"\(l)\" must not occur in ON and GROUP clause at once")
            }
        }
        return explicit || op.isSetOperator ? m : nil
    }

    /// `(a, b, "c.d")`; trailing comma allowed.
    mutating func parseLabelList() throws(ParseError) -> [String] {
        _ = try expect(.leftParen, "grouping opts")
        var out: [String] = []
        while current.kind != .rightParen {
            let t = advance()
            switch t.kind {
            case .identifier:
                guard isValidLegacyLabelName(t.text) else {
                    throw ParseError(position: t.start, message: "invalid label name \(quoteLabelValue(t.text))")
                }
                out.append(t.text)
            case .string:
                out.append(t.text)
            default:
                throw ParseError(position: t.start, message: "unexpected \(describe(t)) in grouping opts, expected label")
            }
            if current.kind == .comma {
                _ = advance()
            } else if current.kind != .rightParen {
                throw ParseError(position: current.start, message: "unexpected \(describe(current)) in grouping opts, expected \",\" or \")\"")
            }
        }
        _ = advance()
        return out
    }

    // MARK: Unary and postfix

    mutating func parseUnary() throws(ParseError) -> Expr {
        depth += 1
        defer { depth -= 1 }
        if depth > Parser.maxDepth {
            throw ParseError(position: current.start, message: "expression nested too deeply (more than \(Parser.maxDepth) levels)")
        }
        if current.kind == .add || current.kind == .sub {
            let opTok = advance()
            let operand = try parseExpression(minPrecedence: BinaryOp.pow.precedence)
            if case .number(var n) = operand {
                if opTok.kind == .sub { n.value = -n.value }
                n.position.start = opTok.start
                return .number(n)
            }
            let pos = PositionRange(start: opTok.start, end: operand.position.end)
            return .unary(UnaryExpr(op: opTok.kind == .sub ? .sub : .add, expr: operand, position: pos))
        }
        return try parsePostfix(try parsePrimary())
    }

    mutating func parsePostfix(_ base: Expr) throws(ParseError) -> Expr {
        var expr = base
        while true {
            if current.kind == .leftBracket {
                expr = try parseRangeOrSubquery(expr)
            } else if isKeyword(current, "offset") {
                let tok = advance()
                let d = try parseOffsetDuration()
                if let seconds = d.literalSeconds {
                    guard seconds.isFinite, abs(seconds) < maxTimeSeconds else {
                        throw ParseError(position: tok.start, message: "invalid offset duration: \(d)")
                    }
                    expr = try applyOffset(expr, Int64((seconds * 1000).rounded()), offsetExpr: nil, at: tok)
                } else {
                    expr = try applyOffset(expr, 0, offsetExpr: d, at: tok)
                }
            } else if isKeyword(current, "anchored") || isKeyword(current, "smoothed") {
                let tok = advance()
                let anchored = tok.text.lowercased() == "anchored"
                switch expr {
                case .matrixSelector(var ms) where !ms.selector.anchored && !ms.selector.smoothed:
                    if anchored { ms.selector.anchored = true } else { ms.selector.smoothed = true }
                    ms.position.end = tok.end
                    expr = .matrixSelector(ms)
                case .vectorSelector(var vs) where !anchored && !vs.smoothed:
                    vs.smoothed = true
                    vs.position.end = tok.end
                    expr = .vectorSelector(vs)
                default:
                    throw ParseError(position: tok.start, message: "\(tok.text.lowercased()) modifier can only be used with \(anchored ? "a range" : "an instant or range") vector selector")
                }
            } else if current.kind == .at {
                let tok = advance()
                let at = try parseAtValue()
                expr = try applyAt(expr, at, at: tok)
            } else {
                return expr
            }
        }
    }

    mutating func parseRangeOrSubquery(_ expr: Expr) throws(ParseError) -> Expr {
        let open = advance()
        let (range, rangeExpr) = try parseBracketDuration("range")
        if current.kind == .rightBracket {
            let close = advance()
            guard case .vectorSelector(let vs) = expr else {
                throw ParseError(position: open.start, message: "ranges only allowed for vector selectors")
            }
            if vs.offset != 0 || vs.offsetExpr != nil || vs.at != .none {
                throw ParseError(position: open.start, message: "no offset or @ modifiers allowed before range")
            }
            return .matrixSelector(MatrixSelector(selector: vs, range: range, rangeExpr: rangeExpr,
                                                  position: PositionRange(start: vs.position.start, end: close.end)))
        }
        _ = try expect(.colon, "subquery selector")
        var step: Int64?
        var stepExpr: DurationExpr?
        if current.kind != .rightBracket { (step, stepExpr) = try parseBracketDuration("subquery step") }
        let close = try expect(.rightBracket, "subquery selector")
        var sq = SubqueryExpr(expr: expr, range: range, step: step,
                              position: PositionRange(start: expr.position.start, end: close.end))
        sq.rangeExpr = rangeExpr
        sq.stepExpr = stepExpr
        return .subquery(sq)
    }

    /// A range or step: a literal (kept as ms) or a duration expression resolved at query time.
    mutating func parseBracketDuration(_ context: String) throws(ParseError) -> (Int64, DurationExpr?) {
        let start = current.start
        let e = try parseDurationExpr()
        guard let seconds = e.literalSeconds else { return (0, e) }
        guard seconds.isFinite, abs(seconds) < maxTimeSeconds else {
            throw ParseError(position: start, message: "invalid \(context) duration: \(e)")
        }
        let ms = Int64((seconds * 1000).rounded())
        guard ms > 0 else { throw ParseError(position: start, message: "\(context) duration must be greater than 0") }
        return (ms, nil)
    }

    mutating func parseAtValue() throws(ParseError) -> (AtModifier, Int) {
        let start = current.start
        if isKeyword(current, "start") || isKeyword(current, "end") {
            let word = advance()
            _ = try expect(.leftParen, "@ modifier")
            let close = try expect(.rightParen, "@ modifier")
            return (word.text.lowercased() == "start" ? .start : .end, close.end)
        }
        var sign = 1.0
        if current.kind == .sub || current.kind == .add {
            if current.kind == .sub { sign = -1 }
            _ = advance()
        }
        let t = advance()
        guard t.kind == .number || t.kind == .duration else {
            throw ParseError(position: t.start, message: "unexpected \(describe(t)) in @, expected timestamp")
        }
        let seconds = sign * (t.kind == .duration ? Double(PromDuration(t.text)?.milliseconds ?? 0) / 1000 : parseNumberLiteral(t.text))
        guard seconds.isFinite, abs(seconds) < maxTimeSeconds else {
            throw ParseError(position: start, message: "timestamp out of bounds for @ modifier: \(seconds)")
        }
        return (.timestamp(Int64((seconds * 1000).rounded())), t.end)
    }

    func applyOffset(_ expr: Expr, _ offset: Int64, offsetExpr: DurationExpr?, at tok: Token) throws(ParseError) -> Expr {
        let end = tokens[index - 1].end
        let dup = ParseError(position: tok.start, message: "offset may not be set multiple times")
        switch expr {
        case .vectorSelector(var vs):
            guard vs.offset == 0, vs.offsetExpr == nil else { throw dup }
            vs.offset = offset
            vs.offsetExpr = offsetExpr
            vs.position.end = end
            return .vectorSelector(vs)
        case .matrixSelector(var ms):
            guard ms.selector.offset == 0, ms.selector.offsetExpr == nil else { throw dup }
            ms.selector.offset = offset
            ms.selector.offsetExpr = offsetExpr
            ms.position.end = end
            return .matrixSelector(ms)
        case .subquery(var sq):
            guard sq.offset == 0, sq.offsetExpr == nil else { throw dup }
            sq.offset = offset
            sq.offsetExpr = offsetExpr
            sq.position.end = end
            return .subquery(sq)
        default:
            throw ParseError(position: tok.start, message: "offset modifier must be preceded by an instant vector selector or range vector selector or a subquery")
        }
    }

    func applyAt(_ expr: Expr, _ at: (AtModifier, Int), at tok: Token) throws(ParseError) -> Expr {
        let dup = ParseError(position: tok.start, message: "@ <timestamp> may not be set multiple times")
        switch expr {
        case .vectorSelector(var vs):
            guard vs.at == .none else { throw dup }
            vs.at = at.0
            vs.position.end = at.1
            return .vectorSelector(vs)
        case .matrixSelector(var ms):
            guard ms.selector.at == .none else { throw dup }
            ms.selector.at = at.0
            ms.position.end = at.1
            return .matrixSelector(ms)
        case .subquery(var sq):
            guard sq.at == .none else { throw dup }
            sq.at = at.0
            sq.position.end = at.1
            return .subquery(sq)
        default:
            throw ParseError(position: tok.start, message: "@ modifier must be preceded by an instant vector selector or range vector selector or a subquery")
        }
    }

    // MARK: Primary expressions

    mutating func parsePrimary() throws(ParseError) -> Expr {
        let t = current
        switch t.kind {
        case .number:
            _ = advance()
            return .number(NumberLiteral(value: parseNumberLiteral(t.text), position: PositionRange(start: t.start, end: t.end)))
        case .duration:
            _ = advance()
            guard let d = PromDuration(t.text) else {
                throw ParseError(position: t.start, message: "bad duration syntax: \"\(t.text)\"")
            }
            return .number(NumberLiteral(value: Double(d.milliseconds) / 1000, position: PositionRange(start: t.start, end: t.end),
                                         isDuration: true))
        case .string:
            _ = advance()
            return .string(StringLiteral(value: t.text, position: PositionRange(start: t.start, end: t.end)))
        case .leftParen:
            _ = advance()
            let inner = try parseExpression(minPrecedence: 0)
            let close = try expect(.rightParen, "paren expression")
            return .paren(ParenExpr(expr: inner, position: PositionRange(start: t.start, end: close.end)))
        case .leftBrace:
            return .vectorSelector(try parseSelector(name: nil, start: t.start))
        case .identifier:
            return try parseIdentifierExpr()
        default:
            throw ParseError(position: t.start, message: "unexpected \(describe(t))")
        }
    }

    mutating func parseIdentifierExpr() throws(ParseError) -> Expr {
        let t = current
        let lower = t.text.lowercased()
        if let op = AggregateOp(rawValue: lower), peek().kind == .leftParen || isKeyword(peek(), "by") || isKeyword(peek(), "without") {
            return try parseAggregate(op)
        }
        if peek().kind == .leftParen {
            guard let fn = FunctionDef.named(t.text) else {
                throw ParseError(position: t.start, message: "unknown function with name \"\(t.text)\"")
            }
            return try parseCall(fn)
        }
        switch lower {
        case "and", "or", "unless", "atan2", "bool", "by", "without", "on", "ignoring", "group_left", "group_right", "offset":
            throw ParseError(position: t.start, message: "unexpected \(describe(t))")
        default:
            break
        }
        _ = advance()
        return .vectorSelector(try parseSelector(name: t.text, start: t.start))
    }

    mutating func parseCall(_ fn: FunctionDef) throws(ParseError) -> Expr {
        let nameTok = advance()
        _ = advance() // (
        var args: [Expr] = []
        while current.kind != .rightParen {
            // info()'s second argument is a label selector that may match everything.
            allowEmptySelector = fn.name == "info" && args.count == 1
            defer { allowEmptySelector = false }
            args.append(try parseExpression(minPrecedence: 0))
            if current.kind == .comma {
                _ = advance()
            } else if current.kind != .rightParen {
                throw ParseError(position: current.start, message: "unexpected \(describe(current)) in function call, expected \",\" or \")\"")
            }
        }
        let close = advance()
        return .call(Call(function: fn, args: args, position: PositionRange(start: nameTok.start, end: close.end)))
    }

    mutating func parseAggregate(_ op: AggregateOp) throws(ParseError) -> Expr {
        let opTok = advance()
        var grouping: [String] = []
        var without = false
        var haveGrouping = false
        if isKeyword(current, "by") || isKeyword(current, "without") {
            without = isKeyword(current, "without")
            _ = advance()
            grouping = try parseLabelList()
            haveGrouping = true
        }
        _ = try expect(.leftParen, "aggregation")
        var args: [Expr] = []
        while current.kind != .rightParen {
            args.append(try parseExpression(minPrecedence: 0))
            if current.kind == .comma {
                _ = advance()
            } else if current.kind != .rightParen {
                throw ParseError(position: current.start, message: "unexpected \(describe(current)) in aggregation, expected \",\" or \")\"")
            }
        }
        var end = advance().end
        if !haveGrouping, isKeyword(current, "by") || isKeyword(current, "without") {
            without = isKeyword(current, "without")
            _ = advance()
            grouping = try parseLabelList()
            end = tokens[index - 1].end
        }
        let pos = PositionRange(start: opTok.start, end: end)
        let expected = op.hasParameter ? 2 : 1
        guard args.count == expected else {
            if args.isEmpty {
                throw ParseError(position: opTok.start, message: "no arguments for aggregate expression provided")
            }
            throw ParseError(position: opTok.start, message: "wrong number of arguments for aggregate expression provided, expected \(expected), got \(args.count)")
        }
        return .aggregate(AggregateExpr(op: op, expr: args[args.count - 1], param: op.hasParameter ? args[0] : nil,
                                        grouping: grouping, without: without, position: pos))
    }
}
