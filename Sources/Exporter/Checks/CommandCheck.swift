import Foundation

/// Runs a program from an argument vector (through `/bin/sh -c` only with
/// `shell: true`) and turns its exit code and output into metrics.
struct CommandCheck: BlockingCheck {
    let config: CheckConfig
    let command: CommandCheckConfig
    let labels: CheckLabels
    let extractors: [Extractor]

    struct Extractor: Sendable {
        let metric: CommandMetricConfig
        let regex: SearchRegex?
        let jsonPath: JSONPath?
    }

    init(config: CheckConfig, command: CommandCheckConfig) throws {
        self.config = config
        self.command = command
        self.labels = CheckLabels(config)
        self.extractors = try command.metrics.map { m in
            switch m.source {
            case .number: return Extractor(metric: m, regex: nil, jsonPath: nil)
            case .regex(let p): return Extractor(metric: m, regex: try SearchRegex(p), jsonPath: nil)
            case .jsonPath(let p): return Extractor(metric: m, regex: nil, jsonPath: try JSONPath(p))
            }
        }
    }

    var argv: [String] { command.shell ? ["/bin/sh", "-c", command.command.joined(separator: " ")] : command.command }

    func runBlocking(_ context: CheckContext, deadline: Deadline) -> CheckOutcome { run(deadline: deadline) }

    func run(deadline: Deadline) -> CheckOutcome {
        let result: SubprocessResult
        do {
            result = try Subprocess.run(argv, environment: command.environment, maxOutputBytes: command.maxOutputBytes, deadline: deadline)
        } catch {
            var metrics = MetricSet()
            metrics.add("ember_command_exit_code", help: "Exit code of the command (128+N when killed by signal N, -1 when it could not start).",
                        type: .gauge, labels: labels.base, value: -1)
            return .failure("exec_failed", error.description, metrics: metrics)
        }
        return outcome(result)
    }

    func outcome(_ result: SubprocessResult) -> CheckOutcome {
        var metrics = MetricSet()
        let exitCode: Int32 = result.exitCode ?? (128 + (result.signal ?? 0))
        metrics.add("ember_command_exit_code", help: "Exit code of the command (128+N when killed by signal N, -1 when it could not start).",
                    type: .gauge, labels: labels.base, value: Double(exitCode))
        metrics.add("ember_command_timed_out", help: "Whether the command was killed for running past its timeout.", type: .gauge,
                    labels: labels.base, value: result.timedOut ? 1 : 0)
        metrics.add("ember_command_output_truncated", help: "Whether standard output exceeded max_output_bytes and was cut.", type: .gauge,
                    labels: labels.base, value: result.stdoutTruncated ? 1 : 0)
        if result.timedOut {
            return .failure("timeout", "\(argv[0]) ran past its timeout of \(config.timeout) and was killed with its process group", metrics: metrics)
        }
        var output = CommandOutput(result.stdout)
        var problems: [String] = []
        for extractor in extractors {
            let m = extractor.metric
            guard let h = metrics.family(m.name, help: m.help.isEmpty ? "Extracted from the output of check \(config.name)." : m.help, type: m.type) else { continue }
            switch output.samples(extractor) {
            case .success(let samples):
                // A repeated label set keeps its first value.
                var seen = Set<[LabelPair]>()
                for (extra, value) in samples {
                    let labelSet = labels.with(m.labels + extra)
                    if seen.insert(labelSet).inserted { metrics.append(h, labels: labelSet, value: value) }
                }
            case .failure(let problem):
                problems.append("\(m.name): \(problem.message)")
            }
        }
        if !command.successExitCodes.contains(exitCode) {
            let stderr = Self.excerpt(String(decoding: result.stderr, as: UTF8.self))
            return .failure("exit_status", "\(argv[0]) exited with \(exitCode)\(stderr.isEmpty ? "" : ": " + stderr)", metrics: metrics)
        }
        if !problems.isEmpty {
            return .failure("parse_error", problems.joined(separator: "; "), metrics: metrics)
        }
        return CheckOutcome(success: true, metrics: metrics, reason: nil, message: nil)
    }

    static func excerpt(_ s: String) -> String {
        let trimmed = s.trimmingCharacters(in: .whitespacesAndNewlines)
        return trimmed.count > 200 ? String(trimmed.prefix(200)) + "..." : trimmed
    }
}
