import Config
import Model

/// One target after target relabeling: what to scrape and how to label it.
public struct ScrapeTarget: Sendable, Hashable {
    /// Labels as discovered, with the job's defaults, before `relabel_configs`.
    public let discoveredLabels: Labels
    /// Labels after relabeling, still holding the reserved `__` labels that
    /// configure the scrape (`__address__`, `__scheme__`, `__param_*`, ...).
    public let fullLabels: Labels
    /// The labels every sample of the target gets: `fullLabels` without `__` names.
    public let labels: Labels
    /// The URL scraped.
    public let url: String
    /// From `__scrape_interval__` after relabeling.
    public let interval: PromDuration
    /// From `__scrape_timeout__` after relabeling; never above `interval`.
    public let timeout: PromDuration
    /// Identity of the target within its pool (labels and URL), also the base of its scrape offset.
    public let hash: UInt64

    init(discoveredLabels: Labels, fullLabels: Labels, url: String, interval: PromDuration, timeout: PromDuration) {
        self.discoveredLabels = discoveredLabels
        self.fullLabels = fullLabels
        self.labels = Labels(sortedUnchecked: fullLabels.pairs.filter { !$0.name.hasPrefix(LabelName.reservedPrefix) })
        self.url = url
        self.interval = interval
        self.timeout = timeout
        var h = StableHasher()
        var labelHash = fullLabels.stableHash
        withUnsafeBytes(of: &labelHash) { h.combine(bytes: $0) }
        h.combine(url)
        hash = h.value
    }

    /// The host:port scraped.
    public var address: String { fullLabels[LabelName.address] }

    /// When, within each interval, this target is scraped: `(hash ^ seed) % interval`,
    /// as Prometheus spreads its scrapes so targets of a job do not fire together.
    func offsetMillis(seed: UInt64) -> Int64 {
        let interval = UInt64(max(interval.milliseconds, 1))
        return Int64((hash ^ seed) % interval)
    }
}

/// Why a discovered target produced no scrape target.
public struct TargetError: Error, Sendable, Hashable, CustomStringConvertible {
    /// Prometheus's wording of the problem.
    public let message: String
    public var description: String { message }
}

/// The result of building one discovered target.
enum PopulatedTarget {
    case target(ScrapeTarget)
    /// Dropped by relabeling; keeps the labels it was discovered with.
    case dropped(Labels)
}

/// Prometheus's target population (`scrape.PopulateLabels` and `Target.URL`).
enum TargetPopulator {
    /// Builds the targets of one group: each target's `__address__`, the group's
    /// labels (a target's own labels win), then the job's defaults.
    static func targets(from group: TargetGroup, config: ScrapeConfig) -> [Result<PopulatedTarget, TargetError>] {
        group.targets.map { address in
            var pairs = group.labels.pairs
            pairs.append(Label(LabelName.address, address))
            return populate(Labels(pairs), config: config)
        }
    }

    /// Defaults, relabeling, checks; a target without an address after relabeling is an error.
    static func populate(_ discovered: Labels, config: ScrapeConfig) -> Result<PopulatedTarget, TargetError> {
        var builder = LabelsBuilder(discovered)
        for label in config.targetDefaultLabels where builder.get(label.name).isEmpty || label.name.hasPrefix(LabelName.paramPrefix) {
            // Params always overwrite, the other defaults only fill gaps (as upstream).
            builder.set(label.name, label.value)
        }
        let preRelabel = builder.labels()
        guard let relabeled = relabel(preRelabel, config.relabelConfigs) else { return .success(.dropped(preRelabel)) }
        let address = relabeled[LabelName.address]
        if address.isEmpty { return .failure(TargetError(message: "no address")) }
        if address.contains("/") { return .failure(TargetError(message: "\(quoteLabelValue(address)) is not a valid hostname")) }

        let intervalText = relabeled[LabelName.scrapeInterval]
        guard let interval = PromDuration(intervalText) else {
            return .failure(TargetError(message: "error parsing scrape interval: not a valid duration string: \(quoteLabelValue(intervalText))"))
        }
        if interval.milliseconds == 0 { return .failure(TargetError(message: "scrape interval cannot be 0")) }
        let timeoutText = relabeled[LabelName.scrapeTimeout]
        guard let timeout = PromDuration(timeoutText) else {
            return .failure(TargetError(message: "error parsing scrape timeout: not a valid duration string: \(quoteLabelValue(timeoutText))"))
        }
        if timeout.milliseconds == 0 { return .failure(TargetError(message: "scrape timeout cannot be 0")) }
        if timeout > interval {
            return .failure(TargetError(message: "scrape timeout cannot be greater than scrape interval (\"\(timeoutText)\" > \"\(intervalText)\")"))
        }

        // Meta and temporary labels go; the other reserved labels configure the scrape.
        var final = LabelsBuilder(relabeled)
        for label in relabeled where label.name.hasPrefix(LabelName.metaPrefix) || label.name.hasPrefix(LabelName.tmpPrefix) {
            final.remove(label.name)
        }
        if relabeled[LabelName.instance].isEmpty { final.set(LabelName.instance, address) }
        let full = final.labels()
        let url = scrapeURL(full, params: config.params)
        return .success(.target(ScrapeTarget(discoveredLabels: preRelabel, fullLabels: full, url: url, interval: interval, timeout: timeout)))
    }

    /// `scheme://address/path?params`, with `__param_<name>` overriding the first value of a configured param.
    static func scrapeURL(_ labels: Labels, params: [String: [String]]) -> String {
        var query = params
        for label in labels where label.name.hasPrefix(LabelName.paramPrefix) {
            let name = String(label.name.dropFirst(LabelName.paramPrefix.count))
            if var values = query[name], !values.isEmpty {
                values[0] = label.value
                query[name] = values
            } else {
                query[name] = [label.value]
            }
        }
        var scheme = labels[LabelName.scheme]
        if scheme.isEmpty { scheme = "http" }
        var path = labels[LabelName.metricsPath]
        if !path.hasPrefix("/") { path = "/" + path }
        var url = "\(scheme)://\(labels[LabelName.address])\(path)"
        if !query.isEmpty {
            let encoded = query.keys.sorted().flatMap { key in
                (query[key] ?? []).map { percentEncodeQuery(key) + "=" + percentEncodeQuery($0) }
            }
            url += "?" + encoded.joined(separator: "&")
        }
        return url
    }

    /// Go's `url.QueryEscape`: unreserved bytes stay, space becomes `+`, the rest `%XX`.
    static func percentEncodeQuery(_ s: String) -> String {
        var out = ""
        for byte in s.utf8 {
            switch byte {
            case UInt8(ascii: "a")...UInt8(ascii: "z"), UInt8(ascii: "A")...UInt8(ascii: "Z"), UInt8(ascii: "0")...UInt8(ascii: "9"),
                 UInt8(ascii: "-"), UInt8(ascii: "_"), UInt8(ascii: "."), UInt8(ascii: "~"):
                out.unicodeScalars.append(Unicode.Scalar(byte))
            case UInt8(ascii: " "):
                out += "+"
            default:
                let hex = Array("0123456789ABCDEF".utf8)
                out += "%"
                out.unicodeScalars.append(Unicode.Scalar(hex[Int(byte >> 4)]))
                out.unicodeScalars.append(Unicode.Scalar(hex[Int(byte & 15)]))
            }
        }
        return out
    }
}
