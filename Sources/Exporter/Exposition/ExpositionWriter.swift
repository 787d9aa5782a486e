/// Renders metric families as the Prometheus text format 0.0.4 or OpenMetrics 1.0.0.
///
/// Output is written byte by byte into one buffer: a scrape renders a few thousand
/// samples, and building a `String` per line would dominate its cost.
public enum ExpositionWriter {
    /// Renders `families` in their given order.
    public static func render(_ families: [MetricFamily], format: ExpositionFormat) -> [UInt8] {
        var out: [UInt8] = []
        out.reserveCapacity(families.reduce(0) { $0 + 96 + $1.samples.count * 80 })
        for family in families where !family.samples.isEmpty {
            switch format {
            case .text: writeText(family, to: &out)
            case .openMetrics: writeOpenMetrics(family, to: &out)
            }
        }
        if format == .openMetrics { out.append(contentsOf: "# EOF\n".utf8) }
        return out
    }

    static func writeText(_ family: MetricFamily, to out: inout [UInt8]) {
        if !family.help.isEmpty {
            out.append(contentsOf: "# HELP ".utf8)
            out.append(contentsOf: family.name.utf8)
            out.append(UInt8(ascii: " "))
            appendEscaped(family.help, quotes: false, to: &out)
            out.append(UInt8(ascii: "\n"))
        }
        out.append(contentsOf: "# TYPE ".utf8)
        out.append(contentsOf: family.name.utf8)
        out.append(UInt8(ascii: " "))
        out.append(contentsOf: family.type.rawValue.utf8)
        out.append(UInt8(ascii: "\n"))
        for sample in family.samples {
            writeSample(name: sample.name, suffix: "", sample, to: &out)
        }
    }

    static func writeOpenMetrics(_ family: MetricFamily, to out: inout [UInt8]) {
        // OpenMetrics names a counter family without `_total` and every sample with it.
        var familyName = family.name
        if family.type == .counter, familyName.hasSuffix("_total") { familyName.removeLast(6) }
        out.append(contentsOf: "# TYPE ".utf8)
        out.append(contentsOf: familyName.utf8)
        out.append(UInt8(ascii: " "))
        out.append(contentsOf: (family.type == .untyped ? "unknown" : family.type.rawValue).utf8)
        out.append(UInt8(ascii: "\n"))
        if !family.help.isEmpty {
            out.append(contentsOf: "# HELP ".utf8)
            out.append(contentsOf: familyName.utf8)
            out.append(UInt8(ascii: " "))
            appendEscaped(family.help, quotes: true, to: &out)
            out.append(UInt8(ascii: "\n"))
        }
        for sample in family.samples {
            if family.type == .counter {
                writeSample(name: familyName, suffix: "_total", sample, to: &out)
            } else {
                writeSample(name: sample.name, suffix: "", sample, to: &out)
            }
        }
    }

    static func writeSample(name: String, suffix: String, _ sample: ExposedSample, to out: inout [UInt8]) {
        out.append(contentsOf: name.utf8)
        out.append(contentsOf: suffix.utf8)
        if !sample.labels.isEmpty {
            out.append(UInt8(ascii: "{"))
            var first = true
            for label in sample.labels {
                if !first { out.append(UInt8(ascii: ",")) }
                first = false
                out.append(contentsOf: label.name.utf8)
                out.append(contentsOf: "=\"".utf8)
                appendEscaped(label.value, quotes: true, to: &out)
                out.append(UInt8(ascii: "\""))
            }
            out.append(UInt8(ascii: "}"))
        }
        out.append(UInt8(ascii: " "))
        GoFloat.append(sample.value, to: &out)
        out.append(UInt8(ascii: "\n"))
    }

    /// Escapes `\` and newline, and `"` inside label values (text format 0.0.4 rules).
    static func appendEscaped(_ s: String, quotes: Bool, to out: inout [UInt8]) {
        // Nearly every value needs no escaping: copy it in one go.
        let plain = s.utf8.withContiguousStorageIfAvailable { bytes -> Bool in
            guard !bytes.contains(where: { $0 == UInt8(ascii: "\\") || $0 == UInt8(ascii: "\n") || (quotes && $0 == UInt8(ascii: "\"")) }) else { return false }
            out.append(contentsOf: bytes)
            return true
        }
        if plain == true { return }
        for b in s.utf8 {
            switch b {
            case UInt8(ascii: "\\"): out.append(contentsOf: [UInt8(ascii: "\\"), UInt8(ascii: "\\")])
            case UInt8(ascii: "\n"): out.append(contentsOf: [UInt8(ascii: "\\"), UInt8(ascii: "n")])
            case UInt8(ascii: "\"") where quotes: out.append(contentsOf: [UInt8(ascii: "\\"), UInt8(ascii: "\"")])
            default: out.append(b)
            }
        }
    }
}
