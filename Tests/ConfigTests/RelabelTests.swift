import Model
import Testing
@testable import Config

/// Cases from Prometheus's model/relabel/relabel_test.go (TestRelabel) and the
/// `<relabel_config>` documentation, one or more per action.
@Suite struct RelabelTests {
    private func re(_ p: String) throws -> RelabelRegex { try RelabelRegex(p) }

    @Test func replaceWithBracedReference() throws {
        let input: Labels = ["a": "foo", "b": "bar", "c": "baz"]
        let cfg = RelabelConfig(sourceLabels: ["a"], regex: try re("f(.*)"), targetLabel: "d", replacement: "ch${1}-ch${1}")
        #expect(relabel(input, [cfg]) == ["a": "foo", "b": "bar", "c": "baz", "d": "choo-choo"])
    }

    @Test func replaceChainsOnEarlierResults() throws {
        let input: Labels = ["a": "foo", "b": "bar", "c": "baz"]
        let cfgs = [
            RelabelConfig(sourceLabels: ["a", "b"], regex: try re("f(.*);(.*)r"), targetLabel: "a", replacement: "b${1}${2}m"),
            RelabelConfig(sourceLabels: ["c", "a"], regex: try re("(b).*b(.*)ba(.*)"), targetLabel: "d", replacement: "$1$2$2$3"),
        ]
        #expect(relabel(input, cfgs) == ["a": "boobam", "b": "bar", "c": "baz", "d": "boooom"])
    }

    @Test func dropStopsProcessing() throws {
        let cfgs = [
            RelabelConfig(sourceLabels: ["a"], regex: try re(".*o.*"), action: .drop),
            RelabelConfig(sourceLabels: ["a"], regex: try re("f(.*)"), targetLabel: "d", replacement: "ch$1-ch$1"),
        ]
        #expect(relabel(["a": "foo"], cfgs) == nil)
        #expect(relabel(["a": "foo", "b": "bar"], [cfgs[0]]) == nil)
    }

    @Test func dropAndKeepAreAnchored() throws {
        // "f|o" must match the whole value, so "foo" is not dropped.
        #expect(relabel(["a": "foo"], [RelabelConfig(sourceLabels: ["a"], regex: try re("f|o"), action: .drop)]) == ["a": "foo"])
        #expect(relabel(["a": "foo"], [RelabelConfig(sourceLabels: ["a"], regex: try re("no-match"), action: .drop)]) == ["a": "foo"])
        #expect(relabel(["a": "foo"], [RelabelConfig(sourceLabels: ["a"], regex: try re("no-match"), action: .keep)]) == nil)
        #expect(relabel(["a": "foo"], [RelabelConfig(sourceLabels: ["a"], regex: try re("f.*"), action: .keep)]) == ["a": "foo"])
    }

    @Test func replaceTakesFirstCaptureByDefault() throws {
        let cfg = RelabelConfig(sourceLabels: ["a"], regex: try re(".*(b).*"), targetLabel: "d")
        #expect(relabel(["a": "abc"], [cfg]) == ["a": "abc", "d": "b"])
    }

    @Test func replaceWithoutMatchChangesNothing() throws {
        let cfg = RelabelConfig(sourceLabels: ["a"], regex: try re("f"), targetLabel: "b", replacement: "bar")
        #expect(relabel(["a": "boo"], [cfg]) == ["a": "boo"])
    }

    @Test func hashmodMatchesPrometheusShards() {
        let input: Labels = ["a": "foo", "b": "bar", "c": "baz"]
        let cfg = RelabelConfig(sourceLabels: ["c"], modulus: 1000, targetLabel: "d", action: .hashmod)
        #expect(relabel(input, [cfg]) == ["a": "foo", "b": "bar", "c": "baz", "d": "976"])
        let multiline = RelabelConfig(sourceLabels: ["a"], modulus: 1000, targetLabel: "b", action: .hashmod)
        #expect(relabel(["a": "foo\nbar"], [multiline]) == ["a": "foo\nbar", "b": "734"])
    }

