/// How the residuals of an integer column are packed (3 bits on disk).
enum IntPacking: UInt8, CaseIterable {
    /// Every residual equals `base`: no payload (a regular scrape interval).
    case constant = 0
    /// `residual - base` (base = minimum) in a fixed number of bits.
    case frameOfReference = 1
    /// `residual - base` (base = minimum) as a Rice code with parameter k.
    case riceOffset = 2
    /// zigzag(`residual - base`) (base = median) as a Rice code.
    case riceZigzag = 3
    /// zigzag(`residual - base`) (base = median) as an Exp-Golomb code of order k.
    case expGolombZigzag = 4
    /// Residuals equal `base` except a listed few (gap, value) pairs.
    case sparse = 5
}

/// The chosen layout of one integer column: which residual order, packing
/// and parameters, and how many bits it costs.
struct IntColumnPlan {
    var order = 1
    var packing = IntPacking.constant
    var gcd: UInt64 = 1
    var base: Int64 = 0
    /// Bit width (frame of reference) or k (Rice, Exp-Golomb, sparse gaps).
    var parameter = 0
    /// Exp-Golomb order of sparse exception values.
    var sparseValueK = 0
    var sparseCount = 0
    var headerBits = 0
    var payloadBits = 0
    var totalBits: Int { headerBits + payloadBits }
}

/// Chooses and writes the smallest encoding of an integer sequence: the
/// first value, then residuals of order 1 (deltas), 2 (deltas of deltas) or
/// 0 (offsets from a straight line, for timestamps jittering around a
/// scrape grid), divided by their common divisor and packed by one of
/// `IntPacking`.
///
/// All arithmetic wraps, so any Int64 sequence round-trips exactly; only
/// the size suffers on absurd inputs.
struct IntColumnEncoder {
    /// Rice and Exp-Golomb prefixes are at most this long, so a decoder
    /// finds them within one 64-bit peek.
    static let maxPrefix = 63

    private var residuals: [Int64] = []
    private var mapped: [UInt64] = []
    private var sorted: [Int64] = []

    /// The cheapest plan for `values` (non-empty). `withLength` adds the
    /// payload length field needed when another section follows.
    mutating func plan(_ values: [Int64], withLength: Bool) -> IntColumnPlan {
        let firstBits = varintBits(values[0])
        if values.count == 1 { return IntColumnPlan(headerBits: firstBits) }
        var chosen = planResiduals(values, order: 1, withLength: withLength)
        // Constant first differences (regular timestamps, unchanged values) cost
        // no payload, and the other orders only add header fields to that.
        if values.count > 2 && chosen.packing != .constant {
            for order in [2, 0] {
                let other = planResiduals(values, order: order, withLength: withLength)
                if other.totalBits < chosen.totalBits { chosen = other }
            }
        }
        chosen.headerBits += firstBits
        return chosen
    }

    /// Writes `values` as planned.
    mutating func write(_ values: [Int64], plan: IntColumnPlan, withLength: Bool, to w: inout BitWriter) {
        w.writeVarint(values[0])
        guard values.count > 1 else { return }
        w.write(UInt64(plan.order), 2)
        if plan.order == 2 { w.writeVarint(values[1] &- values[0]) }
        if plan.order == 0 { w.writeVarint(Self.gridStep(values)) }
        w.write(UInt64(plan.packing.rawValue), 3)
        if plan.packing != .constant {
            w.writeBit(plan.gcd != 1)
            if plan.gcd != 1 { w.writeUVarint(plan.gcd) }
        }
        w.writeVarint(plan.base)
        switch plan.packing {
        case .constant: break
        case .frameOfReference: w.write(UInt64(plan.parameter), 7)
        case .riceOffset, .riceZigzag, .expGolombZigzag: w.write(UInt64(plan.parameter), 6)
        case .sparse:
            w.writeUVarint(UInt64(plan.sparseCount))
            w.write(UInt64(plan.parameter), 6)
            w.write(UInt64(plan.sparseValueK), 6)
        }
        if withLength, plan.packing.hasVariableLength { w.writeUVarint(UInt64(plan.payloadBits)) }
        computeResiduals(values, order: plan.order, gcd: plan.gcd)
        let start = w.bitCount
        writePayload(plan, to: &w)
        assert(w.bitCount - start == plan.payloadBits, "cost model and writer disagree")
    }

    private mutating func computeResiduals(_ values: [Int64], order: Int, gcd: UInt64) {
        residuals.removeAll(keepingCapacity: true)
        switch order {
        case 1:
            for i in 1..<values.count { residuals.append(values[i] &- values[i - 1]) }
        case 2:
            for i in 2..<values.count { residuals.append((values[i] &- values[i - 1]) &- (values[i - 1] &- values[i - 2])) }
        default:
            let step = Self.gridStep(values)
            var grid = values[0]
            for i in 1..<values.count {
                grid &+= step
                residuals.append(values[i] &- grid)
            }
        }
        if gcd > 1 {
            let g = Int64(gcd)
            for i in residuals.indices { residuals[i] /= g }
        }
    }

