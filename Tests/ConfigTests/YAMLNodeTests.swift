import Testing
@testable import Config

@Suite struct YAMLNodeTests {
    @Test func unknownFieldIsLocatedAtItsKey() throws {
        let doc = try #require(try YAMLNode.parse("global:\n  scrape_interval: 15s\n  bogus: 1\n", file: "p.yml"))
        let global = try doc.mapping(allowedKeys: ["global"]).required("global")
        let err = #expect(throws: ConfigError.self) { try global.mapping(allowedKeys: ["scrape_interval"]) }
        #expect(err?.description == "p.yml:3:3: global.bogus: field bogus not found in type global")
    }

    @Test func badDurationNamesFileLineColumnAndPath() throws {
        let doc = try #require(try YAMLNode.parse("scrape_configs:\n  - job_name: a\n  - job_name: b\n    scrape_interval: 15x\n", file: "ember.yml"))
        let jobs = try doc.mapping(allowedKeys: ["scrape_configs"]).required("scrape_configs").sequence()
        let second = try jobs[1].mapping(allowedKeys: ["job_name", "scrape_interval"])
        let err = #expect(throws: ConfigError.self) { try second.required("scrape_interval").duration() }
        #expect(err?.description == #"ember.yml:4:22: scrape_configs[1].scrape_interval: invalid duration "15x""#)
    }

    @Test func syntaxErrorsAndDuplicateKeysAreLocated() {
        let syntax = #expect(throws: ConfigError.self) { try YAMLNode.parse("a: [1, 2\nb: 3\n", file: "x.yml") }
        #expect(syntax?.line ?? 0 > 0)
        #expect(syntax?.message.hasPrefix("invalid YAML") == true)
        let dup = #expect(throws: ConfigError.self) { try YAMLNode.parse("a: 1\na: 2\n", file: "x.yml") }
        #expect(dup?.message.contains("duplicate key") == true)
    }

    @Test func emptyDocumentIsNil() throws {
        #expect(try YAMLNode.parse("# only a comment\n", file: "x.yml") == nil)
    }

    @Test func typeErrorsSayWhatWasFound() throws {
        let doc = try #require(try YAMLNode.parse("n: [1]\nb: maybe\n", file: "x.yml"))
        let m = try doc.mapping(allowedKeys: ["n", "b"])
        #expect(throws: ConfigError.self) { try m.required("n").int() }
        let err = #expect(throws: ConfigError.self) { try m.required("b").bool() }
        #expect(err?.description == #"x.yml:2:4: b: invalid boolean "maybe""#)
    }
}
