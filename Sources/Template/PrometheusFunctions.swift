import Foundation
import Model

/// One element of a `query` result, as the host's query function returns it.
public struct QueryResultSample: Sendable, Equatable {
    public var labels: Labels
    public var value: Double

    public init(labels: Labels, value: Double) {
        self.labels = labels
        self.value = value
    }

    /// The `*template.sample` templates see: `.Labels` (a string map) and `.Value`.
    var templateValue: TemplateValue {
        .object(
            TemplateStruct(
                typeName: "*template.sample",
                fields: [.init("Labels", .stringMap(labels)), .init("Value", .float(value))],
                isPointer: true))
    }
}

/// Runs a PromQL instant query for the `query` template function; the host binds the
/// evaluation time. Errors surface as `error calling query: ...`.
public typealias TemplateQueryFunction = @Sendable (String) throws -> [QueryResultSample]

extension TemplateFunctions {
    /// Prometheus's template functions (prometheus/template/template.go): `query`,
    /// `first`, `label`, `value`, `strvalue`, `sortByLabel`, `args`, `humanize*`,
    /// `toTime`, `title`, `toUpper`, `toLower`, `trimSpace`, `match`, `reReplaceAll`,
    /// `graphLink`, `tableLink`, `safeHtml`, `stripPort`, `stripDomain`, `pathPrefix`,
    /// `externalURL` and `parseDuration`.
    ///
    /// - Parameters:
    ///   - query: runs `query`; nil makes every `query` call fail.
    ///   - externalURL: Prometheus's --web.external-url, for `externalURL` and `pathPrefix`.
    public static func prometheus(query: TemplateQueryFunction? = nil, externalURL: String = "") -> TemplateFunctions {
        var f = TemplateFunctions()
        let sample = TemplateParameterType.named("*template.sample")
        let result = TemplateParameterType.named("template.queryResult")
        f["query"] = TemplateFunction([.string]) { args in
            guard let query else { throw TemplateFunctionError("no query engine available") }
            let samples: [QueryResultSample]
            do {
                samples = try query(args[0].printed)
            } catch let e as TemplateFunctionError {
                throw e
            } catch {
                throw TemplateFunctionError("\(error)")
            }
            return .list(TemplateList(samples.map(\.templateValue), kind: .queryResult))
        }
        f["first"] = TemplateFunction([result]) { args in
            guard case .list(let l) = args[0], let first = l.elements.first else {
                throw TemplateFunctionError("first() called on vector with no elements")
            }
            return first
        }
        f["label"] = TemplateFunction([.string, sample]) { args in sampleLabel(args[1], args[0].printed) }
        f["value"] = TemplateFunction([sample]) { args in sampleField(args[0], "Value") }
        f["strvalue"] = TemplateFunction([sample]) { args in sampleLabel(args[0], "__value__") }
        f["args"] = TemplateFunction([], variadic: .any) { args in
            .map(TemplateMap(args.enumerated().map { ("arg\($0.offset)", $0.element) }, kind: .any))
        }
        f["reReplaceAll"] = reReplaceAll
        f["safeHtml"] = TemplateFunction([.string]) { $0[0] }
        f["match"] = match
        f["title"] = TemplateFunction([.string]) { .string(GoStrings.title($0[0].printed, keepRest: true)) }
        f["toUpper"] = TemplateFunction([.string]) { .string(GoStrings.toUpper($0[0].printed)) }
        f["toLower"] = TemplateFunction([.string]) { .string(GoStrings.toLower($0[0].printed)) }
        f["trimSpace"] = TemplateFunction([.string]) { .string(GoStrings.trimSpace($0[0].printed)) }
        f["graphLink"] = TemplateFunction([.string]) { .string("/graph?g0.expr=\(Builtins.queryEscape($0[0].printed))&g0.tab=0") }
        f["tableLink"] = TemplateFunction([.string]) { .string("/graph?g0.expr=\(Builtins.queryEscape($0[0].printed))&g0.tab=1") }
        f["sortByLabel"] = TemplateFunction([.string, result]) { args in
            guard case .list(var l) = args[1] else { return args[1] }
            let name = args[0].printed
            // Stable: ties keep their order, as sort.Stable does.
            l.elements = l.elements.enumerated().sorted { a, b in
                let x = sampleLabel(a.element, name).printed, y = sampleLabel(b.element, name).printed
                return x != y ? x.utf8.lexicographicallyPrecedes(y.utf8) : a.offset < b.offset
            }.map(\.element)
            return .list(l)
        }
        f["stripPort"] = TemplateFunction([.string]) { args in
            let s = args[0].printed
            return .string(GoStrings.splitHostPort(s)?.host ?? s)
        }
        f["stripDomain"] = TemplateFunction([.string]) { .string(stripDomain($0[0].printed)) }
        f["humanize"] = TemplateFunction([.any]) { .string(Humanize.metric(try convertToFloat($0[0]))) }
        f["humanize1024"] = TemplateFunction([.any]) { .string(Humanize.binary(try convertToFloat($0[0]))) }
        f["humanizeDuration"] = humanizeDuration
        f["humanizePercentage"] = TemplateFunction([.any]) { .string(Humanize.g4(try convertToFloat($0[0]) * 100) + "%") }
        f["humanizeTimestamp"] = TemplateFunction([.any]) { args in
            let v = try convertToFloat(args[0])
            if v.isNaN || v.isInfinite { return .string(Humanize.g4(v)) }
            return .string(try floatToTime(v).description)
        }
        f["toTime"] = TemplateFunction([.any]) { args in
            let v = try convertToFloat(args[0])
            if v.isNaN || v.isInfinite { throw TemplateFunctionError("value is NaN or Inf") }
            return .time(try floatToTime(v))
        }
        let (urlString, path) = parseExternalURL(externalURL)
        f["pathPrefix"] = TemplateFunction([]) { _ in .string(path) }
        f["externalURL"] = TemplateFunction([]) { _ in .string(urlString) }
        f["parseDuration"] = TemplateFunction([.string]) { args in
            let text = args[0].printed
            if text.isEmpty { throw TemplateFunctionError("empty duration string") }
            guard let d = PromDuration(text) else { throw TemplateFunctionError("not a valid duration string: \(goQuote(text))") }
            return .float(Double(d.milliseconds) * 1e6 / 1e9)
        }
        return f
    }

