import Model
import PromQL

/// Writes query results in the HTTP API's JSON shapes.
extension JSONWriter {
    /// `[1435781451.781,"1"]`: seconds with millisecond decimals, value as a string.
    /// Built in a stack buffer and appended once: matrices hold hundreds of thousands.
    mutating func samplePair(_ t: Timestamp, _ v: Double) {
        let done: Bool = withUnsafeTemporaryAllocation(of: UInt8.self, capacity: 64) { buffer in
            let p = buffer.baseAddress.unsafelyUnwrapped
            p[0] = UInt8(ascii: "[")
            var n = 1 + Self.writeTimestampSeconds(t, to: p + 1)
            p[n] = UInt8(ascii: ",")
            p[n + 1] = UInt8(ascii: "\"")
            n += 2
            let value = GoFloat.writeShortAPIValue(v, to: p + n)
            guard value > 0 else { return false }
            n += value
            p[n] = UInt8(ascii: "\"")
            p[n + 1] = UInt8(ascii: "]")
            bytes.append(contentsOf: UnsafeBufferPointer(start: p, count: n + 2))
            return true
        }
        if done { return }
        raw("[")
        timestampSeconds(t)
        raw(",\"")
        GoFloat.appendAPIValue(v, to: &bytes)
        raw("\"]")
    }

    /// Unix seconds with up to three decimals and no trailing zeros, as Prometheus writes them.
    mutating func timestampSeconds(_ t: Timestamp) {
        withUnsafeTemporaryAllocation(of: UInt8.self, capacity: 32) { buffer in
            let n = Self.writeTimestampSeconds(t, to: buffer.baseAddress.unsafelyUnwrapped)
            bytes.append(contentsOf: UnsafeBufferPointer(rebasing: buffer[0..<n]))
        }
    }

    /// Writes `timestampSeconds(t)` (at most 25 bytes); returns the count.
    static func writeTimestampSeconds(_ t: Timestamp, to p: UnsafeMutablePointer<UInt8>) -> Int {
        var n = 0
        let a = t.magnitude
        if t < 0 {
            p[0] = UInt8(ascii: "-")
            n = 1
        }
        n += GoFloat.writeInteger(Int64(a / 1000), to: p + n)
        let ms = Int(a % 1000)
        if ms != 0 {
            p[n] = UInt8(ascii: ".")
            p[n + 1] = UInt8(ascii: "0") + UInt8(ms / 100)
            n += 2
            if ms % 100 != 0 {
                p[n] = UInt8(ascii: "0") + UInt8(ms / 10 % 10)
                n += 1
                if ms % 10 != 0 {
                    p[n] = UInt8(ascii: "0") + UInt8(ms % 10)
                    n += 1
                }
            }
        }
        return n
    }

    mutating func labelsObject(_ labels: Labels) {
        raw("{")
        for (i, l) in labels.enumerated() {
            if i > 0 { comma() }
            key(l.name)
            string(l.value)
        }
        raw("}")
    }

    mutating func queryData(_ value: QueryValue) {
        raw(#"{"resultType":"#)
        string(value.resultType)
        raw(#","result":"#)
        switch value {
        case .vector(let samples):
            raw("[")
            for (i, s) in samples.enumerated() {
                if i > 0 { comma() }
                raw(#"{"metric":"#)
                labelsObject(s.labels)
                raw(#","value":"#)
                samplePair(s.t, s.v)
                raw("}")
            }
            raw("]")
        case .matrix(let series):
            raw("[")
            for (i, s) in series.enumerated() {
                if i > 0 { comma() }
                raw(#"{"metric":"#)
                labelsObject(s.labels)
                raw(#","values":["#)
                for (j, p) in s.samples.enumerated() {
                    if j > 0 { comma() }
                    samplePair(p.t, p.v)
                }
                raw("]}")
            }
            raw("]")
        case .scalar(let t, let v):
            // A scalar result is written with plain decimals at any magnitude (Go's 'f' format,
            // as promql.Scalar's JSON does), unlike vector and matrix samples.
            raw("[")
            timestampSeconds(t)
            raw(",\"")
            raw(v.isFinite ? GoFloat.format(v, format: "f", precision: -1) : GoFloat.apiValue(v))
            raw("\"]")
        case .string(let t, let v):
            raw("[")
            timestampSeconds(t)
            comma()
            string(v)
            raw("]")
        }
        raw("}")
    }
}
