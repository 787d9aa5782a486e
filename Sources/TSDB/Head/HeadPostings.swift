/// Label pair -> ids of head series carrying it. Lists are appended in
/// arrival order and sorted lazily on first read, because series activated
/// from the index come back with old ids in any order.
struct HeadPostings {
    private var lists: [UInt32: [UInt64]] = [:]
    private var unsorted: Set<UInt32> = []

    mutating func add(_ id: UInt64, pairs: [UInt32]) {
        for p in pairs {
            if let last = lists[p]?.last, last > id { unsorted.insert(p) }
            lists[p, default: []].append(id)
        }
    }

    /// Removes a batch of series (head garbage collection).
    mutating func remove(_ ids: Set<UInt64>, pairs: Set<UInt32>) {
        for p in pairs {
            guard var l = lists[p] else { continue }
            l.removeAll { ids.contains($0) }
            lists[p] = l.isEmpty ? nil : l
        }
    }

    /// Sorted ids for a pair.
    mutating func list(_ pair: UInt32) -> [UInt64] {
        guard var l = lists[pair] else { return [] }
        if unsorted.remove(pair) != nil {
            l.sort()
            lists[pair] = l
        }
        return l
    }

    func contains(pair: UInt32) -> Bool { lists[pair] != nil }

    /// Pairs with at least one head series.
    var pairs: Dictionary<UInt32, [UInt64]>.Keys { lists.keys }
}
