import ArgumentParser
import Exporter
import Server

struct ExporterCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "exporter",
        abstract: "Run the host exporter: node_exporter-compatible host metrics plus the checks of a checks file, on /metrics."
    )

    @Option(name: .customLong("web.listen-address"), help: "Address to serve /metrics on.")
    var listenAddress: String = "127.0.0.1:9100"

    @Option(name: .customLong("checks.file"), help: "Checks file (YAML or JSON); see examples/checks.yml.")
    var checksFile: String?

    @Option(name: .customLong("collector.textfile.directory"), help: "Directory of *.prom files for the textfile collector.")
    var textfileDirectory: String = ""

    @Option(name: .customLong("log.level"), help: "Only log messages with the given severity or above: debug, info, warn, error.")
    var logLevel: String = "info"

    func validate() throws {
        guard ListenAddress(listenAddress) != nil else { throw ValidationError("invalid --web.listen-address \"\(listenAddress)\": expected host:port") }
        guard parseLogLevel(logLevel) != nil else { throw ValidationError("invalid --log.level \"\(logLevel)\": expected debug, info, warn or error") }
    }

    func run() async throws {
        let logger = makeLogger(label: "ember.exporter", level: logLevel)
        let exporter: Exporter
        do {
            let checks = try checksFile.map { try ChecksFile.load($0) } ?? ChecksConfig()
            var options = ExporterOptions()
            options.textfileDirectory = textfileDirectory
            options.logger = logger
            exporter = try Exporter(config: checks, options: options)
        } catch {
            logger.error("Error starting the exporter", metadata: ["err": "\(error)"])
            throw ExitCode(1)
        }
        try await ExporterServer(exporter: exporter, listenAddress: ListenAddress(listenAddress)!, logger: logger).run()
    }
}

/// `ember check checks FILE...`
struct CheckChecksCommand: ParsableCommand {
    static let configuration = CommandConfiguration(commandName: "checks", abstract: "Check exporter checks files (YAML or JSON).")

    @Argument(help: "Checks files.")
    var files: [String]

    func run() throws {
        var failed = false
        for file in files {
            print("Checking \(file)")
            do {
                let config = try ChecksFile.load(file)
                print(" SUCCESS: \(config.checks.count) checks found")
            } catch {
                failed = true
                print("  FAILED: \(error)")
            }
        }
        if failed { throw ExitCode(1) }
    }
}
