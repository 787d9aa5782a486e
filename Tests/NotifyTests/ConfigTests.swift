import Config
import Foundation
import Model
import Testing
@testable import Notify

@Suite struct MatcherParsingTests {
    @Test func parsesAlertmanagerSyntax() throws {
        let ms = try AlertmanagerMatchers.parse(#"{foo="bar", baz=~"a|b" ,qux!=x, n!~"y\"z"}"#)
        #expect(ms.map(AlertmanagerMatchers.format) == [#"foo="bar""#, #"baz=~"a|b""#, #"qux!="x""#, #"n!~"y\"z""#])
        #expect(try AlertmanagerMatchers.parse(#"a="1,2",b=3"#).map(\.value) == ["1,2", "3"])
        #expect(try AlertmanagerMatchers.parseOne(#"  x = "sp ace" "#).value == "sp ace")
        #expect(try AlertmanagerMatchers.parseOne(#"x=a\nb"#).value == "a\nb")
    }

    @Test func rejectsBadMatchers() {
        for bad in [#"foo=="bar""#, "=x", "foo", #"foo="unterminated"#, #"1abc="x""#, #"a=~"(""#] {
            #expect(throws: MatcherParseError.self, "\(bad)") { try AlertmanagerMatchers.parse(bad) }
        }
    }
}

@Suite struct NotifyConfigTests {
    @Test func appliesDefaultsAndGlobalFallbacks() throws {
        let c = try NotifyConfig.load(file: Fixtures.path("valid/full.yml"))
        #expect(c.global.resolveTimeout == PromDuration(seconds: 120))
        let mail = try #require(c.receiver(named: "mail"))
        #expect(mail.email[0].smarthost == "smtp.example.org:587")
        #expect(mail.email[0].from == "ember@example.org")
        #expect(mail.email[0].headers["Subject"] == "Alert {{ .GroupLabels.alertname }}")
        #expect(mail.email[0].headers["To"] == "oncall@example.org")
        #expect(mail.webhook[0].maxAlerts == 10 && mail.webhook[0].sendResolved)
        let slack = try #require(c.receiver(named: "slack")).slack[0]
        #expect(slack.apiURL == "https://hooks.slack.com/services/T000/B000/XXXX")
        #expect(slack.fields.first?.short == true)
        let root = Route(config: c.route)
        #expect(root.options.groupWait == PromDuration(seconds: 30))
        #expect(root.options.groupInterval == PromDuration(seconds: 300))
        #expect(root.options.repeatInterval == PromDuration(seconds: 14400))
        #expect(root.routes[0].options.muteTimeIntervals == ["weekends"])
        #expect(c.inhibitRules.count == 2)
    }

    @Test func errorsNameFileLineAndColumn() throws {
        let text = "route:\n  receiver: a\n  group_wait: 5x\nreceivers:\n- name: a\n"
        do {
            _ = try NotifyConfig.parse(text, file: "am.yml")
            Issue.record("expected an error")
        } catch let e as ConfigError {
            #expect(e.description == #"am.yml:3:15: route.group_wait: invalid duration "5x""#)
        }
    }

    @Test func inlineSectionOfEmberConfig() throws {
        let text = "global:\n  scrape_interval: 15s\nnotify:\n  route: {receiver: a}\n  receivers: [{name: a}]\n  bogus: 1\n"
        let root = try #require(try YAMLNode.parse(text, file: "ember.yml"))
        let section = try #require(try root.entries().first { $0.key == "notify" }?.value)
        do {
            _ = try NotifyConfig.parse(node: section, baseDirectory: "/etc/ember")
            Issue.record("expected an error for the unknown field")
        } catch let e as ConfigError {
            #expect(e.description == "ember.yml:6:3: notify.bogus: field bogus not found in type notify")
        }
        let good = text.replacingOccurrences(of: "  bogus: 1\n", with: "  templates: ['t/*.tmpl']\n")
        let goodRoot = try #require(try YAMLNode.parse(good, file: "ember.yml"))
        let goodSection = try #require(try goodRoot.entries().first { $0.key == "notify" }?.value)
        let c = try NotifyConfig.parse(node: goodSection, baseDirectory: "/etc/ember")
        #expect(c.templateFiles == ["/etc/ember/t/*.tmpl"])
        #expect(c.original.contains("receiver: a"))
    }

    @Test func acceptsTeamsReceivers() throws {
        let text = """
            route: {receiver: t}
            receivers:
            - name: t
              msteams_configs: [{webhook_url: 'https://example.webhook.office.com/x'}]
              msteamsv2_configs: [{webhook_url: 'https://prod.westus.logic.azure.com/workflows/1', title: 'T'}]
            """
        let c = try NotifyConfig.parse(text, file: "t.yml")
        #expect(c.receivers[0].msteams.count == 1 && c.receivers[0].msteamsV2[0].title == "T")
        #expect(c.receivers[0].msteams[0].sendResolved)
    }

