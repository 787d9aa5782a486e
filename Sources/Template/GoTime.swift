import Foundation
import Model

/// A Go `time.Time`: an instant with nanosecond precision and a location.
public struct TemplateTime: Sendable, Equatable, CustomStringConvertible {
    /// Seconds since the Unix epoch.
    public var seconds: Int64
    /// Nanoseconds within the second, 0..<1e9.
    public var nanoseconds: Int32
    public var zone: TemplateZone

    public init(seconds: Int64, nanoseconds: Int32 = 0, zone: TemplateZone = .utc) {
        var s = seconds
        var n = Int64(nanoseconds)
        s += n / 1_000_000_000
        n %= 1_000_000_000
        if n < 0 {
            n += 1_000_000_000
            s -= 1
        }
        self.seconds = s
        self.nanoseconds = Int32(n)
        self.zone = zone
    }

    /// A Prometheus timestamp (milliseconds since the epoch), in UTC.
    public init(milliseconds: Int64) {
        let (q, r) = milliseconds.quotientAndRemainder(dividingBy: 1000)
        self.init(seconds: q, nanoseconds: Int32(r * 1_000_000))
    }

    public init(date: Date, zone: TemplateZone = .utc) {
        let t = date.timeIntervalSince1970
        let s = t.rounded(.down)
        self.init(seconds: Int64(s), nanoseconds: Int32(((t - s) * 1e9).rounded()), zone: zone)
    }

    /// Go's zero time, January 1, year 1, 00:00:00 UTC (what `EndsAt` holds when unset).
    public static let zero = TemplateTime(seconds: -62_135_596_800)

    public var isZero: Bool { seconds == -62_135_596_800 && nanoseconds == 0 }

    public var date: Date { Date(timeIntervalSince1970: Double(seconds) + Double(nanoseconds) / 1e9) }

    /// Nanoseconds since the epoch, if representable.
    var unixNano: Int64? {
        let (m, o1) = seconds.multipliedReportingOverflow(by: 1_000_000_000)
        let (a, o2) = m.addingReportingOverflow(Int64(nanoseconds))
        return o1 || o2 ? nil : a
    }

    /// Go's Time.String: `2006-01-02 15:04:05.999999999 -0700 MST`.
    public var description: String { format("2006-01-02 15:04:05.999999999 -0700 MST") }

    func adding(nanoseconds d: Int64) -> TemplateTime {
        let (q, r) = d.quotientAndRemainder(dividingBy: 1_000_000_000)
        return TemplateTime(seconds: seconds &+ q, nanoseconds: nanoseconds + Int32(r), zone: zone)
    }

    /// The difference `self - other`, saturating like Go's Time.Sub.
    func nanosecondsSince(_ other: TemplateTime) -> Int64 {
        let ds = Double(seconds - other.seconds) * 1e9 + Double(nanoseconds - other.nanoseconds)
        if ds >= Double(Int64.max) { return Int64.max }
        if ds <= Double(Int64.min) { return Int64.min }
        return (seconds - other.seconds) &* 1_000_000_000 &+ Int64(nanoseconds - other.nanoseconds)
    }
}

/// A Go `time.Duration` (nanoseconds).
public struct TemplateDuration: Sendable, Equatable, CustomStringConvertible {
    public var nanoseconds: Int64

    public init(nanoseconds: Int64) { self.nanoseconds = nanoseconds }
    public init(seconds: Double) { self.nanoseconds = Int64((seconds * 1e9).rounded()) }

    public var seconds: Double {
        let sec = nanoseconds / 1_000_000_000
        let nsec = nanoseconds % 1_000_000_000
        return Double(sec) + Double(nsec) / 1e9
    }

    /// Go's Duration.String: `1h2m3.5s`, `1.5ms`, `0s`.
    public var description: String {
        var u = nanoseconds.magnitude
        let negative = nanoseconds < 0
        var out = ""
        if u < 1_000_000_000 {
            if u == 0 { return "0s" }
            let unit: String, precision: Int
            if u < 1000 {
                unit = "ns"
                precision = 0
            } else if u < 1_000_000 {
                unit = "µs"
                precision = 3
            } else {
                unit = "ms"
                precision = 6
            }
            let (whole, frac) = Self.fraction(u, precision: precision)
            out = String(whole) + frac + unit
        } else {
            let (wholeSeconds, frac) = Self.fraction(u, precision: 9)
            u = wholeSeconds
            out = String(u % 60) + frac + "s"
            u /= 60
            if u > 0 {
                out = String(u % 60) + "m" + out
                u /= 60
                if u > 0 { out = String(u) + "h" + out }
            }
        }
        return negative ? "-" + out : out
    }

