/// OpenMetrics rules beyond syntax, checked as samples stream by.
///
/// The rules and their boundaries follow the OpenMetrics 1.0 specification as the
/// conformance suite (and its reference parser) applies it: metric families are
/// contiguous and their names must not clash, metadata comes once and before the
/// samples, samples of one label group are contiguous with non-decreasing
/// timestamps, counter-like values are neither negative nor NaN, histogram
/// buckets are ordered and cumulative with a `+Inf` bucket matching `_count`,
/// summary quantiles lie in [0, 1], stateset values are 0 or 1, info values are
/// 1, and exemplars sit only on counter totals and histogram buckets.
///
/// State is per family (reset when a family ends) plus the set of names used by
/// finished families, so memory stays proportional to one family's label groups.
struct OpenMetricsValidator {
    enum Role {
        case plain, total, created, bucket, count, sum, gcount, gsum, info

        var suffix: String {
            switch self {
            case .plain: ""
            case .total: "_total"
            case .created: "_created"
            case .bucket: "_bucket"
            case .count: "_count"
            case .sum: "_sum"
            case .gcount: "_gcount"
            case .gsum: "_gsum"
            case .info: "_info"
            }
        }
    }

    /// The sample-name suffixes a family of each type claims, for clash detection.
    static func claimedSuffixes(of type: MetricType) -> [StaticString] {
        switch type {
        case .gauge, .stateSet, .unknown: [""]
        case .counter: ["", "_total", "_created"]
        case .summary: ["", "_count", "_sum", "_created"]
        case .histogram: ["", "_count", "_sum", "_bucket", "_created"]
        case .gaugeHistogram: ["", "_gcount", "_gsum", "_bucket"]
        case .info: ["", "_info"]
        }
    }

    var hasFamily = false
    var family: [UInt8] = []
    /// nil until a TYPE line; `.unknown` for a family that a sample opened.
    var type: MetricType?
    var sawHelp = false
    var sawType = false
    var sawUnit = false
    var unit: [UInt8] = []
    var sampleCount = 0

    var group: UInt64?
    var groupTimestamp: Double?
    var seenGroups = Set<UInt64>()
    var histogram = HistogramGroup()
    /// Hashes of the series met in the current group (histograms only).
    var seriesInGroup = Set<UInt64>()

    /// Hashes of every sample name claimed by a finished family. A 64-bit hash
    /// collision could only turn a valid payload into a clash error, with odds
    /// far below any hardware error rate for the few thousand names of a scrape.
    var usedNames = Set<UInt64>()
    private var nameScratch: [UInt8] = []

    /// The role of a sample named `name` in the current family, if it belongs to it.
    func role(of name: UnsafeBufferPointer<UInt8>) -> Role? {
        guard hasFamily, name.count >= family.count, let base = name.baseAddress else { return nil }
        let matchesFamily = family.withUnsafeBufferPointer { f in
            f.isEmpty || Escaping.memoryEqual(base, f.baseAddress ?? base, f.count)
        }
        guard matchesFamily, let role = Self.role(suffix: base + family.count, count: name.count - family.count) else { return nil }
        return Self.allows(type, role) ? role : nil
    }

    /// The role a name suffix denotes, whatever the type.
    static func role(suffix p: UnsafePointer<UInt8>, count: Int) -> Role? {
        switch count {
        case 0: return .plain
        case 4: return matchesASCII(p, "_sum") ? .sum : nil
        case 5: return matchesASCII(p, "_gsum") ? .gsum : matchesASCII(p, "_info") ? .info : nil
        case 6: return matchesASCII(p, "_total") ? .total : matchesASCII(p, "_count") ? .count : nil
        case 7: return matchesASCII(p, "_bucket") ? .bucket : matchesASCII(p, "_gcount") ? .gcount : nil
        case 8: return matchesASCII(p, "_created") ? .created : nil
        default: return nil
        }
    }

    /// Whether a family of `type` owns samples with `role`'s suffix.
    static func allows(_ type: MetricType?, _ role: Role) -> Bool {
        switch type {
        case nil, .gauge, .stateSet, .unknown: role == .plain
        case .counter: role == .total || role == .created
        case .summary: role == .plain || role == .count || role == .sum || role == .created
        case .histogram: role == .count || role == .sum || role == .bucket || role == .created
        case .gaugeHistogram: role == .gcount || role == .gsum || role == .bucket
        case .info: role == .info
        }
    }

