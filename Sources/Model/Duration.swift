/// A Prometheus duration (`1h30m`, `15s`, `500ms`, `0`), in milliseconds.
///
/// Parsing follows Prometheus's model.ParseDuration: one or more
/// `<integer><unit>` groups in descending unit order with units
/// `y w d h m s ms`, where a year is 365 days; a bare `0` is zero.
public struct PromDuration: Hashable, Comparable, Sendable, CustomStringConvertible {
    public var milliseconds: Int64

    public init(milliseconds: Int64) { self.milliseconds = milliseconds }
    public init(seconds: Int64) { self.milliseconds = seconds * 1000 }

    public static let zero = PromDuration(milliseconds: 0)

    public var seconds: Double { Double(milliseconds) / 1000 }

    public static func < (a: PromDuration, b: PromDuration) -> Bool { a.milliseconds < b.milliseconds }

    private static let units: [(String, Int64)] = [
        ("y", 365 * 24 * 3_600_000), ("w", 7 * 24 * 3_600_000), ("d", 24 * 3_600_000),
        ("h", 3_600_000), ("m", 60_000), ("s", 1000), ("ms", 1),
    ]

    /// Parses a duration; returns nil when `text` is not valid duration syntax or overflows.
    public init?(_ text: String) {
        if text == "0" { self.milliseconds = 0; return }
        let bytes = Array(text.utf8)
        if bytes.isEmpty { return nil }
        var i = 0
        var total: Int64 = 0
        var lastUnit = -1
        while i < bytes.count {
            var n: Int64 = 0
            let start = i
            while i < bytes.count, bytes[i] >= 48, bytes[i] <= 57 {
                let (m, o1) = n.multipliedReportingOverflow(by: 10)
                let (a, o2) = m.addingReportingOverflow(Int64(bytes[i] - 48))
                if o1 || o2 { return nil }
                n = a
                i += 1
            }
            if i == start { return nil }
            var unitEnd = i
            while unitEnd < bytes.count, !(bytes[unitEnd] >= 48 && bytes[unitEnd] <= 57) { unitEnd += 1 }
            let unit = String(decoding: bytes[i..<unitEnd], as: UTF8.self)
            guard let idx = Self.units.firstIndex(where: { $0.0 == unit }), idx > lastUnit else { return nil }
            lastUnit = idx
            let (m, o1) = n.multipliedReportingOverflow(by: Self.units[idx].1)
            let (a, o2) = total.addingReportingOverflow(m)
            if o1 || o2 { return nil }
            total = a
            i = unitEnd
        }
        self.milliseconds = total
    }

    /// Formats like Prometheus: largest units first, `0s` for zero.
    public var description: String {
        var ms = milliseconds
        if ms == 0 { return "0s" }
        var out = ""
        if ms < 0 { out = "-"; ms = -ms }
        // Prometheus prints weeks and years only when they divide evenly.
        var rest = ms
        for (unit, size) in Self.units {
            if unit == "w" || unit == "y" {
                if rest % size == 0 && rest >= size {
                    out += "\(rest / size)\(unit)"
                    rest = 0
                }
                continue
            }
            if rest >= size {
                out += "\(rest / size)\(unit)"
                rest %= size
            }
        }
        return out
    }
}
