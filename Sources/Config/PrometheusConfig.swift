import Foundation
import Model

#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

/// Ember's main configuration: a Prometheus `prometheus.yml`.
///
/// Ember reads the file Prometheus reads, with the same defaults and the same
/// validation (errors are located `file:line:column: field.path: message`).
/// Top-level sections, decided one by one:
///
/// - `global`, `scrape_configs`, `rule_files`, `alerting`, `remote_write`:
///   implemented (see the types for the fields of each).
/// - `scrape_config_files`: implemented; each matching file holds a
///   `scrape_configs` list, validated with this file's `global` section.
/// - `notify`: Ember's own inline Alertmanager configuration, kept as YAML for
///   the Notify module. Prometheus itself would reject this key.
/// - `storage`, `tracing`, `remote_read`, `otlp`, `runtime`: accepted so that an
///   existing Prometheus file loads, not validated, and reported as warnings:
///   Ember has its own storage settings and no tracing, remote read or OTLP.
/// - Any other key is an error, as in Prometheus.
///
/// Within sections, Prometheus fields Ember does not act on (OAuth 2, SigV4,
/// native-histogram settings, service discovery other than static and file)
/// are accepted with a warning. Deliberate differences from Prometheus, each
/// an error only in Ember: a scrape or Alertmanager `scheme` other than http
/// or https, and a `remote_write` URL that is not http(s) with a host
/// (Prometheus accepts both and fails at run time); Alertmanager
/// `api_version: v1` is rejected as in Prometheus 3. A YAML `null` for a field
/// means "not set" (Prometheus resets the field to Go's zero value), except in
/// relabel configs where `regex:`, `separator:` and `replacement:` with no
/// value mean the empty string, as upstream's own example relies on.
public struct PrometheusConfig: Sendable, Equatable {
    public var global = GlobalConfig()
    /// Rule file globs, resolved against the configuration file's directory.
    public var ruleFiles: [String] = []
    /// `scrape_config_files` globs, resolved; their jobs are already in `scrapeConfigs`.
    public var scrapeConfigFiles: [String] = []
    /// All jobs, from this file and from `scrape_config_files`, in order.
    public var scrapeConfigs: [ScrapeConfig] = []
    public var alerting = AlertingConfig()
    public var remoteWrite: [RemoteWriteConfig] = []
    /// The `notify` section (Ember's inline Alertmanager configuration), undecoded.
    public var notify: YAMLNode? = nil
    /// Accepted but ignored settings; not part of equality.
    public var warnings: [ConfigWarning] = []

    public init() {}

    public static func == (a: PrometheusConfig, b: PrometheusConfig) -> Bool {
        a.global == b.global && a.ruleFiles == b.ruleFiles && a.scrapeConfigFiles == b.scrapeConfigFiles
            && a.scrapeConfigs == b.scrapeConfigs && a.alerting == b.alerting && a.remoteWrite == b.remoteWrite
            && a.notify == b.notify
    }

    /// The job named `jobName`, if any.
    public func scrapeConfig(named jobName: String) -> ScrapeConfig? {
        scrapeConfigs.first { $0.jobName == jobName }
    }

    /// Rule files matching `ruleFiles`, sorted and without duplicates (the files
    /// the rule manager loads).
    public func expandedRuleFiles() -> [String] {
        var seen = Set<String>()
        return ruleFiles.flatMap { globFiles($0) }.filter { seen.insert($0).inserted }
    }

    static let topLevelKeys = [
        "global", "alerting", "rule_files", "scrape_config_files", "scrape_configs", "remote_write", "notify",
    ] + ignoredTopLevelKeys

    static let ignoredTopLevelKeys = ["storage", "tracing", "remote_read", "otlp", "runtime"]

    /// Reads and validates a configuration file. Relative paths in it are resolved
    /// against the file's directory.
    ///
    /// - Throws: `ConfigErrors`, the first error of each problem found.
    public static func load(file: String, environment: [String: String] = ProcessInfo.processInfo.environment) throws -> PrometheusConfig {
        let contents: String
        do {
            contents = try String(contentsOfFile: file, encoding: .utf8)
        } catch {
            throw ConfigErrors([ConfigError(file: file, line: 0, column: 0, path: "", message: "cannot read file: \(error.localizedDescription)")])
        }
        return try parse(contents: contents, file: file, environment: environment)
    }

    /// Parses and validates configuration text. `file` names it in errors, and its
    /// directory anchors relative paths (rule files, file_sd files, credentials).
    ///
    /// - Throws: `ConfigErrors`, the first error of each problem found.
    public static func parse(
        contents: String, file: String, environment: [String: String] = ProcessInfo.processInfo.environment
    ) throws -> PrometheusConfig {
        let directory = (file as NSString).deletingLastPathComponent
        let d = ConfigDecoder(directory: directory.isEmpty ? "." : directory, environment: environment)
        let root: YAMLNode?
        do {
            root = try YAMLNode.parse(contents, file: file)
        } catch let e as ConfigError {
            throw ConfigErrors([e])
        }
        var config = PrometheusConfig()
        if let root {
            d.section { try config.decode(root, d) }
        }
        if !d.errors.isEmpty { throw ConfigErrors(d.errors) }
        config.warnings = d.warnings
        return config
    }

