import Model
import PromQL

/// Writes query results in the HTTP API's JSON shapes.
extension JSONWriter {
    /// `[1435781451.781,"1"]`: seconds with millisecond decimals, value as a string.
    mutating func samplePair(_ t: Timestamp, _ v: Double) {
        raw("[")
        timestampSeconds(t)
        raw(",\"")
        GoFloat.appendAPIValue(v, to: &bytes)
        raw("\"]")
    }

    /// Unix seconds with up to three decimals and no trailing zeros, as Prometheus writes them.
    mutating func timestampSeconds(_ t: Timestamp) {
        let negative = t < 0
        let a = negative ? -t : t
        if negative { raw("-") }
        GoFloat.appendInteger(a / 1000, to: &bytes)
        let ms = a % 1000
        if ms != 0 {
            bytes.append(UInt8(ascii: "."))
            bytes.append(UInt8(ascii: "0") + UInt8(ms / 100))
            if ms % 100 != 0 {
                bytes.append(UInt8(ascii: "0") + UInt8(ms / 10 % 10))
                if ms % 10 != 0 { bytes.append(UInt8(ascii: "0") + UInt8(ms % 10)) }
            }
        }
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
