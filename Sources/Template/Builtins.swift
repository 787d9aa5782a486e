import Foundation

/// Go's predefined template functions.
enum Builtins {
    static let table: [String: TemplateFunction] = [
        "and": TemplateFunction(shortCircuit: .and),
        "or": TemplateFunction(shortCircuit: .or),
        "not": TemplateFunction([.any]) { .bool(!$0[0].isTruthy) },
        "len": TemplateFunction([.any]) { try length($0[0]) },
        "index": TemplateFunction([.any], variadic: .any) { try index($0[0], Array($0.dropFirst())) },
        "slice": TemplateFunction([.any], variadic: .any) { try slice($0[0], Array($0.dropFirst())) },
        "print": TemplateFunction([], variadic: .any) { .string(GoFormatter.sprint($0)) },
        "println": TemplateFunction([], variadic: .any) { .string(GoFormatter.sprintln($0)) },
        "printf": TemplateFunction([.string], variadic: .any) { args in
            guard case .string(let format) = args[0] else { return .string("") }
            return .string(GoFormatter.sprintf(format, Array(args.dropFirst())))
        },
        "html": TemplateFunction([], variadic: .any) { .string(htmlEscape(evalArgs($0))) },
        "js": TemplateFunction([], variadic: .any) { .string(jsEscape(evalArgs($0))) },
        "urlquery": TemplateFunction([], variadic: .any) { .string(queryEscape(evalArgs($0))) },
        "eq": TemplateFunction([.any], variadic: .any) { args in
            if args.count < 2 { throw TemplateFunctionError("missing argument for comparison") }
            return .bool(try equal(args[0], Array(args.dropFirst())))
        },
        "ne": TemplateFunction([.any, .any]) { .bool(!(try equal($0[0], [$0[1]]))) },
        "lt": TemplateFunction([.any, .any]) { .bool(try less($0[0], $0[1])) },
        "le": TemplateFunction([.any, .any]) { .bool(try lessOrEqual($0[0], $0[1])) },
        "gt": TemplateFunction([.any, .any]) { .bool(!(try lessOrEqual($0[0], $0[1]))) },
        "ge": TemplateFunction([.any, .any]) { .bool(!(try less($0[0], $0[1]))) },
    ]

    // MARK: len, index, slice

    static func length(_ item: TemplateValue) throws -> TemplateValue {
        switch item {
        case .string(let s): return .int(s.utf8.count)
        case .list(let l): return .int(l.count)
        case .map(let m): return .int(m.count)
        case .null: throw TemplateFunctionError("len of nil pointer")
        default: throw TemplateFunctionError("len of type \(item.goTypeName)")
        }
    }

    private static func indexArg(_ index: TemplateValue, cap: Int) throws -> Int {
        let x: Int
        switch index {
        case .int(let i): x = i
        case .duration(let d): x = Int(d.nanoseconds)
        case .null: throw TemplateFunctionError("cannot index slice/array with nil")
        default: throw TemplateFunctionError("cannot index slice/array with type \(index.goTypeName)")
        }
        if x < 0 || x > cap { throw TemplateFunctionError("index out of range: \(x)") }
        return x
    }

    static func index(_ item: TemplateValue, _ indexes: [TemplateValue]) throws -> TemplateValue {
        if case .null = item { throw TemplateFunctionError("index of untyped nil") }
        var current = item
        for index in indexes {
            switch current {
            case .list(let l):
                let x = try indexArg(index, cap: l.count)
                // Go lets index == len through its bounds check and then reflect panics.
                if x >= l.count { throw TemplateFunctionError("reflect: slice index out of range") }
                current = l.elements[x]
            case .string(let s):
                let bytes = s.utf8
                let x = try indexArg(index, cap: bytes.count)
                if x >= bytes.count { throw TemplateFunctionError("reflect: string index out of range") }
                current = .int(Int(bytes[bytes.index(bytes.startIndex, offsetBy: x)]))
            case .map(let m):
                guard case .string(let key) = index else {
                    if case .null = index { throw TemplateFunctionError("value is nil; should be of type string") }
                    throw TemplateFunctionError("value has type \(index.goTypeName); should be string")
                }
                current = m[key] ?? m.kind.zeroElement
            case .null:
                throw TemplateFunctionError("index of nil pointer")
            default:
                throw TemplateFunctionError("can't index item of type \(current.goTypeName)")
            }
        }
        return current
    }

