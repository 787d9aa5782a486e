import ArgumentParser
import PromQL

struct TestCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "test",
        abstract: "Run test scripts.",
        subcommands: [TestPromQLCommand.self, TestRulesCommand.self]
    )
}

/// `ember test promql FILE...`: Prometheus's PromQL test-script format (promql/promqltest).
struct TestPromQLCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "promql",
        abstract: "Run PromQL test scripts (the upstream promqltest format) against an in-memory storage.",
        discussion: "Prints per-file results and a closing line 'N passed, N failed, N skipped'; native-histogram cases are skipped. Exits 1 when any case fails."
    )

    @Flag(help: "Also apply upstream's extra consistency checks (range-mode evaluation of instant cases).")
    var strict = false

    @Argument(help: "Test scripts (*.test).")
    var files: [String]

    func run() throws {
        let summary = PromQLTestRunner.run(paths: files, strict: strict)
        print(summary.text, terminator: summary.text.hasSuffix("\n") ? "" : "\n")
        if summary.failed > 0 { throw ExitCode(1) }
    }
}
