/// A single label pair.
public struct Label: Hashable, Sendable, Comparable, CustomStringConvertible {
    public var name: String
    public var value: String

    public init(_ name: String, _ value: String) {
        self.name = name
        self.value = value
    }

    public static func < (lhs: Label, rhs: Label) -> Bool {
        lhs.name != rhs.name ? lhs.name < rhs.name : lhs.value < rhs.value
    }

    public var description: String { "\(name)=\(quoteLabelValue(value))" }
}

/// Well-known label names.
public enum LabelName {
    public static let metricName = "__name__"
    public static let job = "job"
    public static let instance = "instance"
    public static let address = "__address__"
    public static let scheme = "__scheme__"
    public static let metricsPath = "__metrics_path__"
    public static let scrapeInterval = "__scrape_interval__"
    public static let scrapeTimeout = "__scrape_timeout__"
    public static let paramPrefix = "__param_"
    public static let metaPrefix = "__meta_"
    public static let tmpPrefix = "__tmp_"
    public static let reservedPrefix = "__"
    public static let bucket = "le"
    public static let quantile = "quantile"
    public static let alertName = "alertname"
}

/// An immutable, sorted set of labels with unique names.
///
/// Labels with empty values are dropped on construction, as in Prometheus: a
/// label with an empty value is the same as an absent label.
public struct Labels: Hashable, Sendable, Comparable, RandomAccessCollection, CustomStringConvertible {
    public private(set) var pairs: [Label]

    public static let empty = Labels()

    public init() { pairs = [] }

    /// Builds a label set from pairs in any order. When a name repeats, the last value wins.
    public init(_ pairs: [Label]) {
        var sorted = pairs.filter { !$0.value.isEmpty }
        sorted.sort { $0.name < $1.name }
        var out: [Label] = []
        out.reserveCapacity(sorted.count)
        for p in sorted {
            if let last = out.last, last.name == p.name {
                out[out.count - 1] = p
            } else {
                out.append(p)
            }
        }
        self.pairs = out
    }

    /// Wraps pairs that are already sorted by name, unique and non-empty.
    /// The invariant is checked in debug builds.
    public init(sortedUnchecked pairs: [Label]) {
        assert(zip(pairs, pairs.dropFirst()).allSatisfy { $0.name < $1.name }, "labels not sorted: \(pairs)")
        self.pairs = pairs
    }

    public init(_ dict: [String: String]) {
        self.init(dict.map { Label($0.key, $0.value) })
    }

    public init(dictionaryLiteral elements: (String, String)...) {
        self.init(elements.map { Label($0.0, $0.1) })
    }

    // MARK: Collection

    public var startIndex: Int { pairs.startIndex }
    public var endIndex: Int { pairs.endIndex }
    public subscript(position: Int) -> Label { pairs[position] }

    // MARK: Access

    /// The value of a label, or "" when absent.
    public subscript(name: String) -> String {
        get { get(name) ?? "" }
    }

    public func get(_ name: String) -> String? {
        // Label sets are small: a linear scan beats binary search below ~16 pairs.
        if pairs.count < 16 {
            for p in pairs where p.name == name { return p.value }
            return nil
        }
        var lo = 0, hi = pairs.count
        while lo < hi {
            let mid = (lo + hi) / 2
            if pairs[mid].name < name { lo = mid + 1 } else { hi = mid }
        }
        return lo < pairs.count && pairs[lo].name == name ? pairs[lo].value : nil
    }

    public func has(_ name: String) -> Bool { get(name) != nil }

    public var metricName: String { self[LabelName.metricName] }

    public var dictionary: [String: String] {
        Dictionary(uniqueKeysWithValues: pairs.map { ($0.name, $0.value) })
    }

    public var names: [String] { pairs.map(\.name) }

    // MARK: Derivation

    /// A copy with `name` set to `value` (removed when `value` is empty).
    public func setting(_ name: String, _ value: String) -> Labels {
        var b = LabelsBuilder(self)
        b.set(name, value)
        return b.labels()
    }