    private mutating func planResiduals(_ values: [Int64], order: Int, withLength: Bool) -> IntColumnPlan {
        computeResiduals(values, order: order, gcd: 1)
        var common = IntColumnPlan()
        common.order = order
        common.headerBits = 2 + 3
        if order == 2 { common.headerBits += varintBits(values[1] &- values[0]) }
        if order == 0 { common.headerBits += varintBits(Self.gridStep(values)) }
        var (lo, hi) = bounds()
        if lo == hi {
            common.packing = .constant
            common.base = lo
            common.headerBits += varintBits(lo)
            return common
        }
        var g: UInt64 = 0
        for r in residuals where g != 1 { g = greatestCommonDivisor(g, r.magnitude) }
        if g > UInt64(Int64.max) { g = 1 }
        if g > 1 {
            let d = Int64(g)
            for i in residuals.indices { residuals[i] /= d }
            (lo, hi) = bounds()
        }
        let gcdBits = 1 + (g > 1 ? uvarintSize(g) * 8 : 0)
        sorted = residuals
        let median = Self.select(&sorted, rank: sorted.count / 2)
        var candidates: [IntColumnPlan] = []
        let width = bitWidth(UInt64(bitPattern: hi &- lo))
        candidates.append(candidate(common, .frameOfReference, base: lo, parameter: width, header: 7,
                               payload: residuals.count * width))
        mapResiduals { UInt64(bitPattern: $0 &- lo) }
        if let (k, bits) = bestRice() { candidates.append(candidate(common, .riceOffset, base: lo, parameter: k, header: 6, payload: bits)) }
        mapResiduals { zigzagEncode($0 &- median) }
        if let (k, bits) = bestRice() { candidates.append(candidate(common, .riceZigzag, base: median, parameter: k, header: 6, payload: bits)) }
        if let (k, bits) = bestExpGolomb(mapped) {
            candidates.append(candidate(common, .expGolombZigzag, base: median, parameter: k, header: 6, payload: bits))
        }
        if let sparse = planSparse(common, base: median) { candidates.append(sparse) }

        var best: IntColumnPlan?
        for var c in candidates {
            c.gcd = g
            c.headerBits += gcdBits + varintBits(c.base)
            if withLength, c.packing.hasVariableLength { c.headerBits += uvarintSize(UInt64(c.payloadBits)) * 8 }
            if let b = best, b.totalBits <= c.totalBits { continue }
            best = c
        }
        // Frame of reference always applies, so there is a candidate.
        return best ?? common
    }

    /// The element that would be at `rank` if `values` were sorted (Hoare's
    /// quickselect, middle pivot): the median without sorting the whole column.
    /// Reorders `values`.
    static func select(_ values: inout [Int64], rank: Int) -> Int64 {
        var lo = 0, hi = values.count - 1
        while lo < hi {
            let pivot = values[lo + (hi - lo) / 2]
            var i = lo, j = hi
            while i <= j {
                while values[i] < pivot { i += 1 }
                while values[j] > pivot { j -= 1 }
                if i <= j {
                    values.swapAt(i, j)
                    i += 1
                    j -= 1
                }
            }
            if rank <= j {
                hi = j
            } else if rank >= i {
                lo = i
            } else {
                return values[rank]
            }
        }
        return values[rank]
    }

    /// Slope of the line through the first and last value (wrapping),
    /// rounded to nearest: when the first and last scrape are delayed by
    /// different amounts, this still finds the exact interval.
    static func gridStep(_ values: [Int64]) -> Int64 {
        let span = values[values.count - 1] &- values[0]
        let intervals = Int64(values.count - 1)
        let (quotient, remainder) = span.quotientAndRemainder(dividingBy: intervals)
        guard remainder.magnitude * 2 >= intervals.magnitude else { return quotient }
        return span < 0 ? quotient &- 1 : quotient &+ 1
    }

    private func bounds() -> (Int64, Int64) {
        var lo = residuals[0], hi = residuals[0]
        for r in residuals {
            lo = min(lo, r)
            hi = max(hi, r)
        }
        return (lo, hi)
    }

    private func candidate(_ common: IntColumnPlan, _ packing: IntPacking, base: Int64, parameter: Int, header: Int, payload: Int) -> IntColumnPlan {
        var p = common
        p.packing = packing
        p.base = base
        p.parameter = parameter
        p.headerBits += header
        p.payloadBits = payload
        return p
    }

    private mutating func mapResiduals(_ transform: (Int64) -> UInt64) {
        mapped.removeAll(keepingCapacity: true)
        for r in residuals { mapped.append(transform(r)) }
    }

