#if canImport(Glibc)
import Glibc
#endif

/// Key storage of the scrape cache, front coded: a target lists series of one
/// metric together, so a key usually repeats most of the key before it (a
/// 1000-series payload's keys shrink from 58 KB to 8 KB). Each key stores only
/// the bytes after the prefix it shares with the previous entry's key, and
/// every `restartInterval`-th key is stored whole, so rebuilding any key takes
/// at most that many pieces. In steady state the previous key is the last one
/// found (`lastKey`), and a comparison needs no rebuilding.
extension ScrapeCache {
    static let restartInterval = 16

    /// Whether the key of entry `index` is `raw`.
    func keyEquals(_ index: Int, _ raw: UnsafeRawBufferPointer) -> Bool {
        let entry = entries[index]
        guard Int(entry.keyCount) == raw.count else { return false }
        guard let b = raw.baseAddress else { return true }
        let shared = Int(entry.keyShared)
        let suffixEqual = arena.withUnsafeBytes { a -> Bool in
            guard let base = a.baseAddress else { return shared == raw.count }
            return memcmp(base + Int(entry.keyStart), b + shared, raw.count - shared) == 0
        }
        guard suffixEqual else { return false }
        if shared == 0 { return true }
        if lastKeyIndex == index - 1 {
            return lastKey.withUnsafeBytes { memcmp($0.baseAddress.unsafelyUnwrapped, b, shared) == 0 }
        }
        return withKey(at: index) { key in memcmp(key.baseAddress.unsafelyUnwrapped, b, shared) == 0 }
    }

    /// Calls `body` with the full key of entry `index`.
    func withKey<R>(at index: Int, _ body: (UnsafeRawBufferPointer) throws -> R) rethrows -> R {
        if index == lastKeyIndex { return try lastKey.withUnsafeBytes(body) }
        var key: [UInt8] = []
        rebuildKey(index, into: &key)
        return try key.withUnsafeBytes(body)
    }

    /// The full key of entry `index`, from the stored whole key at or before it.
    func rebuildKey(_ index: Int, into key: inout [UInt8]) {
        key.removeAll(keepingCapacity: true)
        arena.withUnsafeBufferPointer { a in
            for i in (index - index % Self.restartInterval)...index {
                addPiece(of: entries[i], from: a, to: &key)
            }
        }
    }

    /// Turns the full key of the entry before `entry` into `entry`'s.
    @inline(__always)
    private func addPiece(of entry: Entry, from arena: UnsafeBufferPointer<UInt8>, to key: inout [UInt8]) {
        let shared = Int(entry.keyShared)
        if key.count > shared { key.removeSubrange(shared...) }
        let start = Int(entry.keyStart)
        key.append(contentsOf: UnsafeBufferPointer(rebasing: arena[start..<start + Int(entry.keyCount) - shared]))
    }

    /// Calls `body` with every entry's index and full key, in order.
    func forEachKey(_ body: (Int, UnsafeRawBufferPointer) -> Void) {
        var key: [UInt8] = []
        arena.withUnsafeBufferPointer { a in
            for i in entries.indices {
                addPiece(of: entries[i], from: a, to: &key)
                key.withUnsafeBytes { body(i, $0) }
            }
        }
    }

    /// Stores the key of the entry about to be added (index `entries.count`):
    /// returns where its bytes start and how many it shares with the previous key.
    mutating func appendKey(_ raw: UnsafeRawBufferPointer) -> (start: UInt32, shared: UInt16) {
        let index = entries.count
        var shared = 0
        if index % Self.restartInterval != 0 {
            if lastKeyIndex != index - 1 {
                var previous: [UInt8] = []
                rebuildKey(index - 1, into: &previous)
                lastKey = previous
                lastKeyIndex = index - 1
            }
            let limit = min(lastKey.count, raw.count, Int(UInt16.max))
            lastKey.withUnsafeBufferPointer { previous in
                while shared < limit && previous[shared] == raw[shared] { shared += 1 }
            }
        }
        let start = UInt32(arena.count)
        arena.append(contentsOf: UnsafeRawBufferPointer(rebasing: raw[shared...]))
        return (start, UInt16(shared))
    }

    /// Records `raw` as the key of entry `index`, the one the next key is compared against.
    @inline(__always)
    mutating func remember(_ raw: UnsafeRawBufferPointer, as index: Int) {
        lastKey.removeAll(keepingCapacity: true)
        lastKey.append(contentsOf: raw)
        lastKeyIndex = index
    }
}
