import Config
import Foundation

/// One entry of a `time_intervals` definition: the instant is inside when
/// every listed constraint holds (an absent list puts no constraint).
public struct NotifyTimeInterval: Sendable, Equatable {
    /// Minute-of-day ranges, end exclusive.
    public var times: [ClosedRange<Int>]? = nil
    /// Sunday = 0.
    public var weekdays: [ClosedRange<Int>]? = nil
    /// 1...31, or negative counting from the month's end (-1 = last day).
    public var daysOfMonth: [(begin: Int, end: Int)]? = nil
    public var months: [ClosedRange<Int>]? = nil
    public var years: [ClosedRange<Int>]? = nil
    public var location: TimeZone = TimeZone(identifier: "UTC") ?? .current

    public init() {}

    public static func == (a: NotifyTimeInterval, b: NotifyTimeInterval) -> Bool {
        a.times == b.times && a.weekdays == b.weekdays && a.months == b.months && a.years == b.years
            && a.location == b.location
            && a.daysOfMonth?.map { [$0.begin, $0.end] } == b.daysOfMonth?.map { [$0.begin, $0.end] }
    }

    /// Whether `date` falls inside this interval (Alertmanager's ContainsTime).
    public func contains(_ date: Date) -> Bool {
        var calendar = Calendar(identifier: .gregorian)
        calendar.timeZone = location
        let c = calendar.dateComponents([.year, .month, .day, .hour, .minute, .weekday], from: date)
        guard let year = c.year, let month = c.month, let day = c.day, let hour = c.hour, let minute = c.minute,
              let weekday = c.weekday else { return false }
        if let times {
            let m = hour * 60 + minute
            // Ranges are stored closed but the end minute is exclusive.
            if !times.contains(where: { m >= $0.lowerBound && m < $0.upperBound }) { return false }
        }
        if let daysOfMonth {
            let daysInMonth = calendar.range(of: .day, in: .month, for: date)?.count ?? 31
            let inside = daysOfMonth.contains { range in
                var begin = range.begin < 0 ? daysInMonth + range.begin + 1 : range.begin
                var end = range.end < 0 ? daysInMonth + range.end + 1 : range.end
                if begin > daysInMonth { return false }
                begin = min(max(begin, -daysInMonth), daysInMonth)
                end = min(max(end, -daysInMonth), daysInMonth)
                return day >= begin && day <= end
            }
            if !inside { return false }
        }
        if let months, !months.contains(where: { $0.contains(month) }) { return false }
        if let weekdays, !weekdays.contains(where: { $0.contains(weekday - 1) }) { return false }
        if let years, !years.contains(where: { $0.contains(year) }) { return false }
        return true
    }
}

/// Parsing of `time_intervals` entries.
enum TimeIntervalParser {
    static let weekdayNames = ["sunday", "monday", "tuesday", "wednesday", "thursday", "friday", "saturday"]
    static let monthNames = ["january", "february", "march", "april", "may", "june", "july", "august",
                             "september", "october", "november", "december"]

    static func parse(_ node: YAMLNode) throws -> NotifyTimeInterval {
        let m = try node.mapping(allowedKeys: ["times", "weekdays", "days_of_month", "months", "years", "location"])
        var ti = NotifyTimeInterval()
        if let times = m["times"] {
            ti.times = try times.sequence().map(parseTimeRange)
        }
        if let w = m["weekdays"] {
            ti.weekdays = try w.sequence().map { n in
                try parseRange(n, what: "weekday") { s in
                    weekdayNames.firstIndex(of: s.lowercased())
                }
            }
        }
        if let d = m["days_of_month"] {
            ti.daysOfMonth = try d.sequence().map(parseDayOfMonth)
        }
        if let mo = m["months"] {
            ti.months = try mo.sequence().map { n in
                try parseRange(n, what: "month") { s in
                    if let i = monthNames.firstIndex(of: s.lowercased()) { return i + 1 }
                    if let v = Int(s), (1...12).contains(v) { return v }
                    return nil
                }
            }
        }
        if let y = m["years"] {
            ti.years = try y.sequence().map { n in
                try parseRange(n, what: "year") { s in Int(s).flatMap { $0 >= 0 ? $0 : nil } }
            }
        }
        if let loc = m["location"] {
            let name = try loc.string()
            if name == "Local" {
                ti.location = .current
            } else if name == "UTC" || name.isEmpty {
                ti.location = TimeZone(identifier: "UTC") ?? .current
            } else if let tz = TimeZone(identifier: name) {
                ti.location = tz
            } else {
                throw loc.error("unknown time zone \(name)")
            }
        }
        return ti
    }

    private static func parseTimeRange(_ node: YAMLNode) throws -> ClosedRange<Int> {
        let m = try node.mapping(allowedKeys: ["start_time", "end_time"])
        guard let s = m["start_time"], let e = m["end_time"] else {
            throw node.error("both start and end times must be provided")
        }
        let start = try minuteOfDay(s), end = try minuteOfDay(e)
        if start >= end { throw node.error("start time cannot be equal or greater than end time") }
        return start...end
    }

    private static func minuteOfDay(_ node: YAMLNode) throws -> Int {
        let text = try node.string()
        if text == "24:00" { return 1440 }
        let parts = text.split(separator: ":", omittingEmptySubsequences: false)
        guard parts.count == 2, parts[0].count == 2, parts[1].count == 2,
              let h = Int(parts[0]), let m = Int(parts[1]), (0...23).contains(h), (0...59).contains(m) else {
            throw node.error("couldn't parse timestamp \(text), invalid format")
        }
        return h * 60 + m
    }

    private static func parseRange(_ node: YAMLNode, what: String, _ value: (String) -> Int?) throws -> ClosedRange<Int> {
        let text = try node.string()
        let parts = text.split(separator: ":", omittingEmptySubsequences: false).map { String($0) }
        guard parts.count <= 2, let begin = value(parts[0]), let end = value(parts.count == 2 ? parts[1] : parts[0]) else {
            throw node.error("\(text) is not a valid \(what)")
        }
        if begin > end { throw node.error("start \(what) cannot be after end \(what) in \(text)") }
        return begin...end
    }

    private static func parseDayOfMonth(_ node: YAMLNode) throws -> (begin: Int, end: Int) {
        let text = try node.string()
        let parts = text.split(separator: ":", omittingEmptySubsequences: false).map { String($0) }
        guard parts.count <= 2, let begin = Int(parts[0]), let end = Int(parts.count == 2 ? parts[1] : parts[0]) else {
            throw node.error("\(text) is not a valid day of the month")
        }
        for v in [begin, end] where v == 0 || v < -31 || v > 31 {
            throw node.error("\(v) is not a valid day of the month: out of range")
        }
        if begin < 0 && end > 0 { throw node.error("end day must be negative if start day is negative") }
        let checkBegin = begin < 0 ? 28 + begin : begin
        let checkEnd = end < 0 ? 28 + end : end
        if checkBegin > checkEnd { throw node.error("end day \(end) is always before start day \(begin)") }
        return (begin, end)
    }
}