    /// Best Rice parameter for `mapped`, searched around log2 of the mean.
    private func bestRice() -> (k: Int, bits: Int)? {
        var maxValue: UInt64 = 0
        var sum = 0.0
        for u in mapped {
            maxValue = max(maxValue, u)
            sum += Double(u)
        }
        // Quotients must stay below 2^6 so a prefix never exceeds `maxPrefix`.
        let kMin = max(0, bitWidth(maxValue) - 6)
        guard kMin <= 63 else { return nil }
        let center = bitWidth(UInt64(min(sum / Double(mapped.count), 9.0e18)))
        var best: (k: Int, bits: Int)?
        for k in max(kMin, center - 3)...max(kMin, min(63, center + 1)) {
            var bits = mapped.count * (1 + k)
            for u in mapped { bits += Int(u >> UInt64(k)) }
            if let b = best, b.bits <= bits { continue }
            best = (k, bits)
        }
        return best
    }

    /// Best Exp-Golomb order for `values`, if every value fits the code.
    private func bestExpGolomb(_ values: [UInt64]) -> (k: Int, bits: Int)? {
        var maxValue: UInt64 = 0
        var sum = 0.0
        for u in values {
            maxValue = max(maxValue, u)
            sum += Double(u)
        }
        guard bitWidth(maxValue) <= 62 else { return nil }
        let center = bitWidth(UInt64(min(sum / Double(max(1, values.count)), 9.0e18)))
        var best: (k: Int, bits: Int)?
        for k in max(0, center - 3)...min(62, center + 1) {
            var bits = 0
            for u in values { bits += expGolombBits(u, k: k) }
            if let b = best, b.bits <= bits { continue }
            best = (k, bits)
        }
        return best
    }

    /// Sparse plan: worth it only when most residuals equal `base`.
    private mutating func planSparse(_ common: IntColumnPlan, base: Int64) -> IntColumnPlan? {
        var gaps: [UInt64] = []
        var values: [UInt64] = []
        var last = -1
        for (i, r) in residuals.enumerated() where r != base {
            gaps.append(UInt64(i - last - 1))
            values.append(zigzagEncode(r &- base) - 1)
            last = i
            if gaps.count * 4 > residuals.count { return nil }
        }
        guard let (gapK, gapBits) = bestExpGolomb(gaps), let (valueK, valueBits) = bestExpGolomb(values) else { return nil }
        var p = candidate(common, .sparse, base: base, parameter: gapK, header: 12 + uvarintSize(UInt64(gaps.count)) * 8,
                     payload: gapBits + valueBits)
        p.sparseValueK = valueK
        p.sparseCount = gaps.count
        return p
    }

    private mutating func writePayload(_ plan: IntColumnPlan, to w: inout BitWriter) {
        let k = plan.parameter
        switch plan.packing {
        case .constant: break
        case .frameOfReference:
            for r in residuals { w.write(UInt64(bitPattern: r &- plan.base), k) }
        case .riceOffset:
            for r in residuals { writeRice(UInt64(bitPattern: r &- plan.base), k: k, to: &w) }
        case .riceZigzag:
            for r in residuals { writeRice(zigzagEncode(r &- plan.base), k: k, to: &w) }
        case .expGolombZigzag:
            for r in residuals { writeExpGolomb(zigzagEncode(r &- plan.base), k: k, to: &w) }
        case .sparse:
            var last = -1
            for (i, r) in residuals.enumerated() where r != plan.base {
                writeExpGolomb(UInt64(i - last - 1), k: k, to: &w)
                writeExpGolomb(zigzagEncode(r &- plan.base) - 1, k: plan.sparseValueK, to: &w)
                last = i
            }
        }
    }
}

extension IntPacking {
    /// Whether the payload length depends on the data (not on the header alone).
    var hasVariableLength: Bool {
        switch self {
        case .constant, .frameOfReference: return false
        case .riceOffset, .riceZigzag, .expGolombZigzag, .sparse: return true
        }
    }
}

/// Rice code: the quotient `u >> k` in unary (zeros closed by a one), then k low bits.
@inline(__always)
func writeRice(_ u: UInt64, k: Int, to w: inout BitWriter) {
    w.write(1, Int(u >> UInt64(k)) + 1)
    w.write(u, k)
}

/// Exp-Golomb code of order k: v = u + 2^k written in L bits after L-1-k zeros.
@inline(__always)
func writeExpGolomb(_ u: UInt64, k: Int, to w: inout BitWriter) {
    let v = u + (1 << UInt64(k))
    let length = bitWidth(v)
    w.write(0, length - 1 - k)
    w.write(v, length)
}

@inline(__always)
func expGolombBits(_ u: UInt64, k: Int) -> Int {
    2 * bitWidth(u + (1 << UInt64(k))) - 1 - k
}

@inline(__always)
func varintBits(_ v: Int64) -> Int { varintSize(v) * 8 }

func greatestCommonDivisor(_ a: UInt64, _ b: UInt64) -> UInt64 {
    var (x, y) = (a, b)
    while y != 0 { (x, y) = (y, x % y) }
    return x
}
