/// Go's encoding/json Marshal for template values (Alertmanager's `toJson`).
enum GoJSON {
    static func encode(_ value: TemplateValue) throws(TemplateFunctionError) -> String {
        var out = ""
        try append(value, to: &out)
        return out
    }

    private static func append(_ value: TemplateValue, to out: inout String) throws(TemplateFunctionError) {
        switch value {
        case .null: out += "null"
        case .bool(let b): out += b ? "true" : "false"
        case .int(let i): out += String(i)
        case .duration(let d): out += String(d.nanoseconds)
        case .float(let f):
            if f.isNaN || f.isInfinite {
                throw TemplateFunctionError("json: unsupported value: \(GoFormatter.formatGoFloat(f, format: "g", precision: -1))")
            }
            out += float(f)
        case .string(let s): appendString(s, to: &out)
        case .time(let t):
            let c = CivilTime(unixSeconds: t.seconds, offset: t.zone.lookup(t.seconds).offset)
            if c.year < 0 || c.year > 9999 {
                throw TemplateFunctionError("json: error calling MarshalJSON for type time.Time: Time.MarshalJSON: year outside of range [0,9999]")
            }
            appendString(t.format("2006-01-02T15:04:05.999999999Z07:00"), to: &out)
        case .list(let l):
            out += "["
            for (i, e) in l.elements.enumerated() {
                if i > 0 { out += "," }
                try append(e, to: &out)
            }
            out += "]"
        case .map(let m):
            out += "{"
            for (i, entry) in m.entries.enumerated() {
                if i > 0 { out += "," }
                appendString(entry.key, to: &out)
                out += ":"
                try append(entry.value, to: &out)
            }
            out += "}"
        case .object(let s):
            out += "{"
            for (i, field) in s.fields.enumerated() {
                if i > 0 { out += "," }
                appendString(field.jsonName ?? field.name, to: &out)
                out += ":"
                try append(field.value, to: &out)
            }
            out += "}"
        }
    }

    /// Go's float encoding: shortest digits, exponent form only outside [1e-6, 1e21).
    private static func float(_ f: Double) -> String {
        let a = abs(f)
        if a != 0 && (a < 1e-6 || a >= 1e21) {
            var s = GoFormatter.formatGoFloat(f, format: "e", precision: -1)
            let b = Array(s)
            let n = b.count
            if n >= 4 && b[n - 4] == "e" && b[n - 3] == "-" && b[n - 2] == "0" {
                s = String(b[0..<(n - 2)]) + String(b[n - 1])
            }
            return s
        }
        return GoFormatter.formatGoFloat(f, format: "f", precision: -1)
    }

    /// A JSON string with Go's HTML-safe escaping.
    private static func appendString(_ s: String, to out: inout String) {
        out += "\""
        for r in s.unicodeScalars {
            switch r {
            case "\"": out += "\\\""
            case "\\": out += "\\\\"
            case "\n": out += "\\n"
            case "\r": out += "\\r"
            case "\t": out += "\\t"
            case "\u{08}": out += "\\b"
            case "\u{0C}": out += "\\f"
            case "<", ">", "&", "\u{2028}", "\u{2029}":
                out += "\\u" + hexString(UInt64(r.value), width: 4)
            default:
                if r.value < 0x20 {
                    out += "\\u" + hexString(UInt64(r.value), width: 4)
                } else {
                    out.unicodeScalars.append(r)
                }
            }
        }
        out += "\""
    }
}