    private mutating func decode(_ root: YAMLNode, _ d: ConfigDecoder) throws {
        let m = try root.mapping(allowedKeys: Self.topLevelKeys)
        for key in Self.ignoredTopLevelKeys {
            if let k = m.keyNode(key) { d.warn(k.warning("\(key) is accepted for compatibility with Prometheus but ignored by Ember")) }
        }
        if let g = d.section({ try GlobalConfig.decode(m["global"], d) }) { global = g }
        d.section { ruleFiles = try Self.decodeGlobs(m["rule_files"], kind: "rule file", d) }
        d.section { scrapeConfigFiles = try Self.decodeGlobs(m["scrape_config_files"], kind: "scrape config file", d) }

        var jobs: [String: String] = [:]
        d.section {
            for item in try m["scrape_configs"]?.sequence() ?? [] {
                guard let job = d.section({ try ScrapeConfig.decode(item, global: global, d) }) else { continue }
                if jobs[job.jobName] != nil {
                    let at = (try? item.mapping(allowedKeys: ScrapeConfig.yamlKeys).locate("job_name")) ?? item
                    d.section { throw at.error("found multiple scrape configs with job name \(quoteLabelValue(job.jobName))") }
                    continue
                }
                jobs[job.jobName] = "main config file"
                scrapeConfigs.append(job)
            }
        }
        d.section { try includeScrapeConfigFiles(&jobs, d) }
        d.section { alerting = try AlertingConfig.decode(m["alerting"], scheme: global.metricNameValidationScheme, d) }

        var names = Set<String>()
        d.section {
            for item in try m["remote_write"]?.sequence() ?? [] {
                guard let rw = d.section({ try RemoteWriteConfig.decode(item, scheme: global.metricNameValidationScheme, d) }) else { continue }
                if !rw.name.isEmpty && !names.insert(rw.name).inserted {
                    let at = (try? item.mapping(allowedKeys: RemoteWriteConfig.yamlKeys).locate("name")) ?? item
                    d.section { throw at.error("found multiple remote write configs with job name \(quoteLabelValue(rw.name))") }
                    continue
                }
                remoteWrite.append(rw)
            }
        }
        notify = m["notify"]
    }

    /// `rule_files` and `scrape_config_files`: a `*` only in the last path element.
    private static func decodeGlobs(_ node: YAMLNode?, kind: String, _ d: ConfigDecoder) throws -> [String] {
        try (node?.sequence() ?? []).map { item in
            let path = try item.string()
            if !ServiceDiscovery.isValidGlobPath(path) { throw item.error("invalid \(kind) path \(quoteLabelValue(path))") }
            return d.resolve(path)
        }
    }

    /// Loads the jobs of `scrape_config_files`, each file's relative paths
    /// resolved against its own directory, as Prometheus's `GetScrapeConfigs` does.
    private mutating func includeScrapeConfigFiles(_ jobs: inout [String: String], _ d: ConfigDecoder) throws {
        let mainDirectory = d.directory
        defer { d.directory = mainDirectory }
        for pattern in scrapeConfigFiles {
            for path in globFiles(pattern) {
                guard let root = try YAMLNode.load(file: path) else { continue }
                d.directory = (path as NSString).deletingLastPathComponent
                let m = try root.mapping(allowedKeys: ["scrape_configs"])
                for item in try m["scrape_configs"]?.sequence() ?? [] {
                    guard let job = d.section({ try ScrapeConfig.decode(item, global: global, d) }) else { continue }
                    if let first = jobs[job.jobName] {
                        let at = (try? item.mapping(allowedKeys: ScrapeConfig.yamlKeys).locate("job_name")) ?? item
                        d.section {
                            throw at.error("found multiple scrape configs with job name \(quoteLabelValue(job.jobName)), first found in \(first)")
                        }
                        continue
                    }
                    jobs[job.jobName] = quoteLabelValue(path)
                    scrapeConfigs.append(job)
                }
            }
        }
    }
}

/// Paths matching a shell glob, sorted; an exact path that exists matches itself.
/// Shared by rule_files, file_sd_configs and notification templates.
public func globFiles(_ pattern: String) -> [String] {
    var g = glob_t()
    defer { globfree(&g) }
    guard glob(pattern, 0, nil, &g) == 0 else { return [] }
    var out: [String] = []
    for i in 0..<Int(g.gl_pathc) {
        if let p = g.gl_pathv[i] { out.append(String(cString: p)) }
    }
    return out.sorted()
}