    // MARK: Shared with the Alertmanager set

    static let reReplaceAll = TemplateFunction([.string, .string, .string]) { args in
        let pattern = args[0].printed
        let regex: GoRegex
        do throws(TemplateFunctionError) {
            regex = try GoRegex.compile(pattern)
        } catch {
            // Go's MustCompile panics; the template engine reports the panic text.
            throw TemplateFunctionError("regexp: Compile(\(goRegexQuote(pattern))): \(error.message)")
        }
        return .string(regex.replaceAll(args[2].printed, with: args[1].printed))
    }

    static let match = TemplateFunction([.string, .string]) { args in
        .bool(try GoRegex.compile(args[0].printed).matches(args[1].printed))
    }

    static let humanizeDuration = TemplateFunction([.any]) { .string(Humanize.duration(try convertToFloat($0[0]))) }
}

// MARK: Helpers

private func sampleField(_ sample: TemplateValue, _ name: String) -> TemplateValue {
    guard case .object(let s) = sample else { return .null }
    return s.field(name) ?? .null
}

private func sampleLabel(_ sample: TemplateValue, _ name: String) -> TemplateValue {
    guard case .map(let m) = sampleField(sample, "Labels") else { return .string("") }
    return m[name] ?? .string("")
}

private func stripDomain(_ hostPort: String) -> String {
    var host = hostPort
    var port = ""
    if let split = GoStrings.splitHostPort(hostPort) { (host, port) = split }
    if GoStrings.isIP(host) { return hostPort }
    host = String(host.split(separator: ".", maxSplits: 1, omittingEmptySubsequences: false).first ?? "")
    return port.isEmpty ? host : GoStrings.joinHostPort(host, port)
}

/// Splits an external URL into Go's url.URL String() form and its path.
private func parseExternalURL(_ text: String) -> (String, String) {
    guard !text.isEmpty, let components = URLComponents(string: text) else { return (text, "") }
    return (text, components.path)
}

/// prometheus/common's ConvertToFloat: floats, ints, durations (as seconds) and numeric strings.
func convertToFloat(_ v: TemplateValue) throws(TemplateFunctionError) -> Double {
    switch v {
    case .float(let f): return f
    case .int(let i): return Double(i)
    case .duration(let d): return d.seconds
    case .string(let s): return try GoStrings.parseFloat(s)
    case .null: throw TemplateFunctionError("can't convert <nil> to float")
    default: throw TemplateFunctionError("can't convert \(v.goTypeName) to float")
    }
}

/// Prometheus's floatToTime: seconds to a UTC time with millisecond precision.
private func floatToTime(_ v: Double) throws(TemplateFunctionError) -> TemplateTime {
    let timestamp = v * 1e9
    if timestamp > Double(Int64.max) || timestamp < Double(Int64.min) {
        throw TemplateFunctionError("\(GoFormatter.formatGoFloat(v, format: "g", precision: -1)) cannot be represented as a nanoseconds timestamp since it overflows int64")
    }
    // model.TimeFromUnixNano truncates to milliseconds.
    let ms = Int64(timestamp) / 1_000_000
    return TemplateTime(milliseconds: ms)
}

/// The humanize family's number formats.
enum Humanize {
    /// fmt.Sprintf("%.4g", v)
    static func g4(_ v: Double) -> String {
        var out = ""
        var flags = FormatFlags()
        flags.precision = 4
        GoFormatter.appendValue(.float(v), verb: "g", flags: flags, to: &out, depth: 0)
        return out
    }

    static func metric(_ value: Double) -> String {
        var v = value
        if v == 0 || v.isNaN || v.isInfinite { return g4(v) }
        if abs(v) >= 1 {
            var prefix = ""
            for p in ["k", "M", "G", "T", "P", "E", "Z", "Y"] {
                if abs(v) < 1000 { break }
                prefix = p
                v /= 1000
            }
            return g4(v) + prefix
        }
        var prefix = ""
        for p in ["m", "u", "n", "p", "f", "a", "z", "y"] {
            if abs(v) >= 1 { break }
            prefix = p
            v *= 1000
        }
        return g4(v) + prefix
    }

