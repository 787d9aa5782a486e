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
        let output = String(decoding: result.stdout, as: UTF8.self)
        var problems: [String] = []
        var json: JSONValue?
        var jsonError: String?
        for extractor in extractors {
            let m = extractor.metric
            guard let h = metrics.family(m.name, help: m.help.isEmpty ? "Extracted from the output of check \(config.name)." : m.help, type: m.type) else { continue }
            switch m.source {
            case .number:
                let text = output.trimmingCharacters(in: .whitespacesAndNewlines)
                if let v = Double(text) { metrics.append(h, labels: labels.with(m.labels), value: v) }
                else { problems.append("\(m.name): output is not a number: \(Self.excerpt(text))") }
            case .regex:
                // Every match is one sample; named groups other than `value` are its
                // labels, and a repeated label set keeps its first match.
                guard let regex = extractor.regex else { continue }
                let matches = regex.allCaptures(in: output)
                if matches.isEmpty {
                    problems.append("\(m.name): no match for \(regex.pattern)")
                    continue
                }
                var seen = Set<[LabelPair]>()
                for captures in matches {
                    let valueText = captures.named["value"] ?? (captures.numbered.count > 1 ? captures.numbered[1] : captures.numbered[0])
                    guard let v = Double(valueText.trimmingCharacters(in: .whitespaces)) else {
                        problems.append("\(m.name): matched text is not a number: \(Self.excerpt(valueText))")
                        continue
                    }
                    var extra = m.labels
                    for name in regex.groupNames where name != "value" { extra.append(LabelPair(name, captures.named[name] ?? "")) }
                    let labelSet = labels.with(extra)
                    guard seen.insert(labelSet).inserted else { continue }
                    metrics.append(h, labels: labelSet, value: v)
                }
            case .jsonPath:
                if json == nil, jsonError == nil {
                    do { json = try JSONValue.parse(result.stdout) } catch { jsonError = "output is not JSON" }
                }
                guard let json, let path = extractor.jsonPath else {
                    problems.append("\(m.name): \(jsonError ?? "output is not JSON")")
                    continue
                }
                if let v = path.number(in: json) { metrics.append(h, labels: labels.with(m.labels), value: v) }
                else { problems.append("\(m.name): no number at \(path.text)") }
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
