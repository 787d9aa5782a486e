import Model
#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

/// The flags of one fmt verb.
struct FormatFlags {
    var plus = false
    var minus = false
    var sharp = false
    var space = false
    var zero = false
    var plusV = false
    var sharpV = false
    var width: Int?
    var precision: Int?
}

/// Go's fmt package as templates use it: `%v` printing of every value kind, and
/// Sprint, Sprintln and Sprintf with Go's verbs, flags and error notations
/// (`%!d(string=foo)`, `%!s(MISSING)`, `%!(EXTRA int=1)`).
enum GoFormatter {
    // MARK: Sprint family

    static func sprint(_ args: [TemplateValue]) -> String {
        var out = ""
        var previousIsString = false
        for (i, arg) in args.enumerated() {
            let isString: Bool
            if case .string = arg { isString = true } else { isString = false }
            if i > 0 && !isString && !previousIsString { out += " " }
            printArg(arg, verb: "v", flags: FormatFlags(), to: &out)
            previousIsString = isString
        }
        return out
    }

    static func sprintln(_ args: [TemplateValue]) -> String {
        var out = ""
        for (i, arg) in args.enumerated() {
            if i > 0 { out += " " }
            printArg(arg, verb: "v", flags: FormatFlags(), to: &out)
        }
        out += "\n"
        return out
    }

    static func sprintf(_ format: String, _ args: [TemplateValue]) -> String {
        let s = Array(format.unicodeScalars)
        var out = ""
        var argNum = 0
        var i = 0
        while i < s.count {
            let lasti = i
            while i < s.count && s[i] != "%" { i += 1 }
            if i > lasti { out.unicodeScalars.append(contentsOf: s[lasti..<i]) }
            if i >= s.count { break }
            i += 1
            var flags = parseFlags(s, &i)
            parseWidthAndPrecision(s, &i, &flags, args, &argNum, &out)
            if i >= s.count {
                out += "%!(NOVERB)"
                break
            }
            let verb = s[i]
            i += 1
            if verb == "%" {
                out += "%"
                continue
            }
            if verb == "v" {
                // %#v and %+v select Go-syntax and field-name forms rather than flags.
                (flags.sharpV, flags.sharp) = (flags.sharp, false)
                (flags.plusV, flags.plus) = (flags.plus, false)
            }
            if argNum >= args.count {
                out += "%!\(Character(verb))(MISSING)"
                continue
            }
            printArg(args[argNum], verb: verb, flags: flags, to: &out)
            argNum += 1
        }
        if argNum < args.count { appendExtra(args[argNum...], to: &out) }
        return out
    }

    private static func parseFlags(_ s: [Unicode.Scalar], _ i: inout Int) -> FormatFlags {
        var flags = FormatFlags()
        while i < s.count {
            switch s[i] {
            case "#": flags.sharp = true
            case "0": flags.zero = !flags.minus
            case "+": flags.plus = true
            case "-":
                flags.minus = true
                flags.zero = false
            case " ": flags.space = true
            default: return flags
            }
            i += 1
        }
        return flags
    }

    private static func parseWidthAndPrecision(
        _ s: [Unicode.Scalar], _ i: inout Int, _ flags: inout FormatFlags, _ args: [TemplateValue], _ argNum: inout Int, _ out: inout String
    ) {
        if i < s.count && s[i] == "*" {
            i += 1
            let (w, ok) = intArg(args, &argNum)
            if !ok || tooLarge(w) {
                out += "%!(BADWIDTH)"
            } else if w < 0 {
                flags.minus = true
                flags.zero = false
                flags.width = -w
            } else {
                flags.width = w
            }
        } else {
            let (n, isNum, newi) = parseNum(s, i, s.count)
            if isNum { flags.width = n }
            i = newi
        }
        guard i < s.count && s[i] == "." else { return }
        i += 1
        if i < s.count && s[i] == "*" {
            i += 1
            let (p, ok) = intArg(args, &argNum)
            if p < 0 || !ok || tooLarge(p) {
                out += "%!(BADPREC)"
            } else {
                flags.precision = p
            }
        } else {
            let (n, _, newi) = parseNum(s, i, s.count)
            flags.precision = n
            i = newi
        }
    }