    static func binary(_ value: Double) -> String {
        var v = value
        if abs(v) <= 1 || v.isNaN || v.isInfinite { return g4(v) }
        var prefix = ""
        for p in ["ki", "Mi", "Gi", "Ti", "Pi", "Ei", "Zi", "Yi"] {
            if abs(v) < 1024 { break }
            prefix = p
            v /= 1024
        }
        return g4(v) + prefix
    }

    /// prometheus/common's HumanizeDuration: `1d 2h 3m 4s`, `1.234s`, `12.3ms`.
    static func duration(_ value: Double) -> String {
        var v = value
        if v.isNaN || v.isInfinite { return g4(v) }
        if v == 0 { return g4(v) + "s" }
        if abs(v) >= 1 {
            var sign = ""
            if v < 0 {
                sign = "-"
                v = -v
            }
            let total = v >= 9.2e18 ? Int64.max : Int64(v)
            let seconds = total % 60
            let minutes = (total / 60) % 60
            let hours = (total / 60 / 60) % 24
            let days = total / 60 / 60 / 24
            if days != 0 { return "\(sign)\(days)d \(hours)h \(minutes)m \(seconds)s" }
            if hours != 0 { return "\(sign)\(hours)h \(minutes)m \(seconds)s" }
            if minutes != 0 { return "\(sign)\(minutes)m \(seconds)s" }
            return "\(sign)\(g4(v))s"
        }
        var prefix = ""
        for p in ["m", "u", "n", "p", "f", "a", "z", "y"] {
            if abs(v) >= 1 { break }
            prefix = p
            v *= 1000
        }
        return "\(g4(v))\(prefix)s"
    }
}

/// The data Prometheus passes to alerting-rule label and annotation templates.
public struct PrometheusTemplateData: Sendable {
    public var labels: Labels
    public var externalLabels: Labels
    public var externalURL: String
    public var value: Double

    public init(labels: Labels, externalLabels: Labels = .empty, externalURL: String = "", value: Double) {
        self.labels = labels
        self.externalLabels = externalLabels
        self.externalURL = externalURL
        self.value = value
    }

    /// The definitions Prometheus prepends to every alert template, so `$labels`,
    /// `$externalLabels`, `$externalURL` and `$value` are in scope.
    public static let variableDefinitions =
        "{{$labels := .Labels}}{{$externalLabels := .ExternalLabels}}{{$externalURL := .ExternalURL}}{{$value := .Value}}"

    /// Dot for the template: `.Labels`, `.ExternalLabels`, `.ExternalURL`, `.Value`.
    public var templateValue: TemplateValue {
        .object(
            TemplateStruct(
                typeName: "struct { Labels map[string]string; ExternalLabels map[string]string; ExternalURL string; Value interface {} }",
                fields: [
                    .init("Labels", .stringMap(labels)),
                    .init("ExternalLabels", .stringMap(externalLabels)),
                    .init("ExternalURL", .string(externalURL)),
                    .init("Value", .float(value)),
                ]))
    }

    /// Expands one label or annotation template of alerting rule `ruleName` the way
    /// Prometheus does: variable definitions prepended, template named `__alert_<rule>`.
    public func expand(_ text: String, ruleName: String, functions: TemplateFunctions, options: TemplateOptions = TemplateOptions()) throws(PrometheusExpansionError) -> String {
        try Self.expand(name: "__alert_" + ruleName, text: Self.variableDefinitions + text, data: templateValue, functions: functions, options: options)
    }

    /// Prometheus's Expander.Expand: parses and executes `text` as template `name`,
    /// wrapping failures as `error parsing template NAME: ...` / `error executing template NAME: ...`.
    public static func expand(
        name: String, text: String, data: TemplateValue, functions: TemplateFunctions, options: TemplateOptions = TemplateOptions()
    ) throws(PrometheusExpansionError) -> String {
        let template: Template
        do {
            template = try Template.parse(name: name, text: text, functions: functions, options: options)
        } catch {
            throw PrometheusExpansionError(underlying: error, message: "error parsing template \(name): \(error.message)")
        }
        do {
            return try template.execute(data: data)
        } catch {
            throw PrometheusExpansionError(underlying: error, message: "error executing template \(name): \(error.message)")
        }
    }

    /// `expand`, but on failure the text Prometheus puts in the label or annotation:
    /// `<error expanding template: ...>`.
    public func expandOrError(_ text: String, ruleName: String, functions: TemplateFunctions, options: TemplateOptions = TemplateOptions()) -> String {
        do {
            return try expand(text, ruleName: ruleName, functions: functions, options: options)
        } catch {
            return "<error expanding template: \(error.message)>"
        }
    }
}

/// A failed Prometheus template expansion, with Prometheus's wording in `message`.
public struct PrometheusExpansionError: Error, Sendable, CustomStringConvertible {
    public let underlying: TemplateError
    public let message: String
    public var description: String { message }
}
