import Testing
@testable import Model

@Suite struct LabelsTests {
    @Test func sortsDedupsAndDropsEmptyValues() {
        let l = Labels([Label("b", "2"), Label("a", "1"), Label("c", ""), Label("a", "3")])
        #expect(l.names == ["a", "b"])
        #expect(l["a"] == "3")
        #expect(l.get("c") == nil)
    }

    @Test func stableHashIsOrderIndependentAndDistinguishesSplits() {
        let a = Labels(["a": "1", "b": "2"])
        let b = Labels([Label("b", "2"), Label("a", "1")])
        #expect(a.stableHash == b.stableHash)
        // The separator keeps {a="bc"} and {ab="c"} apart.
        #expect(Labels(["a": "bc"]).stableHash != Labels(["ab": "c"]).stableHash)
    }

    @Test func comparesLikePrometheus() {
        #expect(Labels(["a": "1"]) < Labels(["a": "2"]))
        #expect(Labels(["a": "1"]) < Labels(["a": "1", "b": "1"]))
        #expect(Labels(["a": "1"]) < Labels(["b": "0"]))
    }

    @Test func describesWithMetricNameInFront() {
        let l = Labels(["__name__": "up", "job": "node", "instance": "a:1"])
        #expect(l.description == #"up{instance="a:1", job="node"}"#)
        #expect(Labels(["__name__": "my.metric"]).description == #"{"my.metric"}"#)
        #expect(Labels(["a": "x\"y\n"]).description == #"{a="x\"y\n"}"#)
    }

    @Test func validatesNames() {
        #expect(isValidLegacyMetricName("node_cpu:rate5m"))
        #expect(!isValidLegacyMetricName("1abc"))
        #expect(!isValidLegacyMetricName(""))
        #expect(isValidLegacyLabelName("_x1"))
        #expect(!isValidLegacyLabelName("a:b"))
    }
}

@Suite struct DurationTests {
    @Test(arguments: [
        ("1h30m", 5_400_000), ("15s", 15_000), ("500ms", 500), ("0", 0), ("1y", 31_536_000_000),
        ("2w", 1_209_600_000), ("1d2h", 93_600_000), ("20s500ms", 20_500), ("0s", 0),
    ] as [(String, Int64)])
    func parses(text: String, ms: Int64) {
        #expect(PromDuration(text)?.milliseconds == ms)
    }

    @Test(arguments: ["", "15x", "1m1h", "s", "-1s", "1.5s", "1h 30m", "99999999999999999999s"])
    func rejects(text: String) {
        #expect(PromDuration(text) == nil)
    }

    @Test func formats() {
        #expect(PromDuration(milliseconds: 5_400_000).description == "1h30m")
        #expect(PromDuration(milliseconds: 0).description == "0s")
        #expect(PromDuration(milliseconds: 1500).description == "1s500ms")
        #expect(PromDuration(milliseconds: 1_209_600_000).description == "2w")
    }
}

@Suite struct MatcherTests {
    @Test func regexIsFullyAnchored() throws {
        let m = try Matcher(.regexMatch, "job", "api|web")
        #expect(m.matches("api"))
        #expect(!m.matches("api-server"))
        #expect(!m.matches("xapi"))
        let general = try Matcher(.regexMatch, "job", "a[pq]i")
        #expect(general.matches("aqi"))
        #expect(!general.matches("aqix"))
    }

    @Test func fastPathsAgreeWithTheRegexEngine() throws {
        let patterns = [".*", ".+", "foo", "foo|bar|", "foo.*", ".*foo", ".*foo.*", "(?:a|b)", "(a|b)", "f.o", "a+", "(?i)FOO"]
        let inputs = ["", "foo", "foox", "xfoo", "xfoox", "a", "b", "bar", "f\no", "aaa", "FOO", "fo"]
        for p in patterns {
            let fast = try FastRegex(p)
            let slow = try NSRegexOracle(p)
            for s in inputs {
                #expect(fast.matches(s) == slow.matches(s), "pattern \(p) input \(s)")
            }
        }
    }

    @Test func dollarDoesNotMatchBeforeATrailingNewline() throws {
        #expect(try !FastRegex("fo+").matches("foo\n"))
        #expect(try FastRegex("fo+\n").matches("foo\n"))
    }

    @Test func setMatchesAndPrefixAreExposed() throws {
        #expect(try FastRegex("a|b").setMatches == ["a", "b"])
        #expect(try FastRegex("node_.*").literalPrefix == "node_")
        #expect(try FastRegex("a.c").setMatches == nil)
    }

    @Test func invalidRegexThrows() {
        #expect(throws: RegexError.self) { try Matcher(.regexMatch, "a", "(") }
    }

    @Test func negativeMatchersAcceptEmpty() throws {
        #expect(try Matcher(.notEqual, "a", "x").matchesEmpty)
        #expect(try Matcher(.regexMatch, "a", ".*").matchesEmpty)
        #expect(try !Matcher(.regexMatch, "a", ".+").matchesEmpty)
    }

    @Test func staleNaNIsDistinctFromNaN() {
        #expect(StaleNaN.isStale(StaleNaN.value))
        #expect(!StaleNaN.isStale(.nan))
        #expect(StaleNaN.value.isNaN)
    }
}

import Foundation

/// The plain regex engine, for checking the fast paths against.
private struct NSRegexOracle {
    let re: NSRegularExpression
    init(_ p: String) throws { re = try NSRegularExpression(pattern: "^(?:\(p))\\z", options: [.dotMatchesLineSeparators]) }
    func matches(_ s: String) -> Bool {
        re.firstMatch(in: s, range: NSRange(location: 0, length: (s as NSString).length)) != nil
    }
}