    private static func appendExtra(_ extra: ArraySlice<TemplateValue>, to out: inout String) {
        out += "%!(EXTRA "
        for (k, arg) in extra.enumerated() {
            if k > 0 { out += ", " }
            if case .null = arg {
                out += "<nil>"
            } else {
                out += arg.goTypeName + "="
                printArg(arg, verb: "v", flags: FormatFlags(), to: &out)
            }
        }
        out += ")"
    }

    private static func tooLarge(_ x: Int) -> Bool { x > 1_000_000 || x < -1_000_000 }

    private static func parseNum(_ s: [Unicode.Scalar], _ start: Int, _ end: Int) -> (Int, Bool, Int) {
        if start >= end { return (0, false, end) }
        var num = 0
        var isNum = false
        var i = start
        while i < end, s[i].value >= 0x30, s[i].value <= 0x39 {
            if tooLarge(num) { return (0, false, end) }
            num = num * 10 + Int(s[i].value - 0x30)
            isNum = true
            i += 1
        }
        return (num, isNum, i)
    }

    private static func intArg(_ args: [TemplateValue], _ argNum: inout Int) -> (Int, Bool) {
        guard argNum < args.count else { return (0, false) }
        defer { argNum += 1 }
        if case .int(let n) = args[argNum] { return (n, true) }
        return (0, false)
    }

    // MARK: One argument

    /// Go's printArg: formats a top-level operand.
    static func printArg(_ arg: TemplateValue, verb: Unicode.Scalar, flags: FormatFlags, to out: inout String) {
        if case .null = arg {
            if verb == "v" || verb == "T" {
                pad("<nil>", flags, &out)
            } else {
                out += "%!\(Character(verb))(<nil>)"
            }
            return
        }
        if verb == "T" {
            pad(arg.goTypeName, flags, &out)
            return
        }
        appendValue(arg, verb: verb, flags: flags, to: &out, depth: 0)
    }

    /// Go's printValue: formats a value (possibly nested inside a list, map or struct).
    static func appendValue(_ value: TemplateValue, verb: Unicode.Scalar, flags: FormatFlags, to out: inout String, depth: Int) {
        if let s = stringerText(value), "vsxXq".unicodeScalars.contains(verb), !flags.sharpV {
            formatString(s, verb: verb, flags: flags, value: value, to: &out)
            return
        }
        switch value {
        case .null:
            if verb == "v" { pad("<nil>", flags, &out) } else { out += "%!\(Character(verb))(<nil>)" }
        case .bool(let b):
            if verb == "t" || verb == "v" { pad(b ? "true" : "false", flags, &out) } else { badVerb(value, verb, &out) }
        case .int(let i):
            formatInteger(i, verb: verb, flags: flags, value: value, to: &out)
        case .float(let f):
            formatFloat(f, verb: verb, flags: flags, value: value, to: &out)
        case .string(let s):
            formatString(s, verb: verb, flags: flags, value: value, to: &out)
        case .list(let l):
            out += "["
            for (i, e) in l.elements.enumerated() {
                if i > 0 { out += " " }
                appendValue(e, verb: verb, flags: flags, to: &out, depth: depth + 1)
            }
            out += "]"
        case .map(let m):
            out += "map["
            for (i, entry) in m.entries.enumerated() {
                if i > 0 { out += " " }
                appendValue(.string(entry.key), verb: verb, flags: flags, to: &out, depth: depth + 1)
                out += ":"
                appendValue(entry.value, verb: verb, flags: flags, to: &out, depth: depth + 1)
            }
            out += "]"
        case .object(let s):
            if s.isPointer { out += "&" }
            out += "{"
            for (i, field) in s.fields.enumerated() {
                if i > 0 { out += " " }
                if flags.plusV || flags.sharpV { out += field.name + ":" }
                appendValue(field.value, verb: verb, flags: flags, to: &out, depth: depth + 1)
            }
            out += "}"
        case .duration(let d):
            formatInteger(Int(d.nanoseconds), verb: verb, flags: flags, value: value, to: &out)
        case .time:
            badVerb(value, verb, &out)
        }
    }

