/// Per-sample OpenMetrics rules (see ``OpenMetricsValidator``).
extension OpenMetricsValidator {
    /// Checks one sample; returns why it is invalid.
    mutating func sample(
        p: UnsafePointer<UInt8>, name: UnsafeBufferPointer<UInt8>, labels: [LabelSpan],
        value: Double, timestamp: Double?, exemplar: [LabelSpan]?
    ) -> String? {
        var role = self.role(of: name)
        if role == nil {
            // A sample outside the current family's names opens an untyped family.
            if let problem = finishFamily() { return problem }
            startFamily(name, type: .unknown)
            role = .plain
        }
        guard let role else { return nil }
        sampleCount += 1
        if let problem = checkRequiredLabels(p, labels, role: role, value: value) { return problem }
        let g = groupHash(p, labels, excluding: groupExclusion(role))
        if let problem = checkGrouping(g, timestamp: timestamp) { return problem }
        let isHistogram = type == .histogram || type == .gaugeHistogram
        // A series repeated with the group's timestamp is a duplicate that the
        // reference parser drops before its histogram checks; do the same.
        let duplicate = isHistogram && isRepeatedSeries(p, name: name, labels, group: g, timestamp: timestamp)
        recordGroup(g, timestamp: timestamp)
        if let problem = checkValue(role, value) { return problem }
        if let exemplar, let problem = checkExemplar(p, exemplar, role: role) { return problem }
        if isHistogram && !duplicate {
            return trackHistogram(p, labels, group: g, timestamp: timestamp, role: role, value: value)
        }
        return nil
    }

    private var familyName: String { String(decoding: family, as: UTF8.self) }

    private func checkRequiredLabels(_ p: UnsafePointer<UInt8>, _ labels: [LabelSpan], role: Role, value: Double) -> String? {
        if type == .stateSet {
            let present = family.withUnsafeBufferPointer { target in
                labels.contains { Escaping.decodedEquals(p, $0.name, escaped: $0.nameEscaped, target) }
            }
            if !present { return "stateset sample needs a label named \"\(familyName)\"" }
        }
        switch role {
        case .bucket:
            switch numericLabel(p, labels, "le") {
            case .missing: return "bucket of \"\(familyName)\" has no le label"
            case .invalid: return "bucket of \"\(familyName)\" has an invalid le label"
            case .value(let le, let canonical):
                if le.isNaN { return "bucket of \"\(familyName)\" has le=\"NaN\"" }
                if le == .infinity && !canonical { return "the +Inf bucket of \"\(familyName)\" must be written le=\"+Inf\"" }
            }
            if !isWholeNumber(value) { return "bucket value of \"\(familyName)\" must be an integer" }
        case .count, .gcount:
            if !isWholeNumber(value) { return "count of \"\(familyName)\" must be an integer" }
        case .plain where type == .summary:
            switch numericLabel(p, labels, "quantile") {
            case .missing: return "summary quantile of \"\(familyName)\" has no quantile label"
            case .invalid: return "summary quantile of \"\(familyName)\" has an invalid quantile label"
            case .value(let q, _):
                if !(q >= 0 && q <= 1) { return "quantile of \"\(familyName)\" must be between 0 and 1" }
            }
        default:
            break
        }
        return nil
    }

    private mutating func checkGrouping(_ g: UInt64, timestamp: Double?) -> String? {
        // One set operation per change of group: consecutive samples of a group skip it.
        if group != g, !seenGroups.insert(g).inserted, group != nil {
            return "samples of one label set of \"\(familyName)\" must be contiguous"
        }
        if let group, group == g {
            if (timestamp == nil) != (groupTimestamp == nil) {
                return "some samples of one label set of \"\(familyName)\" have a timestamp and some do not"
            }
            if let previous = groupTimestamp, let timestamp, previous > timestamp, type != .info {
                return "timestamp goes backwards within a label set of \"\(familyName)\""
            }
        }
        return nil
    }

    /// Whether this exact series already appeared in the current group and the
    /// previous sample of the group had the same timestamp.
    private mutating func isRepeatedSeries(
        _ p: UnsafePointer<UInt8>, name: UnsafeBufferPointer<UInt8>, _ labels: [LabelSpan], group g: UInt64, timestamp: Double?
    ) -> Bool {
        if group != g { seriesInGroup.removeAll(keepingCapacity: true) }
        var h = groupHash(p, labels, excluding: .none)
        if let base = name.baseAddress { h = ByteHash.mix(ByteHash.bytes(base, 0..<name.count, seed: h)) }
        let seen = !seriesInGroup.insert(h).inserted
        return seen && group == g && groupTimestamp == timestamp
    }

    private mutating func recordGroup(_ g: UInt64, timestamp: Double?) {
        group = g
        groupTimestamp = timestamp
    }

