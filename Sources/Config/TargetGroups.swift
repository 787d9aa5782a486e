import Model

/// One `<static_config>`: targets (`host:port`) sharing a set of labels.
public struct TargetGroup: Sendable, Hashable {
    public var targets: [String]
    public var labels: Labels
    /// Prometheus's source id for static groups: the group's index in `static_configs`.
    public var source: String

    public init(targets: [String], labels: Labels = .empty, source: String = "0") {
        self.targets = targets
        self.labels = labels
        self.source = source
    }
}

/// One `<file_sd_config>`: target files (globs allowed in the last path
/// element), resolved against the configuration file's directory.
public struct FileSDConfig: Sendable, Hashable {
    public var files: [String]
    public var refreshInterval: PromDuration

    public static let defaultRefreshInterval = PromDuration(seconds: 300)

    public init(files: [String], refreshInterval: PromDuration = FileSDConfig.defaultRefreshInterval) {
        self.files = files
        self.refreshInterval = refreshInterval
    }
}

/// Service discovery blocks shared by scrape and Alertmanager configs.
enum ServiceDiscovery {
    /// Mechanisms Prometheus has and Ember does not: accepted with a warning, so
    /// an existing prometheus.yml loads, but they discover nothing.
    static let unsupported = [
        "azure_sd_configs", "consul_sd_configs", "digitalocean_sd_configs", "docker_sd_configs", "dockerswarm_sd_configs",
        "dns_sd_configs", "ec2_sd_configs", "eureka_sd_configs", "gce_sd_configs", "hetzner_sd_configs", "http_sd_configs",
        "ionos_sd_configs", "kubernetes_sd_configs", "kuma_sd_configs", "lightsail_sd_configs", "linode_sd_configs",
        "marathon_sd_configs", "nerve_sd_configs", "nomad_sd_configs", "openstack_sd_configs", "ovhcloud_sd_configs",
        "puppetdb_sd_configs", "scaleway_sd_configs", "serverset_sd_configs", "stackit_sd_configs", "triton_sd_configs",
        "uyuni_sd_configs", "vultr_sd_configs",
    ]

    static let yamlKeys = ["static_configs", "file_sd_configs"] + unsupported

    struct StaticTarget {
        var address: String
        var groupLabels: Labels
        var node: YAMLNode
    }

    /// `static_configs`, plus each target with its node for later checks.
    static func decodeStatic(_ node: YAMLNode?, scheme: NameValidationScheme) throws -> ([TargetGroup], [StaticTarget]) {
        guard let node else { return ([], []) }
        var groups: [TargetGroup] = []
        var targets: [StaticTarget] = []
        for (index, item) in try node.sequence().enumerated() {
            if item.isNull { throw item.error("empty or null section in static_configs") }
            let m = try item.mapping(allowedKeys: ["targets", "labels"])
            var labels: [Label] = []
            if let l = m["labels"] {
                for (name, value) in try l.entries() {
                    if !scheme.isValidLabelName(name) { throw value.error("\(quoteLabelValue(name)) is not a valid label name") }
                    labels.append(Label(name, try value.string()))
                }
            }
            let groupLabels = Labels(labels)
            var addresses: [String] = []
            for t in try m["targets"]?.sequence() ?? [] {
                let address = try t.string()
                addresses.append(address)
                targets.append(StaticTarget(address: address, groupLabels: groupLabels, node: t))
            }
            groups.append(TargetGroup(targets: addresses, labels: groupLabels, source: String(index)))
        }
        return (groups, targets)
    }

    /// `file_sd_configs` with Prometheus's checks on file names.
    static func decodeFiles(_ node: YAMLNode?, _ d: ConfigDecoder) throws -> [FileSDConfig] {
        guard let node else { return [] }
        return try node.sequence().map { item in
            if item.isNull { throw item.error("empty or null section in file_sd_configs") }
            let m = try item.mapping(allowedKeys: ["files", "refresh_interval"])
            let fileNodes = try m["files"]?.sequence() ?? []
            if fileNodes.isEmpty { throw item.error("file service discovery config must contain at least one path name") }
            var files: [String] = []
            for f in fileNodes {
                let name = try f.string()
                if !isValidFileSDName(name) { throw f.error("path name \(quoteLabelValue(name)) is not valid for file discovery") }
                files.append(d.resolve(name))
            }
            let refresh = try m.duration("refresh_interval") ?? FileSDConfig.defaultRefreshInterval
            return FileSDConfig(files: files, refreshInterval: refresh.milliseconds == 0 ? FileSDConfig.defaultRefreshInterval : refresh)
        }
    }

    /// Warns about each discovery mechanism Ember lacks.
    static func warnUnsupported(_ m: YAMLMapping, _ d: ConfigDecoder) {
        for key in unsupported {
            guard let k = m.keyNode(key) else { continue }
            d.warn(k.warning("\(key) is not supported by Ember: no targets are discovered from it"))
        }
    }

    /// Prometheus's `^[^*]*(\*[^/]*)?\.(json|yml|yaml|JSON|YML|YAML)$`.
    static func isValidFileSDName(_ name: String) -> Bool {
        let extensions = [".json", ".yml", ".yaml", ".JSON", ".YML", ".YAML"]
        guard let ext = extensions.first(where: { name.hasSuffix($0) }) else { return false }
        let stem = name.dropLast(ext.count)
        return isValidGlobPath(String(stem))
    }

    /// At most one wildcard section, and it must be in the last path element
    /// (Prometheus's rule-file pattern `^[^*]*(\*[^/]*)?$`).
    static func isValidGlobPath(_ path: String) -> Bool {
        guard let star = path.firstIndex(of: "*") else { return true }
        return !path[star...].contains("/")
    }

    /// What Prometheus (and promtool) check on a static target: after target
    /// relabeling it needs an address, and the address may not contain `/`
    /// (a URL is not a target: scheme and path are set separately).
    static func checkStaticTarget(_ t: StaticTarget, defaults: [Label], relabelConfigs: [RelabelConfig]) throws {
        guard !relabelConfigs.isEmpty else {
            if t.address.contains("/") { throw t.node.error("\(quoteLabelValue(t.address)) is not a valid hostname") }
            if t.address.isEmpty { throw t.node.error("target address is empty") }
            return
        }
        var builder = LabelsBuilder(t.groupLabels)
        builder.set(LabelName.address, t.address)
        for label in defaults where builder.get(label.name).isEmpty { builder.set(label.name, label.value) }
        guard let result = relabel(builder.labels(), relabelConfigs) else { return }
        let address = result[LabelName.address]
        if address.isEmpty { throw t.node.error("target address is empty after relabeling") }
        if address.contains("/") {
            throw t.node.error("\(quoteLabelValue(address)) is not a valid hostname (after relabeling)")
        }
    }
}
