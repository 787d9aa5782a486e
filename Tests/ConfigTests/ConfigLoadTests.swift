import Model
import Testing
@testable import Config

/// Valid files load with Prometheus's defaults, field by field.
@Suite struct ConfigLoadTests {
    private func parse(_ yaml: String, file: String = "/etc/ember/prometheus.yml", env: [String: String] = [:]) throws -> PrometheusConfig {
        try PrometheusConfig.parse(contents: yaml, file: file, environment: env)
    }

    @Test func emptyFileIsTheDefaultConfig() throws {
        for text in ["", "# nothing\n", "global:\n"] {
            let c = try parse(text)
            #expect(c == PrometheusConfig())
            #expect(c.global.scrapeInterval == PromDuration(seconds: 60))
            #expect(c.global.scrapeTimeout == PromDuration(seconds: 10))
            #expect(c.global.evaluationInterval == PromDuration(seconds: 60))
            #expect(c.global.ruleQueryOffset == .zero)
            #expect(c.global.queryLogFile == "")
            #expect(c.global.externalLabels == .empty)
            #expect(c.global.scrapeProtocols == nil)
            #expect(c.global.limits == ScrapeLimits())
            #expect(c.global.metricNameValidationScheme == .utf8)
            #expect(c.scrapeConfigs.isEmpty && c.ruleFiles.isEmpty && c.remoteWrite.isEmpty && c.notify == nil)
        }
    }

    @Test func scrapeConfigDefaults() throws {
        let c = try parse("scrape_configs:\n  - job_name: node\n")
        let job = try #require(c.scrapeConfig(named: "node"))
        #expect(job.scrapeInterval == PromDuration(seconds: 60))
        #expect(job.scrapeTimeout == PromDuration(seconds: 10))
        #expect(job.metricsPath == "/metrics")
        #expect(job.scheme == "http")
        #expect(job.honorLabels == false)
        #expect(job.honorTimestamps == true)
        #expect(job.trackTimestampsStaleness == false)
        #expect(job.enableCompression == true)
        #expect(job.params.isEmpty)
        #expect(job.scrapeProtocols == [.openMetricsText1_0_0, .openMetricsText0_0_1, .prometheusText1_0_0, .prometheusText0_0_4])
        #expect(job.fallbackScrapeProtocol == nil)
        #expect(job.limits == ScrapeLimits())
        #expect(job.httpClient.followRedirects && job.httpClient.enableHTTP2)
        #expect(job.httpClient.basicAuth == nil && job.httpClient.authorization == nil && job.httpClient.proxyURL == nil)
        #expect(job.httpClient.tls.isEmpty)
        #expect(job.staticConfigs.isEmpty && job.fileSDConfigs.isEmpty)
        #expect(job.relabelConfigs.isEmpty && job.metricRelabelConfigs.isEmpty)
    }

    @Test func timeoutFollowsShortIntervals() throws {
        // Prometheus: an unset timeout is min(global timeout, interval).
        let c = try parse("global:\n  scrape_interval: 5s\nscrape_configs:\n  - job_name: a\n  - job_name: b\n    scrape_interval: 2s\n  - job_name: c\n    scrape_interval: 0s\n")
        #expect(c.global.scrapeTimeout == PromDuration(seconds: 5))
        #expect(c.scrapeConfigs.map(\.scrapeTimeout) == [PromDuration(seconds: 5), PromDuration(seconds: 2), PromDuration(seconds: 5)])
        #expect(c.scrapeConfigs[2].scrapeInterval == PromDuration(seconds: 5))
    }

