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

@Suite struct GoFormattingTests {
    @Test(arguments: [(Int64(0), "0s"), (500, "500ms"), (60_000, "1m0s"), (90_000, "1m30s"), (3_723_500, "1h2m3.5s"),
                      (3_600_000, "1h0m0s"), (1_050, "1.05s"), (-2000, "-2s")])
    func durations(_ c: (Int64, String)) {
        #expect(goDuration(c.0) == c.1)
    }

    @Test(arguments: [(1.0, "1E+00"), (0.5, "5E-01"), (1.5, "1.5E+00"), (50.0, "5E+01"), (0.0, "0E+00"), (-1234.5, "-1.2345E+03"),
                      (1e-7, "1E-07"), (1.0000000000000002e-01, "1.0000000000000002E-01"), (Double.infinity, "+Inf")])
    func exponents(_ c: (Double, String)) {
        #expect(goExponent(c.0) == c.1)
    }
}
