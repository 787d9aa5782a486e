import Foundation
import Synchronization

/// A Go `*time.Location`: UTC, a fixed offset, or a zone from the system tz database
/// (read from TZif files as Go does, so abbreviations such as `CEST` match Go's output).
public struct TemplateZone: Sendable, Equatable {
    /// The location name (`UTC`, `Europe/Berlin`, `Local`, or "" for a fixed offset).
    public let name: String
    private let rules: ZoneRules?
    private let fixedOffset: Int

    public static let utc = TemplateZone(name: "UTC", rules: nil, fixedOffset: 0)

    /// A fixed zone, like Go's FixedZone (RFC 3339 times with an offset parse into one).
    public static func fixed(name: String = "", offsetSeconds: Int) -> TemplateZone {
        TemplateZone(name: name, rules: nil, fixedOffset: offsetSeconds, fixedAbbreviation: name)
    }

    private let fixedAbbreviation: String

    private init(name: String, rules: ZoneRules?, fixedOffset: Int, fixedAbbreviation: String = "UTC") {
        self.name = name
        self.rules = rules
        self.fixedOffset = fixedOffset
        self.fixedAbbreviation = fixedAbbreviation
    }

    public static func == (a: TemplateZone, b: TemplateZone) -> Bool {
        a.name == b.name && a.fixedOffset == b.fixedOffset && a.fixedAbbreviation == b.fixedAbbreviation
    }

    /// Go's time.LoadLocation: "" and "UTC" are UTC, "Local" the system zone, anything
    /// else a tz database name. Throws Go's `unknown time zone NAME`.
    public static func load(_ name: String) throws -> TemplateZone {
        if name.isEmpty || name == "UTC" { return .utc }
        if name == "Local" {
            if let rules = ZoneCache.rules(path: "/etc/localtime") { return TemplateZone(name: "Local", rules: rules, fixedOffset: 0) }
            return .utc
        }
        // Go rejects names that could escape the zoneinfo directory.
        if name.hasPrefix("/") || name.hasPrefix("\\") || name.contains("..") {
            throw TemplateFunctionError("unknown time zone \(name)")
        }
        let directory = ProcessInfo.processInfo.environment["ZONEINFO"] ?? "/usr/share/zoneinfo"
        guard let rules = ZoneCache.rules(path: directory + "/" + name) else {
            throw TemplateFunctionError("unknown time zone \(name)")
        }
        return TemplateZone(name: name, rules: rules, fixedOffset: 0)
    }

    /// The abbreviation and UTC offset (seconds east) in effect at `unixSeconds`.
    func lookup(_ unixSeconds: Int64) -> (abbreviation: String, offset: Int) {
        guard let rules else { return (fixedAbbreviation, fixedOffset) }
        return rules.lookup(unixSeconds)
    }
}

/// Parsed TZif data (version 2+ 64-bit section) with its POSIX TZ footer for later times.
final class ZoneRules: Sendable {
    struct LocalType: Sendable {
        let offset: Int
        let isDST: Bool
        let abbreviation: String
    }

    let transitions: [Int64]
    let typeIndices: [Int]
    let types: [LocalType]
    let footer: PosixZoneRule?

    init(transitions: [Int64], typeIndices: [Int], types: [LocalType], footer: PosixZoneRule?) {
        self.transitions = transitions
        self.typeIndices = typeIndices
        self.types = types
        self.footer = footer
    }

    func lookup(_ t: Int64) -> (abbreviation: String, offset: Int) {
        if types.isEmpty { return footer?.lookup(t) ?? ("UTC", 0) }
        if transitions.isEmpty || t < transitions[0] {
            let first = types.first(where: { !$0.isDST }) ?? types[0]
            return (first.abbreviation, first.offset)
        }
        if t >= transitions[transitions.count - 1], let footer {
            return footer.lookup(t)
        }
        var lo = 0, hi = transitions.count
        while hi - lo > 1 {
            let mid = (lo + hi) / 2
            if transitions[mid] <= t { lo = mid } else { hi = mid }
        }
        let type = types[typeIndices[lo]]
        return (type.abbreviation, type.offset)
    }