    /// Splits `v` into v / 10^precision and its fraction as ".ddd" without trailing zeros.
    private static func fraction(_ v: UInt64, precision: Int) -> (UInt64, String) {
        var scale: UInt64 = 1
        for _ in 0..<precision { scale *= 10 }
        let whole = v / scale
        var rest = v % scale
        if rest == 0 { return (whole, "") }
        var digits = [Character](repeating: "0", count: precision)
        for i in stride(from: precision - 1, through: 0, by: -1) {
            digits[i] = Character(String(rest % 10))
            rest /= 10
        }
        while digits.last == "0" { digits.removeLast() }
        return (whole, "." + String(digits))
    }
}

// MARK: Calendar arithmetic

/// Civil date fields of an instant at a UTC offset (proleptic Gregorian, any year).
struct CivilTime {
    var year: Int, month: Int, day: Int, hour: Int, minute: Int, second: Int
    var weekday: Int  // 0 = Sunday
    var yearDay: Int  // 1-based

    init(unixSeconds: Int64, offset: Int) {
        let local = unixSeconds + Int64(offset)
        var days = local / 86400
        var secs = local % 86400
        if secs < 0 {
            secs += 86400
            days -= 1
        }
        hour = Int(secs / 3600)
        minute = Int(secs % 3600 / 60)
        second = Int(secs % 60)
        (year, month, day) = CivilTime.civil(fromDays: days)
        weekday = Int(((days % 7) + 11) % 7)
        yearDay = Int(days - CivilTime.days(year: year, month: 1, day: 1)) + 1
    }

    static func days(year: Int, month: Int, day: Int) -> Int64 {
        CivilDate.days(year: Int64(year), month: Int64(month), day: Int64(day))
    }

    static func civil(fromDays days: Int64) -> (Int, Int, Int) {
        let date = CivilDate.fromDays(days)
        return (Int(date.year), Int(date.month), Int(date.day))
    }

    static func isLeap(_ y: Int) -> Bool { (y % 4 == 0 && y % 100 != 0) || y % 400 == 0 }

    static func daysIn(month: Int, year: Int) -> Int {
        switch month {
        case 2: return isLeap(year) ? 29 : 28
        case 4, 6, 9, 11: return 30
        default: return 31
        }
    }
}

let longMonthNames = ["January", "February", "March", "April", "May", "June", "July", "August", "September", "October", "November", "December"]
let longDayNames = ["Sunday", "Monday", "Tuesday", "Wednesday", "Thursday", "Friday", "Saturday"]

// MARK: Go layout formatting

extension TemplateTime {
    private enum Std {
        case literal(String)
        case longMonth, month, numMonth, zeroMonth, longWeekDay, weekDay, day, underDay, zeroDay
        case underYearDay, zeroYearDay, hour, hour12, zeroHour12, minute, zeroMinute, second, zeroSecond
        case longYear, year, pm, lowerPM, tz
        case iso8601TZ, iso8601SecondsTZ, iso8601ShortTZ, iso8601ColonTZ, iso8601ColonSecondsTZ
        case numTZ, numSecondsTZ, numShortTZ, numColonTZ, numColonSecondsTZ
        case fraction(digits: Int, trimZeros: Bool, separator: Character)
    }

