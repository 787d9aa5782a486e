import ArgumentParser
import Server

/// `ember`: one binary for scraping, storage, PromQL, rules, alert routing and a host exporter.
@main
struct Ember: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "ember",
        abstract: "A Prometheus-compatible monitoring system in one binary.",
        discussion: """
        Ember scrapes targets, stores samples in its own TSDB, answers PromQL over the \
        Prometheus HTTP API and a web UI, evaluates rules, and routes alerts. It reads \
        prometheus.yml, rule files and alertmanager.yml unchanged.
        """,
        version: BuildInfo.versionLine,
        subcommands: [ServerCommand.self, ExporterCommand.self, CheckCommand.self, TestCommand.self, QueryCommand.self, NotifyCommand.self, TSDBCommand.self, BenchCommand.self, VersionCommand.self]
    )
}

struct VersionCommand: ParsableCommand {
    static let configuration = CommandConfiguration(commandName: "version", abstract: "Print version and build information.")

    func run() {
        print(BuildInfo.versionLine)
    }
}