    /// Parses a TZif file; nil when it is not one.
    static func parse(_ data: [UInt8]) -> ZoneRules? {
        guard data.count >= 44, data[0] == 0x54, data[1] == 0x5A, data[2] == 0x69, data[3] == 0x66 else { return nil }
        func be32(_ i: Int) -> Int64 {
            Int64(Int32(bitPattern: UInt32(data[i]) << 24 | UInt32(data[i + 1]) << 16 | UInt32(data[i + 2]) << 8 | UInt32(data[i + 3])))
        }
        func be64(_ i: Int) -> Int64 {
            var v: UInt64 = 0
            for k in 0..<8 { v = v << 8 | UInt64(data[i + k]) }
            return Int64(bitPattern: v)
        }
        func counts(_ at: Int) -> [Int] { (0..<6).map { Int(be32(at + 20 + 4 * $0)) } }
        let version = data[4]
        var header = 0
        var timeSize = 4
        var c = counts(0)
        if version >= UInt8(ascii: "2") {
            // Skip the 32-bit block to the 64-bit one.
            let v1Size = c[3] * 4 + c[3] + c[4] * 6 + c[5] + c[2] * 8 + c[1] + c[0]
            header = 44 + v1Size
            guard data.count >= header + 44 else { return nil }
            c = counts(header)
            timeSize = 8
        }
        let (isutcnt, isstdcnt, leapcnt, timecnt, typecnt, charcnt) = (c[0], c[1], c[2], c[3], c[4], c[5])
        var p = header + 44
        let needed = timecnt * timeSize + timecnt + typecnt * 6 + charcnt + leapcnt * (timeSize + 4) + isstdcnt + isutcnt
        guard typecnt > 0, data.count >= p + needed else { return nil }
        var transitions: [Int64] = []
        for k in 0..<timecnt { transitions.append(timeSize == 8 ? be64(p + 8 * k) : be32(p + 4 * k)) }
        p += timecnt * timeSize
        let indices = (0..<timecnt).map { Int(data[p + $0]) }
        p += timecnt
        var raw: [(Int, Bool, Int)] = []
        for k in 0..<typecnt {
            raw.append((Int(be32(p + 6 * k)), data[p + 6 * k + 4] != 0, Int(data[p + 6 * k + 5])))
        }
        p += typecnt * 6
        let chars = Array(data[p..<(p + charcnt)])
        p += charcnt + leapcnt * (timeSize + 4) + isstdcnt + isutcnt
        let types = raw.map { (offset, dst, index) -> LocalType in
            let end = chars[min(index, chars.count)...].firstIndex(of: 0) ?? chars.count
            return LocalType(offset: offset, isDST: dst, abbreviation: String(decoding: chars[min(index, chars.count)..<end], as: UTF8.self))
        }
        guard indices.allSatisfy({ $0 < types.count }) else { return nil }
        var footer: PosixZoneRule?
        if timeSize == 8, p < data.count, data[p] == 0x0A, let end = data[(p + 1)...].firstIndex(of: 0x0A) {
            footer = PosixZoneRule(String(decoding: data[(p + 1)..<end], as: UTF8.self))
        }
        return ZoneRules(transitions: transitions, typeIndices: indices, types: types, footer: footer)
    }
}

/// A POSIX TZ rule such as `CET-1CEST,M3.5.0,M10.5.0/3`.
struct PosixZoneRule: Sendable {
    enum DayRule: Sendable {
        case julianNoLeap(Int)  // Jn, 1...365
        case dayOfYear(Int)  // n, 0...365
        case monthWeekDay(month: Int, week: Int, weekday: Int)
    }

    let standardName: String
    let standardOffset: Int
    let daylight: (name: String, offset: Int, start: DayRule, startTime: Int, end: DayRule, endTime: Int)?

    init?(_ text: String) {
        var s = Substring(text)
        guard let std = Self.name(&s), let stdOffset = Self.offset(&s) else { return nil }
        standardName = std
        standardOffset = -stdOffset
        if s.isEmpty {
            daylight = nil
            return
        }
        guard let dst = Self.name(&s) else { return nil }
        var dstOffset = standardOffset + 3600
        if !s.hasPrefix(","), let o = Self.offset(&s) { dstOffset = -o }
        guard s.hasPrefix(",") else {
            daylight = nil
            return
        }
        s = s.dropFirst()
        guard let start = Self.rule(&s) else { return nil }
        var startTime = 7200
        if s.hasPrefix("/") {
            s = s.dropFirst()
            guard let t = Self.offset(&s) else { return nil }
            startTime = t
        }
        guard s.hasPrefix(",") else { return nil }
        s = s.dropFirst()
        guard let end = Self.rule(&s) else { return nil }
        var endTime = 7200
        if s.hasPrefix("/") {
            s = s.dropFirst()
            guard let t = Self.offset(&s) else { return nil }
            endTime = t
        }
        daylight = (dst, dstOffset, start, startTime, end, endTime)
    }

