import Foundation
import Model

/// State shared while one prometheus.yml (and the files it includes) is decoded:
/// where relative paths are anchored, the environment for external labels, and
/// the errors and warnings found so far.
final class ConfigDecoder {
    /// Directory that relative paths in the current file are resolved against.
    var directory: String
    let environment: [String: String]
    private(set) var errors: [ConfigError] = []
    private(set) var warnings: [ConfigWarning] = []

    init(directory: String, environment: [String: String]) {
        self.directory = directory
        self.environment = environment
    }

    /// Runs one independent part of the decoding. Its first error is recorded and
    /// decoding goes on with the next part, so one pass reports one error per problem.
    @discardableResult
    func section<T>(_ body: () throws -> T) -> T? {
        do {
            return try body()
        } catch let e as ConfigError {
            errors.append(e)
        } catch let e as ConfigErrors {
            errors += e.errors
        } catch {
            errors.append(ConfigError(file: "", line: 0, column: 0, path: "", message: "\(error)"))
        }
        return nil
    }

    func warn(_ warning: ConfigWarning) { warnings.append(warning) }

    /// Warns for each of `keys` present in `m`: Prometheus accepts them, Ember does not act on them.
    func ignore(_ keys: [String], in m: YAMLMapping) {
        for key in keys {
            guard let k = m.keyNode(key) else { continue }
            warn(k.warning("\(key) is accepted for compatibility with Prometheus but ignored by Ember"))
        }
    }

    /// Prometheus's `config.JoinDir`: empty and absolute paths stay, others are
    /// joined to the configuration file's directory and cleaned.
    func resolve(_ path: String) -> String {
        if path.isEmpty || path.hasPrefix("/") { return path }
        return cleanPath(directory + "/" + path)
    }
}

/// Go's `filepath.Clean` for `/`-separated paths.
func cleanPath(_ path: String) -> String {
    let absolute = path.hasPrefix("/")
    var parts: [Substring] = []
    for part in path.split(separator: "/", omittingEmptySubsequences: true) {
        switch part {
        case ".": continue
        case "..":
            if let last = parts.last, last != ".." {
                parts.removeLast()
            } else if !absolute {
                parts.append(part)
            }
        default: parts.append(part)
        }
    }
    let joined = parts.joined(separator: "/")
    if absolute { return "/" + joined }
    return joined.isEmpty ? "." : joined
}

extension YAMLMapping {
    func string(_ key: String) throws -> String? { try self[key]?.string() }
    func bool(_ key: String) throws -> Bool? { try self[key]?.bool() }
    func uint(_ key: String) throws -> Int? { try self[key]?.uint() }
    func int(_ key: String) throws -> Int? { try self[key]?.int() }
    func stringList(_ key: String) throws -> [String]? { try self[key]?.stringList() }

    /// A duration; Prometheus treats an explicit `0s` like an absent value where a default applies.
    func duration(_ key: String) throws -> PromDuration? {
        guard let v = self[key] else { return nil }
        let text = try v.string()
        guard let d = PromDuration(text) else { throw v.error("not a valid duration string: \(quoteLabelValue(text))") }
        return d
    }

    /// A byte size such as `10MB` (see `parseByteSize`).
    func byteSize(_ key: String) throws -> Int64? {
        guard let v = self[key] else { return nil }
        let text = try v.string()
        switch parseByteSize(text) {
        case .success(let n): return n
        case .failure(let e): throw v.error(e.message)
        }
    }

    /// The node to blame for a problem with `key`: its value, else its key, else the mapping.
    func locate(_ key: String) -> YAMLNode { self[key] ?? keyNode(key) ?? owner }
}

/// Go's `os.Expand` with Prometheus's mapping for external labels: `$VAR` and
/// `${VAR}` take the environment's value (empty when unset), `$$` is a literal `$`.
func expandEnvironment(_ s: String, _ env: [String: String]) -> String {
    guard s.contains("$") else { return s }
    let b = Array(s.utf8)
    var out = [UInt8]()
    var i = 0
    func isSpecial(_ c: UInt8) -> Bool { "*#$@!?-".utf8.contains(c) || (c >= 48 && c <= 57) }
    func isAlphaNum(_ c: UInt8) -> Bool { c == 95 || (c >= 48 && c <= 57) || (c >= 65 && c <= 90) || (c >= 97 && c <= 122) }
    func value(_ name: [UInt8]) -> [UInt8] {
        let n = String(decoding: name, as: UTF8.self)
        return n == "$" ? Array("$".utf8) : Array((env[n] ?? "").utf8)
    }
    while i < b.count {
        guard b[i] == UInt8(ascii: "$"), i + 1 < b.count else {
            out.append(b[i])
            i += 1
            continue
        }
        let rest = b[(i + 1)...]
        if rest.first == UInt8(ascii: "{") {
            if rest.count > 2, isSpecial(b[i + 2]), b[i + 3] == UInt8(ascii: "}") {
                out += value([b[i + 2]])
                i += 4
                continue
            }
            if let close = rest.dropFirst().firstIndex(of: UInt8(ascii: "}")) {
                // "${}" is bad syntax and is eaten, as in Go.
                if close > i + 2 { out += value(Array(b[(i + 2)..<close])) }
                i = close + 1
            } else {
                i += 2 // bad syntax: "${" is eaten
            }
            continue
        }
        if let c = rest.first, isSpecial(c) {
            out += value([c])
            i += 2
            continue
        }
        var j = i + 1
        while j < b.count, isAlphaNum(b[j]) { j += 1 }
        if j == i + 1 {
            out.append(b[i]) // a lone "$" stays
            i += 1
        } else {
            out += value(Array(b[(i + 1)..<j]))
            i = j
        }
    }
    return String(decoding: out, as: UTF8.self)
}