    @Test func labelmapCopiesMatchingNames() throws {
        let input: Labels = ["a": "foo", "b1": "bar", "b2": "baz"]
        let cfg = RelabelConfig(regex: try re("(b.*)"), replacement: "bar_${1}", action: .labelmap)
        #expect(relabel(input, [cfg]) == ["a": "foo", "b1": "bar", "b2": "baz", "bar_b1": "bar", "bar_b2": "baz"])

        let meta: Labels = ["a": "foo", "__meta_my_bar": "aaa", "__meta_my_baz": "bbb", "__meta_other": "ccc"]
        let strip = RelabelConfig(regex: try re("__meta_(my.*)"), replacement: "${1}", action: .labelmap)
        #expect(relabel(meta, [strip]) == [
            "a": "foo", "__meta_my_bar": "aaa", "__meta_my_baz": "bbb", "__meta_other": "ccc", "my_bar": "aaa", "my_baz": "bbb",
        ])
    }

    @Test func targetLabelFromCaptureGroups() throws {
        let regex = try re("some-([^-]+)-([^,]+)")
        let valid = RelabelConfig(sourceLabels: ["a"], regex: regex, targetLabel: "${1}", replacement: "${2}")
        #expect(relabel(["a": "some-name-value"], [valid]) == ["a": "some-name-value", "name": "value"])
        // ${3} does not exist: the replacement is empty, so the (absent) label is deleted.
        let emptyValue = RelabelConfig(sourceLabels: ["a"], regex: regex, targetLabel: "${1}", replacement: "${3}")
        #expect(relabel(["a": "some-name-value"], [emptyValue]) == ["a": "some-name-value"])
        // An expanded target that is empty is not a label name: nothing happens.
        let emptyTarget = RelabelConfig(sourceLabels: ["a"], regex: regex, targetLabel: "${3}", replacement: "${1}")
        #expect(relabel(["a": "some-name-0"], [emptyTarget, emptyTarget]) == ["a": "some-name-0"])
    }

    @Test func realLifeTagParsing() throws {
        let input: Labels = ["__meta_sd_tags": "path:/secret,job:some-job,label:foo=bar"]
        let cfgs = [
            RelabelConfig(sourceLabels: ["__meta_sd_tags"], regex: try re("(?:.+,|^)path:(/[^,]+).*"), targetLabel: "__metrics_path__", replacement: "${1}"),
            RelabelConfig(sourceLabels: ["__meta_sd_tags"], regex: try re("(?:.+,|^)job:([^,]+).*"), targetLabel: "job", replacement: "${1}"),
            RelabelConfig(sourceLabels: ["__meta_sd_tags"], regex: try re("(?:.+,|^)label:([^=]+)=([^,]+).*"), targetLabel: "${1}", replacement: "${2}"),
        ]
        #expect(relabel(input, cfgs) == [
            "__meta_sd_tags": "path:/secret,job:some-job,label:foo=bar", "__metrics_path__": "/secret", "job": "some-job", "foo": "bar",
        ])
    }

    @Test func labeldropThenReplaceThenKeep() throws {
        // prometheus/prometheus#12283: explicit ^ and $ inside the anchored regex.
        let input: Labels = ["__meta_kubernetes_pod_container_port_name": "foo", "__meta_kubernetes_pod_annotation_XXX_metrics_port": "9091"]
        let cfgs = [
            RelabelConfig(regex: try re("^__meta_kubernetes_pod_container_port_name$"), action: .labeldrop),
            RelabelConfig(sourceLabels: ["__meta_kubernetes_pod_annotation_XXX_metrics_port"], regex: try re("(.+)"),
                          targetLabel: "__meta_kubernetes_pod_container_port_name", replacement: "metrics"),
            RelabelConfig(sourceLabels: ["__meta_kubernetes_pod_container_port_name"], regex: try re("^metrics$"), action: .keep),
        ]
        #expect(relabel(input, cfgs) == [
            "__meta_kubernetes_pod_annotation_XXX_metrics_port": "9091", "__meta_kubernetes_pod_container_port_name": "metrics",
        ])
    }

    @Test func labelkeepAndLabeldrop() throws {
        let input: Labels = ["a": "foo", "b1": "bar", "b2": "baz"]
        #expect(relabel(input, [RelabelConfig(regex: try re("(b.*)"), action: .labelkeep)]) == ["b1": "bar", "b2": "baz"])
        #expect(relabel(input, [RelabelConfig(regex: try re("(b.*)"), action: .labeldrop)]) == ["a": "foo"])
    }

    @Test func lowercaseAndUppercase() {
        let cfgs = [
            RelabelConfig(sourceLabels: ["foo"], targetLabel: "foo_uppercase", action: .uppercase),
            RelabelConfig(sourceLabels: ["foo"], targetLabel: "foo_lowercase", action: .lowercase),
        ]
        #expect(relabel(["foo": "bAr123Foo"], cfgs) == ["foo": "bAr123Foo", "foo_lowercase": "bar123foo", "foo_uppercase": "BAR123FOO"])
        // Go maps scalar by scalar: ß has no single-scalar uppercase and stays.
        #expect(relabel(["foo": "Straße"], [cfgs[0]])?["foo_uppercase"] == "STRAßE")
    }

    @Test func keepequalAndDropequal() {
        let input: Labels = ["__tmp_port": "1234", "__port1": "1234", "__port2": "5678"]
        #expect(relabel(input, [RelabelConfig(sourceLabels: ["__tmp_port"], targetLabel: "__port1", action: .keepequal)]) == input)
        #expect(relabel(input, [RelabelConfig(sourceLabels: ["__tmp_port"], targetLabel: "__port1", action: .dropequal)]) == nil)
        #expect(relabel(input, [RelabelConfig(sourceLabels: ["__tmp_port"], targetLabel: "__port2", action: .dropequal)]) == input)
        #expect(relabel(input, [RelabelConfig(sourceLabels: ["__tmp_port"], targetLabel: "__port2", action: .keepequal)]) == nil)
    }

    @Test func staticReplacementAndDeletion() {
        // No source labels: the default regex matches "", so the fast path sets the value.
        let set = RelabelConfig(targetLabel: "env", replacement: "prod")
        #expect(relabel(["a": "1"], [set]) == ["a": "1", "env": "prod"])
        // An empty replacement deletes the target.
        let delete = RelabelConfig(targetLabel: "a", replacement: "")
        #expect(relabel(["a": "1", "b": "2"], [delete]) == ["b": "2"])
    }

    @Test func documentedAddressRewrite() throws {
        // The classic docs example: keep the host of __address__ and set a port.
        let cfg = RelabelConfig(sourceLabels: ["__address__"], regex: try re("([^:]+)(?::\\d+)?"), targetLabel: "__address__", replacement: "${1}:9100")
        #expect(relabel(["__address__": "10.0.0.1:8080"], [cfg]) == ["__address__": "10.0.0.1:9100"])
        #expect(relabel(["__address__": "host"], [cfg]) == ["__address__": "host:9100"])
    }

    @Test func separatorJoinsSourceValuesIncludingMissingOnes() throws {
        let cfg = RelabelConfig(sourceLabels: ["a", "missing", "b"], separator: "/", regex: try re("(.*)"), targetLabel: "joined")
        #expect(relabel(["a": "x", "b": "y"], [cfg])?["joined"] == "x//y")
    }

    @Test func unchangedInputIsReturnedAsIs() throws {
        let input: Labels = ["a": "1"]
        #expect(relabel(input, []) == input)
        #expect(relabel(input, [RelabelConfig(sourceLabels: ["a"], regex: try re("1"), action: .keep)]) == input)
    }

    @Test func legacySchemeRejectsProducedNamesThatAreNotLegacy() throws {
        var cfg = RelabelConfig(sourceLabels: ["a"], regex: try re("(.*)"), targetLabel: "${1}", replacement: "v")
        #expect(relabel(["a": "b.c"], [cfg]) == ["a": "b.c", "b.c": "v"])
        cfg.nameValidationScheme = .legacy
        #expect(relabel(["a": "b.c"], [cfg]) == ["a": "b.c"])
    }
}
