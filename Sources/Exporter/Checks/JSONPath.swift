import Foundation

/// A small JSON path: `.a.b[0].c`, optionally starting with `$`; keys with other
/// characters are written `["key with spaces"]`.
struct JSONPath: Sendable, CustomStringConvertible {
    enum Step: Sendable, Equatable {
        case key(String)
        case index(Int)
    }

    struct Invalid: Error, CustomStringConvertible {
        let path: String
        let reason: String
        var description: String { "invalid json_path \"\(path)\": \(reason)" }
    }

    let text: String
    let steps: [Step]
    var description: String { text }

    init(_ text: String) throws {
        self.text = text
        var steps: [Step] = []
        let chars = Array(text)
        var i = 0
        if i < chars.count, chars[i] == "$" { i += 1 }
        while i < chars.count {
            switch chars[i] {
            case ".":
                i += 1
                let start = i
                while i < chars.count, chars[i] != ".", chars[i] != "[" { i += 1 }
                guard i > start else { throw Invalid(path: text, reason: "empty key at offset \(start)") }
                steps.append(.key(String(chars[start ..< i])))
            case "[":
                i += 1
                if i < chars.count, chars[i] == "\"" {
                    i += 1
                    let start = i
                    while i < chars.count, chars[i] != "\"" { i += 1 }
                    guard i + 1 < chars.count, chars[i + 1] == "]" else { throw Invalid(path: text, reason: "unterminated [\"key\"]") }
                    steps.append(.key(String(chars[start ..< i])))
                    i += 2
                } else {
                    let start = i
                    while i < chars.count, chars[i] != "]" { i += 1 }
                    guard i < chars.count, let n = Int(String(chars[start ..< i])), n >= 0 else {
                        throw Invalid(path: text, reason: "expected a non-negative index in [...]")
                    }
                    steps.append(.index(n))
                    i += 1
                }
            default:
                if steps.isEmpty, i == (text.hasPrefix("$") ? 1 : 0) {
                    // A bare first key: "a.b" means ".a.b".
                    let start = i
                    while i < chars.count, chars[i] != ".", chars[i] != "[" { i += 1 }
                    steps.append(.key(String(chars[start ..< i])))
                } else {
                    throw Invalid(path: text, reason: "unexpected \"\(chars[i])\" at offset \(i)")
                }
            }
        }
        guard !steps.isEmpty else { throw Invalid(path: text, reason: "empty path") }
        self.steps = steps
    }

    /// The number at this path in a JSON document; booleans count as 0 and 1 and
    /// numeric strings are parsed, as json_exporter does.
    func number(in json: JSONValue) -> Double? {
        var current = json
        for step in steps {
            switch (step, current) {
            case (.key(let k), .object(let object)):
                guard let next = object[k] else { return nil }
                current = next
            case (.index(let n), .array(let array)):
                guard n < array.count else { return nil }
                current = array[n]
            default:
                return nil
            }
        }
        switch current {
        case .number(let n): return n
        case .bool(let b): return b ? 1 : 0
        case .string(let s): return Double(s.trimmingCharacters(in: .whitespaces))
        default: return nil
        }
    }
}

/// A decoded JSON document that keeps booleans apart from numbers.
enum JSONValue: Decodable, Sendable {
    case null
    case bool(Bool)
    case number(Double)
    case string(String)
    case array([JSONValue])
    case object([String: JSONValue])

    init(from decoder: Decoder) throws {
        let c = try decoder.singleValueContainer()
        if c.decodeNil() { self = .null; return }
        if let b = try? c.decode(Bool.self) { self = .bool(b); return }
        if let n = try? c.decode(Double.self) { self = .number(n); return }
        if let s = try? c.decode(String.self) { self = .string(s); return }
        if let a = try? c.decode([JSONValue].self) { self = .array(a); return }
        self = .object(try c.decode([String: JSONValue].self))
    }

    static func parse(_ bytes: [UInt8]) throws -> JSONValue {
        try JSONDecoder().decode(JSONValue.self, from: Data(bytes))
    }
}