    /// Go's Time.Format with a reference-time layout (`2006-01-02 15:04:05`).
    public func format(_ layout: String) -> String {
        let (name, offset) = zone.lookup(seconds)
        let c = CivilTime(unixSeconds: seconds, offset: offset)
        var out = ""
        for chunk in Self.chunks(layout) {
            switch chunk {
            case .literal(let s): out += s
            case .year: out += pad2(((c.year % 100) + 100) % 100)
            case .longYear: out += padYear(c.year)
            case .month: out += String(longMonthNames[c.month - 1].prefix(3))
            case .longMonth: out += longMonthNames[c.month - 1]
            case .numMonth: out += String(c.month)
            case .zeroMonth: out += pad2(c.month)
            case .weekDay: out += String(longDayNames[c.weekday].prefix(3))
            case .longWeekDay: out += longDayNames[c.weekday]
            case .day: out += String(c.day)
            case .underDay: out += (c.day < 10 ? " " : "") + String(c.day)
            case .zeroDay: out += pad2(c.day)
            case .underYearDay: out += String(repeating: " ", count: 3 - String(c.yearDay).count) + String(c.yearDay)
            case .zeroYearDay: out += String(repeating: "0", count: 3 - String(c.yearDay).count) + String(c.yearDay)
            case .hour: out += pad2(c.hour)
            case .hour12: out += String(c.hour % 12 == 0 ? 12 : c.hour % 12)
            case .zeroHour12: out += pad2(c.hour % 12 == 0 ? 12 : c.hour % 12)
            case .minute: out += String(c.minute)
            case .zeroMinute: out += pad2(c.minute)
            case .second: out += String(c.second)
            case .zeroSecond: out += pad2(c.second)
            case .pm: out += c.hour >= 12 ? "PM" : "AM"
            case .lowerPM: out += c.hour >= 12 ? "pm" : "am"
            case .iso8601TZ, .iso8601SecondsTZ, .iso8601ShortTZ, .iso8601ColonTZ, .iso8601ColonSecondsTZ,
                .numTZ, .numSecondsTZ, .numShortTZ, .numColonTZ, .numColonSecondsTZ:
                out += Self.numericZone(chunk, offset: offset)
            case .tz:
                if !name.isEmpty {
                    out += name
                } else {
                    var zoneMinutes = offset / 60
                    out += zoneMinutes < 0 ? "-" : "+"
                    zoneMinutes = abs(zoneMinutes)
                    out += pad2(zoneMinutes / 60) + pad2(zoneMinutes % 60)
                }
            case .fraction(let digits, let trim, let separator):
                var frac = String(nanoseconds)
                frac = String(repeating: "0", count: 9 - frac.count) + frac
                var shown = String(frac.prefix(digits))
                if trim {
                    while shown.last == "0" { shown.removeLast() }
                    if shown.isEmpty { break }
                }
                out.append(separator)
                out += shown
            }
        }
        return out
    }

    private func pad2(_ v: Int) -> String { v < 10 ? "0" + String(v) : String(v) }

    private func padYear(_ y: Int) -> String {
        let s = String(abs(y))
        return (y < 0 ? "-" : "") + String(repeating: "0", count: max(0, 4 - s.count)) + s
    }

    private static func numericZone(_ std: Std, offset: Int) -> String {
        switch std {
        case .iso8601TZ, .iso8601SecondsTZ, .iso8601ShortTZ, .iso8601ColonTZ, .iso8601ColonSecondsTZ:
            if offset == 0 { return "Z" }
        default: break
        }
        var zone = offset / 60
        var absOffset = offset
        var s = ""
        if zone < 0 {
            s = "-"
            zone = -zone
            absOffset = -absOffset
        } else {
            s = "+"
        }
        func p2(_ v: Int) -> String { v < 10 ? "0" + String(v) : String(v) }
        s += p2(zone / 60)
        switch std {
        case .iso8601ColonTZ, .numColonTZ, .iso8601ColonSecondsTZ, .numColonSecondsTZ: s += ":"
        default: break
        }
        switch std {
        case .numShortTZ, .iso8601ShortTZ: break
        default: s += p2(zone % 60)
        }
        switch std {
        case .iso8601SecondsTZ, .numSecondsTZ: s += p2(absOffset % 60)
        case .iso8601ColonSecondsTZ, .numColonSecondsTZ: s += ":" + p2(absOffset % 60)
        default: break
        }
        return s
    }

    /// Splits a layout into literal text and std chunks, following Go's nextStdChunk.
    private static func chunks(_ layout: String) -> [Std] {
        let b = Array(layout.utf8)
        var result: [Std] = []
        var literal: [UInt8] = []
        var i = 0
        while i < b.count {
            guard let (std, start, end) = stdChunk(b, at: i) else {
                literal.append(b[i])
                i += 1
                continue
            }
            literal.append(contentsOf: b[i..<start])
            if !literal.isEmpty {
                result.append(.literal(String(decoding: literal, as: UTF8.self)))
                literal.removeAll()
            }
            result.append(std)
            i = end
        }
        if !literal.isEmpty { result.append(.literal(String(decoding: literal, as: UTF8.self))) }
        return result
    }

