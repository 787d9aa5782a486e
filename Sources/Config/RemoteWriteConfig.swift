import Model

/// `queue_config` of a remote write endpoint, with Prometheus's defaults.
public struct QueueConfig: Sendable, Hashable {
    /// Samples buffered per shard before reading from the WAL blocks.
    public var capacity = 10000
    public var maxShards = 50
    public var minShards = 1
    public var maxSamplesPerSend = 2000
    public var batchSendDeadline = PromDuration(seconds: 5)
    public var minBackoff = PromDuration(milliseconds: 30)
    public var maxBackoff = PromDuration(seconds: 5)
    public var retryOnHTTP429 = false
    /// Samples older than this are dropped; 0 sends everything.
    public var sampleAgeLimit = PromDuration.zero
    public init() {}

    static func decode(_ node: YAMLNode) throws -> QueueConfig {
        let m = try node.mapping(allowedKeys: [
            "capacity", "max_shards", "min_shards", "max_samples_per_send", "batch_send_deadline", "min_backoff",
            "max_backoff", "retry_on_http_429", "sample_age_limit",
        ])
        var q = QueueConfig()
        if let v = try m.int("capacity"), v != 0 { q.capacity = v }
        if let v = try m.int("max_shards"), v != 0 { q.maxShards = v }
        if let v = try m.int("min_shards"), v != 0 { q.minShards = v }
        if let v = try m.int("max_samples_per_send"), v != 0 { q.maxSamplesPerSend = v }
        if let v = try m.duration("batch_send_deadline"), v.milliseconds != 0 { q.batchSendDeadline = v }
        if let v = try m.duration("min_backoff"), v.milliseconds != 0 { q.minBackoff = v }
        if let v = try m.duration("max_backoff"), v.milliseconds != 0 { q.maxBackoff = v }
        if let v = try m.bool("retry_on_http_429") { q.retryOnHTTP429 = v }
        if let v = try m.duration("sample_age_limit") { q.sampleAgeLimit = v }
        return q
    }
}

/// `metadata_config` of a remote write endpoint.
public struct MetadataConfig: Sendable, Hashable {
    public var send = true
    public var sendInterval = PromDuration(seconds: 60)
    public var maxSamplesPerSend = 2000
    public init() {}

    static func decode(_ node: YAMLNode) throws -> MetadataConfig {
        let m = try node.mapping(allowedKeys: ["send", "send_interval", "max_samples_per_send"])
        var c = MetadataConfig()
        if let v = try m.bool("send") { c.send = v }
        if let v = try m.duration("send_interval"), v.milliseconds != 0 { c.sendInterval = v }
        if let v = try m.int("max_samples_per_send"), v != 0 { c.maxSamplesPerSend = v }
        return c
    }
}

/// The remote write protobuf message to send.
public enum RemoteWriteMessage: String, Sendable, Hashable, CaseIterable {
    case v1 = "prometheus.WriteRequest"
    case v2 = "io.prometheus.write.v2.Request"
}

/// One `remote_write` endpoint.
public struct RemoteWriteConfig: Sendable, Hashable {
    public var url: ConfigURL
    /// "" when not set (Prometheus then names the queue after a hash of the config).
    public var name = ""
    public var remoteTimeout = PromDuration(seconds: 30)
    /// Extra request headers; reserved ones are rejected.
    public var headers: [String: String] = [:]
    public var writeRelabelConfigs: [RelabelConfig] = []
    public var sendExemplars = false
    public var sendNativeHistograms = false
    public var roundRobinDNS = false
    public var protobufMessage = RemoteWriteMessage.v1
    /// Remote write defaults differ from scraping: HTTP/2 off.
    public var httpClient: HTTPClientConfig
    public var queueConfig = QueueConfig()
    public var metadataConfig = MetadataConfig()

    public init(url: ConfigURL) {
        self.url = url
        var client = HTTPClientConfig()
        client.enableHTTP2 = false
        httpClient = client
    }

