import Foundation
import Model
import Storage

/// A failed eval case of a test script.
public struct PromQLCaseFailure: Sendable {
    /// Line of the `eval` header (1-based).
    public var line: Int
    /// The query of the case.
    public var expr: String
    /// Why the case failed.
    public var message: String
}

/// The outcome of one test script.
public struct PromQLFileReport: Sendable {
    /// The script's path.
    public var path: String
    /// Cases whose result matched.
    public var passed = 0
    /// Cases whose result did not match.
    public var failed = 0
    /// Cases that involve native histograms, which Ember does not store.
    public var skipped = 0
    /// `eval` header lines of the skipped cases.
    public var skippedLines: [Int] = []
    /// Details of every failed case.
    public var failures: [PromQLCaseFailure] = []
    /// Set when the script itself could not be read or parsed.
    public var error: String?
}

/// Results of running several scripts.
public struct PromQLTestSummary: Sendable {
    /// One report per script, in the order run.
    public var files: [PromQLFileReport]

    /// Passed cases over all files.
    public var passed: Int { files.reduce(0) { $0 + $1.passed } }
    /// Failed cases over all files; a script that cannot be run counts as one failure.
    public var failed: Int { files.reduce(0) { $0 + $1.failed + ($1.error == nil ? 0 : 1) } }
    /// Skipped (native-histogram) cases over all files.
    public var skipped: Int { files.reduce(0) { $0 + $1.skipped } }

    /// Per-file lines, failures with `file:line`, and a closing `N passed, N failed, N skipped`.
    public var text: String {
        var out = ""
        for f in files {
            let name = (f.path as NSString).lastPathComponent
            if let e = f.error {
                out += "\(name): error: \(e)\n"
                continue
            }
            out += "\(name): \(f.passed) passed, \(f.failed) failed, \(f.skipped) skipped\n"
            for c in f.failures {
                out += "  \(name):\(c.line): \(c.expr): \(c.message)\n"
            }
        }
        out += "\(passed) passed, \(failed) failed, \(skipped) skipped\n"
        return out
    }
}

/// Runs Prometheus's PromQL test scripts (`*.test`) against Ember's engine.
public enum PromQLTestRunner {
    /// The engine settings the upstream scripts assume (FORMAT.md §7).
    public static let scriptEngineOptions = EngineOptions(lookbackDelta: 5 * 60_000, maxSamples: 50_000_000,
                                                          maxPointsPerSeries: 1_000_000, timeoutSeconds: 100,
                                                          defaultSubqueryStep: 60_000)

    /// Runs every script at `paths`, each in a fresh in-memory storage.
    /// `strict` adds upstream's optional @-invariance and range-mode checks of instant evals.
    public static func run(paths: [String], strict: Bool = false) -> PromQLTestSummary {
        PromQLTestSummary(files: paths.map { path in
            guard let data = FileManager.default.contents(atPath: path) else {
                return PromQLFileReport(path: path, error: "cannot read \(path)")
            }
            return run(script: String(decoding: data, as: UTF8.self), path: path, strict: strict)
        })
    }

    /// Runs one script given as text.
    public static func run(script: String, path: String, strict: Bool = false) -> PromQLFileReport {
        var report = PromQLFileReport(path: path)
        let commands: [ScriptCommand]
        do {
            commands = try ScriptParser.parse(script)
        } catch {
            report.error = error.description
            return report
        }
        var state = ScriptState()
        let engine = Engine(scriptEngineOptions)
        for command in commands {
            switch command {
            case .clear:
                state = ScriptState()
            case .load(let interval, let series, let withNHCB, let line):
                if let e = state.load(interval: interval, series: series, withNHCB: withNHCB) {
                    report.error = "line \(line): \(e)"
                    return report
                }
            case .eval(let cmd):
                if state.involvesHistograms(cmd) {
                    report.skipped += 1
                    report.skippedLines.append(cmd.line)
                    continue
                }
                if let message = CaseChecker(engine: engine, storage: state.storage, cmd: cmd, strict: strict).check() {
                    report.failed += 1
                    report.failures.append(PromQLCaseFailure(line: cmd.line, expr: cmd.expr, message: message))
                } else {
                    report.passed += 1
                }
            }
        }
        return report
    }
}

