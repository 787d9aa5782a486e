import Foundation
import Model

extension Evaluator {
    func stringArg(_ e: Expr) -> String {
        if case .string(let s) = e.unwrapped { return s.value }
        return ""
    }

    func labelReplace(_ c: Call, _ grid: StepGrid) throws -> [StepSeries] {
        let dst = stringArg(c.args[1]), repl = stringArg(c.args[2]), src = stringArg(c.args[3]), pattern = stringArg(c.args[4])
        let regex: NSRegularExpression
        do {
            regex = try NSRegularExpression(pattern: "^(?:\(pattern))$", options: [.dotMatchesLineSeparators])
        } catch {
            throw PromQLError.execution("invalid regular expression in label_replace(): \(pattern)")
        }
        guard !dst.isEmpty else { throw PromQLError.execution("invalid destination label name in label_replace(): \(dst)") }
        var input = try eval(c.args[0], grid).vectorValue
        for k in input.indices {
            let value = input[k].labels[src]
            let ns = value as NSString
            guard let m = regex.firstMatch(in: value, range: NSRange(location: 0, length: ns.length)) else { continue }
            let replaced = expandTemplate(repl, match: m, in: ns, regex: regex)
            input[k].labels = input[k].labels.setting(dst, replaced)
            if dst == LabelName.metricName { input[k].dropName = false }
        }
        return try mergeStepSeries(input)
    }

    /// Expands `$1`, `${1}`, `$name`, `${name}` like Go's regexp.Expand.
    private func expandTemplate(_ template: String, match: NSTextCheckingResult, in s: NSString, regex: NSRegularExpression) -> String {
        var out = ""
        let chars = Array(template.unicodeScalars)
        var i = 0
        func group(_ name: String) -> String {
            if let n = Int(name) {
                guard n < match.numberOfRanges else { return "" }
                let r = match.range(at: n)
                return r.location == NSNotFound ? "" : s.substring(with: r)
            }
            let r = match.range(withName: name)
            return r.location == NSNotFound ? "" : s.substring(with: r)
        }
        while i < chars.count {
            let ch = chars[i]
            guard ch == "$", i + 1 < chars.count else {
                out.unicodeScalars.append(ch)
                i += 1
                continue
            }
            if chars[i + 1] == "$" {
                out += "$"
                i += 2
                continue
            }
            var name = ""
            var j = i + 1
            if chars[j] == "{" {
                j += 1
                while j < chars.count, chars[j] != "}" {
                    name.unicodeScalars.append(chars[j])
                    j += 1
                }
                guard j < chars.count, !name.isEmpty else {
                    out.unicodeScalars.append(ch)
                    i += 1
                    continue
                }
                j += 1
            } else {
                while j < chars.count, chars[j].properties.isAlphabetic || ("0"..."9").contains(chars[j]) || chars[j] == "_" {
                    name.unicodeScalars.append(chars[j])
                    j += 1
                }
                if name.isEmpty {
                    out.unicodeScalars.append(ch)
                    i += 1
                    continue
                }
            }
            out += group(name)
            i = j
        }
        return out
    }

    func labelJoin(_ c: Call, _ grid: StepGrid) throws -> [StepSeries] {
        let dst = stringArg(c.args[1]), sep = stringArg(c.args[2])
        let sources = c.args.dropFirst(3).map(stringArg)
        for s in sources where s.isEmpty { throw PromQLError.execution("invalid source label name in label_join(): \(s)") }
        guard !dst.isEmpty else { throw PromQLError.execution("invalid destination label name in label_join(): \(dst)") }
        var input = try eval(c.args[0], grid).vectorValue
        for k in input.indices {
            let joined = sources.map { input[k].labels[$0] }.joined(separator: sep)
            input[k].labels = input[k].labels.setting(dst, joined)
            if dst == LabelName.metricName { input[k].dropName = false }
        }
        return try mergeStepSeries(input)
    }

    /// Combines series whose labels became equal; a step with two values is an error.
    func mergeStepSeries(_ input: [StepSeries]) throws -> [StepSeries] {
        var index: [Labels: Int] = [:]
        var out: [StepSeries] = []
        out.reserveCapacity(input.count)
        for s in input {
            if let i = index[s.labels] {
                for (k, v) in s.values.enumerated() where !isAbsent(v) {
                    if !isAbsent(out[i].values[k]) {
                        throw PromQLError.execution("vector cannot contain metrics with the same labelset")
                    }
                    out[i].values[k] = v
                }
                out[i].dropName = out[i].dropName || s.dropName
            } else {
                index[s.labels] = out.count
                out.append(s)
            }
        }
        return out
    }

    func sortFunction(_ c: Call, _ grid: StepGrid) throws -> [StepSeries] {
        let input = try eval(c.args[0], grid).vectorValue
        // Order only shows in instant results; range results are sorted by labels anyway.
        guard grid.count == 1 else { return input }
        let present = input.filter { !isNotFloat($0.values[0]) }
        switch c.function.name {
        case "sort":
            return present.sorted { a, b in
                let x = a.values[0], y = b.values[0]
                if x.isNaN { return false }
                if y.isNaN { return true }
                return x < y
            }
        case "sort_desc":
            return present.sorted { a, b in
                let x = a.values[0], y = b.values[0]
                if x.isNaN { return false }
                if y.isNaN { return true }
                return x > y
            }
        default:
            let names = c.args.dropFirst().map(stringArg)
            let desc = c.function.name == "sort_by_label_desc"
            return present.sorted { a, b in
                for n in names {
                    let x = a.labels[n], y = b.labels[n]
                    if x == y { continue }
                    return naturalLess(x, y) != desc
                }
                let cmp = Labels.compare(a.labels, b.labels)
                return desc ? cmp > 0 : cmp < 0
            }
        }
    }
}

/// Natural ordering of strings (digit runs compare numerically), like facette/natsort.
func naturalLess(_ a: String, _ b: String) -> Bool {
    let x = chunks(a), y = chunks(b)
    for (p, q) in zip(x, y) where p != q {
        let pn = p.first?.isNumber == true, qn = q.first?.isNumber == true
        if pn && qn {
            let pv = p.drop(while: { $0 == "0" }), qv = q.drop(while: { $0 == "0" })
            if pv.count != qv.count { return pv.count < qv.count }
            if pv != qv { return pv < qv }
            continue
        }
        return p < q
    }
    return x.count < y.count
}

private func chunks(_ s: String) -> [Substring] {
    var out: [Substring] = []
    var start = s.startIndex
    var i = s.startIndex
    while i < s.endIndex {
        let isNum = s[i].isNumber
        var j = s.index(after: i)
        while j < s.endIndex, s[j].isNumber == isNum { j = s.index(after: j) }
        out.append(s[start..<j])
        start = j
        i = j
    }
    return out
}
