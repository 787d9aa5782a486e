import Foundation
#if canImport(Glibc)
import Glibc
#endif

/// An unanchored regular expression, matched the way Go's `regexp.MatchString` does
/// (node_exporter's exclusion flags and process-exporter's cmdline patterns rely on
/// searching, with explicit `^`/`$` where they want anchoring).
///
/// Go's `(?P<name>...)` group syntax is accepted and rewritten for ICU.
final class SearchRegex: Sendable, CustomStringConvertible {
    let pattern: String
    /// Named capture groups, in the order they open.
    let groupNames: [String]
    private let regex: NSRegularExpression
    /// Set when the pattern is a plain string, optionally anchored: matched on bytes
    /// without the regex engine (process command lines are matched this way 100s of
    /// times per scrape).
    private let literal: (bytes: [UInt8], atStart: Bool, atEnd: Bool)?

    init(_ pattern: String) throws(RegexSyntaxError) {
        self.pattern = pattern
        literal = Self.literalShape(pattern)
        // ICU rejects an empty pattern; Go accepts it as matching everything.
        let translated = pattern.isEmpty ? "(?:)" : pattern.replacingOccurrences(of: "(?P<", with: "(?<")
        do {
            regex = try NSRegularExpression(pattern: translated, options: [])
        } catch {
            throw RegexSyntaxError(pattern: pattern)
        }
        groupNames = Self.namedGroups(in: translated)
    }

    var description: String { pattern }

    func matches(_ s: String) -> Bool {
        if let literal {
            var copy = s
            return copy.withUTF8 { Self.find(literal.bytes, in: $0, atStart: literal.atStart, atEnd: literal.atEnd) }
        }
        return regex.firstMatch(in: s, options: [], range: NSRange(s.startIndex..., in: s)) != nil
    }

    /// Every non-overlapping match's groups, in order (see `captures(in:)`).
    func allCaptures(in s: String, limit: Int = 10_000) -> [(numbered: [String], named: [String: String])] {
        var out: [(numbered: [String], named: [String: String])] = []
        for m in regex.matches(in: s, options: [], range: NSRange(s.startIndex..., in: s)).prefix(limit) {
            out.append(groups(of: m, in: s))
        }
        return out
    }

    private func groups(of m: NSTextCheckingResult, in s: String) -> (numbered: [String], named: [String: String]) {
        var numbered: [String] = []
        for i in 0 ..< m.numberOfRanges {
            let r = m.range(at: i)
            numbered.append(r.location == NSNotFound ? "" : (Range(r, in: s).map { String(s[$0]) } ?? ""))
        }
        var named: [String: String] = [:]
        for name in groupNames {
            let r = m.range(withName: name)
            named[name] = r.location == NSNotFound ? "" : (Range(r, in: s).map { String(s[$0]) } ?? "")
        }
        return (numbered, named)
    }

    /// The first match's numbered groups (index 0 is the whole match) and named groups;
    /// nil when there is no match. A group that did not take part is "".
    func captures(in s: String) -> (numbered: [String], named: [String: String])? {
        guard let m = regex.firstMatch(in: s, options: [], range: NSRange(s.startIndex..., in: s)) else { return nil }
        return groups(of: m, in: s)
    }

    private static func literalShape(_ pattern: String) -> (bytes: [UInt8], atStart: Bool, atEnd: Bool)? {
        var body = Substring(pattern)
        let atStart = body.hasPrefix("^")
        if atStart { body = body.dropFirst() }
        let atEnd = body.hasSuffix("$") && !body.hasSuffix("\\$")
        if atEnd { body = body.dropLast() }
        let meta: Set<Character> = ["\\", ".", "+", "*", "?", "(", ")", "|", "[", "]", "{", "}", "^", "$"]
        guard !body.contains(where: { meta.contains($0) }) else { return nil }
        return (Array(body.utf8), atStart, atEnd)
    }

    private static func find(_ needle: [UInt8], in hay: UnsafeBufferPointer<UInt8>, atStart: Bool, atEnd: Bool) -> Bool {
        let n = needle.count
        guard n <= hay.count else { return false }
        if atStart && atEnd { return n == hay.count && zip(needle, hay).allSatisfy { $0 == $1 } }
        if atStart { return zip(needle, hay).allSatisfy { $0 == $1 } }
        if atEnd { return zip(needle, hay[(hay.count - n)...]).allSatisfy { $0 == $1 } }
        if n == 0 { return true }
        // memchr finds candidate first bytes with SIMD; command lines of build tools
        // run to tens of kilobytes and are searched by every process check.
        return needle.withUnsafeBufferPointer { pattern -> Bool in
            let base = hay.baseAddress!
            var offset = 0
            let last = hay.count - n
            while offset <= last {
                guard let hit = memchr(base + offset, Int32(pattern[0]), last - offset + 1) else { return false }
                let at = base.distance(to: hit.assumingMemoryBound(to: UInt8.self))
                // Common first bytes hit often; the last byte rules most of them out
                // without a call to memcmp.
                if base[at + n - 1] == pattern[n - 1], memcmp(base + at, pattern.baseAddress!, n) == 0 { return true }
                offset = at + 1
            }
            return false
        }
    }

    private static func namedGroups(in pattern: String) -> [String] {
        var names: [String] = []
        let chars = Array(pattern.utf8)
        var i = 0
        while i < chars.count {
            if chars[i] == UInt8(ascii: "\\") { i += 2; continue }
            if chars[i] == UInt8(ascii: "("), i + 3 < chars.count, chars[i + 1] == UInt8(ascii: "?"), chars[i + 2] == UInt8(ascii: "<"),
               chars[i + 3] != UInt8(ascii: "="), chars[i + 3] != UInt8(ascii: "!") {
                var j = i + 3
                while j < chars.count, chars[j] != UInt8(ascii: ">") { j += 1 }
                names.append(String(decoding: chars[(i + 3) ..< min(j, chars.count)], as: UTF8.self))
                i = j
            }
            i += 1
        }
        return names
    }
}

/// A regular expression that does not compile.
public struct RegexSyntaxError: Error, CustomStringConvertible, Sendable {
    public let pattern: String
    public var description: String { "invalid regular expression \"\(pattern)\"" }
}

/// node_exporter's include/exclude device filter: include wins when set.
struct DeviceFilter: Sendable {
    let include: SearchRegex?
    let exclude: SearchRegex?

    func ignored(_ name: String) -> Bool {
        if let include { return !include.matches(name) }
        if let exclude { return exclude.matches(name) }
        return false
    }
}