    /// Headers Prometheus refuses to let users set (lower case).
    static let reservedHeaders: Set<String> = [
        "host", "content-encoding", "content-length", "content-type", "user-agent", "connection", "keep-alive",
        "proxy-authenticate", "proxy-authorization", "www-authenticate", "accept-encoding",
        "x-prometheus-remote-write-version", "x-prometheus-remote-read-version", "x-amz-date", "x-amz-security-token",
        "x-amz-content-sha256",
    ]

    static let yamlKeys = [
        "url", "name", "remote_timeout", "headers", "write_relabel_configs", "send_exemplars", "send_native_histograms",
        "round_robin_dns", "protobuf_message", "queue_config", "metadata_config", "sigv4", "azuread", "google_iam",
    ] + HTTPClientConfig.yamlKeys

    static func decode(_ node: YAMLNode, scheme: NameValidationScheme, _ d: ConfigDecoder) throws -> RemoteWriteConfig {
        if node.isNull { throw node.error("empty or null remote write config section") }
        let m = try node.mapping(allowedKeys: yamlKeys)
        guard let urlNode = m["url"] else { throw m.locate("url").error("url for remote_write is empty") }
        let url = try urlNode.url()
        // Prometheus accepts any URL here and fails on every send; Ember says so at load time.
        guard url.isHTTPWithHost else {
            throw urlNode.error("remote_write url must be an http or https URL with a host, got \(quoteLabelValue(url.redacted))")
        }
        var c = RemoteWriteConfig(url: url)
        c.name = try m.string("name") ?? ""
        if let v = try m.duration("remote_timeout") { c.remoteTimeout = v }
        if let h = m["headers"] {
            for (name, value) in try h.entries() {
                let lower = name.lowercased()
                if lower == "authorization" {
                    throw value.error("authorization header must be changed via the basic_auth, authorization, oauth2, sigv4, azuread or google_iam parameter")
                }
                if reservedHeaders.contains(lower) { throw value.error("\(name) is a reserved header. It must not be changed") }
                c.headers[name] = try value.string()
            }
        }
        c.writeRelabelConfigs = try RelabelConfig.decodeList(
            m["write_relabel_configs"], nullMessage: "empty or null relabeling rule in remote write config", scheme: scheme)
        c.sendExemplars = try m.bool("send_exemplars") ?? false
        c.sendNativeHistograms = try m.bool("send_native_histograms") ?? false
        c.roundRobinDNS = try m.bool("round_robin_dns") ?? false
        if let v = m["protobuf_message"] {
            let text = try v.string()
            guard let message = RemoteWriteMessage(rawValue: text) else {
                let supported = RemoteWriteMessage.allCases.map(\.rawValue).joined(separator: ", ")
                throw v.error("invalid protobuf_message value: unknown type for remote write protobuf message \(text), supported: \(supported)")
            }
            c.protobufMessage = message
        }
        c.httpClient = try HTTPClientConfig.decode(m, defaults: c.httpClient, d)
        var auth: [String] = []
        if c.httpClient.basicAuth != nil { auth.append("basic_auth") }
        if c.httpClient.authorization != nil { auth.append("authorization") }
        if c.httpClient.hasOAuth2 { auth.append("oauth2") }
        for key in ["sigv4", "azuread", "google_iam"] where m.has(key) { auth.append(key) }
        if auth.count > 1 {
            throw node.error("at most one of basic_auth, authorization, oauth2, sigv4, azuread or google_iam must be configured. Currently configured: [\(auth.joined(separator: " "))]")
        }
        for key in ["sigv4", "azuread", "google_iam"] {
            if let k = m.keyNode(key) { d.warn(k.warning("\(key) is not supported by Ember: requests are sent without it")) }
        }
        if let q = m["queue_config"] { c.queueConfig = try QueueConfig.decode(q) }
        if let md = m["metadata_config"] { c.metadataConfig = try MetadataConfig.decode(md) }
        return c
    }
}
