import Config
import Foundation
import Model
import Yams

/// Reads and validates a checks file (YAML, or JSON, which is YAML too).
///
/// Every problem is reported as `file:line:column: field.path: message`, and all
/// checks are validated before giving up, so `ember check checks FILE` lists every
/// mistake at once.
public enum ChecksFile {
    /// Loads and validates `path`. Throws `ConfigErrors`.
    public static func load(_ path: String) throws -> ChecksConfig {
        do {
            guard let root = try YAMLNode.load(file: path) else { return ChecksConfig() }
            return try decode(root)
        } catch let e as ConfigError {
            throw ConfigErrors([e])
        }
    }

    /// Validates checks-file text; `file` names it in errors. Throws `ConfigErrors`.
    public static func parse(_ text: String, file: String) throws -> ChecksConfig {
        do {
            guard let root = try YAMLNode.parse(text, file: file) else { return ChecksConfig() }
            return try decode(root)
        } catch let e as ConfigError {
            throw ConfigErrors([e])
        }
    }

    static func decode(_ root: YAMLNode) throws -> ChecksConfig {
        let top = try root.mapping(allowedKeys: ["defaults", "checks"])
        var defaults = Defaults()
        if let d = top["defaults"] { defaults = try Defaults(d) }
        var errors: [ConfigError] = []
        var checks: [CheckConfig] = []
        var names: [String: YAMLNode] = [:]
        for node in try top["checks"]?.sequence() ?? [] {
            do {
                let check = try CheckDecoder(node: node, defaults: defaults).decode()
                if let first = names[check.name] {
                    let nameNode = (try? node.entries())?.first(where: { $0.key == "name" })?.value ?? node
                    throw nameNode.error("duplicate check name \(quoteLabelValue(check.name)) (first defined at line \(first.line))")
                }
                names[check.name] = node
                checks.append(check)
            } catch let e as ConfigError {
                errors.append(e)
            }
        }
        if !errors.isEmpty { throw ConfigErrors(errors) }
        return ChecksConfig(checks: checks)
    }

    struct Defaults {
        var interval = PromDuration.zero
        var timeout = PromDuration(seconds: 5)
        var labels: [LabelPair] = []

        init() {}

        init(_ node: YAMLNode) throws {
            let m = try node.mapping(allowedKeys: ["interval", "timeout", "labels"])
            if let v = m["interval"] { interval = try v.duration() }
            if let v = m["timeout"] {
                timeout = try v.duration()
                if timeout == .zero { throw v.error("timeout must be greater than 0") }
            }
            if let v = m["labels"] { labels = try CheckDecoder.labels(v, reserved: []) }
        }
    }
}

/// Decodes one entry of `checks`.
struct CheckDecoder {
    let node: YAMLNode
    let defaults: ChecksFile.Defaults

    static let commonKeys = ["name", "type", "labels", "interval", "timeout"]
    static let typeKeys: [String: [String]] = [
        "port": ["port", "protocol", "address"],
        "service": ["unit", "expect_state"],
        "process": ["comm", "exe", "cmdline", "min_count", "max_count"],
        "tcp": ["address", "send", "expect"],
        "http": ["url", "method", "headers", "body", "valid_status_codes", "fail_if_body_matches_regexp",
                 "fail_if_body_not_matches_regexp", "follow_redirects", "max_body_bytes", "tls_config"],
        "command": ["command", "shell", "env", "max_output_bytes", "success_exit_codes", "metrics"],
        "file": ["path", "max_age", "min_size"],
    ]

    /// Label names each check type sets itself, which configured labels may not reuse.
    static let reservedLabels: [String: [String]] = [
        "port": ["protocol", "port", "address", "pid", "process"],
        "service": ["name", "state", "type", "sub_state"],
        "process": ["groupname", "mode", "memtype", "state"],
        "tcp": [],
        "http": ["phase", "version"],
        "command": [],
        "file": ["path"],
    ]