    /// The String() result of values whose Go type has a String method.
    private static func stringerText(_ value: TemplateValue) -> String? {
        switch value {
        case .map(let m) where m.kind == .kv:
            return alertmanagerPairsText(alertmanagerSortedPairs(m))
        case .list(let l) where l.kind == .pairs:
            return alertmanagerPairsText(l.elements.map { pairStrings($0) })
        case .time(let t): return t.description
        case .duration(let d): return d.description
        default: return nil
        }
    }

    static func badVerb(_ value: TemplateValue, _ verb: Unicode.Scalar, _ out: inout String) {
        out += "%!\(Character(verb))("
        if case .null = value {
            out += "<nil>"
        } else {
            out += value.goTypeName + "="
            appendValue(value, verb: "v", flags: FormatFlags(), to: &out, depth: 0)
        }
        out += ")"
    }

    // MARK: Padding

    static func pad(_ s: String, _ flags: FormatFlags, _ out: inout String) {
        guard let width = flags.width else {
            out += s
            return
        }
        let n = width - s.unicodeScalars.count
        if n <= 0 {
            out += s
            return
        }
        let padding = String(repeating: flags.zero && !flags.minus ? "0" : " ", count: n)
        if flags.minus { out += s + padding } else { out += padding + s }
    }

    // MARK: Strings

    private static func formatString(_ s: String, verb: Unicode.Scalar, flags: FormatFlags, value: TemplateValue, to out: inout String) {
        var text = s
        switch verb {
        case "v":
            if flags.sharpV {
                pad(goQuote(text), flags, &out)
            } else {
                pad(truncate(text, flags.precision), flags, &out)
            }
        case "s":
            pad(truncate(text, flags.precision), flags, &out)
        case "x", "X":
            var bytes = Array(text.utf8)
            if let p = flags.precision, p < bytes.count { bytes = Array(bytes.prefix(p)) }
            var hex = ""
            for (i, b) in bytes.enumerated() {
                if flags.space && i > 0 { hex += " " }
                if flags.sharp && (flags.space || i == 0) { hex += verb == "x" ? "0x" : "0X" }
                let h = hexString(UInt64(b), width: 2)
                hex += verb == "x" ? h : h.uppercased()
            }
            pad(hex, flags, &out)
        case "q":
            text = truncate(text, flags.precision)
            if flags.sharp && !text.contains("`") && text.unicodeScalars.allSatisfy({ $0 == "\t" || (isGoPrintable($0) && $0 != "\u{FEFF}") }) {
                pad("`" + text + "`", flags, &out)
            } else {
                pad(goQuote(text, asciiOnly: flags.plus), flags, &out)
            }
        default:
            badVerb(value, verb, &out)
        }
    }

    private static func truncate(_ s: String, _ precision: Int?) -> String {
        guard let p = precision else { return s }
        let scalars = s.unicodeScalars
        if scalars.count <= p { return s }
        return String(String.UnicodeScalarView(scalars.prefix(p)))
    }

    // MARK: Integers

    private static func formatInteger(_ v: Int, verb: Unicode.Scalar, flags: FormatFlags, value: TemplateValue, to out: inout String) {
        switch verb {
        case "v", "d": integer(v, base: 10, verb: verb, flags: flags, to: &out)
        case "b": integer(v, base: 2, verb: verb, flags: flags, to: &out)
        case "o", "O": integer(v, base: 8, verb: verb, flags: flags, to: &out)
        case "x", "X": integer(v, base: 16, verb: verb, flags: flags, to: &out)
        case "c":
            let r = Unicode.Scalar(UInt32(truncatingIfNeeded: max(v, 0))) ?? "\u{FFFD}"
            pad(String(Character(v > 0x10FFFF || v < 0 ? "\u{FFFD}" : r)), flags, &out)
        case "q":
            let r = (v < 0 || v > 0x10FFFF) ? "\u{FFFD}" : (Unicode.Scalar(UInt32(v)) ?? "\u{FFFD}")
            var q = "'"
            appendQuotedScalar(r, quote: "'", asciiOnly: flags.plus, to: &q)
            q += "'"
            pad(q, flags, &out)
        case "U":
            var s = "U+" + hexString(UInt64(bitPattern: Int64(v)), width: 4).uppercased()
            if flags.sharp, v >= 0, v <= 0x10FFFF, let r = Unicode.Scalar(UInt32(v)), isGoPrintable(r) {
                s += " '" + String(Character(r)) + "'"
            }
            pad(s, flags, &out)
        default:
            badVerb(value, verb, &out)
        }
    }

