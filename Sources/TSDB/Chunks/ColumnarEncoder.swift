/// How the value column of a columnar chunk is stored (4 bits on disk).
enum ValueKind: Equatable {
    /// v = Double(m) / 10^digits for integers m (digits 0...9); kinds 0...9.
    case decimal(digits: Int)
    /// The IEEE-754 bit patterns read as Int64 (monotonic floats of one sign
    /// have small pattern deltas); kind 10.
    case rawBits
    /// Gorilla XOR floats, the fallback; kind 11.
    case xor

    static let maxDecimalDigits = 9
    static let powersOfTen: [Double] = (0...maxDecimalDigits).map { (0..<$0).reduce(1.0) { acc, _ in acc * 10 } }

    var rawValue: UInt64 {
        switch self {
        case .decimal(let digits): return UInt64(digits)
        case .rawBits: return 10
        case .xor: return 11
        }
    }

    init?(rawValue: UInt64) {
        switch rawValue {
        case 0...UInt64(Self.maxDecimalDigits): self = .decimal(digits: Int(rawValue))
        case 10: self = .rawBits
        case 11: self = .xor
        default: return nil
        }
    }
}

/// Writes samples in the columnar format (see docs/format/chunks.md):
/// sample count, the timestamp column, then the value column, each with
/// the smallest lossless layout found for this chunk.
struct ColumnarEncoder {
    private var ints = IntColumnEncoder()

    /// The bytes of a columnar chunk holding `times` and `values` (same
    /// non-zero count).
    mutating func encode(times: [Int64], values: [Double]) -> [UInt8] {
        var w = BitWriter(capacity: 16 + values.count)
        w.writeUVarint(UInt64(times.count))
        let timePlan = ints.plan(times, withLength: true, column: .timestamps)
        ints.write(times, plan: timePlan, withLength: true, to: &w)
        let plan = planValues(values)
        w.write(plan.kind.rawValue, 4)
        if plan.kind == .xor {
            writeXOR(values, to: &w)
        } else {
            w.writeBit(!plan.exceptions.isEmpty)
            if !plan.exceptions.isEmpty { w.writeUVarint(UInt64(plan.exceptions.count)) }
            var last = -1
            for i in plan.exceptions {
                w.writeUVarint(UInt64(i - last - 1))
                w.write(values[i].bitPattern, 64)
                last = i
            }
            ints.write(plan.integers, plan: plan.intPlan, withLength: false, to: &w)
        }
        return w.bytes
    }

    private struct ValuePlan {
        var kind: ValueKind
        var bits: Int
        var exceptions: [Int] = []
        var integers: [Int64] = []
        var intPlan = IntColumnPlan()
    }

    private mutating func planValues(_ values: [Double]) -> ValuePlan {
        var counter = BitCounter()
        writeXOR(values, to: &counter)
        var best = ValuePlan(kind: .xor, bits: 4 + counter.bitCount)

        var digits = [Int8](repeating: -1, count: values.count)
        var maxDigits = -1
        var histogram = [Int](repeating: 0, count: ValueKind.maxDecimalDigits + 1)
        for (i, v) in values.enumerated() {
            // Gauges often repeat their last value: reuse its answer.
            if i > 0 && v.bitPattern == values[i - 1].bitPattern {
                digits[i] = digits[i - 1]
                if digits[i] >= 0 { histogram[Int(digits[i])] += 1 }
                continue
            }
            guard let d = Self.minimalDecimalDigits(v) else { continue }
            digits[i] = Int8(d)
            maxDigits = max(maxDigits, d)
            histogram[d] += 1
        }
        var decimalExact = false
        if maxDigits >= 0 {
            // Few values needing many digits (or none) are cheaper as exceptions.
            var covered = 0
            var enough = maxDigits
            for d in 0...maxDigits {
                covered += histogram[d]
                if (values.count - covered) * 8 <= values.count { enough = d; break }
            }
            for candidate in enough == maxDigits ? [maxDigits] : [enough, maxDigits] {
                if let plan = planDecimal(values, digits: digits, scale: candidate), plan.bits < best.bits {
                    best = plan
                    decimalExact = decimalExact || plan.exceptions.isEmpty
                }
            }
        }
        if !decimalExact {
            let raw = values.map { Int64(bitPattern: $0.bitPattern) }
            let plan = ints.plan(raw, withLength: false)
            let bits = 4 + 1 + plan.totalBits
            if bits < best.bits { best = ValuePlan(kind: .rawBits, bits: bits, integers: raw, intPlan: plan) }
        }
        return best
    }

    private mutating func planDecimal(_ values: [Double], digits: [Int8], scale: Int) -> ValuePlan? {
        var plan = ValuePlan(kind: .decimal(digits: scale), bits: 4)
        plan.integers.reserveCapacity(values.count)
        for (i, v) in values.enumerated() {
            if i > 0, v.bitPattern == values[i - 1].bitPattern, plan.exceptions.last != i - 1, let m = plan.integers.last {
                plan.integers.append(m)
            } else if digits[i] >= 0, Int(digits[i]) <= scale, let m = Self.scaledInteger(v, digits: scale) {
                plan.integers.append(m)
            } else {
                plan.bits += uvarintSize(UInt64(i - (plan.exceptions.last ?? -1) - 1)) * 8 + 64
                plan.exceptions.append(i)
            }
        }
        guard !plan.integers.isEmpty else { return nil }
        plan.bits += 1 + (plan.exceptions.isEmpty ? 0 : uvarintSize(UInt64(plan.exceptions.count)) * 8)
        plan.intPlan = ints.plan(plan.integers, withLength: false)
        plan.bits += plan.intPlan.totalBits
        return plan
    }

    private func writeXOR<Sink: BitSink>(_ values: [Double], to sink: inout Sink) {
        let first = values[0].bitPattern
        sink.write(first, 64)
        var encoder = XORValueEncoder(first: first)
        for v in values.dropFirst() { encoder.encode(v.bitPattern, to: &sink) }
    }

    /// The fewest decimal digits (0...9) after the point that represent `v`
    /// exactly, or nil (non-finite, -0.0, too large, too precise).
    static func minimalDecimalDigits(_ v: Double) -> Int? {
        for d in 0...ValueKind.maxDecimalDigits where scaledInteger(v, digits: d) != nil { return d }
        return nil
    }

    /// The integer m with Double(m) / 10^digits == v bit for bit, if any:
    /// exactly the computation the decoder performs.
    @inline(__always)
    static func scaledInteger(_ v: Double, digits: Int) -> Int64? {
        let power = ValueKind.powersOfTen[digits]
        let scaled = v * power
        // Beyond 2^53 integers are no longer exact doubles; this also drops NaN and infinities.
        guard abs(scaled) < 9_007_199_254_740_992 else { return nil }
        // Round half away from zero by truncation: `rounded()` is a libm call
        // here. A value this misrounds fails the exact check below anyway.
        let m = Int64(scaled + (scaled < 0 ? -0.5 : 0.5))
        return (Double(m) / power).bitPattern == v.bitPattern ? m : nil
    }
}
