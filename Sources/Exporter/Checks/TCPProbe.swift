/// blackbox_exporter's tcp prober: connect, optionally send a line and expect a reply
/// matching a regular expression.
struct TCPProbe: BlockingCheck {
    let config: CheckConfig
    let tcp: TCPProbeConfig
    let target: HostPort
    let expect: SearchRegex?
    let labels: CheckLabels

    init(config: CheckConfig, tcp: TCPProbeConfig) throws {
        self.config = config
        self.tcp = tcp
        guard let target = HostPort.parse(tcp.address) else { throw RegexSyntaxError(pattern: tcp.address) }
        self.target = target
        self.expect = try tcp.expect.map { try SearchRegex($0) }
        self.labels = CheckLabels(config)
    }

    func runBlocking(_ context: CheckContext, deadline: Deadline) -> CheckOutcome { probe(deadline: deadline) }

    func probe(deadline: Deadline) -> CheckOutcome {
        let start = ContinuousClock.now
        var metrics = MetricSet()
        func finish(_ success: Bool, _ reason: String?, _ message: String?) -> CheckOutcome {
            metrics.add("probe_duration_seconds", help: "Returns how long the probe took to complete in seconds", type: .gauge,
                        labels: labels.base, value: seconds(since: start))
            metrics.add("probe_success", help: "Displays whether or not the probe was a success", type: .gauge, labels: labels.base, value: success ? 1 : 0)
            return CheckOutcome(success: success, metrics: metrics, reason: reason, message: message)
        }
        let connection: TCPConnection
        do {
            connection = try TCPConnection.connect(host: target.host, port: target.port, deadline: deadline)
        } catch {
            return finish(false, error.reason, error.detail)
        }
        metrics.add("probe_dns_lookup_time_seconds", help: "Returns the time taken for probe dns lookup in seconds", type: .gauge,
                    labels: labels.base, value: connection.resolveSeconds)
        metrics.add("probe_ip_protocol", help: "Specifies whether probe ip protocol is IP4 or IP6", type: .gauge,
                    labels: labels.base, value: Double(connection.ipVersion))
        do {
            if let send = tcp.send { try connection.send(Array(send.utf8), deadline: deadline) }
            if let expect {
                var received: [UInt8] = []
                var matched = false
                while received.count < 1 << 20 {
                    guard let chunk = try connection.receive(max: 65536, deadline: deadline) else { break }
                    if chunk.isEmpty { break }
                    received += chunk
                    if expect.matches(String(decoding: received, as: UTF8.self)) { matched = true; break }
                }
                metrics.add("probe_failed_due_to_regex", help: "Indicates if probe failed due to regex", type: .gauge,
                            labels: labels.base, value: matched ? 0 : 1)
                if !matched {
                    return finish(false, "expect_not_matched", "reply did not match \(expect.pattern)")
                }
            }
        } catch {
            return finish(false, error.reason, error.detail)
        }
        return finish(true, nil, nil)
    }
}
