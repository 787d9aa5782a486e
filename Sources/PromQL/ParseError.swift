import Model

/// A syntax or type error in a PromQL expression.
public struct ParseError: Error, Sendable, CustomStringConvertible {
    /// Byte offset in the query where the problem starts.
    public var position: Int
    /// What is wrong, in Prometheus's wording.
    public var message: String
    /// The query, when known, to render `line:column`.
    public var query: String?

    /// An error at a byte offset.
    public init(position: Int, message: String, query: String? = nil) {
        self.position = position
        self.message = message
        self.query = query
    }

    /// 1-based line and column of `position` in `query`.
    public var lineAndColumn: (line: Int, column: Int) {
        lineColumn(of: position, in: query ?? "")
    }

    /// `1:5: parse error: unexpected ...`, as Prometheus words it.
    public var description: String {
        let (line, col) = lineAndColumn
        return "\(line):\(col): parse error: \(message)"
    }
}

/// 1-based line and column of a byte offset, as Prometheus reports positions.
func lineColumn(of offset: Int, in query: String) -> (line: Int, column: Int) {
    var line = 1
    var lastBreak = -1
    for (i, b) in query.utf8.enumerated() {
        if i >= offset { break }
        if b == 10 {
            line += 1
            lastBreak = i
        }
    }
    return (line, offset - lastBreak)
}

/// Parses PromQL text into an `Expr`.
public enum PromQLParser {
    /// Parses and type-checks an expression.
    public static func parse(_ query: String) throws(ParseError) -> Expr {
        do throws(ParseError) {
            var p = try Parser(query)
            if p.current.kind == .eof { throw ParseError(position: 0, message: "no expression found in input") }
            let expr = try p.parseExpression(minPrecedence: 0)
            if p.current.kind != .eof {
                throw ParseError(position: p.current.start, message: "unexpected \(p.describe(p.current))")
            }
            try TypeChecker.check(expr)
            return expr
        } catch {
            var e = error
            e.query = query
            throw e
        }
    }
}
