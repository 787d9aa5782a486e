/// blackbox_exporter's http prober for one URL.
///
/// http:// is probed over Ember's own sockets. https:// (and certificate expiry)
/// goes through `ExporterOptions.httpsProber`; without one the check fails with
/// reason `https_unsupported`.
struct HTTPProbe: Check {
    let config: CheckConfig
    let http: HTTPProbeConfig
    let url: HTTPURL
    let failIfMatches: [SearchRegex]
    let failIfNotMatches: [SearchRegex]
    let labels: CheckLabels

    static let maxRedirects = 10

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
        var phases: [(String, Double)]
        var resolveSeconds: Double
        var ipVersion: Int?
    }

    func execute(_ context: CheckContext, deadline: Deadline) async -> CheckOutcome {
        let start = ContinuousClock.now
        let result: Result<Observation, MiniHTTP.Failure>
        if url.isTLS {
            result = await probeTLS(context.options.httpsProber, deadline: deadline)
        } else {
            result = await context.pool.run(deadline: nil) { probePlain(deadline: deadline) } ?? .failure(MiniHTTP.Failure(reason: "timeout", detail: "http probe did not finish"))
        }
        return outcome(result, elapsed: seconds(since: start))
    }

    func probeTLS(_ prober: (any HTTPSProber)?, deadline: Deadline) async -> Result<Observation, MiniHTTP.Failure> {
        guard let prober else {
            return .failure(MiniHTTP.Failure(reason: "https_unsupported", detail: "https:// probes need a TLS client, which is not configured in this build"))
        }
        let request = HTTPProbeRequest(url: http.url, method: http.method, headers: http.headers, body: Array((http.body ?? "").utf8),
                                       timeoutSeconds: config.timeout.seconds, followRedirects: http.followRedirects, maxBodyBytes: http.maxBodyBytes)
        do {
            let r = try await prober.probe(request)
            return .success(Observation(status: r.statusCode, version: r.httpVersion, body: r.body, contentLength: nil, redirects: r.redirects,
                                        tls: true, certificateExpiry: r.earliestCertificateExpiry, phases: [], resolveSeconds: 0, ipVersion: nil))
        } catch {
            return .failure(MiniHTTP.Failure(reason: "request_failed", detail: "\(error)"))
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
                    return .failure(MiniHTTP.Failure(reason: "https_unsupported", detail: "redirected to https://, which needs a TLS client"))
                }
                if response.status == 303 || ((response.status == 301 || response.status == 302) && method == "POST") {
                    method = "GET"
                    body = []
                }
                continue
            }
            let ordered = ["connect", "processing", "resolve", "tls", "transfer"].map { ($0, phases[$0] ?? 0) }
            return .success(Observation(status: response.status, version: response.version, body: response.body, contentLength: response.contentLength,
                                        redirects: redirects, tls: false, certificateExpiry: nil, phases: ordered,
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
