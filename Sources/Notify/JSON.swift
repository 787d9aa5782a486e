import Foundation
import Model

/// A JSON value that keeps object keys in the order written, so payloads read
/// like Alertmanager's (Go marshals struct fields in declaration order).
enum JSONValue: Sendable, Equatable {
    case object([(String, JSONValue)])
    case array([JSONValue])
    case string(String)
    case int(Int)
    case bool(Bool)
    case null

    static func == (a: JSONValue, b: JSONValue) -> Bool { a.serialized() == b.serialized() }

    static func strings(_ dict: [String: String]) -> JSONValue {
        .object(dict.sorted { $0.key < $1.key }.map { ($0.key, .string($0.value)) })
    }

    func serialized() -> String {
        var out = ""
        write(to: &out)
        return out
    }

    var bytes: [UInt8] { Array(serialized().utf8) }

    private func write(to out: inout String) {
        switch self {
        case .object(let pairs):
            out += "{"
            for (i, (k, v)) in pairs.enumerated() {
                if i > 0 { out += "," }
                Self.writeString(k, to: &out)
                out += ":"
                v.write(to: &out)
            }
            out += "}"
        case .array(let items):
            out += "["
            for (i, v) in items.enumerated() {
                if i > 0 { out += "," }
                v.write(to: &out)
            }
            out += "]"
        case .string(let s): Self.writeString(s, to: &out)
        case .int(let i): out += String(i)
        case .bool(let b): out += b ? "true" : "false"
        case .null: out += "null"
        }
    }

    /// Go's encoding/json escaping, including its HTML-safe `<`, `>`, `&`.
    private static func writeString(_ s: String, to out: inout String) {
        out += "\""
        for u in s.unicodeScalars {
            switch u {
            case "\"": out += "\\\""
            case "\\": out += "\\\\"
            case "\n": out += "\\n"
            case "\r": out += "\\r"
            case "\t": out += "\\t"
            case "<": out += "\\u003c"
            case ">": out += "\\u003e"
            case "&": out += "\\u0026"
            case "\u{2028}": out += "\\u2028"
            case "\u{2029}": out += "\\u2029"
            default:
                if u.value < 0x20 {
                    out += String(format: "\\u%04x", u.value)
                } else {
                    out.unicodeScalars.append(u)
                }
            }
        }
        out += "\""
    }
}

/// RFC 3339 with fractional seconds as Go's time.Time marshals it
/// (`2006-01-02T15:04:05.999999999Z07:00`). A Date holds about a microsecond of
/// precision at today's magnitudes, so the fraction is rounded to microseconds
/// (parsed `.755` must print as `.755`, not `.755000114`).
func rfc3339(_ date: Date) -> String {
    let micros = Int64((date.timeIntervalSince1970 * 1e6).rounded())
    let seconds = micros >= 0 ? micros / 1_000_000 : (micros - 999_999) / 1_000_000
    let fraction = micros - seconds * 1_000_000
    let days = seconds >= 0 ? seconds / 86400 : (seconds - 86399) / 86400
    let secOfDay = seconds - days * 86400
    let (y, m, d) = CivilDate.fromDays(days)
    var s = String(format: "%04lld-%02lld-%02lldT%02lld:%02lld:%02lld", y, m, d, secOfDay / 3600, secOfDay / 60 % 60, secOfDay % 60)
    if fraction > 0 {
        var frac = String(format: "%06lld", fraction)
        while frac.hasSuffix("0") { frac.removeLast() }
        s += "." + frac
    }
    return s + "Z"
}

/// The API's timestamps (go-openapi strfmt.DateTime): always milliseconds, `2006-01-02T15:04:05.000Z`.
func apiTimestamp(_ date: Date) -> String {
    let micros = Int64((date.timeIntervalSince1970 * 1e6).rounded())
    let ms = micros >= 0 ? micros / 1000 : (micros - 999) / 1000
    let seconds = ms >= 0 ? ms / 1000 : (ms - 999) / 1000
    let whole = rfc3339(Date(timeIntervalSince1970: Double(seconds)))
    return String(whole.dropLast()) + String(format: ".%03lldZ", ms - seconds * 1000)
}

/// Go's zero time, as Alertmanager writes an unset endsAt.
let goZeroTimeString = "0001-01-01T00:00:00Z"


/// Parses RFC 3339 timestamps as Go's time.Parse(RFC3339) accepts them.
func parseRFC3339(_ text: String) -> Date? {
    let f = ISO8601DateFormatter()
    f.formatOptions = [.withInternetDateTime, .withFractionalSeconds]
    if let d = f.date(from: text) { return d }
    f.formatOptions = [.withInternetDateTime]
    return f.date(from: text)
}
