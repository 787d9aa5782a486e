import Testing
@testable import Model

@Suite struct GoFloatTests {
    /// Go's strconv.FormatFloat(v, 'f', -1, 64) outputs, as Prometheus's API writes them.
    @Test(arguments: [
        (0.0, "0"), (-0.0, "-0"), (1.0, "1"), (-42.0, "-42"), (0.1, "0.1"), (1.5, "1.5"),
        (123456.789, "123456.789"), (0.0001, "0.0001"), (1e-7, "1e-07"), (1e21, "1e+21"),
        (999_999_999_999_999.0, "999999999999999"), (1e15, "1000000000000000"),
        (1e20, "100000000000000000000"), (48.26, "48.26"), (-0.5, "-0.5"), (0.0001, "0.0001"), (1234.5678, "1234.5678"),
        (0.1 + 0.2, "0.30000000000000004"), (1e10 + 0.5, "10000000000.5"), (Double.nan, "NaN"), (Double.infinity, "+Inf"), (-Double.infinity, "-Inf"),
    ])
    func apiValue(_ v: Double, _ expected: String) {
        #expect(GoFloat.apiValue(v) == expected)
        var out: [UInt8] = []
        GoFloat.appendAPIValue(v, to: &out)
        #expect(String(decoding: out, as: UTF8.self) == expected)
    }

    /// The byte fast path agrees with the string form on many doubles of every magnitude.
    @Test func appendAgreesWithString() {
        var rng = SystemRandomNumberGenerator()
        var checked = 0
        for _ in 0..<20_000 {
            let candidates = [
                Double(bitPattern: rng.next()),
                Double(Int64.random(in: -1_000_000...1_000_000, using: &rng)) / 100,
                Double.random(in: -1e17...1e17, using: &rng).rounded(),
                Double.random(in: 1e-5...1e-3, using: &rng),
                Double(Int64.random(in: -100_000_000...100_000_000, using: &rng)) / [10.0, 100, 1_000, 10_000][Int.random(in: 0...3, using: &rng)],
            ]
            for v in candidates {
                var out: [UInt8] = []
                GoFloat.appendAPIValue(v, to: &out)
                #expect(String(decoding: out, as: UTF8.self) == GoFloat.apiValue(v), "value \(v)")
                checked += 1
            }
        }
        #expect(checked == 100_000)
    }

    @Test(arguments: [Int64.min, -1_000, -9, 0, 7, 10, 1_234_567_890, Int64.max])
    func integers(_ v: Int64) {
        var out: [UInt8] = []
        GoFloat.appendInteger(v, to: &out)
        #expect(String(decoding: out, as: UTF8.self) == String(v))
    }
}