    static func slice(_ item: TemplateValue, _ indexes: [TemplateValue]) throws -> TemplateValue {
        if case .null = item { throw TemplateFunctionError("slice of untyped nil") }
        if indexes.count > 3 { throw TemplateFunctionError("too many slice indexes: \(indexes.count)") }
        let length: Int
        switch item {
        case .string(let s):
            if indexes.count == 3 { throw TemplateFunctionError("cannot 3-index slice a string") }
            length = s.utf8.count
        case .list(let l): length = l.count
        default: throw TemplateFunctionError("can't slice item of type \(item.goTypeName)")
        }
        var idx = [0, length, length]
        for (i, index) in indexes.enumerated() { idx[i] = try indexArg(index, cap: length) }
        if idx[0] > idx[1] { throw TemplateFunctionError("invalid slice index: \(idx[0]) > \(idx[1])") }
        if indexes.count == 3 && idx[1] > idx[2] { throw TemplateFunctionError("invalid slice index: \(idx[1]) > \(idx[2])") }
        switch item {
        case .string(let s):
            let bytes = Array(s.utf8)[idx[0]..<idx[1]]
            return .string(String(decoding: bytes, as: UTF8.self))
        case .list(var l):
            l.elements = Array(l.elements[idx[0]..<idx[1]])
            return .list(l)
        default:
            return item
        }
    }

    // MARK: Comparison

    private enum BasicKind { case invalid, bool, int, float, string }

    private static func basicKind(_ v: TemplateValue) -> BasicKind {
        switch v {
        case .bool: return .bool
        case .int, .duration: return .int
        case .float: return .float
        case .string: return .string
        default: return .invalid
        }
    }

    private static func intValue(_ v: TemplateValue) -> Int {
        switch v {
        case .int(let i): return i
        case .duration(let d): return Int(d.nanoseconds)
        default: return 0
        }
    }

    /// The reflect.Kind Go would see, for comparing non-basic values.
    private static func reflectKind(_ v: TemplateValue) -> String {
        switch v {
        case .null: return "invalid"
        case .list: return "slice"
        case .map: return "map"
        case .object(let s): return s.isPointer ? "ptr" : "struct"
        case .time: return "struct"
        default: return v.goTypeName
        }
    }

    static func equal(_ a: TemplateValue, _ others: [TemplateValue]) throws -> Bool {
        let k1 = basicKind(a)
        for b in others {
            let k2 = basicKind(b)
            var truth = false
            if k1 != k2 {
                if !a.isNull && !b.isNull { throw TemplateFunctionError("incompatible types for comparison") }
            } else {
                switch (a, b) {
                case (.bool(let x), .bool(let y)): truth = x == y
                case (.float(let x), .float(let y)): truth = x == y
                case (.string(let x), .string(let y)): truth = x == y
                case _ where k1 == .int: truth = intValue(a) == intValue(b)
                default: truth = try equalNonBasic(a, b)
                }
            }
            if truth { return true }
        }
        return false
    }

    private static func equalNonBasic(_ a: TemplateValue, _ b: TemplateValue) throws -> Bool {
        let ka = reflectKind(a), kb = reflectKind(b)
        if ka != kb && ka != "invalid" && kb != "invalid" {
            throw TemplateFunctionError("non-comparable types \(formatted(a, "s")): \(a.goTypeName), \(b.goTypeName): \(formatted(b, "v"))")
        }
        if a.isNull || b.isNull { return a.isNull == b.isNull }
        switch (a, b) {
        case (.object(let x), .object(let y)):
            if x.isPointer { return x === y }
            guard x.typeName == y.typeName else { return false }
            for (fx, fy) in zip(x.fields, y.fields) where !(try equal(fx.value, [fy.value])) { return false }
            return true
        case (.time(let x), .time(let y)):
            return x.seconds == y.seconds && x.nanoseconds == y.nanoseconds && x.zone.name == y.zone.name
        default:
            throw TemplateFunctionError("non-comparable type \(formatted(b, "s")): \(b.goTypeName)")
        }
    }

    private static func formatted(_ v: TemplateValue, _ verb: Unicode.Scalar) -> String {
        var out = ""
        GoFormatter.printArg(v, verb: verb, flags: FormatFlags(), to: &out)
        return out
    }

