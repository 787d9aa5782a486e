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

    /// Which residual orders a column tries besides deltas (order 1).
    enum Column {
        /// Timestamps: offsets from the scrape grid (order 0) are what jittered
        /// scrapes need, and deltas of deltas (order 2) are tried too.
        case timestamps
        /// Values: deltas of deltas suit steady counters; the grid order never
        /// won on the benchmark datasets and is not tried, which saves a third
        /// of the sealing time.
        case values
    }

    /// The cheapest plan for `values` (non-empty). `withLength` adds the
    /// payload length field needed when another section follows.
    ///
    /// Order 2 is only costed when its residuals span no more bits than
    /// the deltas do: on the compare.py dataset that skips 58% of those
    /// searches and costs 0.2% of the chunk bytes.
    mutating func plan(_ values: [Int64], withLength: Bool, column: Column = .values) -> IntColumnPlan {
        let firstBits = varintBits(values[0])
        if values.count == 1 { return IntColumnPlan(headerBits: firstBits) }
        computeResiduals(values, order: 1, gcd: 1)
        let deltaWidth = rangeWidth()
        var chosen = planResiduals(values, order: 1, withLength: withLength)
        // Constant first differences (regular timestamps, unchanged values) cost
        // no payload, and the other orders only add header fields to that.
        if values.count > 2 && chosen.packing != .constant {
            let orders = column == .timestamps ? [2, 0] : [2]
            for order in orders {
                computeResiduals(values, order: order, gcd: 1)
                if order == 2 && rangeWidth() > deltaWidth { continue }
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
        let count = values.count - (order == 2 ? 2 : 1)
        residuals.removeAll(keepingCapacity: true)
        residuals.append(contentsOf: repeatElement(0, count: count))
        let step = order == 0 ? Self.gridStep(values) : 0
        values.withUnsafeBufferPointer { v in
            residuals.withUnsafeMutableBufferPointer { r in
                switch order {
                case 1:
                    for i in 0..<count { r[i] = v[i + 1] &- v[i] }
                case 2:
                    for i in 0..<count { r[i] = (v[i + 2] &- v[i + 1]) &- (v[i + 1] &- v[i]) }
                default:
                    var grid = v[0]
                    for i in 0..<count {
                        grid &+= step
                        r[i] = v[i + 1] &- grid
                    }
                }
                if gcd > 1 {
                    let g = Int64(gcd)
                    for i in 0..<count { r[i] /= g }
                }
            }
        }
    }

    /// Bits spanned by the current residuals (max - min).
    private func rangeWidth() -> Int {
        let (lo, hi) = bounds()
        return bitWidth(UInt64(bitPattern: hi &- lo))
    }

    /// The cheapest packing of `values`' residuals of `order`, which the
    /// caller has just computed (`computeResiduals` with gcd 1).
    private mutating func planResiduals(_ values: [Int64], order: Int, withLength: Bool) -> IntColumnPlan {
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
        sorted.removeAll(keepingCapacity: true)
        sorted.append(contentsOf: residuals)
        let median = Self.select(&sorted, rank: sorted.count / 2)
        // Frame of reference always applies; the others compete with it.
        let width = bitWidth(UInt64(bitPattern: hi &- lo))
        var best = finish(candidate(common, .frameOfReference, base: lo, parameter: width, header: 7,
                                    payload: residuals.count * width), gcd: g, gcdBits: gcdBits, withLength: withLength)
        func consider(_ c: IntColumnPlan) {
            let c = finish(c, gcd: g, gcdBits: gcdBits, withLength: withLength)
            if c.totalBits < best.totalBits { best = c }
        }
        var stats = mapResiduals { UInt64(bitPattern: $0 &- lo) }
        if let (k, bits) = bestRice(stats) { consider(candidate(common, .riceOffset, base: lo, parameter: k, header: 6, payload: bits)) }
        stats = mapResiduals { zigzagEncode($0 &- median) }
        if let (k, bits) = bestRice(stats) { consider(candidate(common, .riceZigzag, base: median, parameter: k, header: 6, payload: bits)) }
        if let (k, bits) = bestExpGolomb(mapped, stats) {
            consider(candidate(common, .expGolombZigzag, base: median, parameter: k, header: 6, payload: bits))
        }
        if let sparse = planSparse(common, base: median) { consider(sparse) }
        return best
    }

    /// Adds the header fields every non-constant packing shares.
    private func finish(_ plan: IntColumnPlan, gcd: UInt64, gcdBits: Int, withLength: Bool) -> IntColumnPlan {
        var c = plan
        c.gcd = gcd
        c.headerBits += gcdBits + varintBits(c.base)
        if withLength, c.packing.hasVariableLength { c.headerBits += uvarintSize(UInt64(c.payloadBits)) * 8 }
        return c
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
        residuals.withUnsafeBufferPointer { column in
            var lo = column[0], hi = column[0]
            for r in column {
                lo = min(lo, r)
                hi = max(hi, r)
            }
            return (lo, hi)
        }
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

    /// Largest value and mean of a mapped column: where the Rice and
    /// Exp-Golomb parameter searches centre.
    struct ColumnStats {
        var maxValue: UInt64 = 0
        /// The sum in two integer halves (at most 65,535 values, so neither
        /// overflows): integer adds keep the mapping loop free of a
        /// floating-point dependency chain.
        var highSum: UInt64 = 0
        var lowSum: UInt64 = 0

        @inline(__always)
        mutating func add(_ u: UInt64) {
            maxValue = max(maxValue, u)
            highSum &+= u >> 32
            lowSum &+= u & 0xFFFF_FFFF
        }

        /// Bit width of the mean, capped so the conversion cannot trap.
        func meanWidth(count: Int) -> Int {
            let sum = Double(highSum) * 4_294_967_296 + Double(lowSum)
            return bitWidth(UInt64(min(sum / Double(max(1, count)), 9.0e18)))
        }
    }

    private mutating func mapResiduals(_ transform: (Int64) -> UInt64) -> ColumnStats {
        mapped.removeAll(keepingCapacity: true)
        mapped.append(contentsOf: repeatElement(0, count: residuals.count))
        var stats = ColumnStats()
        residuals.withUnsafeBufferPointer { input in
            mapped.withUnsafeMutableBufferPointer { output in
                for i in input.indices {
                    let u = transform(input[i])
                    output[i] = u
                    stats.add(u)
                }
            }
        }
        return stats
    }

    /// Best Rice parameter for `mapped`, searched among the five around
    /// log2 of the mean. All five sums come from one pass: the quotients
    /// for k+1 are those for k shifted once more.
    private func bestRice(_ stats: ColumnStats) -> (k: Int, bits: Int)? {
        // Quotients must stay below 2^6 so a prefix never exceeds `maxPrefix`.
        let kMin = max(0, bitWidth(stats.maxValue) - 6)
        guard kMin <= 63 else { return nil }
        let center = stats.meanWidth(count: mapped.count)
        let low = max(kMin, center - 3), high = max(kMin, min(63, center + 1))
        // Each quotient is below 2^6 (k >= kMin), so the sums cannot overflow.
        var q0 = 0, q1 = 0, q2 = 0, q3 = 0, q4 = 0
        let shift = UInt64(low)
        mapped.withUnsafeBufferPointer { column in
            for u in column {
                let q = Int(truncatingIfNeeded: u >> shift)
                q0 &+= q
                q1 &+= q >> 1
                q2 &+= q >> 2
                q3 &+= q >> 3
                q4 &+= q >> 4
            }
        }
        let quotients = [q0, q1, q2, q3, q4]
        var best: (k: Int, bits: Int)?
        for k in low...high {
            let bits = mapped.count * (1 + k) + quotients[k - low]
            if let b = best, b.bits <= bits { continue }
            best = (k, bits)
        }
        return best
    }

    /// Best Exp-Golomb order for `values`, if every value fits the code;
    /// the five orders around log2 of the mean are costed in one pass.
    private func bestExpGolomb(_ values: [UInt64], _ stats: ColumnStats) -> (k: Int, bits: Int)? {
        guard bitWidth(stats.maxValue) <= 62 else { return nil }
        let center = stats.meanWidth(count: values.count)
        let low = max(0, center - 3), high = min(62, center + 1)
        // Sums of bitWidth(u + 2^k) for k = low...low+4 (orders above 62 are never read).
        var w0 = 0, w1 = 0, w2 = 0, w3 = 0, w4 = 0
        let b0 = UInt64(1) << UInt64(low)
        values.withUnsafeBufferPointer { column in
            for u in column {
                w0 &+= bitWidth(u &+ b0)
                w1 &+= bitWidth(u &+ (b0 &<< 1))
                w2 &+= bitWidth(u &+ (b0 &<< 2))
                w3 &+= bitWidth(u &+ (b0 &<< 3))
                w4 &+= bitWidth(u &+ (b0 &<< 4))
            }
        }
        let widths = [w0, w1, w2, w3, w4]
        var best: (k: Int, bits: Int)?
        for k in low...high {
            let bits = 2 * widths[k - low] - values.count * (1 + k)
            if let b = best, b.bits <= bits { continue }
            best = (k, bits)
        }
        return best
    }

    /// Sparse plan: worth it only when most residuals equal `base`.
    private mutating func planSparse(_ common: IntColumnPlan, base: Int64) -> IntColumnPlan? {
        // Counted before anything is built: most columns are not sparse.
        let exceptions = residuals.withUnsafeBufferPointer { column in
            column.reduce(0) { $0 &+ ($1 != base ? 1 : 0) }
        }
        if exceptions * 4 > residuals.count { return nil }
        var gaps: [UInt64] = [], values: [UInt64] = []
        gaps.reserveCapacity(exceptions)
        values.reserveCapacity(exceptions)
        var gapStats = ColumnStats(), valueStats = ColumnStats()
        var last = -1
        for (i, r) in residuals.enumerated() where r != base {
            gaps.append(UInt64(i - last - 1))
            values.append(zigzagEncode(r &- base) - 1)
            gapStats.add(gaps[gaps.count - 1])
            valueStats.add(values[values.count - 1])
            last = i
        }
        guard let (gapK, gapBits) = bestExpGolomb(gaps, gapStats), let (valueK, valueBits) = bestExpGolomb(values, valueStats) else { return nil }
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
