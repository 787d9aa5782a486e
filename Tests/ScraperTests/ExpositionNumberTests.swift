import Testing
@testable import Scraper

@Suite struct ExpositionNumberTests {
    func parse(_ s: String) -> NumberParsing.FloatResult {
        Array(s.utf8).withUnsafeBufferPointer { buf in
            guard let base = buf.baseAddress else { return .invalidSyntax }
            return NumberParsing.parseFloat(base, count: buf.count)
        }
    }

    func seconds(_ s: String) -> Int64? {
        Array(s.utf8).withUnsafeBufferPointer { buf in
            guard let base = buf.baseAddress, case .value(let ms, _) = NumberParsing.parseSeconds(base, count: buf.count) else { return nil }
            return ms
        }
    }

    /// The fast path and the strtod fallback must both round exactly like Swift's
    /// own (correctly rounded) conversion, on a deterministic pseudo-random sample.
    @Test func roundsLikeCorrectlyRoundedConversion() {
        var state: UInt64 = 0x1234_5678_9abc_def1
        func next() -> UInt64 {
            state ^= state << 13
            state ^= state >> 7
            state ^= state << 17
            return state
        }
        for _ in 0..<20_000 {
            let digits = String(next() % 10_000_000_000_000_000_000)
            let point = Int(next() % UInt64(digits.count + 1))
            var text = String(digits.prefix(point)) + "." + String(digits.dropFirst(point))
            if text == "." { text = "0" }
            if next() % 3 == 0 { text += "e\(Int(next() % 80) - 40)" }
            if next() % 2 == 0 { text = "-" + text }
            guard let expected = Double(text) else { continue }
            #expect(parse(text) == .value(expected), "\(text)")
        }
    }

    @Test func longMantissasAndExtremes() {
        #expect(parse("0.1000000000000000055511151231257827") == .value(0.1))
        #expect(parse("9007199254740993") == .value(9_007_199_254_740_992))
        #expect(parse("1.7976931348623157e308") == .value(.greatestFiniteMagnitude))
        #expect(parse("1.8e308") == .outOfRange)
        #expect(parse("-1e400") == .outOfRange)
        #expect(parse("1e-400") == .value(0))
        #expect(parse("00000000000000000000000000000000000000000001") == .value(1))
        #expect(parse("-0") == .value(-0.0))
    }

    @Test func openMetricsSecondsToMilliseconds() {
        #expect(seconds("1") == 1000)
        #expect(seconds("1.001") == 1001)
        #expect(seconds("1.0019") == 1001)
        #expect(seconds("-1.5") == -1500)
        #expect(seconds("1e-3") == 1)
        #expect(seconds("1.5e3") == 1_500_000)
        #expect(seconds(".25") == 250)
        #expect(seconds("Inf") == nil)
        #expect(seconds("NaN") == nil)
        #expect(seconds("1e20") == nil)
        #expect(seconds("0x10") == nil)
    }
}
