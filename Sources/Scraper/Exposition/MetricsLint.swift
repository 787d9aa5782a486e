import Model

/// promtool's metric linter (client_golang's promlint): naming and metadata
/// conventions, reported with promtool's wording, sorted by metric and text.
enum MetricsLint {
    static func problems(_ families: [LintFamily]) -> [ExpositionProblem] {
        var problems: [ExpositionProblem] = []
        for family in families {
            for text in lint(family) {
                problems.append(ExpositionProblem(kind: .lint, line: family.line, metric: family.name, text: text))
            }
        }
        // Stable, like promlint's sort.SliceStable.
        return problems.enumerated().sorted { a, b in
            let (x, y) = (a.element, b.element)
            if x.metric != y.metric { return (x.metric ?? "") < (y.metric ?? "") }
            if x.text != y.text { return x.text < y.text }
            return a.offset < b.offset
        }.map(\.element)
    }

    static func lint(_ family: LintFamily) -> [String] {
        var out: [String] = []
        let name = family.name
        let type = family.type ?? .unknown
        let untyped = type == .unknown
        if !family.hasHelp { out.append("no help text") }

        if let (unit, base) = unit(in: name), unit != base {
            out.append("use base unit \"\(base)\" instead of \"\(unit)\"")
        }

        let hasTotal = name.hasSuffix("_total")
        if type == .counter && !hasTotal {
            out.append("counter metrics should have \"_total\" suffix")
        } else if !untyped && type != .counter && hasTotal {
            out.append("non-counter metrics should not have \"_total\" suffix")
        }

        if !untyped {
            let histogram = type == .histogram
            let summary = type == .summary
            if !histogram && name.hasSuffix("_bucket") {
                out.append("non-histogram metrics should not have \"_bucket\" suffix")
            }
            if !histogram && !summary && name.hasSuffix("_count") {
                out.append("non-histogram and non-summary metrics should not have \"_count\" suffix")
            }
            if !histogram && !summary && name.hasSuffix("_sum") {
                out.append("non-histogram and non-summary metrics should not have \"_sum\" suffix")
            }
            for labels in family.sampleLabelNames {
                for label in labels {
                    if !histogram && label == LabelName.bucket { out.append("non-histogram metrics should not have \"le\" label") }
                    if !summary && label == LabelName.quantile { out.append("non-summary metrics should not have \"quantile\" label") }
                }
            }
        }

        let lower = name.lowercased()
        for typeName in ["counter", "gauge", "summary", "histogram", "gauge_histogram"] where contains(lower, word: typeName) {
            out.append("metric name should not include type '\(typeName)'")
        }
        if name.contains(":") { out.append("metric names should not contain ':'") }
        if isCamelCase(name) { out.append("metric names should be written in 'snake_case' not 'camelCase'") }
        for labels in family.sampleLabelNames {
            for label in labels where isCamelCase(label) {
                out.append("label names should be written in 'snake_case' not 'camelCase'")
            }
        }
        for abbreviation in unitAbbreviations where contains(lower, word: abbreviation) {
            out.append("metric names should not contain abbreviated units")
        }
        return out
    }

    /// `_word_` inside the name or `_word` at its end.
    private static func contains(_ name: String, word: String) -> Bool {
        name.contains("_" + word + "_") || name.hasSuffix("_" + word)
    }

    /// promlint's `[a-z][A-Z]`.
    static func isCamelCase(_ s: String) -> Bool {
        var previousLower = false
        for b in s.utf8 {
            if previousLower && b >= UInt8(ascii: "A") && b <= UInt8(ascii: "Z") { return true }
            previousLower = b >= UInt8(ascii: "a") && b <= UInt8(ascii: "z")
        }
        return false
    }

    /// The first `_`-separated part of `name` that is a known unit (with an SI or
    /// binary prefix), and its base unit.
    static func unit(in name: String) -> (unit: String, base: String)? {
        for part in name.split(separator: "_", omittingEmptySubsequences: false) {
            let part = String(part)
            if let base = units[part] { return (part, base) }
            for prefix in unitPrefixes where part.hasPrefix(prefix) {
                if let base = units[String(part.dropFirst(prefix.count))] { return (part, base) }
            }
        }
        return nil
    }

    static let units: [String: String] = [
        "amperes": "amperes", "bytes": "bytes", "celsius": "celsius", "grams": "grams", "joules": "joules",
        "kelvin": "kelvin", "meters": "meters", "metres": "metres", "seconds": "seconds", "volts": "volts",
        "minutes": "seconds", "hours": "seconds", "days": "seconds", "weeks": "seconds",
        "kelvins": "kelvin", "fahrenheit": "celsius", "rankine": "celsius",
        "inches": "meters", "yards": "meters", "miles": "meters",
        "bits": "bytes", "calories": "joules", "pounds": "grams", "ounces": "grams",
    ]

    static let unitPrefixes = [
        "pico", "nano", "micro", "milli", "centi", "deci", "deca", "hecto", "kilo", "kibi",
        "mega", "mibi", "giga", "gibi", "tera", "tebi", "peta", "pebi",
    ]

    static let unitAbbreviations = ["s", "ms", "us", "ns", "sec", "b", "kb", "mb", "gb", "tb", "pb", "m", "h", "d"]
}
