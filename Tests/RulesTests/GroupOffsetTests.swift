@testable import Rules
import Testing

@Suite struct GroupOffsetTests {
    @Test func xxHash64KnownValues() {
        #expect(GroupOffset.xxHash64(Array("".utf8)) == 0xEF46_DB37_51D8_E999)
        #expect(GroupOffset.xxHash64(Array("abc".utf8)) == 0x44BC_2CF5_AD77_0999)
        // Longer than 32 bytes exercises the four-lane loop.
        #expect(GroupOffset.xxHash64(Array("Nobody inspects the spammish repetition".utf8)) == 0xFBCE_A83C_8A37_8BF1)
    }

    /// Golden value observed with Prometheus 2.42: group `offset-probe` of
    /// /tmp/promoff/rules.yml with a 5s interval recorded its samples at
    /// 1795685692108 ms, i.e. 2108 ms into each 5 s period.
    @Test func matchesPrometheusEvaluationOffset() {
        #expect(GroupOffset.milliseconds(name: "offset-probe", file: "/tmp/promoff/rules.yml", intervalMs: 5000) == 2108)
        #expect(1_795_685_692_108 % 5000 == 2108)
    }

    @Test func offsetIsWithinTheInterval() {
        for interval: Int64 in [1000, 15_000, 60_000, 3_600_000] {
            let o = GroupOffset.milliseconds(name: "g", file: "/etc/ember/rules.yml", intervalMs: interval)
            #expect(o >= 0 && o < interval)
        }
    }
}