    @Test func globalsAreInheritedUnlessOverridden() throws {
        let c = try parse("""
            global:
              scrape_protocols: [PrometheusText0.0.4]
              sample_limit: 100
              body_size_limit: 1MB
              metric_name_validation_scheme: legacy
            scrape_configs:
              - job_name: a
              - job_name: b
                sample_limit: 5
                scrape_protocols: [OpenMetricsText1.0.0]
                metric_name_validation_scheme: utf8
            """)
        #expect(c.scrapeConfigs[0].scrapeProtocols == [.prometheusText0_0_4])
        #expect(c.scrapeConfigs[0].limits.sampleLimit == 100)
        #expect(c.scrapeConfigs[0].limits.bodySizeLimit == 1 << 20)
        #expect(c.scrapeConfigs[0].metricNameValidationScheme == .legacy)
        #expect(c.scrapeConfigs[1].limits.sampleLimit == 5)
        #expect(c.scrapeConfigs[1].limits.bodySizeLimit == 1 << 20)
        #expect(c.scrapeConfigs[1].scrapeProtocols == [.openMetricsText1_0_0])
        #expect(c.scrapeConfigs[1].metricNameValidationScheme == .utf8)
    }

    @Test func prometheusExampleLoadsUnchanged() throws {
        let c = try Fixtures.load("prometheus-example.yml")
        let dir = Fixtures.directory
        #expect(c.warnings.isEmpty)
        #expect(c.global.scrapeInterval == PromDuration(seconds: 15))
        #expect(c.global.scrapeTimeout == PromDuration(seconds: 10))
        #expect(c.global.evaluationInterval == PromDuration(seconds: 30))
        #expect(c.global.externalLabels == ["monitor": "codelab", "foo": "bar"])
        #expect(c.ruleFiles == ["\(dir)/first.rules", "\(dir)/my/*.rules"])

        #expect(c.remoteWrite.count == 2)
        let rw = c.remoteWrite[0]
        #expect(rw.url.text == "http://remote1/push" && rw.name == "drop_expensive")
        #expect(rw.remoteTimeout == PromDuration(seconds: 30))
        #expect(rw.queueConfig == QueueConfig() && rw.metadataConfig == MetadataConfig())
        #expect(rw.httpClient.followRedirects && !rw.httpClient.enableHTTP2)
        #expect(rw.writeRelabelConfigs == [RelabelConfig(sourceLabels: ["__name__"], regex: try RelabelRegex("expensive.*"), action: .drop)])
        #expect(c.remoteWrite[1].httpClient.tls.certFile == "\(dir)/valid_cert_file")
        #expect(c.remoteWrite[1].headers == ["name": "value"])

        #expect(c.scrapeConfigs.map(\.jobName) == [
            "prometheus", "service-x", "service-y", "service-z", "service-kubernetes-namespaces", "0123service-xxx", "badfederation", "測試",
        ])
        let prom = c.scrapeConfigs[0]
        #expect(prom.honorLabels && prom.honorTimestamps)
        #expect(prom.scrapeInterval == PromDuration(seconds: 15) && prom.scrapeTimeout == PromDuration(seconds: 10))
        #expect(prom.fileSDConfigs == [
            FileSDConfig(files: ["\(dir)/foo/*.slow.json", "\(dir)/foo/*.slow.yml", "\(dir)/single/file.yml"], refreshInterval: PromDuration(seconds: 600)),
            FileSDConfig(files: ["\(dir)/bar/*.yaml"], refreshInterval: PromDuration(seconds: 300)),
        ])
        #expect(prom.staticConfigs == [TargetGroup(targets: ["localhost:9090", "localhost:9191"], labels: ["my": "label", "your": "label"], source: "0")])
        #expect(prom.relabelConfigs == [
            RelabelConfig(sourceLabels: ["job", "__meta_dns_name"], regex: try RelabelRegex("(.*)some-[regex]"), targetLabel: "job", replacement: "foo-${1}"),
            RelabelConfig(sourceLabels: ["abc"], targetLabel: "cde"),
            RelabelConfig(targetLabel: "abc", replacement: "static"),
            RelabelConfig(regex: try RelabelRegex(""), targetLabel: "abc", replacement: "static"),
            RelabelConfig(sourceLabels: ["foo"], targetLabel: "abc", action: .keepequal),
            RelabelConfig(sourceLabels: ["foo"], targetLabel: "abc", action: .dropequal),
        ])
        var auth = Authorization()
        auth.credentialsFile = "\(dir)/valid_token_file"
        #expect(prom.httpClient.authorization == auth)
        #expect(prom.httpClient.tls.minVersion == .tls10)

        let x = c.scrapeConfigs[1]
        var basic = BasicAuth()
        basic.username = "admin_name"
        basic.password = "multiline\nmysecret\ntest"
        #expect(x.httpClient.basicAuth == basic)
        #expect(x.scrapeInterval == PromDuration(seconds: 50) && x.scrapeTimeout == PromDuration(seconds: 5))
        #expect(x.limits.bodySizeLimit == 10 << 20 && x.limits.sampleLimit == 1000 && x.limits.targetLimit == 35)
        #expect(x.limits.labelLimit == 35 && x.limits.labelNameLengthLimit == 210 && x.limits.labelValueLengthLimit == 210)
        #expect(x.metricsPath == "/my_path" && x.scheme == "https")
        #expect(x.relabelConfigs.map(\.action) == [.drop, .hashmod, .keep, .labelmap, .labeldrop, .labelkeep])
        #expect(x.relabelConfigs[1].modulus == 8 && x.relabelConfigs[1].targetLabel == "__tmp_hash")
        #expect(x.metricRelabelConfigs == [RelabelConfig(sourceLabels: ["__name__"], regex: try RelabelRegex("expensive_metric.*"), action: .drop)])

        #expect(c.scrapeConfigs[2].relabelConfigs[0].separator == ",")
        #expect(c.scrapeConfigs[3].httpClient.authorization?.credentials == "mysecret")
        #expect(c.scrapeConfigs[4].httpClient.basicAuth?.passwordFile == "\(dir)/valid_password_file")
        #expect(c.scrapeConfigs[6].honorTimestamps == false && c.scrapeConfigs[6].metricsPath == "/federate")

        #expect(c.alerting.alertmanagers.count == 1)
        let am = c.alerting.alertmanagers[0]
        #expect(am.scheme == "https" && am.timeout == PromDuration(seconds: 10) && am.apiVersion == "v2" && am.pathPrefix == "")
        #expect(am.staticConfigs == [TargetGroup(targets: ["1.2.3.4:9093", "1.2.3.5:9093", "1.2.3.6:9093"])])
    }

    @Test func documentationDefaultConfigLoads() throws {
        let c = try Fixtures.load("prometheus-docs-default.yml")
        #expect(c.global.scrapeInterval == PromDuration(seconds: 15) && c.global.evaluationInterval == PromDuration(seconds: 15))
        #expect(c.ruleFiles.isEmpty)
        #expect(c.alerting.alertmanagers.count == 1 && c.alerting.alertmanagers[0].staticConfigs[0].targets.isEmpty)
        #expect(c.scrapeConfigs[0].staticConfigs == [TargetGroup(targets: ["localhost:9090"], labels: ["label_name": "label value"])])
    }

    @Test func everyImplementedFieldIsRead() throws {
        let c = try Fixtures.load("ember-full.yml")
        let dir = Fixtures.directory
        #expect(c.global.scrapeInterval == PromDuration(seconds: 30) && c.global.scrapeTimeout == PromDuration(seconds: 20))
        #expect(c.global.evaluationInterval == PromDuration(seconds: 45))
        #expect(c.global.queryLogFile == "\(dir)/logs/query.log")
        #expect(c.global.externalLabels == ["region": "eu-west", "replica": "1"])
        #expect(c.ruleFiles == ["\(dir)/rules/*.yml", "\(dir)/alerts.yml"])

        let bb = try #require(c.scrapeConfig(named: "blackbox"))
        #expect(bb.metricsPath == "/probe" && bb.scheme == "https" && bb.honorLabels && !bb.honorTimestamps)
        #expect(bb.params == ["module": ["http_2xx"], "target": ["a", "b"]])
        #expect(bb.scrapeInterval == PromDuration(seconds: 60) && bb.scrapeTimeout == PromDuration(seconds: 60))
        #expect(bb.limits.bodySizeLimit == 1536 && bb.limits.sampleLimit == 10)
        #expect(!bb.httpClient.followRedirects && !bb.httpClient.enableHTTP2)
        #expect(bb.httpClient.proxyURL?.host == "proxy.example" && bb.httpClient.proxyURL?.port == "3128")
        #expect(bb.httpClient.basicAuth?.username == "prober" && bb.httpClient.basicAuth?.passwordFile == "\(dir)/secrets/prober")
        var tls = TLSConfig()
        tls.caFile = "\(dir)/certs/ca.pem"
        tls.certFile = "\(dir)/certs/client.pem"
        tls.keyFile = "\(dir)/certs/client.key"
        tls.serverName = "probe.example"
        tls.insecureSkipVerify = true
        tls.minVersion = .tls12
        #expect(bb.httpClient.tls == tls)
        #expect(bb.staticConfigs == [TargetGroup(targets: ["example.com", "example.org"], labels: ["team": "web"])])
        #expect(bb.relabelConfigs.count == 3 && bb.metricRelabelConfigs.count == 1)
        #expect(bb.targetDefaultLabels.contains(Label("__param_module", "http_2xx")))

        let files = try #require(c.scrapeConfig(named: "files"))
        #expect(files.httpClient.authorization == {
            var a = Authorization()
            a.credentialsFile = "\(dir)/secrets/token"
            return a
        }())
        #expect(files.fileSDConfigs == [
            FileSDConfig(files: ["\(dir)/targets/*.json", "\(dir)/targets/static.yml"]),
            FileSDConfig(files: ["/abs/targets.yaml"], refreshInterval: PromDuration(seconds: 30)),
        ])

        #expect(c.alerting.alertRelabelConfigs.map(\.action) == [.labeldrop])
        let am = c.alerting.alertmanagers[0]
        #expect(am.pathPrefix == "/am" && am.timeout == PromDuration(seconds: 5) && am.scheme == "http")
        #expect(am.httpClient.authorization?.type == "Token" && am.httpClient.authorization?.credentials == "s3cret")
        #expect(am.staticConfigs[0].targets == ["am1:9093", "am2:9093"] && am.relabelConfigs.count == 1)

        let rw = c.remoteWrite[0]
        #expect(rw.url.host == "vm.example" && rw.url.port == "8428" && rw.url.redacted == "https://user:xxxxx@vm.example:8428/api/v1/write")
        #expect(rw.name == "vm" && rw.remoteTimeout == PromDuration(seconds: 10) && rw.headers == ["X-Scope-OrgID": "tenant1"])
        var q = QueueConfig()
        q.capacity = 2500
        q.maxShards = 200
        q.minShards = 2
        q.maxSamplesPerSend = 500
        q.batchSendDeadline = PromDuration(seconds: 10)
        q.minBackoff = PromDuration(milliseconds: 50)
        q.maxBackoff = PromDuration(seconds: 10)
        q.retryOnHTTP429 = true
        #expect(rw.queueConfig == q)
        #expect(!rw.metadataConfig.send && rw.metadataConfig.sendInterval == PromDuration(seconds: 120) && rw.metadataConfig.maxSamplesPerSend == 2000)
    }

    @Test func prometheus3FieldsAreRead() throws {
        let c = try Fixtures.load("prometheus3-fields.yml")
        #expect(c.global.ruleQueryOffset == PromDuration(seconds: 30))
        #expect(c.global.scrapeProtocols == [.prometheusText0_0_4, .openMetricsText1_0_0])
        #expect(c.global.limits.keepDroppedTargets == 100 && c.global.limits.bodySizeLimit == 15 << 20)
        let job = c.scrapeConfigs[0]
        #expect(job.trackTimestampsStaleness && !job.enableCompression)
        #expect(job.fallbackScrapeProtocol == .prometheusText0_0_4)
        #expect(job.scrapeProtocols == [.prometheusText0_0_4, .openMetricsText1_0_0])
        #expect(job.limits.keepDroppedTargets == 5 && job.limits.sampleLimit == 1500)
        #expect(job.staticConfigs[0].labels == ["service.name": "api"])
        #expect(c.remoteWrite[0].protobufMessage == .v2 && c.remoteWrite[0].queueConfig.sampleAgeLimit == PromDuration(seconds: 3600))
    }

    @Test func notifySectionIsKeptRaw() throws {
        let c = try Fixtures.load("ember-notify.yml")
        let notify = try #require(c.notify)
        #expect(notify.path == "notify")
        #expect(notify.line == 9)
        let route = try notify.mapping(allowedKeys: ["route", "receivers"]).required("route")
        #expect(try route.mapping(allowedKeys: ["receiver"]).required("receiver").string() == "ops")
    }

    @Test func ignoredSectionsWarn() throws {
        let c = try Fixtures.load("ignored-sections.yml")
        #expect(c.warnings.map { $0.description.replacingOccurrences(of: Fixtures.directory + "/", with: "") } == [
            "ignored-sections.yml:2:1: storage: storage is accepted for compatibility with Prometheus but ignored by Ember",
            "ignored-sections.yml:6:1: remote_read: remote_read is accepted for compatibility with Prometheus but ignored by Ember",
            "ignored-sections.yml:11:5: scrape_configs[0].dns_sd_configs: dns_sd_configs is not supported by Ember: no targets are discovered from it",
            "ignored-sections.yml:14:7: scrape_configs[0].oauth2: oauth2 is not supported by Ember: requests are sent without OAuth 2 tokens",
        ])
    }

    @Test func relativePathsFollowTheConfigFile() throws {
        let c = try parse("""
            rule_files: [a.yml, ../shared/*.yml, /abs/b.yml, ./x/./c.yml]
            scrape_configs:
              - job_name: a
                bearer_token_file: token
                file_sd_configs: [{files: [sd/*.json]}]
            """, file: "/etc/ember/prometheus.yml")
        #expect(c.ruleFiles == ["/etc/ember/a.yml", "/etc/shared/*.yml", "/abs/b.yml", "/etc/ember/x/c.yml"])
        #expect(c.scrapeConfigs[0].httpClient.authorization?.credentialsFile == "/etc/ember/token")
        #expect(c.scrapeConfigs[0].fileSDConfigs[0].files == ["/etc/ember/sd/*.json"])
        let relative = try parse("rule_files: [r.yml]\n", file: "prometheus.yml")
        #expect(relative.ruleFiles == ["r.yml"])
    }

    @Test func externalLabelsExpandTheEnvironment() throws {
        let yaml = """
            global:
              external_labels:
                bar: foo
                baz: foo${TEST}bar
                foo: ${TEST}
                qux: foo$${TEST}
                xyz: foo$$bar
            """
        // Upstream's external_labels.good.yml, with and without TEST set.
        #expect(try parse(yaml, env: [:]).global.externalLabels == ["bar": "foo", "baz": "foobar", "qux": "foo${TEST}", "xyz": "foo$bar"])
        #expect(try parse(yaml, env: ["TEST": "TestValue"]).global.externalLabels
            == ["bar": "foo", "baz": "fooTestValuebar", "foo": "TestValue", "qux": "foo${TEST}", "xyz": "foo$bar"])
    }

    @Test func reloadSeesWhichJobsChanged() throws {
        let before = try parse("scrape_configs:\n  - job_name: a\n    static_configs: [{targets: ['x:1']}]\n  - job_name: b\n")
        // Comments, key order and explicit defaults do not make a job different.
        let same = try parse("# reformatted\nscrape_configs:\n  - static_configs:\n      - targets: ['x:1']\n    job_name: a\n    metrics_path: /metrics\n  - job_name: b\n    scrape_interval: 1m\n")
        #expect(before == same)
        let changed = try parse("scrape_configs:\n  - job_name: a\n    static_configs: [{targets: ['x:2']}]\n  - job_name: b\n")
        #expect(changed.scrapeConfig(named: "a") != before.scrapeConfig(named: "a"))
        #expect(changed.scrapeConfig(named: "b") == before.scrapeConfig(named: "b"))
        // A changed global default reaches every job that inherits it.
        let global = try parse("global:\n  scrape_interval: 30s\nscrape_configs:\n  - job_name: a\n    static_configs: [{targets: ['x:1']}]\n  - job_name: b\n")
        #expect(global.scrapeConfig(named: "b") != before.scrapeConfig(named: "b"))
    }

    @Test func yamlAnchorsAndMergeKeys() throws {
        let c = try parse("""
            scrape_configs:
              - &common
                job_name: a
                scrape_interval: 30s
                metrics_path: /m
              - <<: *common
                job_name: b
                metrics_path: /own
            """)
        #expect(c.scrapeConfigs.map(\.scrapeInterval) == [PromDuration(seconds: 30), PromDuration(seconds: 30)])
        #expect(c.scrapeConfigs.map(\.metricsPath) == ["/m", "/own"])
    }

    @Test func scrapeConfigFilesAreIncluded() throws {
        let dir = try TemporaryDirectory()
        try dir.write("jobs/a.yml", "scrape_configs:\n  - job_name: included\n    bearer_token_file: token\n")
        try dir.write("jobs/b.yml", "scrape_configs:\n  - job_name: main\n")
        try dir.write("prometheus.yml", "global:\n  scrape_interval: 20s\nscrape_config_files: [jobs/a.yml]\nscrape_configs:\n  - job_name: main\n")
        let c = try PrometheusConfig.load(file: "\(dir.path)/prometheus.yml", environment: [:])
        #expect(c.scrapeConfigs.map(\.jobName) == ["main", "included"])
        #expect(c.scrapeConfigs[1].scrapeInterval == PromDuration(seconds: 20))
        #expect(c.scrapeConfigs[1].httpClient.authorization?.credentialsFile == "\(dir.path)/jobs/token")

        try dir.write("dup.yml", "scrape_config_files: [jobs/*.yml]\nscrape_configs:\n  - job_name: main\n")
        let err = #expect(throws: ConfigErrors.self) { try PrometheusConfig.load(file: "\(dir.path)/dup.yml", environment: [:]) }
        #expect(err?.errors.map(\.description) == [
            #"\#(dir.path)/jobs/b.yml:2:15: scrape_configs[0].job_name: found multiple scrape configs with job name "main", first found in main config file"#,
        ])
    }

    @Test func expandedRuleFilesGlob() throws {
        let dir = try TemporaryDirectory()
        try dir.write("rules/b.yml", "groups: []\n")
        try dir.write("rules/a.yml", "groups: []\n")
        try dir.write("rules/notes.txt", "")
        try dir.write("prometheus.yml", "rule_files: ['rules/*.yml', rules/a.yml, missing.yml]\n")
        let c = try PrometheusConfig.load(file: "\(dir.path)/prometheus.yml", environment: [:])
        #expect(c.expandedRuleFiles() == ["\(dir.path)/rules/a.yml", "\(dir.path)/rules/b.yml"])
    }

    @Test func targetEdgeCases() throws {
        // An empty targets list is allowed and scrapes nothing, as in Prometheus.
        let empty = try parse("scrape_configs:\n  - job_name: a\n    static_configs:\n      - targets: []\n        labels: {team: x}\n")
        #expect(empty.scrapeConfigs[0].staticConfigs == [TargetGroup(targets: [], labels: ["team": "x"])])
        // A URL target is fine when relabeling makes it host:port.
        let c = try Fixtures.load("relabeled-url-target.yml")
        let job = c.scrapeConfigs[0]
        let relabeled = relabel(["__address__": "http://app.example:8080/metrics"], job.relabelConfigs)
        #expect(relabeled == ["__address__": "app.example:8080", "__metrics_path__": "/metrics"])
        // Static labels follow the same name rules as external labels.
        #expect(throws: ConfigErrors.self) {
            try parse("scrape_configs:\n  - job_name: a\n    static_configs:\n      - targets: ['a:1']\n        labels: {'': x}\n")
        }
    }

    @Test func unreadableFileIsAnError() {
        let err = #expect(throws: ConfigErrors.self) { try PrometheusConfig.load(file: "/nonexistent/ember.yml", environment: [:]) }
        #expect(err?.errors.first?.description.hasPrefix("/nonexistent/ember.yml: cannot read file") == true)
    }
}
