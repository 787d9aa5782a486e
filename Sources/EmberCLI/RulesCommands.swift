import ArgumentParser
import Foundation
import Rules

/// `ember check rules FILE...`: like `promtool check rules`.
struct CheckRulesCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "rules",
        abstract: "Check rule files, like promtool check rules.",
        discussion: "Reports parse errors with file:line, invalid PromQL with its position, bad label names and templates. Exit 0 valid, 1 invalid, 3 lint problems with --lint-fatal."
    )

    @Flag(help: "Treat duplicate rules as fatal (exit 3).")
    var lintFatal = false

    @Argument(help: "Rule files.")
    var files: [String]

    func run() throws {
        let result = RuleChecker.check(files: files, lintDuplicates: true, lintFatal: lintFatal)
        emit(result.stdout, result.stderr)
        if result.exitCode != 0 { throw ExitCode(result.exitCode) }
    }
}

/// `ember test rules FILE...`: Prometheus's rule unit-test format (promtool test rules).
struct TestRulesCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "rules",
        abstract: "Run rule unit tests in the promtool test rules format."
    )

    @Option(name: .customLong("run"), help: "Only run test groups whose name matches this regular expression.")
    var runPatterns: [String] = []

    @Argument(help: "Test files.")
    var files: [String]

    func run() throws {
        let result = RuleUnitTester.run(files: files, options: RuleUnitTestOptions(run: runPatterns))
        emit(result.stdout, result.stderr)
        if result.exitCode != 0 { throw ExitCode(result.exitCode) }
    }
}

private func emit(_ stdout: String, _ stderr: String) {
    if !stdout.isEmpty { FileHandle.standardOutput.write(Data(stdout.utf8)) }
    if !stderr.isEmpty { FileHandle.standardError.write(Data(stderr.utf8)) }
}
