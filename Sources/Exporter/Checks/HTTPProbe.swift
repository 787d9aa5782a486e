import HTTPClient

/// blackbox_exporter's http prober for one URL.
///
/// http:// is probed over Ember's own sockets. https:// goes through libcurl, which
/// also reports the negotiated TLS version and the server's certificate chain
/// (`probe_tls_version_info`, `probe_ssl_earliest_cert_expiry`).
struct HTTPProbe: Check {
    let config: CheckConfig
    let http: HTTPProbeConfig
    let url: HTTPURL
    let failIfMatches: [SearchRegex]
    let failIfNotMatches: [SearchRegex]
    let labels: CheckLabels

    static let maxRedirects = 10
    /// Internal: a plain probe met a redirect to https:// and hands over to libcurl.
    static let redirectedToHTTPS = "redirected_to_https"

    init(config: CheckConfig, http: HTTPProbeConfig) throws {
        self.config = config
        self.http = http
        self.url = try HTTPURL(http.url)
        self.failIfMatches = try http.failIfBodyMatches.map { try SearchRegex($0) }
        self.failIfNotMatches = try http.failIfBodyNotMatches.map { try SearchRegex($0) }
        self.labels = CheckLabels(config)
    }

    struct Observation {
        var status: Int
        var version: String
        var body: [UInt8]
        var contentLength: Int?
        var redirects: Int
        var tls: Bool
        var certificateExpiry: Double?
        /// "TLS 1.3", as blackbox_exporter's probe_tls_version_info labels it.
        var tlsVersion: String?
        var phases: [(String, Double)]
        var resolveSeconds: Double
        var ipVersion: Int?
    }

    func execute(_ context: CheckContext, deadline: Deadline) async -> CheckOutcome {
        let start = ContinuousClock.now
        let result: Result<Observation, MiniHTTP.Failure>
        if url.isTLS {
            result = await probeTLS(context.httpClient, deadline: deadline)
        } else {
            let plain = await context.pool.run(deadline: nil) { probePlain(deadline: deadline) } ?? .failure(MiniHTTP.Failure(reason: "timeout", detail: "http probe did not finish"))
            if case .failure(let f) = plain, f.reason == Self.redirectedToHTTPS {
                // Start over in libcurl, which follows the whole chain itself.
                result = await probeTLS(context.httpClient, deadline: deadline)
            } else {
                result = plain
            }
        }
        return outcome(result, elapsed: seconds(since: start))
    }

    /// https:// targets (and plain ones that redirect to https://) go through libcurl,
    /// with a fresh connection so the handshake, certificate chain and timings are
    /// this probe's own.
    func probeTLS(_ client: HTTPClient?, deadline: Deadline) async -> Result<Observation, MiniHTTP.Failure> {
        guard let client else {
            return .failure(MiniHTTP.Failure(reason: "https_unsupported", detail: "no HTTP client for https:// probes"))
        }
        var request = HTTPRequest(url: http.url, method: HTTPMethod(rawValue: http.method), body: http.body.map { Array($0.utf8) },
                                  timeout: .milliseconds(max(1, Int(deadline.pollMillis))),
                                  maxResponseBytes: http.maxBodyBytes, followRedirects: http.followRedirects, maxRedirects: Self.maxRedirects,
                                  tls: tlsOptions(), acceptGzip: false)
        for (name, value) in http.headers { request.headers.add(name: name, value: value) }
        request.collectConnectionInfo = true
        let response: HTTPResponse
        do {
            response = try await client.execute(request)
        } catch let error as HTTPClientError {
            return .failure(MiniHTTP.Failure(reason: Self.reason(error.kind), detail: error.description))
        } catch {
            return .failure(MiniHTTP.Failure(reason: "request_failed", detail: "\(error)"))
        }
        let info = response.connectionInfo
        let t = info?.timings
        func seconds(_ d: Duration?) -> Double { d.map { max(0, Double($0.components.seconds) + Double($0.components.attoseconds) / 1e18) } ?? 0 }
        // libcurl's stamps are cumulative from the start of the final request.
        let phases: [(String, Double)] = t.map { t in [
            ("connect", seconds(t.connect - t.nameLookup)),
            ("processing", seconds(t.startTransfer - t.preTransfer)),
            ("resolve", seconds(t.nameLookup)),
            ("tls", t.tlsHandshake > .zero ? seconds(t.tlsHandshake - t.connect) : 0),
            ("transfer", seconds(t.total - t.startTransfer)),
        ] } ?? []
        let address = info?.remoteAddress ?? ""
        return .success(Observation(
            status: response.status, version: info?.httpVersion ?? "", body: response.body,
            contentLength: response.headers["Content-Length"].flatMap { Int($0) }, redirects: info?.redirectCount ?? 0,
            tls: info?.tls != nil, certificateExpiry: info?.tls?.earliestExpiry, tlsVersion: info?.tls?.protocolVersion,
            phases: phases, resolveSeconds: seconds(t?.nameLookup), ipVersion: address.isEmpty ? nil : (address.contains(":") ? 6 : 4)))
    }