    func decode() throws -> CheckConfig {
        // Find `type` first, then check the keys strictly against that type, so a
        // misplaced field is reported as not valid for this kind of check.
        guard case .mapping = node.node else { throw node.error("expected a mapping, got \(describe(node))") }
        guard let typeNode = try node.entries().first(where: { $0.key == "type" })?.value else {
            throw ConfigError(file: node.file, line: node.line, column: node.column,
                              path: node.path.isEmpty ? "type" : node.path + ".type", message: "missing required field")
        }
        let type = try typeNode.string()
        guard let specific = Self.typeKeys[type] else {
            throw typeNode.error("unknown check type \(quoteLabelValue(type)) (want one of \(Self.typeKeys.keys.sorted().joined(separator: ", ")))")
        }
        let m: YAMLMapping
        do {
            m = try node.mapping(allowedKeys: Self.commonKeys + specific)
        } catch let e as ConfigError where e.message.hasPrefix("field ") {
            let field = e.path.split(separator: ".").last.map(String.init) ?? e.path
            throw ConfigError(file: e.file, line: e.line, column: e.column, path: e.path,
                              message: "field \(field) is not valid for a \(type) check")
        }
        let nameNode = try m.required("name")
        let name = try nameNode.string()
        if name.isEmpty { throw nameNode.error("check name must not be empty") }
        if name.unicodeScalars.contains(where: { $0.value < 0x20 }) { throw nameNode.error("check name must not contain control characters") }

        var labels = defaults.labels
        if let v = m["labels"] {
            for pair in try Self.labels(v, reserved: Self.reservedLabels[type] ?? []) {
                labels.removeAll { $0.name == pair.name }
                labels.append(pair)
            }
        }
        var interval = defaults.interval
        if let v = m["interval"] { interval = try v.duration() }
        var timeout = defaults.timeout
        if let v = m["timeout"] {
            timeout = try v.duration()
            if timeout == .zero { throw v.error("timeout must be greater than 0") }
        }
        let kind: CheckKind
        switch type {
        case "port": kind = .port(try port(m))
        case "service": kind = .service(try service(m))
        case "process": kind = .process(try process(m))
        case "tcp": kind = .tcp(try tcp(m))
        case "http": kind = .http(try http(m))
        case "command": kind = .command(try command(m))
        default: kind = .file(try file(m))
        }
        return CheckConfig(name: name, labels: labels, interval: interval, timeout: timeout, kind: kind)
    }

    static func labels(_ node: YAMLNode, reserved: [String]) throws -> [LabelPair] {
        var out: [LabelPair] = []
        for (key, value) in try node.entries() {
            guard isValidLegacyLabelName(key), !key.hasPrefix("__") else {
                throw value.error("invalid label name \(quoteLabelValue(key))")
            }
            if key == "check" || key == "reason" || reserved.contains(key) {
                throw value.error("label \(quoteLabelValue(key)) is set by the check itself and cannot be configured")
            }
            out.append(LabelPair(key, try value.string()))
        }
        return out
    }

    // MARK: Types

    func port(_ m: YAMLMapping) throws -> PortCheckConfig {
        let portNode = try m.required("port")
        let port = try portNode.int()
        guard (1 ... 65535).contains(port) else { throw portNode.error("port must be between 1 and 65535, got \(port)") }
        var proto = SocketProtocol.tcp
        if let v = m["protocol"] {
            let text = try v.string()
            guard let p = SocketProtocol(rawValue: text) else { throw v.error("protocol must be tcp or udp, got \(quoteLabelValue(text))") }
            proto = p
        }
        var address: String?
        if let v = m["address"] {
            let text = try v.string()
            guard IPAddress.parse(text) != nil else { throw v.error("address must be an IPv4 or IPv6 address, got \(quoteLabelValue(text))") }
            address = text
        }
        return PortCheckConfig(port: port, proto: proto, address: address)
    }

