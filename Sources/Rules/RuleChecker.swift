import Config
import Model

/// What `ember check rules` prints and its exit status.
public struct RuleCheckResult: Sendable {
    /// `Checking FILE` and `  SUCCESS: N rules found` lines (promtool's stdout).
    public var stdout: String
    /// `  FAILED:` blocks (promtool's stderr).
    public var stderr: String
    /// Both streams in the order they are written, for a single-stream caller.
    public var output: String
    /// 0 success, 1 errors, 3 lint problems with `lintFatal`.
    public var exitCode: Int32
}

/// Validates rule files like `promtool check rules`.
public enum RuleChecker {
    /// Checks every file. Duplicate rules (same name and labels) are lint
    /// problems: reported, but only fatal (exit 3) with `lintFatal`.
    /// `lintDuplicates: false` is promtool's `--lint=none`; `nameValidation` as in `RuleFileParser.load`.
    public static func check(files: [String], lintDuplicates: Bool = true, lintFatal: Bool = false, ignoreUnknownFields: Bool = false,
                             nameValidation: NameValidationScheme = .utf8) -> RuleCheckResult {
        var out = "", err = "", both = ""
        func write(_ s: String, toErr: Bool) {
            if toErr { err += s } else { out += s }
            both += s
        }
        var hasErrors = false, hasLint = false
        for file in files {
            write("Checking \(file)\n", toErr: false)
            let (groups, errors) = RuleFileParser.load(file: file, ignoreUnknownFields: ignoreUnknownFields, nameValidation: nameValidation)
            if !errors.isEmpty {
                hasErrors = true
                write("  FAILED:\n" + errors.map { $0.description + "\n" }.joined(), toErr: true)
            } else if lintDuplicates, let lint = duplicateReport(groups) {
                hasLint = true
                write("  FAILED:\n" + lint + "\n", toErr: true)
            } else {
                write("  SUCCESS: \(groups.reduce(0) { $0 + $1.rules.count }) rules found\n", toErr: false)
            }
            write("\n", toErr: false)
        }
        let code: Int32 = hasErrors ? 1 : (hasLint && lintFatal ? 3 : 0)
        return RuleCheckResult(stdout: out, stderr: err, output: both, exitCode: code)
    }

    /// promtool's duplicate-rule lint text, or nil when every (name, labels) pair is unique.
    static func duplicateReport(_ groups: [RuleGroupDefinition]) -> String? {
        var keys: [(name: String, labels: Labels)] = []
        for g in groups {
            for r in g.rules { keys.append((r.name, Labels(r.labels.map { Label($0.name, $0.value) }))) }
        }
        keys.sort { $0.name != $1.name ? $0.name < $1.name : $0.labels < $1.labels }
        var duplicates: [(name: String, labels: Labels)] = []
        for i in keys.indices.dropFirst() where keys[i].name == keys[i - 1].name && keys[i].labels == keys[i - 1].labels {
            if let last = duplicates.last, last.name == keys[i].name && last.labels == keys[i].labels { continue }
            duplicates.append(keys[i])
        }
        guard !duplicates.isEmpty else { return nil }
        var text = "lint error \(duplicates.count) duplicate rule(s) found.\n"
        for d in duplicates {
            text += "Metric: \(d.name)\nLabel(s):\n"
            for l in d.labels { text += "\t\(l.name): \(l.value)\n" }
        }
        return text + "Might cause inconsistency while recording expressions"
    }
}
