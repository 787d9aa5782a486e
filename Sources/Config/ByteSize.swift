import Model

/// A byte size that could not be parsed.
struct ByteSizeError: Error {
    let message: String
}

/// Parses a size the way Prometheus's `body_size_limit` does (alecthomas/units
/// `ParseBase2Bytes`): one or more `<number><unit>` groups, numbers may have a
/// fraction, units are powers of 1024 spelled either `KB MB GB TB PB EB` or
/// `KiB MiB GiB TiB PiB EiB`, plus `B`; a bare `0` is zero. A bare number
/// other than 0 has no unit and is an error, as in Prometheus.
func parseByteSize(_ text: String) -> Result<Int64, ByteSizeError> {
    let binary = ["B": 1.0, "KiB": 1024.0, "MiB": 1048576.0, "GiB": 1073741824.0, "TiB": 1099511627776.0,
                  "PiB": 1125899906842624.0, "EiB": 1152921504606846976.0]
    let legacy = ["B": 1.0, "KB": 1024.0, "MB": 1048576.0, "GB": 1073741824.0, "TB": 1099511627776.0,
                  "PB": 1125899906842624.0, "EB": 1152921504606846976.0]
    // Like the Go library, try the iB spellings first and report the second attempt's error.
    if case .success(let n) = parseUnits(text, binary) { return .success(n) }
    return parseUnits(text, legacy)
}

private func parseUnits(_ text: String, _ units: [String: Double]) -> Result<Int64, ByteSizeError> {
    let quoted = quoteLabelValue(text)
    let hint = "units are B, KB, MB, GB, TB, PB, EB or KiB, MiB, GiB, TiB, PiB, EiB (powers of 1024)"
    var s = Substring(text)
    var negative = false
    if let c = s.first, c == "-" || c == "+" {
        negative = c == "-"
        s = s.dropFirst()
    }
    if s == "0" { return .success(0) }
    if s.isEmpty { return .failure(ByteSizeError(message: "invalid size \(quoted)")) }
    var total = 0.0
    while !s.isEmpty {
        let intDigits = s.prefix(while: { $0.isASCII && $0.isNumber })
        s = s.dropFirst(intDigits.count)
        var value = Double(intDigits) ?? 0
        var fractionDigits: Substring = ""
        if s.first == "." {
            s = s.dropFirst()
            fractionDigits = s.prefix(while: { $0.isASCII && $0.isNumber })
            s = s.dropFirst(fractionDigits.count)
            if !fractionDigits.isEmpty { value += Double("0." + fractionDigits) ?? 0 }
        }
        if intDigits.isEmpty && fractionDigits.isEmpty {
            return .failure(ByteSizeError(message: "invalid size \(quoted)"))
        }
        let unit = s.prefix(while: { !($0 == "." || ($0.isASCII && $0.isNumber)) })
        s = s.dropFirst(unit.count)
        guard let scale = units[String(unit)] else {
            let what = unit.isEmpty ? "missing unit" : "unknown unit \(quoteLabelValue(String(unit)))"
            return .failure(ByteSizeError(message: "invalid size \(quoted): \(what); \(hint)"))
        }
        total += value * scale
    }
    if total >= 0x1p63 { return .failure(ByteSizeError(message: "invalid size \(quoted): too large")) }
    return .success(Int64(negative ? -total : total))
}
