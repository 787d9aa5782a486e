import ArgumentParser
import Foundation
import Notify

/// `ember check notify FILE...`: like `amtool check-config`.
struct CheckNotifyCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "notify",
        abstract: "Check Alertmanager configuration files (alertmanager.yml), like amtool check-config."
    )

    @Argument(help: "Configuration files.")
    var files: [String]

    func run() throws {
        var failed = false
        for file in files {
            let result = NotifyCheck.check(file: file)
            print(result.summary)
            if !result.valid { failed = true }
        }
        if failed { throw ExitCode(1) }
    }
}

struct NotifyCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "notify",
        abstract: "Work with notifier (Alertmanager) configurations.",
        subcommands: [NotifyRoutesCommand.self]
    )
}

struct NotifyRoutesCommand: ParsableCommand {
    static let configuration = CommandConfiguration(commandName: "routes", abstract: "Inspect the routing tree.",
                                                    subcommands: [NotifyRoutesTestCommand.self])
}

/// `ember notify routes test --config.file F label=value...`: prints the matching receivers as amtool does.
struct NotifyRoutesTestCommand: ParsableCommand {
    static let configuration = CommandConfiguration(commandName: "test", abstract: "Print the receivers an alert with the given labels is routed to.")

    @Option(name: .customLong("config.file"), help: "alertmanager.yml")
    var configFile: String

    @Argument(help: "Labels of the alert, as label=value.")
    var labels: [String] = []

    func run() throws {
        let config: NotifyConfig
        do {
            config = try NotifyConfig.load(file: configFile)
        } catch {
            FileHandle.standardError.write(Data("error: \(error)\n".utf8))
            throw ExitCode(1)
        }
        let parsed: [String: String]
        do { parsed = try RoutesTest.parseLabelArguments(labels) } catch {
            FileHandle.standardError.write(Data("error: \(error)\n".utf8))
            throw ExitCode(1)
        }
        print(RoutesTest.routesTest(config: config, labels: parsed), terminator: "")
    }
}
