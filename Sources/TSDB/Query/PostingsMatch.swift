import Model

/// Where sorted series-id lists per label pair come from: the head's
/// in-memory postings or the SQLite index.
protocol PostingsSource {
    mutating func postings(_ pair: UInt32) throws -> [UInt64]
    mutating func allSeries() throws -> [UInt64]
}

/// Resolves label matchers to sorted series ids, as Prometheus's
/// PostingsForMatchers does: intersect the lists of matchers that need the
/// label, then subtract series whose value fails a matcher that also
/// accepts an absent label.
struct PostingsMatcher {
    let symbols: SymbolTable

    func seriesIDs<S: PostingsSource>(_ matchers: [Matcher], in source: inout S) throws -> [UInt64] {
        var result: [UInt64]?
        var exclusions: [[UInt64]] = []
        // Cheap, selective matchers first so later intersections start small.
        for m in matchers.sorted(by: { rank($0) < rank($1) }) {
            if m.matchesEmpty {
                let failing = symbols.pairs(named: m.name).filter { !m.matches($0.value) }.map(\.id)
                guard !failing.isEmpty else { continue }
                exclusions.append(try SortedIDs.union(failing.map { try source.postings($0) }))
            } else {
                let ids = try SortedIDs.union(pairs(for: m).map { try source.postings($0) })
                result = result.map { SortedIDs.intersect($0, ids) } ?? ids
                if result!.isEmpty { return [] }
            }
        }
        var out = try result ?? source.allSeries()
        for e in exclusions where !out.isEmpty { out = SortedIDs.subtract(out, e) }
        return out
    }

    /// Pairs whose value satisfies a matcher that does not accept "".
    private func pairs(for m: Matcher) -> [UInt32] {
        switch m.type {
        case .equal:
            return symbols.pairID(name: m.name, value: m.value).map { [$0] } ?? []
        case .regexMatch:
            if let values = m.regex?.setMatches {
                return values.compactMap { symbols.pairID(name: m.name, value: $0) }
            }
            return symbols.pairs(named: m.name).filter { m.matches($0.value) }.map(\.id)
        case .notEqual, .regexNoMatch:
            return symbols.pairs(named: m.name).filter { m.matches($0.value) }.map(\.id)
        }
    }

    private func rank(_ m: Matcher) -> Int {
        if m.matchesEmpty { return 3 }
        switch m.type {
        case .equal: return 0
        case .regexMatch: return m.regex?.setMatches != nil ? 1 : 2
        default: return 2
        }
    }
}

/// Operations on ascending, duplicate-free series id lists.
enum SortedIDs {
    static func union(_ lists: [[UInt64]]) -> [UInt64] {
        switch lists.count {
        case 0: return []
        case 1: return lists[0]
        case 2: return Self.merge(lists[0], lists[1])
        default:
            var all = lists.flatMap { $0 }
            all.sort()
            var out: [UInt64] = []
            out.reserveCapacity(all.count)
            for id in all where out.last != id { out.append(id) }
            return out
        }
    }

    static func merge(_ a: [UInt64], _ b: [UInt64]) -> [UInt64] {
        var out: [UInt64] = []
        out.reserveCapacity(a.count + b.count)
        var i = 0, j = 0
        while i < a.count && j < b.count {
            if a[i] < b[j] { out.append(a[i]); i += 1 }
            else if a[i] > b[j] { out.append(b[j]); j += 1 }
            else { out.append(a[i]); i += 1; j += 1 }
        }
        out.append(contentsOf: a[i...])
        out.append(contentsOf: b[j...])
        return out
    }

    static func intersect(_ a: [UInt64], _ b: [UInt64]) -> [UInt64] {
        var out: [UInt64] = []
        var i = 0, j = 0
        while i < a.count && j < b.count {
            if a[i] < b[j] { i += 1 }
            else if a[i] > b[j] { j += 1 }
            else { out.append(a[i]); i += 1; j += 1 }
        }
        return out
    }

    static func subtract(_ a: [UInt64], _ b: [UInt64]) -> [UInt64] {
        guard !b.isEmpty else { return a }
        var out: [UInt64] = []
        out.reserveCapacity(a.count)
        var j = 0
        for x in a {
            while j < b.count && b[j] < x { j += 1 }
            if j < b.count && b[j] == x { continue }
            out.append(x)
        }
        return out
    }
}

/// Head postings as a source; used with the head lock held.
struct HeadPostingsSource: PostingsSource {
    let head: Head

    mutating func postings(_ pair: UInt32) throws -> [UInt64] { head.postings.list(pair) }

    mutating func allSeries() throws -> [UInt64] { head.byID.keys.sorted() }
}

/// Index postings as a source, on a connection inside a read transaction.
struct IndexPostingsSource: PostingsSource {
    let connection: SQLiteConnection

    mutating func postings(_ pair: UInt32) throws -> [UInt64] { try IndexStore.postings(connection, pair: pair) }

    mutating func allSeries() throws -> [UInt64] { try IndexStore.allSeriesIDs(connection) }
}