    private func checkValue(_ role: Role, _ value: Double) -> String? {
        if type == .stateSet && !(value == 0 || value == 1) { return "stateset value must be 0 or 1" }
        if type == .info && value != 1 { return "info value must be 1" }
        if type == .summary && role == .plain && value < 0 { return "quantile value of \"\(familyName)\" cannot be negative" }
        switch role {
        case .total, .sum, .count, .bucket, .gcount, .gsum:
            if value.isNaN { return "\(familyName)\(role.suffix) cannot be NaN" }
            if role != .gsum && value < 0 { return "\(familyName)\(role.suffix) cannot be negative" }
        default:
            break
        }
        return nil
    }

    private func checkExemplar(_ p: UnsafePointer<UInt8>, _ exemplar: [LabelSpan], role: Role) -> String? {
        var length = 0
        for span in exemplar {
            length += UTF8Check.decodedCodePointCount(p, span.name, escaped: span.nameEscaped)
            length += UTF8Check.decodedCodePointCount(p, span.value, escaped: span.valueEscaped)
        }
        if length > 128 { return "exemplar labels have \(length) characters, more than 128" }
        guard role == .bucket || role == .total else {
            return "exemplars are only allowed on counter totals and histogram buckets"
        }
        return nil
    }

    private mutating func trackHistogram(
        _ p: UnsafePointer<UInt8>, _ labels: [LabelSpan], group g: UInt64, timestamp: Double?, role: Role, value: Double
    ) -> String? {
        if !histogram.active || histogram.group != g || histogram.timestamp != timestamp {
            if histogram.active, let problem = histogram.check(family: familyName) { return problem }
            histogram = HistogramGroup()
            histogram.active = true
            histogram.group = g
            histogram.timestamp = timestamp
        }
        switch role {
        case .bucket:
            guard case .value(let bound, _) = numericLabel(p, labels, "le") else { return nil }
            if bound < 0 { histogram.negativeBuckets = true }
            if let last = histogram.lastBound, bound <= last { return "buckets of \"\(familyName)\" are not in increasing le order" }
            if value < histogram.lastBucketValue { return "bucket values of \"\(familyName)\" are not cumulative" }
            histogram.lastBound = bound
            histogram.lastBucketValue = value
        case .count, .gcount:
            histogram.count = value
        case .sum:
            histogram.hasSum = true
        case .gsum:
            histogram.hasGSum = true
            if value < 0 { histogram.negativeGSum = true }
        default:
            break
        }
        return nil
    }

    // MARK: Label groups

    private enum Exclusion {
        case none
        case all
        case label(StaticString)
        case familyLabel
    }

    /// Which label does not distinguish groups: `le` of buckets, `quantile` of
    /// summary quantiles, the state label of statesets; info samples form one group.
    private func groupExclusion(_ role: Role) -> Exclusion {
        if type == .info { return .all }
        if type == .summary && role == .plain { return .label("quantile") }
        if type == .stateSet { return .familyLabel }
        if role == .bucket { return .label("le") }
        return .none
    }

    /// An order-independent hash of the label pairs that identify a group.
    private func groupHash(_ p: UnsafePointer<UInt8>, _ labels: [LabelSpan], excluding exclusion: Exclusion) -> UInt64 {
        var sum: UInt64 = 0
        for span in labels {
            switch exclusion {
            case .all:
                return 0
            case .label(let name):
                let target = UnsafeBufferPointer(start: name.utf8Start, count: name.utf8CodeUnitCount)
                if Escaping.decodedEquals(p, span.name, escaped: span.nameEscaped, target) { continue }
            case .familyLabel:
                let skip = family.withUnsafeBufferPointer { Escaping.decodedEquals(p, span.name, escaped: span.nameEscaped, $0) }
                if skip { continue }
            case .none:
                break
            }
            let h = ByteHash.decoded(p, span.name, escaped: span.nameEscaped, seed: 0x9e37_79b9_7f4a_7c15)
            // Mix before summing so that pairs do not cancel out.
            sum &+= ByteHash.mix(ByteHash.decoded(p, span.value, escaped: span.valueEscaped, seed: h))
        }
        return sum
    }

    private enum NumericLabel {
        case missing
        case invalid
        /// `canonical`: written `+Inf` when the value is +Inf.
        case value(Double, canonical: Bool)
    }

    private func numericLabel(_ p: UnsafePointer<UInt8>, _ labels: [LabelSpan], _ name: StaticString) -> NumericLabel {
        let target = UnsafeBufferPointer(start: name.utf8Start, count: name.utf8CodeUnitCount)
        guard let span = labels.first(where: { Escaping.decodedEquals(p, $0.name, escaped: $0.nameEscaped, target) }) else {
            return .missing
        }
        return withDecodedBytes(p, span.value, escaped: span.valueEscaped) { bytes in
            guard let base = bytes.baseAddress, case .value(let v) = NumberParsing.parseFloat(base, count: bytes.count) else {
                return .invalid
            }
            let canonical = v != .infinity || (bytes.count == 4 && matchesASCII(base, "+Inf"))
            return .value(v, canonical: canonical)
        }
    }

