import Testing
@testable import Config

/// Broken files: each must fail with exactly this message, located at this position.
@Suite struct ConfigErrorTests {
    static let cases: [(String, String)] = [
        ("bad-unknown-field.yml", "bad-unknown-field.yml:3:5: scrape_configs[0].scrape_intervall: field scrape_intervall not found in type scrape_configs"),
        ("bad-unknown-top-level.yml", "bad-unknown-top-level.yml:3:1: scrape_config: field scrape_config not found in type config"),
        ("bad-duration.yml", #"bad-duration.yml:2:20: global.scrape_interval: not a valid duration string: "15x""#),
        ("bad-wrong-type.yml", #"bad-wrong-type.yml:3:19: scrape_configs[0].honor_labels: invalid boolean "maybe""#),
        ("bad-duplicate-job.yml", #"bad-duplicate-job.yml:5:15: scrape_configs[1].job_name: found multiple scrape configs with job name "node""#),
        ("bad-timeout-over-interval.yml",
         #"bad-timeout-over-interval.yml:4:21: scrape_configs[0].scrape_timeout: scrape timeout greater than scrape interval for scrape config with job name "fast""#),
        ("bad-global-timeout.yml", "bad-global-timeout.yml:3:19: global.scrape_timeout: global scrape timeout greater than scrape interval"),
        ("bad-regex.yml", "bad-regex.yml:5:16: scrape_configs[0].metric_relabel_configs[0].regex: error parsing regexp: missing closing ): `go_(.*`"),
        ("bad-hashmod-modulus.yml",
         "bad-hashmod-modulus.yml:4:9: scrape_configs[0].relabel_configs[0]: relabel configuration for hashmod requires non-zero modulus"),
        ("bad-replace-target.yml",
         "bad-replace-target.yml:4:9: scrape_configs[0].relabel_configs[0]: relabel configuration for replace action requires 'target_label' value"),
        ("bad-labeldrop-fields.yml",
         "bad-labeldrop-fields.yml:4:9: scrape_configs[0].relabel_configs[0]: labeldrop action requires only 'regex', and no other fields"),
        ("bad-keepequal-fields.yml",
         "bad-keepequal-fields.yml:4:9: scrape_configs[0].relabel_configs[0]: keepequal action requires only 'source_labels' and `target_label`, and no other fields"),
        ("bad-relabel-action.yml", #"bad-relabel-action.yml:4:17: scrape_configs[0].relabel_configs[0].action: unknown relabel action "replce""#),
        ("bad-label-name.yml", #"bad-label-name.yml:3:9: global.external_labels.: "" is not a valid label name"#),
        ("bad-url-target.yml",
         #"bad-url-target.yml:6:13: scrape_configs[0].static_configs[0].targets[1]: "http://example.com:9100/metrics" is not a valid hostname"#),
        ("bad-empty-target.yml", "bad-empty-target.yml:4:19: scrape_configs[0].static_configs[0].targets[0]: target address is empty"),
        ("bad-relabeled-url-target.yml",
         #"bad-relabeled-url-target.yml:7:19: scrape_configs[0].static_configs[0].targets[0]: "https://example.com/x" is not a valid hostname (after relabeling)"#),
        ("bad-basic-auth.yml", "bad-basic-auth.yml:4:7: scrape_configs[0].basic_auth: at most one of basic_auth password & password_file must be configured"),
        ("bad-bearer-and-basic.yml",
         "bad-bearer-and-basic.yml:3:19: scrape_configs[0].bearer_token: at most one of basic_auth, oauth2, bearer_token & bearer_token_file must be configured"),
        ("bad-tls-cert-without-key.yml",
         "bad-tls-cert-without-key.yml:4:7: scrape_configs[0].tls_config: exactly one of key or key_file must be configured when a client certificate is configured"),
        ("bad-tls-version.yml", "bad-tls-version.yml:4:20: remote_write[0].tls_config.min_version: unknown TLS version: TLS14"),
        ("bad-body-size.yml",
         #"bad-body-size.yml:3:22: scrape_configs[0].body_size_limit: invalid size "10XB": unknown unit "XB"; units are B, KB, MB, GB, TB, PB, EB or KiB, MiB, GiB, TiB, PiB, EiB (powers of 1024)"#),
        ("bad-remote-write-url.yml", #"bad-remote-write-url.yml:2:10: remote_write[0].url: parse "::not-a-url": missing protocol scheme"#),
        ("bad-remote-write-not-http.yml",
         #"bad-remote-write-not-http.yml:2:10: remote_write[0].url: remote_write url must be an http or https URL with a host, got "localhost:8428""#),
        ("bad-remote-write-no-url.yml", "bad-remote-write-no-url.yml:2:5: remote_write[0]: url for remote_write is empty"),
        ("bad-remote-write-header.yml",
         "bad-remote-write-header.yml:4:19: remote_write[0].headers.User-Agent: User-Agent is a reserved header. It must not be changed"),
        ("bad-remote-write-duplicate.yml",
         #"bad-remote-write-duplicate.yml:5:11: remote_write[1].name: found multiple remote write configs with job name "vm""#),
        ("bad-rule-path.yml", #"bad-rule-path.yml:2:5: rule_files[0]: invalid rule file path "rules/*/alerts.yml""#),
        ("bad-file-sd-name.yml",
         #"bad-file-sd-name.yml:4:17: scrape_configs[0].file_sd_configs[0].files[0]: path name "targets.txt" is not valid for file discovery"#),
        ("bad-null-scrape-config.yml", "bad-null-scrape-config.yml:2:4: scrape_configs[0]: empty or null scrape config section"),
        ("bad-alertmanager-api.yml",
         "bad-alertmanager-api.yml:3:20: alerting.alertmanagers[0].api_version: expected Alertmanager api version to be one of [v2] but got v3"),
        ("bad-alertmanager-v1.yml",
         "bad-alertmanager-v1.yml:3:20: alerting.alertmanagers[0].api_version: expected Alertmanager api version to be one of [v2] but got v1"),
        ("bad-scheme.yml", #"bad-scheme.yml:3:13: scrape_configs[0].scheme: invalid scheme "ftp": must be "http" or "https""#),
        ("bad-yaml-syntax.yml", "bad-yaml-syntax.yml:5:3: invalid YAML: while parsing a flow sequence did not find expected ',' or ']'"),
    ]

    @Test(arguments: cases)
    func brokenFileFailsWithLocatedMessage(_ file: String, _ expected: String) {
        #expect(Fixtures.errors(file) == [expected])
    }

    @Test func everyBrokenFixtureIsCovered() {
        let covered = Set(Self.cases.map(\.0) + ["bad-multiple-problems.yml"])
        let fixtures = Set(Fixtures.all.filter { $0.hasPrefix("bad-") })
        #expect(fixtures == covered)
    }

    @Test func independentProblemsAreAllReported() {
        #expect(Fixtures.errors("bad-multiple-problems.yml") == [
            #"bad-multiple-problems.yml:2:20: global.scrape_interval: not a valid duration string: "soon""#,
            #"bad-multiple-problems.yml:5:21: scrape_configs[0].scrape_timeout: scrape timeout greater than scrape interval for scrape config with job name "a""#,
            "bad-multiple-problems.yml:8:9: scrape_configs[1].relabel_configs[0]: relabel configuration for hashmod requires non-zero modulus",
            "bad-multiple-problems.yml:13:21: remote_write[0].headers.Content-Type: Content-Type is a reserved header. It must not be changed",
        ])
    }

    private func error(_ yaml: String) -> String? {
        do {
            _ = try PrometheusConfig.parse(contents: yaml, file: "p.yml", environment: [:])
            return nil
        } catch let e as ConfigErrors {
            return e.errors.map(\.description).joined(separator: "\n")
        } catch {
            return "\(error)"
        }
    }

    /// Upstream's relabel validation cases (model/relabel TestRelabelValidate and config_test.go).
    @Test func relabelValidationMessages() {
        func relabel(_ body: String) -> String? {
            error("scrape_configs:\n  - job_name: a\n    relabel_configs:\n      - " + body.replacingOccurrences(of: "\n", with: "\n        ") + "\n")
        }
        #expect(relabel("action:") == "p.yml:4:9: scrape_configs[0].relabel_configs[0].action: relabel action cannot be empty")
        #expect(relabel("action: lowercase") == "p.yml:4:9: scrape_configs[0].relabel_configs[0]: relabel configuration for lowercase action requires 'target_label' value")
        #expect(relabel("action: uppercase\ntarget_label: x\nreplacement: y") == "p.yml:4:9: scrape_configs[0].relabel_configs[0]: 'replacement' can not be set for uppercase action")
        #expect(relabel("action: dropequal\nsource_labels: [a]") == "p.yml:4:9: scrape_configs[0].relabel_configs[0]: relabel configuration for dropequal action requires 'target_label' value")
        #expect(relabel("action: labelkeep\nsource_labels: []") == "p.yml:4:9: scrape_configs[0].relabel_configs[0]: labelkeep action requires only 'regex', and no other fields")
        #expect(relabel("action: labelkeep\nseparator: ','") == "p.yml:4:9: scrape_configs[0].relabel_configs[0]: labelkeep action requires only 'regex', and no other fields")
        #expect(relabel("action: hashmod\nmodulus: 0\ntarget_label: x") == "p.yml:4:9: scrape_configs[0].relabel_configs[0]: relabel configuration for hashmod requires non-zero modulus")
        #expect(relabel("action: labelmap\nregex: (.*)\nreplacement: ''") == #"p.yml:4:9: scrape_configs[0].relabel_configs[0]: "" is invalid 'replacement' for labelmap action"#)
        #expect(relabel("regex: 'a\\1'\ntarget_label: x") == "p.yml:4:16: scrape_configs[0].relabel_configs[0].regex: error parsing regexp: invalid escape sequence: `\\1`")
        #expect(relabel("source_labels: ['']\ntarget_label: x") == #"p.yml:4:25: scrape_configs[0].relabel_configs[0].source_labels[0]: "" is not a valid label name"#)
        // Upstream config_test.go: empty entries have their own message per list.
        #expect(error("scrape_configs:\n  - job_name: a\n    metric_relabel_configs:\n      -\n")
            == "p.yml:4:8: scrape_configs[0].metric_relabel_configs[0]: empty or null metric relabeling rule in scrape config")
        #expect(error("alerting:\n  alert_relabel_configs:\n    -\n")
            == "p.yml:3:6: alerting.alert_relabel_configs[0]: empty or null alert relabeling rule")
        #expect(error("remote_write:\n  - url: http://a/\n    write_relabel_configs:\n      -\n")
            == "p.yml:4:8: remote_write[0].write_relabel_configs[0]: empty or null relabeling rule in remote write config")
    }

    @Test func legacyValidationAppliesPrometheus2Rules() {
        #expect(error("global:\n  metric_name_validation_scheme: legacy\n  external_labels:\n    a.b: c\n")
            == #"p.yml:4:10: global.external_labels.a.b: "a.b" is not a valid label name"#)
        #expect(error("scrape_configs:\n  - job_name: a\n    metric_name_validation_scheme: legacy\n    relabel_configs:\n      - target_label: '-${1}'\n")
            == #"p.yml:5:9: scrape_configs[0].relabel_configs[0]: "-${1}" is invalid 'target_label' for replace action"#)
        // UTF-8 names (Prometheus 3's default) accept both.
        #expect(error("global:\n  external_labels:\n    a.b: c\nscrape_configs:\n  - job_name: a\n    relabel_configs:\n      - target_label: '-${1}'\n") == nil)
    }

    @Test func httpClientAndRemoteWriteRules() {
        #expect(error("scrape_configs:\n  - job_name: a\n    authorization:\n      type: Basic\n")
            == #"p.yml:4:7: scrape_configs[0].authorization: authorization type cannot be set to "basic", use "basic_auth" instead"#)
        #expect(error("scrape_configs:\n  - job_name: a\n    bearer_token: x\n    bearer_token_file: y\n")
            == "p.yml:4:24: scrape_configs[0].bearer_token_file: at most one of bearer_token & bearer_token_file must be configured")
        #expect(error("scrape_configs:\n  - job_name: a\n    no_proxy: localhost\n")
            == "p.yml:3:15: scrape_configs[0].no_proxy: if no_proxy is configured, proxy_url must also be configured")
        #expect(error("remote_write:\n  - url: http://a/\n    headers:\n      authorization: x\n")
            == "p.yml:4:22: remote_write[0].headers.authorization: authorization header must be changed via the basic_auth, authorization, oauth2, sigv4, azuread or google_iam parameter")
        // As in Prometheus, the shared HTTP client rules run first...
        #expect(error("remote_write:\n  - url: http://a/\n    basic_auth: {username: u}\n    authorization: {credentials: c}\n")
            == "p.yml:4:20: remote_write[0].authorization: at most one of basic_auth, oauth2 & authorization must be configured")
        // ...and remote write's own rule catches the rest.
        #expect(error("remote_write:\n  - url: http://a/\n    basic_auth: {username: u}\n    sigv4: {region: eu-west-1}\n")
            == "p.yml:2:5: remote_write[0]: at most one of basic_auth, authorization, oauth2, sigv4, azuread or google_iam must be configured. Currently configured: [basic_auth sigv4]")
        #expect(error("remote_write:\n  - url: http://a/\n    protobuf_message: v3\n")
            == "p.yml:3:23: remote_write[0].protobuf_message: invalid protobuf_message value: unknown type for remote write protobuf message v3, supported: prometheus.WriteRequest, io.prometheus.write.v2.Request")
        #expect(error("scrape_configs:\n  - job_name: a\n    sample_limit: -1\n")
            == #"p.yml:3:19: scrape_configs[0].sample_limit: expected a non-negative integer, got "-1""#)
        #expect(error("scrape_configs:\n  - job_name: a\n    params: {module: http_2xx}\n")
            == #"p.yml:3:22: scrape_configs[0].params.module: expected a list, got scalar "http_2xx""#)
    }

    @Test func scrapeProtocolRules() {
        #expect(error("global:\n  scrape_protocols: []\n") == "p.yml:2:21: global.scrape_protocols: scrape_protocols cannot be empty for global config")
        #expect(error("scrape_configs:\n  - job_name: node\n    scrape_protocols: [prometheusproto]\n")
            == #"p.yml:3:24: scrape_configs[0].scrape_protocols[0]: scrape_protocols: unknown scrape protocol prometheusproto, supported: [OpenMetricsText0.0.1 OpenMetricsText1.0.0 PrometheusProto PrometheusText0.0.4 PrometheusText1.0.0] for scrape config with job name "node""#)
        #expect(error("scrape_configs:\n  - job_name: node\n    scrape_protocols: [OpenMetricsText1.0.0, PrometheusProto, OpenMetricsText1.0.0]\n")
            == #"p.yml:3:63: scrape_configs[0].scrape_protocols[2]: duplicated protocol in scrape_protocols, got [OpenMetricsText1.0.0 PrometheusProto OpenMetricsText1.0.0] for scrape config with job name "node""#)
        #expect(error("scrape_configs:\n  - job_name: node\n    fallback_scrape_protocol: prometheusproto\n")
            == #"p.yml:3:31: scrape_configs[0].fallback_scrape_protocol: invalid fallback_scrape_protocol for scrape config with job name "node": unknown scrape protocol prometheusproto, supported: [OpenMetricsText0.0.1 OpenMetricsText1.0.0 PrometheusProto PrometheusText0.0.4 PrometheusText1.0.0]"#)
    }

    @Test func jobNameAndSections() {
        #expect(error("scrape_configs:\n  - scrape_interval: 1m\n") == "p.yml:2:5: scrape_configs[0]: job_name is empty")
        #expect(error("scrape_configs:\n  - job_name: a\n    static_configs:\n      -\n")
            == "p.yml:4:8: scrape_configs[0].static_configs[0]: empty or null section in static_configs")
        #expect(error("scrape_configs:\n  - job_name: a\n    file_sd_configs:\n      - refresh_interval: 1m\n")
            == "p.yml:4:9: scrape_configs[0].file_sd_configs[0]: file service discovery config must contain at least one path name")
        #expect(error("remote_write:\n  -\n") == "p.yml:2:4: remote_write[0]: empty or null remote write config section")
        #expect(error("scrape_configs: {}\n") == "p.yml:1:17: scrape_configs: expected a list, got a mapping")
    }
}
