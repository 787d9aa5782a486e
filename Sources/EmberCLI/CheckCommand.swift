import ArgumentParser
import Config
import Foundation
import Scraper

struct CheckCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "check",
        abstract: "Check files for validity, like promtool check.",
        subcommands: [CheckConfigCommand.self, CheckRulesCommand.self, CheckMetricsCommand.self, CheckChecksCommand.self, CheckNotifyCommand.self]
    )
}

/// `ember check config FILE...`: exits 0 when every file is valid, 1 otherwise.
struct CheckConfigCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "config",
        abstract: "Check Prometheus configuration files (prometheus.yml).",
        discussion: "Errors name the file, line, column and field, e.g. ember.yml:12:5: scrape_configs[1].scrape_interval: invalid duration \"15x\"."
    )

    @Argument(help: "Configuration files to check.")
    var files: [String]

    func run() throws {
        var failed = false
        for file in files {
            print("Checking \(file)")
            do {
                let config = try PrometheusConfig.load(file: file)
                for w in config.warnings { print("  WARNING: \(w)") }
                print(" SUCCESS: \(file) is valid prometheus config file syntax")
            } catch let errors as ConfigErrors {
                failed = true
                print("  FAILED:")
                for e in errors.errors { print("    \(e)") }
            } catch {
                failed = true
                print("  FAILED: \(error)")
            }
            print()
        }
        if failed { throw ExitCode(1) }
    }
}

/// `ember check metrics [--format] [--lint] FILE|-`: parses an exposition the way a scrape would.
struct CheckMetricsCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "metrics",
        abstract: "Check a metrics exposition (text format 0.0.4 or OpenMetrics), like promtool check metrics.",
        discussion: "Exits 0 when valid, 1 with the line and reason when the payload does not parse, and 3 when --lint finds naming problems."
    )

    enum Format: String, ExpressibleByArgument, CaseIterable {
        case text, openmetrics, auto
    }

    @Option(help: "Exposition format: text, openmetrics, or auto (OpenMetrics when the payload ends with # EOF).")
    var format: Format = .auto

    @Flag(help: "Also report naming-convention problems.")
    var lint = false

    @Argument(help: "File to check, or - for standard input.")
    var file: String = "-"

    func run() throws {
        let data: Data
        if file == "-" {
            data = FileHandle.standardInput.readDataToEndOfFile()
        } else {
            guard let d = FileManager.default.contents(atPath: file) else {
                FileHandle.standardError.write(Data("error: cannot read \(file)\n".utf8))
                throw ExitCode(1)
            }
            data = d
        }
        let choice: ExpositionCheck.FormatChoice = format == .text ? .text : format == .openmetrics ? .openMetrics : .auto
        let problems = ExpositionCheck.check(Array(data), format: choice, lint: lint)
        for p in problems { FileHandle.standardError.write(Data("\(p)\n".utf8)) }
        if problems.contains(where: { $0.kind == .error }) { throw ExitCode(1) }
        if !problems.isEmpty { throw ExitCode(3) }
    }
}
