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

    /// The sample names a family of each type owns, as suffixes of its name.
    static func roles(of type: MetricType?) -> [Role] {
        switch type {
        case nil, .gauge, .stateSet, .unknown: [.plain]
        case .counter: [.total, .created]
        case .summary: [.plain, .count, .sum, .created]
        case .histogram: [.count, .sum, .bucket, .created]
        case .gaugeHistogram: [.gcount, .gsum, .bucket]
        case .info: [.info]
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

    /// Every sample name claimed by a finished family.
    var usedNames = Set<[UInt8]>()

    /// The role of a sample named `name` in the current family, if it belongs to it.
    func role(of name: UnsafeBufferPointer<UInt8>) -> Role? {
        guard hasFamily, name.count >= family.count else { return nil }
        for k in 0..<family.count where name[k] != family[k] { return nil }
        let suffixLength = name.count - family.count
        for role in Self.roles(of: type) {
            let suffix = role.suffix.utf8
            guard suffix.count == suffixLength else { continue }
            var equal = true
            for (k, b) in suffix.enumerated() where name[family.count + k] != b {
                equal = false
                break
            }
            if equal { return role }
        }
        return nil
    }

    mutating func startFamily(_ name: UnsafeBufferPointer<UInt8>, type: MetricType?) {
        hasFamily = true
        family = Array(name)
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
        let name = String(decoding: family, as: UTF8.self)
        let effectiveType = type ?? .unknown
        var suffixes = Set(Self.roles(of: effectiveType).map(\.suffix))
        suffixes.insert("")
        for suffix in suffixes.sorted() {
            if !usedNames.insert(family + Array(suffix.utf8)).inserted {
                return "metric name \"\(name + suffix)\" clashes with an earlier metric family"
            }
        }
        if !unit.isEmpty {
            let unitText = String(decoding: unit, as: UTF8.self)
            if !name.hasSuffix("_" + unitText) {
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