    func lookup(_ t: Int64) -> (abbreviation: String, offset: Int) {
        guard let d = daylight else { return (standardName, standardOffset) }
        let year = CivilTime(unixSeconds: t, offset: standardOffset).year
        let start = Self.day(d.start, year: year) * 86400 + Int64(d.startTime - standardOffset)
        let end = Self.day(d.end, year: year) * 86400 + Int64(d.endTime - d.offset)
        let inDaylight = start < end ? (t >= start && t < end) : !(t >= end && t < start)
        return inDaylight ? (d.name, d.offset) : (standardName, standardOffset)
    }

    /// Days since the epoch of the rule's date in `year`.
    private static func day(_ rule: DayRule, year: Int) -> Int64 {
        let jan1 = CivilTime.days(year: year, month: 1, day: 1)
        switch rule {
        case .julianNoLeap(let n):
            var d = Int64(n - 1)
            if CivilTime.isLeap(year) && n >= 60 { d += 1 }
            return jan1 + d
        case .dayOfYear(let n):
            return jan1 + Int64(n)
        case .monthWeekDay(let month, let week, let weekday):
            let first = CivilTime.days(year: year, month: month, day: 1)
            let firstWeekday = Int(((first % 7) + 11) % 7)
            var dayOfMonth = 1 + (weekday - firstWeekday + 7) % 7 + 7 * (week - 1)
            let length = CivilTime.daysIn(month: month, year: year)
            while dayOfMonth > length { dayOfMonth -= 7 }
            return first + Int64(dayOfMonth - 1)
        }
    }

    private static func name(_ s: inout Substring) -> String? {
        if s.hasPrefix("<") {
            guard let close = s.firstIndex(of: ">") else { return nil }
            let n = String(s[s.index(after: s.startIndex)..<close])
            s = s[s.index(after: close)...]
            return n
        }
        let n = s.prefix(while: { $0.isLetter })
        guard n.count >= 3 else { return nil }
        s = s.dropFirst(n.count)
        return String(n)
    }

    /// `[+-]hh[:mm[:ss]]` in seconds (not sign-flipped).
    private static func offset(_ s: inout Substring) -> Int? {
        var sign = 1
        if s.hasPrefix("-") {
            sign = -1
            s = s.dropFirst()
        } else if s.hasPrefix("+") {
            s = s.dropFirst()
        }
        var parts: [Int] = []
        while parts.count < 3 {
            let digits = s.prefix(while: { $0.isASCII && $0.isNumber })
            guard !digits.isEmpty, let v = Int(digits) else { return nil }
            parts.append(v)
            s = s.dropFirst(digits.count)
            if s.hasPrefix(":") { s = s.dropFirst() } else { break }
        }
        guard !parts.isEmpty else { return nil }
        let seconds = parts[0] * 3600 + (parts.count > 1 ? parts[1] * 60 : 0) + (parts.count > 2 ? parts[2] : 0)
        return sign * seconds
    }

    private static func rule(_ s: inout Substring) -> DayRule? {
        func number(_ s: inout Substring) -> Int? {
            let digits = s.prefix(while: { $0.isASCII && $0.isNumber })
            s = s.dropFirst(digits.count)
            return Int(digits)
        }
        if s.hasPrefix("J") {
            s = s.dropFirst()
            return number(&s).map { .julianNoLeap($0) }
        }
        if s.hasPrefix("M") {
            s = s.dropFirst()
            guard let m = number(&s), s.hasPrefix(".") else { return nil }
            s = s.dropFirst()
            guard let w = number(&s), s.hasPrefix(".") else { return nil }
            s = s.dropFirst()
            guard let d = number(&s), (1...12).contains(m), (1...5).contains(w), (0...6).contains(d) else { return nil }
            return .monthWeekDay(month: m, week: w, weekday: d)
        }
        return number(&s).map { .dayOfYear($0) }
    }
}

/// Loaded zones, shared by all executions (tz files do not change while Ember runs).
enum ZoneCache {
    private static let cache = Mutex<[String: ZoneRules]>([:])

    static func rules(path: String) -> ZoneRules? {
        if let hit = cache.withLock({ $0[path] }) { return hit }
        guard let data = FileManager.default.contents(atPath: path), let rules = ZoneRules.parse(Array(data)) else { return nil }
        cache.withLock { $0[path] = rules }
        return rules
    }
}