    private static func integer(_ v: Int, base: Int, verb: Unicode.Scalar, flags: FormatFlags, to out: inout String) {
        let negative = v < 0
        let magnitude = v.magnitude
        var precision = 0
        if let p = flags.precision {
            precision = p
            if p == 0 && magnitude == 0 {
                var f = flags
                f.zero = false
                pad("", f, &out)
                return
            }
        } else if flags.zero, let w = flags.width {
            precision = w
            if negative || flags.plus || flags.space { precision -= 1 }
        }
        var digits = String(magnitude, radix: base, uppercase: verb == "X")
        if digits.count < precision { digits = String(repeating: "0", count: precision - digits.count) + digits }
        var prefix = ""
        if flags.sharp {
            switch base {
            case 2: prefix = "0b"
            case 8: if !digits.hasPrefix("0") { prefix = "0" }
            case 16: prefix = verb == "X" ? "0X" : "0x"
            default: break
            }
        }
        if verb == "O" { prefix = "0o" }
        let sign = negative ? "-" : (flags.plus ? "+" : (flags.space ? " " : ""))
        var f = flags
        f.zero = false
        pad(sign + prefix + digits, f, &out)
    }

    // MARK: Floats

    private static func formatFloat(_ v: Double, verb: Unicode.Scalar, flags: FormatFlags, value: TemplateValue, to out: inout String) {
        let body: String
        switch verb {
        case "v": body = formatGoFloat(v, format: "g", precision: flags.precision ?? -1)
        case "g", "G": body = formatGoFloat(v, format: verb, precision: flags.precision ?? -1)
        case "e", "E", "f", "F": body = formatGoFloat(v, format: verb, precision: flags.precision ?? 6)
        default:
            badVerb(value, verb, &out)
            return
        }
        var num = body
        // Give every number an explicit sign, then decide whether to show it, as Go does.
        if !(num.hasPrefix("-") || num.hasPrefix("+")) { num = "+" + num }
        if flags.space && num.hasPrefix("+") && !flags.plus { num = " " + num.dropFirst() }
        let second = num.dropFirst().first
        if second == "I" || second == "N" {
            if second == "N" && !flags.space && !flags.plus { num = String(num.dropFirst()) }
            var f = flags
            f.zero = false
            pad(num, f, &out)
            return
        }
        if flags.sharp && verb != "b" {
            num = sharpFloat(num, verb: verb, precision: flags.precision)
        }
        if flags.plus || !num.hasPrefix("+") {
            if flags.zero, let w = flags.width, w > num.count {
                out += String(num.prefix(1))
                out += String(repeating: "0", count: w - num.count)
                out += num.dropFirst()
                return
            }
            pad(num, flags, &out)
            return
        }
        pad(String(num.dropFirst()), flags, &out)
    }

    /// The `#` flag: keep a decimal point, and for %g keep trailing zeros.
    private static func sharpFloat(_ num: String, verb: Unicode.Scalar, precision: Int?) -> String {
        var mantissa = num
        var exponent = ""
        if let e = num.firstIndex(where: { $0 == "e" || $0 == "E" }) {
            mantissa = String(num[..<e])
            exponent = String(num[e...])
        }
        if !mantissa.contains(".") { mantissa += "." }
        if verb == "g" || verb == "G" || verb == "v" {
            var digits = precision ?? 6
            if digits == 0 { digits = 1 }
            let significant = mantissa.filter(\.isNumber).drop(while: { $0 == "0" }).count
            if significant < digits { mantissa += String(repeating: "0", count: digits - max(significant, 1) + (significant == 0 ? 1 : 0)) }
        }
        return mantissa + exponent
    }

    /// strconv.FormatFloat; see `GoFloat.format`.
    static func formatGoFloat(_ v: Double, format: Unicode.Scalar, precision: Int) -> String {
        GoFloat.format(v, format: format, precision: precision)
    }
}

/// `Name=Value` pairs of an Alertmanager `Pair` struct value.
func pairStrings(_ value: TemplateValue) -> (String, String) {
    guard case .object(let s) = value else { return ("", "") }
    return (s.field("Name")?.printed ?? "", s.field("Value")?.printed ?? "")
}
