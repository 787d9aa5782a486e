import Model

/// Interned label strings and label pairs. Each distinct string is held once
/// in memory and stored once in the index; a series is a short list of pair
/// ids, which keeps per-series memory small and makes label comparison an
/// integer comparison. Ids are dense and never reused, so the index can
/// persist new entries by range (`unpersisted`).
final class SymbolTable: @unchecked Sendable {
    private let lock = PosixLock()
    private var strings: [String] = []
    private var stringIDs: [String: UInt32] = [:]
    /// Pair id -> (name symbol << 32 | value symbol).
    private var pairs: [UInt64] = []
    private var pairIDs: [UInt64: UInt32] = [:]
    /// Name symbol -> pair ids with that name, in creation order.
    private var pairsByName: [UInt32: [UInt32]] = [:]
    private var persistedStrings = 0
    private var persistedPairs = 0

    init() {}

    // MARK: Loading and persisting

    /// Restores entries read from the index, in increasing id order. Gaps
    /// (rows lost to a repaired index) stay reserved and resolve to nothing;
    /// pairs naming a missing string are treated as missing too.
    func load(strings loaded: [(UInt32, String)], pairs loadedPairs: [(UInt32, UInt32, UInt32)]) {
        lock.withLock {
            var present = Set<UInt32>()
            for (id, s) in loaded {
                guard Int(id) >= strings.count else { continue }
                while strings.count < Int(id) { strings.append("") }
                strings.append(s)
                stringIDs[s] = id
                present.insert(id)
            }
            for (id, name, value) in loadedPairs {
                guard Int(id) >= pairs.count else { continue }
                while pairs.count < Int(id) { pairs.append(Self.missingPair) }
                guard present.contains(name), present.contains(value) else {
                    pairs.append(Self.missingPair)
                    continue
                }
                let key = UInt64(name) << 32 | UInt64(value)
                pairs.append(key)
                pairIDs[key] = id
                pairsByName[name, default: []].append(id)
            }
            persistedStrings = strings.count
            persistedPairs = pairs.count
        }
    }

    /// Placeholder of a pair id whose row was lost.
    static let missingPair = UInt64.max

    /// Whether every pair id resolves (false for series hit by index damage).
    func allKnown(_ ids: [UInt32]) -> Bool {
        lock.withLock { ids.allSatisfy { Int($0) < pairs.count && pairs[Int($0)] != Self.missingPair } }
    }

    /// Entries created since the last `markPersisted`.
    func unpersisted() -> (strings: [(UInt32, String)], pairs: [(UInt32, UInt32, UInt32)], marks: (Int, Int)) {
        lock.withLock {
            let s = (persistedStrings..<strings.count).map { (UInt32($0), strings[$0]) }
            let p = (persistedPairs..<pairs.count).filter { pairs[$0] != Self.missingPair }.map { (UInt32($0), UInt32(pairs[$0] >> 32), UInt32(truncatingIfNeeded: pairs[$0])) }
            return (s, p, (strings.count, pairs.count))
        }
    }

    func markPersisted(_ marks: (Int, Int)) {
        lock.withLock {
            persistedStrings = max(persistedStrings, marks.0)
            persistedPairs = max(persistedPairs, marks.1)
        }
    }

    var counts: (strings: Int, pairs: Int) { lock.withLock { (strings.count, pairs.count) } }

    // MARK: Interning

    private func internString(_ s: String) -> UInt32 {
        if let id = stringIDs[s] { return id }
        let id = UInt32(strings.count)
        strings.append(s)
        stringIDs[s] = id
        return id
    }

    /// Pair ids of `labels`, in label order, creating missing entries.
    func intern(_ labels: Labels) -> [UInt32] {
        lock.withLock {
            labels.map { l in
                let key = UInt64(internString(l.name)) << 32 | UInt64(internString(l.value))
                if let id = pairIDs[key] { return id }
                let id = UInt32(pairs.count)
                pairs.append(key)
                pairIDs[key] = id
                pairsByName[UInt32(key >> 32), default: []].append(id)
                return id
            }
        }
    }

    /// Pair ids of `labels` if every pair is known, without creating any.
    func lookup(_ labels: Labels) -> [UInt32]? {
        lock.withLock {
            var out: [UInt32] = []
            out.reserveCapacity(labels.count)
            for l in labels {
                guard let n = stringIDs[l.name], let v = stringIDs[l.value],
                      let id = pairIDs[UInt64(n) << 32 | UInt64(v)] else { return nil }
                out.append(id)
            }
            return out
        }
    }

    func pairID(name: String, value: String) -> UInt32? {
        lock.withLock {
            guard let n = stringIDs[name], let v = stringIDs[value] else { return nil }
            return pairIDs[UInt64(n) << 32 | UInt64(v)]
        }
    }

    // MARK: Resolving

    /// The label set of a series given its pair ids (sorted by name already).
    func labels(_ ids: [UInt32]) -> Labels {
        lock.withLock { labelsLocked(ids) }
    }

    /// Several label sets under one lock acquisition.
    func labels(_ lists: [[UInt32]]) -> [Labels] {
        lock.withLock { lists.map(labelsLocked) }
    }

    private func labelsLocked(_ ids: [UInt32]) -> Labels {
        var out: [Label] = []
        out.reserveCapacity(ids.count)
        for id in ids where Int(id) < pairs.count && pairs[Int(id)] != Self.missingPair {
            let key = pairs[Int(id)]
            out.append(Label(strings[Int(key >> 32)], strings[Int(truncatingIfNeeded: key & 0xffff_ffff)]))
        }
        // Pair ids from the index may be in any order after a repair; Labels(_:) sorts when needed.
        if zip(out, out.dropFirst()).allSatisfy({ $0.name < $1.name }) { return Labels(sortedUnchecked: out) }
        return Labels(out)
    }

    /// Name and value of a pair.
    func pair(_ id: UInt32) -> (name: String, value: String)? {
        lock.withLock {
            guard Int(id) < pairs.count, pairs[Int(id)] != Self.missingPair else { return nil }
            let key = pairs[Int(id)]
            return (strings[Int(key >> 32)], strings[Int(truncatingIfNeeded: key & 0xffff_ffff)])
        }
    }

    /// All pairs whose name is `name`, with their values.
    func pairs(named name: String) -> [(id: UInt32, value: String)] {
        lock.withLock {
            guard let n = stringIDs[name], let ids = pairsByName[n] else { return [] }
            return ids.map { ($0, strings[Int(truncatingIfNeeded: pairs[Int($0)] & 0xffff_ffff)]) }
        }
    }

    /// Names of the given pairs, deduplicated.
    func names(ofPairs ids: some Sequence<UInt32>) -> Set<String> {
        lock.withLock {
            var out = Set<String>()
            for id in ids where Int(id) < pairs.count && pairs[Int(id)] != Self.missingPair {
                out.insert(strings[Int(pairs[Int(id)] >> 32)])
            }
            return out
        }
    }

    /// The stable hash (`Labels.stableHash`) of a series given its pair ids,
    /// computed from the interned strings without building a `Labels`.
    func stableHash(_ ids: [UInt32]) -> UInt64 {
        lock.withLock {
            var h = StableHasher()
            for id in ids where Int(id) < pairs.count && pairs[Int(id)] != Self.missingPair {
                let key = pairs[Int(id)]
                h.combine(strings[Int(key >> 32)])
                h.combine(0xff)
                h.combine(strings[Int(truncatingIfNeeded: key & 0xffff_ffff)])
                h.combine(0xff)
            }
            return h.value
        }
    }
}
