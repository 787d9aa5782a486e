#if canImport(Glibc)
import Glibc
#endif
import Model

/// Parsing of the HTTP API's parameters, with Prometheus's rules and error wording.
public enum APIParams {
    /// Prometheus's minimum and maximum timestamps (ms), used for absent start/end.
    public static let minTime: Timestamp = -9_223_309_901_257_974
    public static let maxTime: Timestamp = 9_223_309_901_257_974

    /// A time as Unix seconds (float) or RFC 3339, in milliseconds.
    public static func time(_ s: String) throws -> Timestamp {
        if let f = Double(s), f.isFinite {
            let secs = f.rounded(.towardZero)
            let ms = ((f - secs) * 1000).rounded()
            return Timestamp(secs) * 1000 + Timestamp(ms)
        }
        if let t = rfc3339(s) { return t }
        switch s {
        case "-292273086-05-16T16:47:06Z": return minTime
        case "292277025-08-18T07:12:54.999999999Z": return maxTime
        default: throw APIError.badData("cannot parse \(quoteLabelValue(s)) to a valid timestamp")
        }
    }

    /// A duration as float seconds or Prometheus duration syntax, in milliseconds.
    public static func duration(_ s: String) throws -> Int64 {
        if let f = Double(s) {
            let ms = f * 1000
            guard ms.isFinite, ms < 9.2e18, ms > -9.2e18 else {
                throw APIError.badData("cannot parse \(quoteLabelValue(s)) to a valid duration. It overflows int64")
            }
            return Int64(ms.rounded())
        }
        if let d = PromDuration(s) { return d.milliseconds }
        throw APIError.badData("cannot parse \(quoteLabelValue(s)) to a valid duration")
    }

    /// Parses `YYYY-MM-DDTHH:MM:SS[.frac](Z|±HH:MM)` to ms since the epoch.
    public static func rfc3339(_ s: String) -> Timestamp? {
        let b = Array(s.utf8)
        guard b.count >= 20 else { return nil }
        func num(_ from: Int, _ len: Int) -> Int? {
            guard from + len <= b.count else { return nil }
            var n = 0
            for i in from..<(from + len) {
                guard b[i] >= 48, b[i] <= 57 else { return nil }
                n = n * 10 + Int(b[i] - 48)
            }
            return n
        }
        guard let year = num(0, 4), b[4] == UInt8(ascii: "-"), let month = num(5, 2), b[7] == UInt8(ascii: "-"),
              let day = num(8, 2), b[10] == UInt8(ascii: "T") || b[10] == UInt8(ascii: "t") || b[10] == UInt8(ascii: " "),
              let hour = num(11, 2), b[13] == UInt8(ascii: ":"), let minute = num(14, 2), b[16] == UInt8(ascii: ":"),
              let second = num(17, 2),
              (1...12).contains(month), (1...31).contains(day), hour < 24, minute < 60, second < 61 else { return nil }
        var i = 19
        var fracMs = 0
        if i < b.count, b[i] == UInt8(ascii: ".") {
            i += 1
            var digits = 0
            while i < b.count, b[i] >= 48, b[i] <= 57 {
                if digits < 3 { fracMs = fracMs * 10 + Int(b[i] - 48) }
                digits += 1
                i += 1
            }
            guard digits > 0 else { return nil }
            var scale = digits
            while scale < 3 { fracMs *= 10; scale += 1 }
        }
        guard i < b.count else { return nil }
        var offsetSeconds = 0
        if b[i] == UInt8(ascii: "Z") || b[i] == UInt8(ascii: "z") {
            i += 1
        } else if b[i] == UInt8(ascii: "+") || b[i] == UInt8(ascii: "-") {
            guard let oh = num(i + 1, 2), i + 3 < b.count, b[i + 3] == UInt8(ascii: ":"), let om = num(i + 4, 2) else { return nil }
            offsetSeconds = (oh * 3600 + om * 60) * (b[i] == UInt8(ascii: "-") ? -1 : 1)
            i += 6
        } else {
            return nil
        }
        guard i == b.count else { return nil }
        var tmv = tm()
        tmv.tm_year = Int32(year - 1900)
        tmv.tm_mon = Int32(month - 1)
        tmv.tm_mday = Int32(day)
        tmv.tm_hour = Int32(hour)
        tmv.tm_min = Int32(minute)
        tmv.tm_sec = Int32(second)
        let secs = Int64(timegm(&tmv)) - Int64(offsetSeconds)
        return secs * 1000 + Int64(fracMs)
    }
}

/// An API failure with Prometheus's errorType and HTTP status.
public enum APIError: Error, CustomStringConvertible, Equatable {
    case badData(String)
    case execution(String)
    case timeout(String)
    case canceled(String)
    case notFound(String)
    case unavailable(String)
    case internalError(String)

    public var errorType: String {
        switch self {
        case .badData: return "bad_data"
        case .execution: return "execution"
        case .timeout: return "timeout"
        case .canceled: return "canceled"
        case .notFound: return "not_found"
        case .unavailable: return "unavailable"
        case .internalError: return "internal"
        }
    }

    /// The status codes Prometheus's API uses for each error type.
    public var httpStatus: Int {
        switch self {
        case .badData: return 400
        case .execution: return 422
        case .timeout: return 503
        case .canceled: return 499
        case .notFound: return 404
        case .unavailable: return 503
        case .internalError: return 500
        }
    }

    public var description: String {
        switch self {
        case .badData(let m), .execution(let m), .timeout(let m), .canceled(let m), .notFound(let m), .unavailable(let m), .internalError(let m):
            return m
        }
    }
}