    func tlsOptions() -> TLSOptions {
        let c = http.tls
        let minVersion: TLSVersion = switch c.minVersion {
        case "TLS10": .tls10
        case "TLS11": .tls11
        case "TLS13": .tls13
        default: .tls12
        }
        return TLSOptions(ca: c.caFile.map { .file($0) }, certificate: c.certFile.map { .file($0) }, key: c.keyFile.map { .file($0) },
                          serverName: c.serverName, insecureSkipVerify: c.insecureSkipVerify, minVersion: minVersion)
    }

    static func reason(_ kind: HTTPClientError.Kind) -> String {
        switch kind {
        case .dnsResolution: return "resolve_failed"
        case .connectionRefused, .connectionFailed: return "connect_failed"
        case .connectTimeout, .timeout: return "timeout"
        case .tls: return "tls_failed"
        case .tooManyRedirects: return "too_many_redirects"
        case .responseTooLarge: return "body_too_large"
        default: return "request_failed"
        }
    }

    func probePlain(deadline: Deadline) -> Result<Observation, MiniHTTP.Failure> {
        var current = url
        var method = http.method
        var body = Array((http.body ?? "").utf8)
        var redirects = 0
        var phases: [String: Double] = ["resolve": 0, "connect": 0, "tls": 0, "processing": 0, "transfer": 0]
        var firstResolve: Double?
        while true {
            let response: MiniHTTP.Response
            do {
                response = try MiniHTTP.fetch(current, method: method, headers: http.headers, body: body, maxBody: http.maxBodyBytes, deadline: deadline)
            } catch {
                return .failure(error)
            }
            phases["resolve", default: 0] += response.resolveSeconds
            phases["connect", default: 0] += response.connectSeconds
            phases["processing", default: 0] += response.processingSeconds
            phases["transfer", default: 0] += response.transferSeconds
            if firstResolve == nil { firstResolve = response.resolveSeconds }
            if http.followRedirects, [301, 302, 303, 307, 308].contains(response.status), let location = response.header("Location") {
                redirects += 1
                if redirects > Self.maxRedirects {
                    return .failure(MiniHTTP.Failure(reason: "too_many_redirects", detail: "stopped after \(Self.maxRedirects) redirects"))
                }
                do { current = try current.resolving(location) } catch {
                    return .failure(MiniHTTP.Failure(reason: "invalid_redirect", detail: error.description))
                }
                if current.isTLS {
                    return .failure(MiniHTTP.Failure(reason: Self.redirectedToHTTPS, detail: "redirected to \(location)"))
                }
                if response.status == 303 || ((response.status == 301 || response.status == 302) && method == "POST") {
                    method = "GET"
                    body = []
                }
                continue
            }
            let ordered = ["connect", "processing", "resolve", "tls", "transfer"].map { ($0, phases[$0] ?? 0) }
            return .success(Observation(status: response.status, version: response.version, body: response.body, contentLength: response.contentLength,
                                        redirects: redirects, tls: false, certificateExpiry: nil, tlsVersion: nil, phases: ordered,
                                        resolveSeconds: firstResolve ?? 0, ipVersion: response.ipVersion))
        }
    }

