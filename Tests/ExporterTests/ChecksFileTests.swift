import Config
import Model
import Foundation
import Testing
@testable import Exporter

@Suite struct ChecksFileTests {
    func errors(_ text: String, file: String = "checks.yml") -> [String] {
        do {
            _ = try ChecksFile.parse(text, file: file)
            return []
        } catch let e as ConfigErrors {
            return e.errors.map(\.description)
        } catch {
            return ["unexpected \(error)"]
        }
    }

    @Test func exampleFileLoadsAndBuildsAnExporter() throws {
        let config = try ChecksFile.load(repositoryRoot + "/examples/checks.yml")
        #expect(config.checks.count >= 10)
        let kinds = Set(config.checks.map(\.typeName))
        #expect(kinds == ["port", "service", "process", "command", "http", "file", "tcp"])
        let memory = try #require(config.checks.first { $0.name == "memory-used" })
        #expect(memory.labels == [LabelPair("env", "production")])
        #expect(memory.timeout == PromDuration(seconds: 2))
        guard case .service(let s) = try #require(config.checks.first { $0.name == "nginx-service" }).kind else {
            Issue.record("nginx-service is not a service check")
            return
        }
        #expect(s.unit == "nginx.service")
        #expect(config.checks.first { $0.name == "nginx-service" }?.interval == PromDuration(seconds: 30))
    }

    /// The example file runs on this host: memory-used works everywhere, services fail
    /// cleanly without systemd, and nothing in it breaks the scrape.
    @Test func exampleFileScrapes() async throws {
        let config = try ChecksFile.load(repositoryRoot + "/examples/checks.yml")
        let page = try await scrapeChecks(config.checks)
        #expect(page.samples("ember_check_success").count == config.checks.count)
        let used = try #require(page.value("host_memory_used_percent", ["check": "memory-used", "env": "production"]))
        #expect(used > 0 && used < 100)
        #expect(page.value("ember_check_success", ["check": "memory-used"]) == 1)
        if !FileManager.default.fileExists(atPath: "/run/systemd/system") {
            #expect(page.value("ember_check_error", ["check": "nginx-service", "reason": "systemd_unavailable"]) == 1)
        }
        #expect(page.value("namedprocess_namegroup_num_procs", ["check": "python3-processes"]) != nil)
    }

    @Test func fullExampleOfEveryType() throws {
        let config = try ChecksFile.parse("""
        checks:
          - {name: p, type: port, port: 53, protocol: udp, address: "::1", labels: {team: dns}}
          - {name: s, type: service, unit: sshd, expect_state: inactive}
          - {name: pr, type: process, comm: [python3, a-very-long-process-name], exe: /usr/bin/python3, cmdline: ['http\\.server'], min_count: 0, max_count: 3}
          - {name: t, type: tcp, address: "[::1]:22", send: "hi", expect: "^SSH"}
          - {name: h, type: http, url: "http://localhost:8080/x?y=1", method: post, headers: {X-A: b}, body: "{}", valid_status_codes: [200, 204], follow_redirects: false, max_body_bytes: 10}
          - {name: c, type: command, command: [echo, "1"], success_exit_codes: [0, 1], max_output_bytes: 100, env: {A: b}, metrics: [{name: m, value: output, type: counter, labels: {k: v}}]}
          - {name: f, type: file, path: /etc/hostname, max_age: 1h, min_size: 1}
        """, file: "all.yml")
        #expect(config.checks.map(\.name) == ["p", "s", "pr", "t", "h", "c", "f"])
        guard case .service(let s) = config.checks[1].kind, case .http(let h) = config.checks[4].kind,
              case .command(let c) = config.checks[5].kind, case .port(let p) = config.checks[0].kind else {
            Issue.record("wrong kinds")
            return
        }
        #expect(s.unit == "sshd.service")
        #expect(s.expectedState == "inactive")
        #expect(h.method == "POST")
        #expect(h.validStatusCodes == [200, 204])
        #expect(h.followRedirects == false)
        #expect(c.successExitCodes == [0, 1])
        #expect(c.metrics.first?.type == .counter)
        #expect(p.proto == .udp)
        #expect(config.checks[0].labels == [LabelPair("team", "dns")])
    }

    @Test func httpTLSConfig() throws {
        let config = try ChecksFile.parse("""
        checks:
          - name: api
            type: http
            url: https://api.internal:8443/health
            tls_config: {ca_file: /etc/ssl/internal-ca.pem, server_name: api.internal, min_version: TLS13}
          - name: self-signed
            type: http
            url: https://127.0.0.1:9443/
            tls_config:
              insecure_skip_verify: true
              cert_file: /etc/ember/client.pem
              key_file: /etc/ember/client.key
        """, file: "tls.yml")
        guard case .http(let api) = config.checks[0].kind, case .http(let selfSigned) = config.checks[1].kind else {
            Issue.record("wrong kinds")
            return
        }
        #expect(api.tls.caFile == "/etc/ssl/internal-ca.pem")
        #expect(api.tls.serverName == "api.internal")
        #expect(api.tls.minVersion == "TLS13")
        #expect(api.tls.insecureSkipVerify == false)
        #expect(selfSigned.tls.insecureSkipVerify)
        #expect(selfSigned.tls.certFile == "/etc/ember/client.pem")
        #expect(selfSigned.tls.keyFile == "/etc/ember/client.key")

        #expect(errors("checks:\n  - {name: a, type: http, url: 'https://x/', tls_config: {min_version: TLS14}}\n")
                == [#"checks.yml:2:72: checks[0].tls_config.min_version: min_version must be one of TLS10, TLS11, TLS12, TLS13, got "TLS14""#])
        #expect(errors("checks:\n  - {name: a, type: http, url: 'https://x/', tls_config: {cert_file: /c.pem}}\n")
                == ["checks.yml:2:58: checks[0].tls_config: cert_file and key_file must be given together"])
        #expect(errors("checks:\n  - {name: a, type: http, url: 'https://x/', tls_config: {verify: false}}\n")
                == ["checks.yml:2:59: checks[0].tls_config.verify: field verify not found in type tls_config"])
    }

    @Test func jsonChecksFilesWorkToo() throws {
        let json = "{\n\t\"checks\": [\n\t\t{\"name\": \"j\", \"type\": \"port\", \"port\": 8080}\n\t]\n}\n"
        let config = try ChecksFile.parse(json, file: "checks.json")
        #expect(config.checks.first?.name == "j")
        #expect(errors("{\n  \"checks\": [\n    {\"name\": \"j\", \"type\": \"port\", \"port\": 0}\n  ]\n}\n", file: "c.json")
                == ["c.json:3:43: checks[0].port: port must be between 1 and 65535, got 0"])
    }

    @Test func errorsNameFileLineColumnAndField() {
        #expect(errors("checks:\n  - name: a\n    type: port\n    port: 9001\n    url: http://x\n")
                == ["checks.yml:5:5: checks[0].url: field url is not valid for a port check"])
        #expect(errors("checks:\n  - name: a\n    type: pigeon\n")
                == [#"checks.yml:3:11: checks[0].type: unknown check type "pigeon" (want one of command, file, http, port, process, service, tcp)"#])
        #expect(errors("checks:\n  - name: a\n    port: 1\n")
                == ["checks.yml:2:5: checks[0].type: missing required field"])
        #expect(errors("checks:\n  - name: a\n    type: port\n")
                == ["checks.yml:2:5: checks[0].port: missing required field"])
        #expect(errors("checks:\n  - name: a\n    type: port\n    port: 80\n    interval: 5x\n")
                == [#"checks.yml:5:15: checks[0].interval: invalid duration "5x""#])
        #expect(errors("checks:\n  - name: a\n    type: process\n    cmdline: ['ok', '(unclosed']\n")
                == [#"checks.yml:4:21: checks[0].cmdline[1]: invalid regular expression "(unclosed""#])
        #expect(errors("checks:\n  - name: a\n    type: command\n    command: df -h\n")
                == [#"checks.yml:4:14: checks[0].command: command must be a list of arguments (e.g. ["df", "-P"]); a string is only run with shell: true"#])
        #expect(errors("checks:\n  - name: a\n    type: port\n    port: 80\n    labels: {check: x}\n")
                == [#"checks.yml:5:21: checks[0].labels.check: label "check" is set by the check itself and cannot be configured"#])
        #expect(errors("bogus: 1\n") == ["checks.yml:1:1: bogus: field bogus not found in type config"])
        #expect(errors("checks:\n  - name: a\n    type: port\n    port: [80\n").first?.hasPrefix("checks.yml:5:1: invalid YAML") == true)
    }

    @Test func everyBadCheckIsReportedAtOnce() {
        let found = errors("""
        checks:
          - {name: a, type: port, port: 1}
          - {name: a, type: port, port: 2}
          - {name: b, type: file, path: relative/path}
          - {name: c, type: http, url: "ftp://x"}
          - {name: d, type: command, command: [x], metrics: [{name: "bad name", value: output}]}
          - {name: e, type: command, command: [x], metrics: [{name: ok, value: output, regex: "x"}]}
          - {name: f, type: tcp, address: "no-port"}
          - {name: g, type: process}
          - {name: h, type: service, unit: "../etc"}
          - {name: i, type: command, command: [x], metrics: [{name: ok, json_path: ".a["}]}
          - {name: "", type: port, port: 1}
        """)
        #expect(found.count == 10, "\(found)")
        #expect(found[0] == #"checks.yml:3:12: checks[1].name: duplicate check name "a" (first defined at line 2)"#)
        #expect(found[1].contains("checks[2].path: path must be absolute"))
        #expect(found[2].contains("checks[3].url: invalid URL \"ftp://x\": scheme must be http or https"))
        #expect(found[3].contains("checks[4].metrics[0].name: invalid metric name"))
        #expect(found[4].contains("exactly one of value, regex or json_path (got value, regex)"))
        #expect(found[5].contains("checks[6].address: address must be host:port"))
        #expect(found[6].contains("at least one of comm, exe or cmdline"))
        #expect(found[7].contains("invalid unit name"))
        #expect(found[8].contains("invalid json_path"))
        #expect(found[9].contains("check name must not be empty"))
    }

    @Test func emptyOrMissingFiles() throws {
        #expect(try ChecksFile.parse("# nothing yet\n", file: "x.yml").checks.isEmpty)
        let missing = #expect(throws: ConfigErrors.self) { try ChecksFile.load("/nonexistent/checks.yml") }
        #expect(missing?.description.hasPrefix("/nonexistent/checks.yml: cannot read file") == true)
    }

    @Test func defaultsApplyAndChecksOverride() throws {
        let config = try ChecksFile.parse("""
        defaults: {interval: 1m, timeout: 3s, labels: {env: prod, team: a}}
        checks:
          - {name: a, type: port, port: 1}
          - {name: b, type: port, port: 2, interval: 0s, timeout: 1s, labels: {team: b}}
        """, file: "d.yml")
        #expect(config.checks[0].interval == PromDuration(seconds: 60))
        #expect(config.checks[0].timeout == PromDuration(seconds: 3))
        #expect(config.checks[1].interval == .zero)
        #expect(config.checks[1].labels == [LabelPair("env", "prod"), LabelPair("team", "b")])
    }
}
