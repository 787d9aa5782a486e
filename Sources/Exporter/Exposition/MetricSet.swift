/// The metric types of the Prometheus exposition formats.
public enum MetricType: String, Sendable, Hashable {
    case counter, gauge, summary, histogram, untyped
}

/// One label of an exposed sample. Unlike `Model.Labels`, an empty value is kept,
/// because node_exporter exposes labels such as `model=""` and dashboards group by them.
public struct LabelPair: Sendable, Hashable {
    public let name: String
    public let value: String

    public init(_ name: String, _ value: String) {
        self.name = name
        self.value = value
    }
}

/// One exposed sample. `name` is the full sample name, which differs from the family
/// name for histogram and summary parts (`_bucket`, `_sum`, `_count`).
public struct ExposedSample: Sendable {
    public var name: String
    public var labels: [LabelPair]
    public var value: Double

    public init(name: String, labels: [LabelPair], value: Double) {
        self.name = name
        self.labels = labels
        self.value = value
    }
}

/// A metric family: name, HELP, TYPE and its samples.
public struct MetricFamily: Sendable {
    public let name: String
    public let help: String
    public let type: MetricType
    public var samples: [ExposedSample]

    public init(name: String, help: String, type: MetricType, samples: [ExposedSample] = []) {
        self.name = name
        self.help = help
        self.type = type
        self.samples = samples
    }
}

/// Metric families gathered for one exposition page.
///
/// Families keep the order in which they were first declared until `sorted()`;
/// samples keep the order in which they were added. Collectors declare a family once
/// and append through its index, so a scrape hashes each family name once rather
/// than once per sample.
public struct MetricSet: Sendable {
    public private(set) var families: [MetricFamily] = []
    private var index: [String: Int] = [:]
    /// Families dropped because a second declaration disagreed on HELP or TYPE.
    public private(set) var conflicts: [String] = []

    public init() {}

    /// A handle to the family `name`, declaring it when new. A family declared again
    /// with a different TYPE yields nil and is recorded in `conflicts`, as client_golang
    /// refuses inconsistent descriptors.
    public mutating func family(_ name: String, help: String, type: MetricType) -> FamilyHandle? {
        if let i = position(of: name) {
            if families[i].type != type {
                conflicts.append(name)
                return nil
            }
            return FamilyHandle(index: i)
        }
        families.append(MetricFamily(name: name, help: help, type: type))
        if families.count > Self.linearLimit {
            if index.isEmpty {
                for (i, f) in families.enumerated() { index[f.name] = i }
            } else {
                index[name] = families.count - 1
            }
        }
        return FamilyHandle(index: families.count - 1)
    }

    /// Sets this small (a check's own families) are searched by comparing names, which
    /// is cheaper than hashing them; larger ones (a whole page) keep a dictionary.
    static let linearLimit = 8

    private func position(of name: String) -> Int? {
        if families.count <= Self.linearLimit { return families.firstIndex { $0.name == name } }
        return index[name]
    }

    /// Appends a sample named like its family.
    public mutating func append(_ handle: FamilyHandle, labels: [LabelPair] = [], value: Double) {
        let name = families[handle.index].name
        families[handle.index].samples.append(ExposedSample(name: name, labels: labels, value: value))
    }

    /// Appends a sample with its own name (histogram and summary parts).
    public mutating func append(_ handle: FamilyHandle, sample: ExposedSample) {
        families[handle.index].samples.append(sample)
    }

    /// Declares a family and appends one sample to it.
    public mutating func add(_ name: String, help: String, type: MetricType, labels: [LabelPair] = [], value: Double) {
        guard let h = family(name, help: help, type: type) else { return }
        append(h, labels: labels, value: value)
    }

    /// Merges another set into this one, family by family.
    public mutating func merge(_ other: MetricSet) {
        for f in other.families {
            guard let h = family(f.name, help: f.help, type: f.type) else { continue }
            families[h.index].samples.append(contentsOf: f.samples)
        }
        conflicts.append(contentsOf: other.conflicts)
    }

    /// Merges loose families (from a cached check result) into this set.
    public mutating func merge(_ others: [MetricFamily]) {
        for f in others {
            guard let h = family(f.name, help: f.help, type: f.type) else { continue }
            families[h.index].samples.append(contentsOf: f.samples)
        }
    }

    /// The families ordered by name, as client_golang's gatherer exposes them.
    public func sorted() -> [MetricFamily] {
        families.sorted { $0.name < $1.name }
    }

    /// The family called `name`, if declared.
    public subscript(name: String) -> MetricFamily? {
        position(of: name).map { families[$0] }
    }
}

/// An index into a `MetricSet`'s families.
public struct FamilyHandle: Sendable, Hashable {
    let index: Int
}