    /// The std chunk starting at `i` (it may begin after a literal prefix, as `_2006` does).
    private static func stdChunk(_ b: [UInt8], at i: Int) -> (Std, start: Int, end: Int)? {
        func has(_ s: String) -> Bool {
            let p = Array(s.utf8)
            return i + p.count <= b.count && Array(b[i..<(i + p.count)]) == p
        }
        func lowerAt(_ k: Int) -> Bool { k < b.count && b[k] >= UInt8(ascii: "a") && b[k] <= UInt8(ascii: "z") }
        func first(_ options: [(String, Std)]) -> (Std, start: Int, end: Int)? {
            for (text, std) in options where has(text) { return (std, i, i + text.utf8.count) }
            return nil
        }
        switch b[i] {
        case UInt8(ascii: "J"):
            if has("January") { return (.longMonth, i, i + 7) }
            return has("Jan") && !lowerAt(i + 3) ? (.month, i, i + 3) : nil
        case UInt8(ascii: "M"):
            if has("Monday") { return (.longWeekDay, i, i + 6) }
            if has("Mon") && !lowerAt(i + 3) { return (.weekDay, i, i + 3) }
            return has("MST") ? (.tz, i, i + 3) : nil
        case UInt8(ascii: "0"):
            if i + 1 < b.count, b[i + 1] >= UInt8(ascii: "1"), b[i + 1] <= UInt8(ascii: "6") {
                let table: [Std] = [.zeroMonth, .zeroDay, .zeroHour12, .zeroMinute, .zeroSecond, .year]
                return (table[Int(b[i + 1] - UInt8(ascii: "1"))], i, i + 2)
            }
            return has("002") ? (.zeroYearDay, i, i + 3) : nil
        case UInt8(ascii: "1"): return has("15") ? (.hour, i, i + 2) : (.numMonth, i, i + 1)
        case UInt8(ascii: "2"): return has("2006") ? (.longYear, i, i + 4) : (.day, i, i + 1)
        case UInt8(ascii: "_"):
            // "_2006" is a literal underscore followed by the year.
            if has("_2006") { return (.longYear, i + 1, i + 5) }
            if has("_2") { return (.underDay, i, i + 2) }
            return has("__2") ? (.underYearDay, i, i + 3) : nil
        case UInt8(ascii: "3"): return (.hour12, i, i + 1)
        case UInt8(ascii: "4"): return (.minute, i, i + 1)
        case UInt8(ascii: "5"): return (.second, i, i + 1)
        case UInt8(ascii: "P"): return has("PM") ? (.pm, i, i + 2) : nil
        case UInt8(ascii: "p"): return has("pm") ? (.lowerPM, i, i + 2) : nil
        case UInt8(ascii: "-"):
            return first([("-070000", .numSecondsTZ), ("-07:00:00", .numColonSecondsTZ), ("-0700", .numTZ), ("-07:00", .numColonTZ), ("-07", .numShortTZ)])
        case UInt8(ascii: "Z"):
            return first([
                ("Z070000", .iso8601SecondsTZ), ("Z07:00:00", .iso8601ColonSecondsTZ), ("Z0700", .iso8601TZ), ("Z07:00", .iso8601ColonTZ),
                ("Z07", .iso8601ShortTZ),
            ])
        case UInt8(ascii: "."), UInt8(ascii: ","):
            guard i + 1 < b.count, b[i + 1] == UInt8(ascii: "0") || b[i + 1] == UInt8(ascii: "9") else { return nil }
            let ch = b[i + 1]
            var j = i + 1
            while j < b.count && b[j] == ch { j += 1 }
            // Only a run of one repeated digit not followed by another digit is a fraction.
            if j < b.count && b[j] >= UInt8(ascii: "0") && b[j] <= UInt8(ascii: "9") { return nil }
            return (.fraction(digits: j - i - 1, trimZeros: ch == UInt8(ascii: "9"), separator: Character(Unicode.Scalar(b[i]))), i, j)
        default:
            return nil
        }
    }
}