/// Storage plus what the runner remembers about loaded native histograms.
struct ScriptState {
    let storage = MemoryStorage()
    /// Label sets of series that received native-histogram samples.
    var histogramSeries: [Labels] = []

    mutating func load(interval: Int64, series: [SeriesLine], withNHCB: Bool) -> String? {
        if withNHCB {
            // load_with_nhcb also stores each classic histogram X_bucket as a native histogram X.
            for s in series where s.labels.metricName.hasSuffix("_bucket") && s.labels.has(LabelName.bucket) {
                let base = String(s.labels.metricName.dropLast("_bucket".count))
                histogramSeries.append(s.labels.removing(LabelName.bucket).setting(LabelName.metricName, base))
            }
        }
        // Within one load, a repeated label set replaces the earlier line.
        var byLabels: [Labels: [ScriptValue]] = [:]
        var order: [Labels] = []
        for s in series {
            if byLabels[s.labels] == nil { order.append(s.labels) }
            byLabels[s.labels] = s.values
        }
        let app = storage.appender()
        for l in order {
            guard let values = byLabels[l] else { continue }
            var hasHistogram = false
            for (i, v) in values.enumerated() {
                switch v {
                case .float(let f):
                    do {
                        try app.append(l, Int64(i) * interval, f)
                    } catch {
                        return "cannot load \(l): \(error)"
                    }
                case .histogram:
                    hasHistogram = true
                    do {
                        try app.append(l, Int64(i) * interval, OpaqueHistogram.value)
                    } catch {
                        return "cannot load \(l): \(error)"
                    }
                case .omitted: break
                }
            }
            if hasHistogram { histogramSeries.append(l) }
        }
        do {
            try app.commit()
        } catch {
            return "commit failed: \(error)"
        }
        return nil
    }

    /// The README's (name-based) definition of a native-histogram case: a
    /// `{{…}}` literal in the expectations, or a metric name in the query
    /// (written before braces or as a `__name__` matcher) that has
    /// histogram samples loaded. Like the upstream classification script, a
    /// name directly followed by `=` or `!=` is read as a label name, not a metric.
    func involvesHistograms(_ cmd: EvalCommand) -> Bool {
        if cmd.mentionsHistogram { return true }
        let names = Set(histogramSeries.map(\.metricName))
        if names.isEmpty { return false }
        guard let expr = try? PromQLParser.parse(cmd.expr) else {
            return names.contains { cmd.expr.contains($0) }
        }
        let text = Array(cmd.expr.utf8)
        var found = false
        forEachSelector(expr) { vs in
            if let name = vs.name, names.contains(name), !followedByEquals(text, vs.position.start + name.utf8.count) {
                found = true
            }
            for m in vs.matchers where m.name == LabelName.metricName && vs.name == nil {
                if names.contains(where: { m.matches($0) }) { found = true }
            }
        }
        return found
    }

    private func followedByEquals(_ text: [UInt8], _ offset: Int) -> Bool {
        var i = offset
        while i < text.count, text[i] == 32 || text[i] == 9 { i += 1 }
        guard i < text.count else { return false }
        if text[i] == UInt8(ascii: "=") { return true }
        return text[i] == UInt8(ascii: "!") && i + 1 < text.count && text[i + 1] == UInt8(ascii: "=")
    }
}

/// Calls `body` for every vector selector in `expr`.
func forEachSelector(_ expr: Expr, _ body: (VectorSelector) -> Void) {
    switch expr {
    case .number, .string: break
    case .vectorSelector(let vs): body(vs)
    case .matrixSelector(let ms): body(ms.selector)
    case .subquery(let sq): forEachSelector(sq.expr, body)
    case .paren(let p): forEachSelector(p.expr, body)
    case .unary(let u): forEachSelector(u.expr, body)
    case .binary(let b):
        forEachSelector(b.lhs, body)
        forEachSelector(b.rhs, body)
    case .call(let c): c.args.forEach { forEachSelector($0, body) }
    case .aggregate(let a):
        if let p = a.param { forEachSelector(p, body) }
        forEachSelector(a.expr, body)
    }
}
