import Model
import Testing
@testable import Config

/// The value parsers behind the configuration: sizes, URLs, paths, environment expansion.
@Suite struct ConfigValueTests {
    private func size(_ s: String) -> Int64? {
        if case .success(let n) = parseByteSize(s) { return n }
        return nil
    }

    @Test func byteSizesUseBase2Units() {
        #expect(size("0") == 0)
        #expect(size("1B") == 1)
        #expect(size("10KB") == 10_240)
        #expect(size("10KiB") == 10_240)
        #expect(size("15MB") == 15 << 20)
        #expect(size("1.5MiB") == 1_572_864)
        #expect(size("2GB") == 2 << 30)
        #expect(size("1MB512KB") == 1_572_864)
        #expect(size("1EB") == 1 << 60)
        // Prometheus rejects a bare number and SI "kB".
        #expect(size("100") == nil)
        #expect(size("10kB") == nil)
        #expect(size("") == nil)
        #expect(size("MB") == nil)
        #expect(size("1MiB512KB") == nil)
        #expect(size("16EB") == nil)
        if case .failure(let e) = parseByteSize("100") { #expect(e.message.hasPrefix(#"invalid size "100": missing unit"#)) }
    }

    private func url(_ s: String) -> Result<ConfigURL, ConfigURLError> { ConfigURL.parse(s) }

    @Test func urlsAreCheckedLikeGo() throws {
        let u = try url("https://user:pw@example.com:8443/api/v1/write?x=1#f").get()
        #expect(u.scheme == "https" && u.host == "example.com" && u.port == "8443" && u.hasPassword)
        #expect(u.redacted == "https://user:xxxxx@example.com:8443/api/v1/write?x=1#f")
        let v6 = try url("http://[::1]:9090/x").get()
        #expect(v6.host == "::1" && v6.port == "9090" && v6.isHTTPWithHost)
        #expect(try !url("localhost:8428").get().isHTTPWithHost)
        #expect(try url("foo").get().host == "")

        func message(_ s: String) -> String? {
            if case .failure(let e) = url(s) { return e.message }
            return nil
        }
        #expect(message("::bad") == #"parse "::bad": missing protocol scheme"#)
        #expect(message("http://a:b/") == #"parse "http://a:b/": invalid port ":b" after host"#)
        #expect(message("http://a/%zz") == #"parse "http://a/%zz": invalid URL escape "%zz""#)
        #expect(message("http://a/\n") == #"parse "http://a/\n": net/url: invalid control character in URL"#)
        #expect(message("1a:b") == #"parse "1a:b": first path segment in URL cannot contain colon"#)
        #expect(message("http://a b/") == #"parse "http://a b/": invalid character " " in host name"#)
    }

    @Test func pathsAreCleanedLikeGo() {
        #expect(cleanPath("/etc/ember/./rules/../a.yml") == "/etc/ember/a.yml")
        #expect(cleanPath("./a") == "a")
        #expect(cleanPath("../a/../../b") == "../../b")
        #expect(cleanPath("/..") == "/")
        #expect(cleanPath(".") == ".")
    }

    @Test func environmentExpansionFollowsOsExpand() {
        let env = ["A": "1", "LONG_NAME": "x"]
        #expect(expandEnvironment("plain", env) == "plain")
        #expect(expandEnvironment("$A-${A}-$LONG_NAME.", env) == "1-1-x.")
        #expect(expandEnvironment("$$A", env) == "$A")
        #expect(expandEnvironment("${MISSING}", env) == "")
        #expect(expandEnvironment("trailing$", env) == "trailing$")
        #expect(expandEnvironment("a${}b", env) == "ab")
        #expect(expandEnvironment("a${unclosed", env) == "aunclosed")
        #expect(expandEnvironment("$-x", env) == "x")
    }

    @Test func globPathRule() {
        #expect(ServiceDiscovery.isValidGlobPath("rules/*.yml"))
        #expect(ServiceDiscovery.isValidGlobPath("rules/*a*.yml"))
        #expect(!ServiceDiscovery.isValidGlobPath("rules/*/a.yml"))
        #expect(ServiceDiscovery.isValidFileSDName("sd/*.JSON"))
        #expect(!ServiceDiscovery.isValidFileSDName("sd/targets"))
    }

    @Test func relabelTargetTemplatesUnderLegacyRules() {
        // Upstream's TestTargetLabelValidity.
        let cases: [(String, Bool)] = [
            ("-label", false), ("label", true), ("label${1}", true), ("${1}label", true), ("${1}", true), ("${", false),
            ("$", false), ("${}", false), ("foo${", false), ("$1", true), ("asd$2asd", true), ("-foo${1}bar-", false),
            ("bar.foo${1}bar", false), ("_${1}_", true), ("foo${bar}foo", true),
        ]
        for (text, valid) in cases {
            #expect(NameValidationScheme.legacy.isValidLabelNameTemplate(text) == valid, "\(text)")
        }
    }

    @Test func yamlMergeKeysAndRequiredFields() throws {
        let doc = try #require(try YAMLNode.parse("base: &b {x: 1, y: 2}\nm:\n  <<: [*b, {z: 3}]\n  y: 9\n", file: "t.yml"))
        let m = try doc.mapping(allowedKeys: ["base", "m"]).required("m")
        let entries = try m.entries()
        #expect(entries.map(\.key) == ["y", "x", "z"])
        #expect(try entries.first { $0.key == "y" }?.value.string() == "9")
        let bad = try #require(try YAMLNode.parse("m:\n  <<: 1\n", file: "t.yml"))
        #expect(throws: ConfigError.self) { try bad.mapping(allowedKeys: ["m"]).required("m").entries() }
    }
}