    @Test func timeIntervalsContainInstants() throws {
        let c = try NotifyConfig.load(file: Fixtures.path("routing/configuration-doc.yml"))
        let offhours = try #require(c.timeIntervals["offhours"])
        // 2026-11-26 is a Thursday; 21:30 in Berlin is 20:30 UTC.
        let thursdayEvening = Date(timeIntervalSince1970: 1_795_725_000)
        #expect(offhours[0].contains(thursdayEvening))
        #expect(!offhours[0].contains(thursdayEvening.addingTimeInterval(-6 * 3600)))
        let holidays = try #require(c.timeIntervals["holidays"])
        #expect(holidays[0].contains(Date(timeIntervalSince1970: 1_798_200_000)))  // 2026-12-25
        #expect(!holidays[0].contains(Date(timeIntervalSince1970: 1_798_459_200)))  // 2026-12-28
    }
}

/// `ember check notify` agrees with `amtool check-config`.
@Suite struct CheckAgreementTests {
    @Test(arguments: Fixtures.files(in: "valid") + Fixtures.files(in: "invalid") + Fixtures.files(in: "routing"))
    func verdictMatchesAmtool(file: String) throws {
        let amtool = try runProcess(amtoolPath, ["check-config", file])
        let ours = NotifyCheck.check(file: file)
        let expectValid = !file.contains("/invalid/")
        #expect((amtool.status == 0) == expectValid, "amtool: \(amtool.stdout)\(amtool.stderr)")
        #expect(ours.valid == expectValid, "ember: \(ours.summary)")
    }

    @Test func templatesAreLoadedAndCounted() {
        let ok = NotifyCheck.check(file: Fixtures.path("valid/with-template.yml"))
        #expect(ok.summary.contains(" - 1 templates"))
        let bad = NotifyCheck.check(file: Fixtures.path("invalid/bad-template.yml"))
        #expect(bad.error?.contains("bad.tmpl.broken:1") == true, "\(bad.summary)")
    }

    @Test func invalidFileErrorsAreLocated() {
        let r = NotifyCheck.check(file: Fixtures.path("invalid/undefined-receiver.yml"))
        #expect(r.error?.contains("undefined-receiver.yml:4:5: route.routes[0]: undefined receiver \"b\" used in route") == true)
    }
}

/// `routesTest` prints what `amtool config routes test` prints.
@Suite struct RoutingAgreementTests {
    static let cases: [(String, [String])] = [
        ("routing/simple.yml", ["service=foo1"]),
        ("routing/simple.yml", ["service=foo1", "severity=critical"]),
        ("routing/simple.yml", ["service=files", "severity=critical"]),
        ("routing/simple.yml", ["service=files", "severity=warning"]),
        ("routing/simple.yml", ["service=database", "owner=team-X"]),
        ("routing/simple.yml", ["service=database", "owner=team-Y"]),
        ("routing/simple.yml", ["service=database"]),
        ("routing/simple.yml", ["service=other"]),
        ("routing/simple.yml", []),
        ("routing/configuration-doc.yml", ["service=mysql"]),
        ("routing/configuration-doc.yml", ["service=cassandra", "team=frontend"]),
        ("routing/configuration-doc.yml", ["team=frontend"]),
        ("routing/configuration-doc.yml", ["service=inhibit_rule_example"]),
        ("routing/configuration-doc.yml", ["service=mysqlx"]),
        ("routing/continue-and-old-match.yml", ["team=ops"]),
        ("routing/continue-and-old-match.yml", ["team=ops", "severity=critical"]),
        ("routing/continue-and-old-match.yml", ["team=ops", "region=eu-west", "env=dev"]),
        ("routing/continue-and-old-match.yml", ["team=ops", "region=eu-west", "env=prod", "severity=info"]),
        ("routing/continue-and-old-match.yml", ["team=dev", "severity=warning", "job=node"]),
        ("routing/continue-and-old-match.yml", [#"instance="host\"1""#]),
        ("routing/continue-and-old-match.yml", ["job=node", "alertname=X"]),
        ("routing/continue-and-old-match.yml", ["alertname=X"]),
        ("routing/continue-and-old-match.yml", ["other=1"]),
    ]

    @Test(arguments: cases.indices)
    func receiversMatchAmtool(index: Int) throws {
        let (fixture, args) = Self.cases[index]
        let file = Fixtures.path(fixture)
        let amtool = try runProcess(amtoolPath, ["config", "routes", "test", "--config.file", file] + args)
        #expect(amtool.status == 0, "\(amtool.stderr)")
        let config = try NotifyConfig.load(file: file)
        let ours = RoutesTest.routesTest(config: config, labels: try RoutesTest.parseLabelArguments(args))
        #expect(!ours.isEmpty)
        #expect(ours == amtool.stdout, "labels \(args)")
    }
}
