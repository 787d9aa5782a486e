import Model

extension Parser {
    /// Parses an optional `{...}` after a metric name (or the braces alone).
    mutating func parseSelector(name: String?, start: Int) throws(ParseError) -> VectorSelector {
        let metricName = name
        // A quoted name inside the braces becomes a plain `__name__` matcher, as upstream prints it.
        var quotedName: String?
        var matchers: [Matcher] = []
        var end = tokens[max(index - 1, 0)].end
        if current.kind == .leftBrace {
            _ = advance()
            (matchers, quotedName) = try parseMatcherList(metricName: metricName)
            end = advance().end
        }
        if let metricName = metricName ?? quotedName {
            if matchers.contains(where: { $0.name == LabelName.metricName }) {
                throw ParseError(position: start, message: "metric name must not be set twice: \(quoteLabelValue(metricName))")
            }
            do {
                matchers.insert(try Matcher(.equal, LabelName.metricName, metricName), at: 0)
            } catch {
                throw ParseError(position: start, message: "\(error)")
            }
        }
        let pos = PositionRange(start: start, end: end)
        if !allowEmptySelector && !matchers.contains(where: { !$0.matchesEmpty }) {
            throw ParseError(position: start, message: "vector selector must contain at least one non-empty matcher")
        }
        return VectorSelector(name: name, matchers: matchers, position: pos)
    }

    /// The matchers between `{` and `}` (the closing brace is left for the caller);
    /// a lone quoted string is returned as the metric name.
    private mutating func parseMatcherList(metricName: String?) throws(ParseError) -> ([Matcher], String?) {
        var matchers: [Matcher] = []
        var quotedName: String?
        while current.kind != .rightBrace {
            let labelTok = advance()
            let label: String
            switch labelTok.kind {
            case .identifier: label = labelTok.text
            case .string:
                if current.kind == .comma || current.kind == .rightBrace {
                    // A lone quoted string is the metric name.
                    if metricName != nil || quotedName != nil {
                        throw ParseError(position: labelTok.start, message: "metric name must not be set twice: \(quoteLabelValue(metricName ?? quotedName ?? "")) or \(quoteLabelValue(labelTok.text))")
                    }
                    quotedName = labelTok.text
                    if current.kind == .comma { _ = advance() }
                    continue
                }
                label = labelTok.text
            default:
                throw ParseError(position: labelTok.start, message: "unexpected \(describe(labelTok)) in label matching, expected label")
            }
            let opTok = advance()
            let type: MatchType
            switch opTok.kind {
            case .assign: type = .equal
            case .neq: type = .notEqual
            case .eqlRegex: type = .regexMatch
            case .neqRegex: type = .regexNoMatch
            default:
                throw ParseError(position: opTok.start, message: "unexpected \(describe(opTok)) in label matching, expected label matching operator")
            }
            let valueTok = advance()
            guard valueTok.kind == .string else {
                throw ParseError(position: valueTok.start, message: "unexpected \(describe(valueTok)) in label matching, expected string")
            }
            do {
                matchers.append(try Matcher(type, label, valueTok.text))
            } catch {
                throw ParseError(position: valueTok.start, message: "\(error)")
            }
            if current.kind == .comma {
                _ = advance()
            } else if current.kind != .rightBrace {
                throw ParseError(position: current.start, message: "unexpected \(describe(current)) in label matching, expected \",\" or \"}\"")
            }
        }
        return (matchers, quotedName)
    }
}

/// Parses a PromQL number literal with Go's rules: integers with base
/// prefixes (`0x1f`, octal `017`) first, then floats, `Inf` and `NaN`.
func parseNumberLiteral(_ text: String) -> Double {
    let s = text.replacingOccurrences(of: "_", with: "").lowercased()
    switch s {
    case "inf", "+inf": return .infinity
    case "-inf": return -.infinity
    case "nan": return .nan
    default: break
    }
    if s.hasPrefix("0x"), let v = UInt64(s.dropFirst(2), radix: 16) { return Double(v) }
    if s.hasPrefix("0o"), let v = UInt64(s.dropFirst(2), radix: 8) { return Double(v) }
    if s.hasPrefix("0b"), let v = UInt64(s.dropFirst(2), radix: 2) { return Double(v) }
    if s.count > 1, s.hasPrefix("0"), s.allSatisfy({ $0 >= "0" && $0 <= "7" }), let v = UInt64(s.dropFirst(), radix: 8) {
        return Double(v)
    }
    return Double(s) ?? .nan
}