    mutating func startFamily(_ name: UnsafeBufferPointer<UInt8>, type: MetricType?) {
        hasFamily = true
        family.removeAll(keepingCapacity: true)
        family.append(contentsOf: name)
        self.type = type
        sawHelp = false
        sawType = false
        sawUnit = false
        unit = []
        sampleCount = 0
        group = nil
        groupTimestamp = nil
        seenGroups.removeAll(keepingCapacity: true)
        seriesInGroup.removeAll(keepingCapacity: true)
        histogram = HistogramGroup()
    }

    /// Checks that need the whole family; returns the reason it is invalid.
    mutating func finishFamily() -> String? {
        guard hasFamily else { return nil }
        hasFamily = false
        var name: String { String(decoding: family, as: UTF8.self) }
        let effectiveType = type ?? .unknown
        for suffix in Self.claimedSuffixes(of: effectiveType) {
            nameScratch.removeAll(keepingCapacity: true)
            nameScratch.append(contentsOf: family)
            nameScratch.append(contentsOf: UnsafeBufferPointer(start: suffix.utf8Start, count: suffix.utf8CodeUnitCount))
            let hash = nameScratch.withUnsafeBufferPointer { buf in
                buf.baseAddress.map { ByteHash.bytes($0, 0..<buf.count, seed: 0) } ?? 0
            }
            if !usedNames.insert(hash).inserted {
                return "metric name \"\(name)\(suffix)\" clashes with an earlier metric family"
            }
        }
        if !unit.isEmpty {
            let unitText = String(decoding: unit, as: UTF8.self)
            if !(family.count > unit.count && family.suffix(unit.count + 1).elementsEqual([ASCII.underscore] + unit)) {
                return "unit \"\(unitText)\" is not a suffix of metric name \"\(name)\""
            }
            if effectiveType == .info || effectiveType == .stateSet {
                return "\(effectiveType.rawValue) metric \"\(name)\" cannot have a unit"
            }
        }
        if effectiveType == .histogram || effectiveType == .gaugeHistogram, histogram.active {
            return histogram.check(family: name)
        }
        return nil
    }

    /// A metadata line for `name`; returns why it is invalid.
    mutating func metadata(_ kind: ExpositionParser.MetadataKind, name: UnsafeBufferPointer<UInt8>, text: UnsafeBufferPointer<UInt8>, type: MetricType?) -> String? {
        if hasFamily && name.elementsEqual(family) {
            if sampleCount > 0 { return "\(kind.rawValue) for \"\(String(decoding: family, as: UTF8.self))\" after its samples" }
        } else {
            if let problem = finishFamily() { return problem }
            startFamily(name, type: nil)
        }
        switch kind {
        case .help:
            if sawHelp { return "second HELP line for \"\(String(decoding: family, as: UTF8.self))\"" }
            sawHelp = true
        case .type:
            if sawType { return "second TYPE line for \"\(String(decoding: family, as: UTF8.self))\"" }
            sawType = true
            self.type = type
        case .unit:
            if sawUnit { return "second UNIT line for \"\(String(decoding: family, as: UTF8.self))\"" }
            sawUnit = true
            unit = Array(text)
        }
        return nil
    }
}

/// Bucket bookkeeping for one label group (and timestamp) of a histogram.
struct HistogramGroup {
    var active = false
    var group: UInt64 = 0
    var timestamp: Double?
    var lastBound: Double?
    var lastBucketValue = 0.0
    var count: Double?
    var hasSum = false
    var hasGSum = false
    var negativeBuckets = false
    var negativeGSum = false

    func check(family: String) -> String? {
        if lastBound != .infinity { return "histogram \"\(family)\" has no +Inf bucket" }
        if let count, count != lastBucketValue {
            return "histogram \"\(family)\": count \(count) does not match the +Inf bucket \(lastBucketValue)"
        }
        if hasSum && count == nil { return "histogram \"\(family)\" has _sum but no _count" }
        if hasGSum && count == nil { return "gauge histogram \"\(family)\" has _gsum but no _gcount" }
        if !(hasSum || hasGSum) && count != nil { return "histogram \"\(family)\" has a count but no sum" }
        if negativeBuckets && hasSum { return "histogram \"\(family)\" has negative buckets, so it cannot have _sum" }
        if !negativeBuckets && negativeGSum { return "gauge histogram \"\(family)\" has a negative _gsum without negative buckets" }
        return nil
    }
}

