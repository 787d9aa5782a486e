import Config
import Foundation

#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

/// Options of `ember test rules`, as promtool's flags.
public struct RuleUnitTestOptions: Sendable {
    /// `--run`: only test groups whose name matches one of these (unanchored) regexes.
    public var run: [String]
    /// `--ignore-unknown-fields`: unknown keys in rule files are ignored.
    public var ignoreUnknownFields: Bool
    /// Name validation of rule files (Prometheus 3 default: UTF-8).
    public var nameValidation: NameValidationScheme

    /// promtool's defaults: all groups, strict rule files, UTF-8 names.
    public init(run: [String] = [], ignoreUnknownFields: Bool = false, nameValidation: NameValidationScheme = .utf8) {
        self.run = run
        self.ignoreUnknownFields = ignoreUnknownFields
        self.nameValidation = nameValidation
    }
}

/// What `ember test rules` prints and its exit status.
public struct RuleUnitTestResult: Sendable {
    /// What promtool prints on stdout (`Unit Testing:` and `SUCCESS` lines).
    public var stdout: String
    /// What promtool prints on stderr (`FAILED:` blocks and warnings).
    public var stderr: String
    /// Both streams in write order.
    public var output: String
    /// 0 when every file passed, 1 otherwise.
    public var exitCode: Int32
}

/// Runs rule unit-test files in `promtool test rules` format (shared/rules-tests/FORMAT.md).
public enum RuleUnitTester {
    /// Runs every file; output and exit status as promtool's.
    public static func run(files: [String], options: RuleUnitTestOptions = RuleUnitTestOptions()) -> RuleUnitTestResult {
        var out = "", err = "", both = ""
        func write(_ s: String, toErr: Bool = false) {
            if toErr { err += s } else { out += s }
            both += s
        }
        var failed = false
        for file in files {
            write("Unit Testing:  \(file)\n")
            let (warnings, errors) = runFile(file, options: options)
            for w in warnings { write(w + "\n", toErr: true) }
            if errors.isEmpty {
                write("  SUCCESS\n")
            } else {
                failed = true
                write("  FAILED:\n", toErr: true)
                for e in errors {
                    write(e + "\n", toErr: true)
                    write("\n")
                }
            }
            write("\n")
        }
        return RuleUnitTestResult(stdout: out, stderr: err, output: both, exitCode: failed ? 1 : 0)
    }

    /// Warnings and failures of one test file.
    static func runFile(_ path: String, options: RuleUnitTestOptions) -> (warnings: [String], errors: [String]) {
        guard let data = FileManager.default.contents(atPath: path) else {
            return ([], ["open \(path): no such file or directory"])
        }
        let file: UnitTestFile
        do {
            file = try UnitTestFileReader.read(String(decoding: data, as: UTF8.self), file: path)
        } catch {
            return ([], ["\(error)"])
        }
        var seen = Set<String>()
        for name in file.groupEvalOrder where !seen.insert(name).inserted {
            return ([], ["group name repeated in evaluation order: \(name)"])
        }
        let (ruleFiles, warnings) = resolveRuleFiles(file.ruleFiles, relativeTo: (path as NSString).deletingLastPathComponent)
        let filters: [NSRegularExpression]
        do {
            filters = try options.run.map { try NSRegularExpression(pattern: $0) }
        } catch {
            return (warnings, ["invalid --run pattern: \(error.localizedDescription)"])
        }
        var errors: [String] = []
        for spec in file.tests {
            if !filters.isEmpty {
                let range = NSRange(spec.name.startIndex..., in: spec.name)
                guard !spec.name.isEmpty, filters.contains(where: { $0.firstMatch(in: spec.name, range: range) != nil }) else { continue }
            }
            errors += TestGroupRun(spec: spec, file: file, ruleFiles: ruleFiles, options: options).run()
        }
        return (warnings, errors)
    }

    /// Joins relative rule-file paths to the test file's directory and expands globs.
    static func resolveRuleFiles(_ patterns: [String], relativeTo base: String) -> (files: [String], warnings: [String]) {
        var files: [String] = []
        var warnings: [String] = []
        for p in patterns {
            let full = p.isEmpty || p.hasPrefix("/") ? p : (base.isEmpty ? p : base + "/" + p)
            let matches = expandGlob(full)
            if matches.isEmpty { warnings.append("  WARNING: no file match pattern \(full)") }
            files += matches
        }
        return (files, warnings)
    }

    private static func expandGlob(_ pattern: String) -> [String] {
        var g = glob_t()
        defer { globfree(&g) }
        guard glob(pattern, 0, nil, &g) == 0 else { return [] }
        return (0..<Int(g.gl_pathc)).compactMap { i in g.gl_pathv[i].map { String(cString: $0) } }
    }
}