    static func less(_ a: TemplateValue, _ b: TemplateValue) throws -> Bool {
        let k1 = basicKind(a), k2 = basicKind(b)
        if k1 == .invalid || k2 == .invalid { throw TemplateFunctionError("invalid type for comparison") }
        if k1 != k2 { throw TemplateFunctionError("incompatible types for comparison") }
        switch (a, b) {
        case (.bool, .bool): throw TemplateFunctionError("invalid type for comparison")
        case (.float(let x), .float(let y)): return x < y
        case (.string(let x), .string(let y)): return x.utf8.lexicographicallyPrecedes(y.utf8)
        default: return intValue(a) < intValue(b)
        }
    }

    static func lessOrEqual(_ a: TemplateValue, _ b: TemplateValue) throws -> Bool {
        if try less(a, b) { return true }
        return try equal(a, [b])
    }

    // MARK: Escapers

    /// Go's evalArgs: a single string argument as is, otherwise fmt.Sprint of the arguments.
    static func evalArgs(_ args: [TemplateValue]) -> String {
        if args.count == 1, case .string(let s) = args[0] { return s }
        return GoFormatter.sprint(args)
    }

    static func htmlEscape(_ s: String) -> String {
        guard s.utf8.contains(where: { $0 == 0x27 || $0 == 0x22 || $0 == 0x26 || $0 == 0x3C || $0 == 0x3E || $0 == 0 }) else { return s }
        var out = ""
        out.reserveCapacity(s.utf8.count + 16)
        for r in s.unicodeScalars {
            switch r {
            case "\0": out += "\u{FFFD}"
            case "\"": out += "&#34;"
            case "'": out += "&#39;"
            case "&": out += "&amp;"
            case "<": out += "&lt;"
            case ">": out += "&gt;"
            default: out.unicodeScalars.append(r)
            }
        }
        return out
    }

    static func jsEscape(_ s: String) -> String {
        var out = ""
        for r in s.unicodeScalars {
            switch r {
            case "\\": out += "\\\\"
            case "'": out += "\\'"
            case "\"": out += "\\\""
            case "<": out += "\\u003C"
            case ">": out += "\\u003E"
            case "&": out += "\\u0026"
            case "=": out += "\\u003D"
            default:
                if r.value < 0x20 {
                    out += "\\u00" + hexString(UInt64(r.value), width: 2).uppercased()
                } else if r.value >= 0x80 && !isGoPrintable(r) {
                    out += "\\u" + hexString(UInt64(r.value), width: 4).uppercased()
                } else {
                    out.unicodeScalars.append(r)
                }
            }
        }
        return out
    }

    /// url.QueryEscape: everything but unreserved characters is percent-encoded; space becomes '+'.
    static func queryEscape(_ s: String) -> String {
        var out = ""
        out.reserveCapacity(s.utf8.count)
        for b in s.utf8 {
            switch b {
            case UInt8(ascii: "a")...UInt8(ascii: "z"), UInt8(ascii: "A")...UInt8(ascii: "Z"), UInt8(ascii: "0")...UInt8(ascii: "9"),
                UInt8(ascii: "-"), UInt8(ascii: "_"), UInt8(ascii: "."), UInt8(ascii: "~"):
                out.unicodeScalars.append(Unicode.Scalar(b))
            case UInt8(ascii: " "):
                out += "+"
            default:
                out += "%" + hexString(UInt64(b), width: 2).uppercased()
            }
        }
        return out
    }

    /// url.QueryUnescape, failing with Go's message when an escape is malformed.
    static func queryUnescape(_ s: String) -> Result<String, TemplateFunctionError> {
        let bytes = Array(s.utf8)
        var out: [UInt8] = []
        out.reserveCapacity(bytes.count)
        var i = 0
        while i < bytes.count {
            switch bytes[i] {
            case UInt8(ascii: "%"):
                guard i + 2 < bytes.count,
                    let v = UInt8(String(decoding: bytes[(i + 1)...(i + 2)], as: UTF8.self), radix: 16)
                else {
                    let tail = String(decoding: bytes[i..<min(i + 3, bytes.count)], as: UTF8.self)
                    return .failure(TemplateFunctionError("invalid URL escape \(goQuote(tail))"))
                }
                out.append(v)
                i += 3
            case UInt8(ascii: "+"):
                out.append(UInt8(ascii: " "))
                i += 1
            default:
                out.append(bytes[i])
                i += 1
            }
        }
        return .success(String(decoding: out, as: UTF8.self))
    }
}