    func service(_ m: YAMLMapping) throws -> ServiceCheckConfig {
        let unitNode = try m.required("unit")
        let unit = try unitNode.string()
        guard !unit.isEmpty, !unit.hasPrefix("-"), !unit.contains("/"), !unit.unicodeScalars.contains(where: { $0.value <= 0x20 }) else {
            throw unitNode.error("invalid unit name \(quoteLabelValue(unit))")
        }
        var expected = "active"
        if let v = m["expect_state"] {
            expected = try v.string()
            guard ServiceCheck.activeStates.contains(expected) else {
                throw v.error("expect_state must be one of \(ServiceCheck.activeStates.joined(separator: ", ")), got \(quoteLabelValue(expected))")
            }
        }
        return ServiceCheckConfig(unit: unit, expectedState: expected)
    }

    func process(_ m: YAMLMapping) throws -> ProcessCheckConfig {
        let comm = try m["comm"].map(stringOrList) ?? []
        let exe = try m["exe"].map(stringOrList) ?? []
        let cmdline = try m["cmdline"].map(stringOrList) ?? []
        if comm.isEmpty, exe.isEmpty, cmdline.isEmpty {
            throw m.owner.error("a process check needs at least one of comm, exe or cmdline")
        }
        if let node = m["cmdline"] {
            for (i, pattern) in cmdline.enumerated() {
                do { _ = try SearchRegex(pattern) } catch {
                    let at = (try? node.sequence())?[safe: i] ?? node
                    throw at.error("invalid regular expression \(quoteLabelValue(pattern))")
                }
            }
        }
        var minCount = 1
        if let v = m["min_count"] {
            minCount = try v.int()
            if minCount < 0 { throw v.error("min_count must not be negative") }
        }
        var maxCount: Int?
        if let v = m["max_count"] {
            let n = try v.int()
            if n < minCount { throw v.error("max_count (\(n)) must not be below min_count (\(minCount))") }
            maxCount = n
        }
        return ProcessCheckConfig(comm: comm, exe: exe, cmdline: cmdline, minCount: minCount, maxCount: maxCount)
    }

    func tcp(_ m: YAMLMapping) throws -> TCPProbeConfig {
        let addressNode = try m.required("address")
        let address = try addressNode.string()
        guard HostPort.parse(address) != nil else { throw addressNode.error("address must be host:port, got \(quoteLabelValue(address))") }
        var expect: String?
        if let v = m["expect"] {
            let pattern = try v.string()
            do { _ = try SearchRegex(pattern) } catch { throw v.error("invalid regular expression \(quoteLabelValue(pattern))") }
            expect = pattern
        }
        return TCPProbeConfig(address: address, send: try m["send"]?.string(), expect: expect)
    }

    func http(_ m: YAMLMapping) throws -> HTTPProbeConfig {
        let urlNode = try m.required("url")
        let url = try urlNode.string()
        do { _ = try HTTPURL(url) } catch { throw urlNode.error(error.description) }
        var config = HTTPProbeConfig(url: url)
        if let v = m["method"] {
            config.method = try v.string().uppercased()
            guard !config.method.isEmpty, config.method.utf8.allSatisfy({ $0 >= 65 && $0 <= 90 }) else { throw v.error("invalid HTTP method") }
        }
        if let v = m["headers"] {
            for (k, value) in try v.entries() {
                let text = try value.string()
                guard !k.isEmpty, !k.contains(":"), !(k + text).contains(where: { $0 == "\r" || $0 == "\n" }) else {
                    throw value.error("invalid header \(quoteLabelValue(k))")
                }
                config.headers.append((k, text))
            }
        }
        config.body = try m["body"]?.string()
        if let v = m["valid_status_codes"] {
            for code in try v.sequence() {
                let n = try code.int()
                guard (100 ... 599).contains(n) else { throw code.error("status code must be between 100 and 599, got \(n)") }
                config.validStatusCodes.append(n)
            }
        }
        for (key, keyPath) in [("fail_if_body_matches_regexp", \HTTPProbeConfig.failIfBodyMatches),
                               ("fail_if_body_not_matches_regexp", \HTTPProbeConfig.failIfBodyNotMatches)] {
            guard let v = m[key] else { continue }
            for item in try v.sequence() {
                let pattern = try item.string()
                do { _ = try SearchRegex(pattern) } catch { throw item.error("invalid regular expression \(quoteLabelValue(pattern))") }
                config[keyPath: keyPath].append(pattern)
            }
        }
        if let v = m["follow_redirects"] { config.followRedirects = try v.bool() }
        if let v = m["max_body_bytes"] {
            config.maxBodyBytes = try v.int()
            if config.maxBodyBytes <= 0 { throw v.error("max_body_bytes must be positive") }
        }
        if let v = m["tls_config"] { config.tls = try tlsConfig(v) }
        return config
    }