    private func isWholeNumber(_ v: Double) -> Bool { v.isFinite && v.rounded(.towardZero) == v }
}

/// Calls `body` with the decoded bytes of an escaped range, copying only when escapes occur.
func withDecodedBytes<R>(_ p: UnsafePointer<UInt8>, _ range: Range<Int>, escaped: Bool, _ body: (UnsafeBufferPointer<UInt8>) -> R) -> R {
    if !escaped {
        return body(UnsafeBufferPointer(start: p + range.lowerBound, count: range.count))
    }
    var out: [UInt8] = []
    out.reserveCapacity(range.count)
    Escaping.forEachDecodedByte(p, range.lowerBound, range.upperBound, style: .full) { out.append($0) }
    return out.withUnsafeBufferPointer(body)
}

extension ExpositionParser {
    mutating func validateSample(_ s: LineScanner, value: Double) throws(ExpositionError) {
        let p = s.p
        let labels = series.labels
        let exemplar = exemplarPresent ? exemplarSpans.labels : nil
        let timestamp = timestampSeconds
        let problem: String?
        if series.nameEscaped {
            var name: [UInt8] = []
            Escaping.forEachDecodedByte(p, series.name.lowerBound, series.name.upperBound, style: .full) { name.append($0) }
            problem = name.withUnsafeBufferPointer { name in
                validator.sample(p: p, name: name, labels: labels, value: value, timestamp: timestamp, exemplar: exemplar)
            }
        } else {
            // No closure here: capturing self would copy the validator per sample.
            let name = UnsafeBufferPointer(start: p + series.name.lowerBound, count: series.name.count)
            problem = validator.sample(p: p, name: name, labels: labels, value: value, timestamp: timestamp, exemplar: exemplar)
        }
        if let problem { throw ExpositionError(line: s.lineNumber, column: 0, reason: problem) }
    }

    mutating func validateMetadata(_ s: LineScanner, _ kind: MetadataKind, type: MetricType?) throws(ExpositionError) {
        let p = s.p
        let text = UnsafeBufferPointer(start: p + metadataText.lowerBound, count: metadataText.count)
        let problem = withDecodedBytes(p, metadataName, escaped: metadataNameEscaped) { name in
            validator.metadata(kind, name: name, text: text, type: type)
        }
        if let problem { throw ExpositionError(line: s.lineNumber, column: 0, reason: problem) }
    }

    mutating func validateEndOfExposition(_ s: LineScanner) throws(ExpositionError) {
        if let problem = validator.finishFamily() {
            throw ExpositionError(line: s.lineNumber, column: 0, reason: problem)
        }
    }
}

/// A fast non-cryptographic hash of byte ranges, eight bytes at a time. Only
/// used to tell label groups apart within one scrape, never persisted.
enum ByteHash {
    @inline(__always)
    static func mix(_ x: UInt64) -> UInt64 {
        var h = x
        h ^= h >> 33
        h &*= 0xff51_afd7_ed55_8ccd
        h ^= h >> 33
        h &*= 0xc4ce_b9fe_1a85_ec53
        h ^= h >> 33
        return h
    }

    @inline(__always)
    static func bytes(_ p: UnsafePointer<UInt8>, _ range: Range<Int>, seed: UInt64) -> UInt64 {
        var h = seed ^ (UInt64(range.count) &* 0x9e37_79b9_7f4a_7c15)
        var i = range.lowerBound
        let raw = UnsafeRawPointer(p)
        while i + 8 <= range.upperBound {
            h = (h ^ raw.loadUnaligned(fromByteOffset: i, as: UInt64.self)) &* 0x100_0000_01b3
            h ^= h >> 29
            i += 8
        }
        var tail: UInt64 = 0
        var shift: UInt64 = 0
        while i < range.upperBound {
            tail |= UInt64(p[i]) << shift
            shift += 8
            i += 1
        }
        return (h ^ tail) &* 0x100_0000_01b3
    }

    /// Hashes the decoded form, so `\\x` and `\x` (both a backslash and x) agree.
    static func decoded(_ p: UnsafePointer<UInt8>, _ range: Range<Int>, escaped: Bool, seed: UInt64) -> UInt64 {
        if !escaped { return bytes(p, range, seed: seed) }
        return withDecodedBytes(p, range, escaped: true) { buf in
            guard let base = buf.baseAddress else { return bytes(p, 0..<0, seed: seed) }
            return bytes(base, 0..<buf.count, seed: seed)
        }
    }
}