    func outcome(_ result: Result<Observation, MiniHTTP.Failure>, elapsed: Double) -> CheckOutcome {
        var metrics = MetricSet()
        let base = labels.base
        func finish(_ success: Bool, _ reason: String?, _ message: String?) -> CheckOutcome {
            metrics.add("probe_duration_seconds", help: "Returns how long the probe took to complete in seconds", type: .gauge, labels: base, value: elapsed)
            metrics.add("probe_success", help: "Displays whether or not the probe was a success", type: .gauge, labels: base, value: success ? 1 : 0)
            return CheckOutcome(success: success, metrics: metrics, reason: reason, message: message)
        }
        let o: Observation
        switch result {
        case .failure(let f): return finish(false, f.reason, f.detail)
        case .success(let observation): o = observation
        }
        metrics.add("probe_http_status_code", help: "Response HTTP status code", type: .gauge, labels: base, value: Double(o.status))
        metrics.add("probe_http_content_length", help: "Length of http content response", type: .gauge, labels: base, value: Double(o.contentLength ?? -1))
        metrics.add("probe_http_uncompressed_body_length", help: "Length of uncompressed response body", type: .gauge, labels: base, value: Double(o.body.count))
        metrics.add("probe_http_version", help: "Returns the version of HTTP of the probe response", type: .gauge, labels: base, value: Double(o.version) ?? 0)
        metrics.add("probe_http_redirects", help: "The number of redirects", type: .gauge, labels: base, value: Double(o.redirects))
        metrics.add("probe_http_ssl", help: "Indicates if SSL was used for the final redirect", type: .gauge, labels: base, value: o.tls ? 1 : 0)
        if let expiry = o.certificateExpiry {
            metrics.add("probe_ssl_earliest_cert_expiry", help: "Returns last SSL chain expiry in unixtime", type: .gauge, labels: base, value: expiry)
        }
        if let version = o.tlsVersion {
            metrics.add("probe_tls_version_info", help: "Returns the TLS version used or NaN when unknown", type: .gauge,
                        labels: labels.with([LabelPair("version", version)]), value: 1)
        }
        if !o.phases.isEmpty, let h = metrics.family("probe_http_duration_seconds", help: "Duration of http request by phase, summed over all redirects", type: .gauge) {
            for (phase, value) in o.phases { metrics.append(h, labels: labels.with([LabelPair("phase", phase)]), value: value) }
            metrics.add("probe_dns_lookup_time_seconds", help: "Returns the time taken for probe dns lookup in seconds", type: .gauge, labels: base, value: o.resolveSeconds)
        }
        if let ip = o.ipVersion {
            metrics.add("probe_ip_protocol", help: "Specifies whether probe ip protocol is IP4 or IP6", type: .gauge, labels: base, value: Double(ip))
        }
        let validStatus = http.validStatusCodes.isEmpty ? (200 ... 299).contains(o.status) : http.validStatusCodes.contains(o.status)
        if !failIfMatches.isEmpty || !failIfNotMatches.isEmpty {
            let text = String(decoding: o.body, as: UTF8.self)
            let badMatch = failIfMatches.first { $0.matches(text) }
            let missing = failIfNotMatches.first { !$0.matches(text) }
            metrics.add("probe_failed_due_to_regex", help: "Indicates if probe failed due to regex", type: .gauge, labels: base,
                        value: (badMatch != nil || missing != nil) ? 1 : 0)
            if validStatus, let badMatch { return finish(false, "body_matched", "body matched \(badMatch.pattern)") }
            if validStatus, let missing { return finish(false, "body_not_matched", "body did not match \(missing.pattern)") }
        }
        guard validStatus else { return finish(false, "invalid_status", "status code \(o.status) is not valid") }
        return finish(true, nil, nil)
    }
}
