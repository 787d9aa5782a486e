import Model

/// Applies relabel configs in order, exactly as Prometheus's `relabel.Process`.
///
/// Returns the resulting label set, or nil when a keep/drop/keepequal/dropequal
/// step drops it. Labels set to an empty value are removed. When no step changes
/// anything, the input is returned without copying.
public func relabel(_ labels: Labels, _ configs: [RelabelConfig]) -> Labels? {
    if configs.isEmpty { return labels }
    var work = RelabelWorkspace(labels)
    for config in configs {
        if !config.apply(to: &work) { return nil }
    }
    return work.changed ? Labels(sortedUnchecked: work.pairs) : labels
}

/// A mutable, name-sorted copy of a label set while relabeling runs.
struct RelabelWorkspace {
    private(set) var pairs: [Label]
    private(set) var changed = false

    init(_ labels: Labels) { pairs = labels.pairs }

    private func index(of name: String) -> (found: Bool, at: Int) {
        var lo = 0, hi = pairs.count
        while lo < hi {
            let mid = (lo + hi) / 2
            if pairs[mid].name < name { lo = mid + 1 } else { hi = mid }
        }
        return (lo < pairs.count && pairs[lo].name == name, lo)
    }

    func get(_ name: String) -> String {
        let (found, i) = index(of: name)
        return found ? pairs[i].value : ""
    }

    /// Sets a label; an empty value deletes it, as in Prometheus's labels.Builder.
    mutating func set(_ name: String, _ value: String) {
        if value.isEmpty { remove(name); return }
        let (found, i) = index(of: name)
        if found {
            if pairs[i].value == value { return }
            pairs[i].value = value
        } else {
            pairs.insert(Label(name, value), at: i)
        }
        changed = true
    }

    mutating func remove(_ name: String) {
        let (found, i) = index(of: name)
        if found {
            pairs.remove(at: i)
            changed = true
        }
    }
}

extension RelabelConfig {
    /// One step; false means the label set is dropped.
    func apply(to work: inout RelabelWorkspace) -> Bool {
        let value = sourceValue(work)
        switch action {
        case .drop:
            return !regex.matches(value)
        case .keep:
            return regex.matches(value)
        case .dropequal:
            return work.get(targetLabel) != value
        case .keepequal:
            return work.get(targetLabel) == value
        case .replace:
            applyReplace(value, to: &work)
        case .lowercase:
            work.set(targetLabel, simpleCaseMapped(value, upper: false))
        case .uppercase:
            work.set(targetLabel, simpleCaseMapped(value, upper: true))
        case .hashmod:
            work.set(targetLabel, String(hashMod(value)))
        case .labelmap:
            // Iterate over a snapshot: labels added by this step are not mapped again.
            for label in work.pairs where regex.matches(label.name) {
                guard let name = regex.expand(replacement, matching: label.name), !name.isEmpty else { continue }
                work.set(name, label.value)
            }
        case .labeldrop:
            for label in work.pairs where regex.matches(label.name) { work.remove(label.name) }
        case .labelkeep:
            for label in work.pairs where !regex.matches(label.name) { work.remove(label.name) }
        }
        return true
    }

    private func sourceValue(_ work: RelabelWorkspace) -> String {
        switch sourceLabels.count {
        case 0: return ""
        case 1: return work.get(sourceLabels[0])
        default: return sourceLabels.map { work.get($0) }.joined(separator: separator)
        }
    }

    private func applyReplace(_ value: String, to work: inout RelabelWorkspace) {
        // Prometheus's fast path: nothing to expand, so set (or delete) directly.
        if value.isEmpty && regex == RelabelRegex.default && !targetLabel.contains("$") && !replacement.contains("$") {
            work.set(targetLabel, replacement)
            return
        }
        guard let groups = regex.captureGroups(value) else { return }
        let target = RelabelRegex.expand(targetLabel, groups: groups, names: regex.groupNamesForExpansion)
        guard nameValidationScheme.isValidLabelName(target) else { return }
        work.set(target, RelabelRegex.expand(replacement, groups: groups, names: regex.groupNamesForExpansion))
    }

    /// The last 8 bytes of the MD5 of `value`, big-endian, modulo `modulus`:
    /// the same shard number Prometheus computes.
    func hashMod(_ value: String) -> UInt64 {
        let digest = MD5.digest(value.utf8)
        var n: UInt64 = 0
        for b in digest[8..<16] { n = n << 8 | UInt64(b) }
        return modulus == 0 ? 0 : n % modulus
    }
}

/// Go's strings.ToLower/ToUpper: each scalar mapped on its own (so `ß` stays `ß`
/// when uppercased, where Swift's full mapping would give `SS`).
func simpleCaseMapped(_ s: String, upper: Bool) -> String {
    if s.utf8.allSatisfy({ $0 < 0x80 }) {
        return upper ? s.uppercased() : s.lowercased()
    }
    var out = String.UnicodeScalarView()
    for scalar in s.unicodeScalars {
        let mapped = upper ? scalar.properties.uppercaseMapping : scalar.properties.lowercaseMapping
        let scalars = mapped.unicodeScalars
        if scalars.count == 1, let only = scalars.first {
            out.append(only)
        } else {
            out.append(scalar)
        }
    }
    return String(out)
}