    func tlsConfig(_ node: YAMLNode) throws -> ProbeTLSConfig {
        let m = try node.mapping(allowedKeys: ["ca_file", "cert_file", "key_file", "server_name", "insecure_skip_verify", "min_version"])
        var tls = ProbeTLSConfig()
        for (key, keyPath) in [("ca_file", \ProbeTLSConfig.caFile), ("cert_file", \ProbeTLSConfig.certFile), ("key_file", \ProbeTLSConfig.keyFile)] {
            guard let v = m[key] else { continue }
            let path = try v.string()
            guard !path.isEmpty else { throw v.error("\(key) must not be empty") }
            tls[keyPath: keyPath] = path
        }
        if (tls.certFile == nil) != (tls.keyFile == nil) {
            throw node.error("cert_file and key_file must be given together")
        }
        if let v = m["server_name"] { tls.serverName = try v.string() }
        if let v = m["insecure_skip_verify"] { tls.insecureSkipVerify = try v.bool() }
        if let v = m["min_version"] {
            let text = try v.string()
            guard ProbeTLSConfig.versions.contains(text) else {
                throw v.error("min_version must be one of \(ProbeTLSConfig.versions.joined(separator: ", ")), got \(quoteLabelValue(text))")
            }
            tls.minVersion = text
        }
        return tls
    }

    func command(_ m: YAMLMapping) throws -> CommandCheckConfig {
        let shell = try m["shell"]?.bool() ?? false
        let commandNode = try m.required("command")
        var argv: [String]
        if case .sequence = commandNode.node {
            argv = try commandNode.stringList()
            if shell {
                guard argv.count == 1 else { throw commandNode.error("with shell: true, command is one script string") }
            }
        } else {
            guard shell else {
                throw commandNode.error("command must be a list of arguments (e.g. [\"df\", \"-P\"]); a string is only run with shell: true")
            }
            argv = [try commandNode.string()]
        }
        if argv.isEmpty || argv[0].isEmpty { throw commandNode.error("command must not be empty") }
        if argv.contains(where: { $0.utf8.contains(0) }) { throw commandNode.error("command must not contain NUL bytes") }
        var config = CommandCheckConfig(command: argv, shell: shell)
        if let v = m["env"] {
            for (k, value) in try v.entries() {
                guard !k.isEmpty, !k.contains("=") else { throw value.error("invalid environment variable name \(quoteLabelValue(k))") }
                config.environment[k] = try value.string()
            }
        }
        if let v = m["max_output_bytes"] {
            config.maxOutputBytes = try v.int()
            guard config.maxOutputBytes > 0, config.maxOutputBytes <= 64 << 20 else { throw v.error("max_output_bytes must be between 1 and 67108864") }
        }
        if let v = m["success_exit_codes"] {
            config.successExitCodes = try v.sequence().map { n in
                let code = try n.int()
                guard (0 ... 255).contains(code) else { throw n.error("exit codes are between 0 and 255, got \(code)") }
                return Int32(code)
            }
        }
        if let v = m["metrics"] {
            var seen: [String: MetricType] = [:]
            for item in try v.sequence() {
                let metric = try commandMetric(item)
                if let t = seen[metric.name], t != metric.type { throw item.error("metric \(metric.name) declared with two types") }
                seen[metric.name] = metric.type
                config.metrics.append(metric)
            }
        }
        return config
    }