    public func removing(_ names: Set<String>) -> Labels {
        Labels(sortedUnchecked: pairs.filter { !names.contains($0.name) })
    }

    public func removing(_ name: String) -> Labels {
        Labels(sortedUnchecked: pairs.filter { $0.name != name })
    }

    public func keeping(_ names: Set<String>) -> Labels {
        Labels(sortedUnchecked: pairs.filter { names.contains($0.name) })
    }

    public var withoutMetricName: Labels { removing(LabelName.metricName) }

    // MARK: Hashing

    /// A stable 64-bit hash of the label set (FNV-1a over names and values with
    /// separators), identical across processes and runs. Used for series
    /// identity, scrape offsets and hashmod.
    public var stableHash: UInt64 {
        var h = StableHasher()
        for p in pairs {
            h.combine(p.name)
            h.combine(separatorByte)
            h.combine(p.value)
            h.combine(separatorByte)
        }
        return h.value
    }

    // MARK: Comparable, description

    public static func < (lhs: Labels, rhs: Labels) -> Bool {
        compare(lhs, rhs) < 0
    }

    /// Orders like Prometheus's labels.Compare: pairwise by name, then value, then length.
    public static func compare(_ a: Labels, _ b: Labels) -> Int {
        let n = Swift.min(a.count, b.count)
        for i in 0..<n {
            let x = a.pairs[i], y = b.pairs[i]
            if x.name != y.name { return x.name < y.name ? -1 : 1 }
            if x.value != y.value { return x.value < y.value ? -1 : 1 }
        }
        return a.count - b.count
    }

    /// `{a="1", b="2"}`; a metric name is printed in front: `up{job="x"}`.
    public var description: String {
        let name = metricName
        let rest = pairs.filter { $0.name != LabelName.metricName }
        var s = ""
        if !name.isEmpty {
            if isValidLegacyMetricName(name) { s = name } else { rest.isEmpty ? (s = "{\(quoteLabelValue(name))}") : () }
        }
        if rest.isEmpty {
            return s.isEmpty ? "{}" : s
        }
        var inner: [String] = []
        if !name.isEmpty && !isValidLegacyMetricName(name) { inner.append(quoteLabelValue(name)) }
        for p in rest {
            let n = isValidLegacyLabelName(p.name) ? p.name : quoteLabelValue(p.name)
            inner.append("\(n)=\(quoteLabelValue(p.value))")
        }
        return s + "{" + inner.joined(separator: ", ") + "}"
    }
}

extension Labels: ExpressibleByDictionaryLiteral {}

private let separatorByte: UInt8 = 0xff

/// 64-bit FNV-1a; stable across runs, unlike Swift's seeded Hasher.
public struct StableHasher {
    public private(set) var value: UInt64 = 0xcbf2_9ce4_8422_2325

    public init() {}

    public mutating func combine(_ byte: UInt8) {
        value = (value ^ UInt64(byte)) &* 0x0000_0100_0000_01b3
    }

    public mutating func combine(_ s: String) {
        var s = s
        s.withUTF8 { buf in
            for b in buf { combine(b) }
        }
    }

    public mutating func combine<S: Sequence>(bytes: S) where S.Element == UInt8 {
        for b in bytes { combine(b) }
    }
}

/// Accumulates label changes and produces a sorted `Labels`.
public struct LabelsBuilder: Sendable {
    private var base: [String: String]

    public init(_ labels: Labels = .empty) {
        base = labels.dictionary
    }

    public mutating func set(_ name: String, _ value: String) {
        if value.isEmpty { base.removeValue(forKey: name) } else { base[name] = value }
    }

    public mutating func remove(_ name: String) { base.removeValue(forKey: name) }

    public func get(_ name: String) -> String { base[name] ?? "" }

    public var names: [String] { Array(base.keys) }

    public func labels() -> Labels {
        Labels(sortedUnchecked: base.map { Label($0.key, $0.value) }.sorted { $0.name < $1.name })
    }
}