    func commandMetric(_ node: YAMLNode) throws -> CommandMetricConfig {
        let m = try node.mapping(allowedKeys: ["name", "help", "type", "labels", "value", "regex", "json_path"])
        let nameNode = try m.required("name")
        let name = try nameNode.string()
        guard isValidLegacyMetricName(name) else { throw nameNode.error("invalid metric name \(quoteLabelValue(name))") }
        guard !name.hasPrefix("ember_check_") else { throw nameNode.error("metric names starting with ember_check_ are reserved") }
        var type = MetricType.gauge
        if let v = m["type"] {
            let text = try v.string()
            guard text == "gauge" || text == "counter" else { throw v.error("type must be gauge or counter, got \(quoteLabelValue(text))") }
            type = text == "gauge" ? .gauge : .counter
        }
        let sources = ["value", "regex", "json_path"].filter { m.has($0) }
        guard sources.count == 1 else {
            throw node.error("a command metric needs exactly one of value, regex or json_path (got \(sources.isEmpty ? "none" : sources.joined(separator: ", ")))")
        }
        let source: CommandMetricConfig.Source
        var capturedLabels: [String] = []
        switch sources[0] {
        case "value":
            let v = try m.required("value")
            let text = try v.string()
            guard text == "output" else { throw v.error("value must be \"output\" (the whole output is the number), got \(quoteLabelValue(text))") }
            source = .number
        case "regex":
            let v = try m.required("regex")
            let pattern = try v.string()
            let regex: SearchRegex
            do { regex = try SearchRegex(pattern) } catch { throw v.error("invalid regular expression \(quoteLabelValue(pattern))") }
            for group in regex.groupNames where group != "value" {
                guard isValidLegacyLabelName(group), !group.hasPrefix("__"), group != "check" else {
                    throw v.error("capture group \(quoteLabelValue(group)) is not a usable label name")
                }
                capturedLabels.append(group)
            }
            source = .regex(pattern)
        default:
            let v = try m.required("json_path")
            let path = try v.string()
            do { _ = try JSONPath(path) } catch let e as JSONPath.Invalid { throw v.error(e.description) }
            source = .jsonPath(path)
        }
        var labels: [LabelPair] = []
        if let v = m["labels"] {
            labels = try Self.labels(v, reserved: capturedLabels)
        }
        return CommandMetricConfig(name: name, help: try m["help"]?.string() ?? "", type: type, labels: labels, source: source)
    }

    func file(_ m: YAMLMapping) throws -> FileCheckConfig {
        let pathNode = try m.required("path")
        let path = try pathNode.string()
        guard path.hasPrefix("/") else { throw pathNode.error("path must be absolute, got \(quoteLabelValue(path))") }
        var config = FileCheckConfig(path: path)
        if let v = m["max_age"] { config.maxAge = try v.duration() }
        if let v = m["min_size"] {
            let n = try v.int()
            guard n >= 0 else { throw v.error("min_size must not be negative") }
            config.minSize = Int64(n)
        }
        return config
    }

    private func describe(_ node: YAMLNode) -> String {
        switch node.node {
        case .scalar(let s): return "scalar \(quoteLabelValue(s.string))"
        case .sequence: return "a list"
        default: return "an alias"
        }
    }

    private func stringOrList(_ node: YAMLNode) throws -> [String] {
        if case .sequence = node.node { return try node.stringList() }
        return [try node.string()]
    }
}

extension Array {
    subscript(safe i: Int) -> Element? { i >= 0 && i < count ? self[i] : nil }
}
