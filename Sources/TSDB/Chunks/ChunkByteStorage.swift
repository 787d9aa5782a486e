/// Heap bytes of one chunk in a single allocation (object header, bytes
/// inline), so a head chunk costs one malloc and no Array overhead. Owners
/// keep length and capacity themselves.
///
/// Shared between a `HeadChunk` and the iterators snapshotting it; the head
/// writes only while no snapshot holds it, so bytes an iterator can see
/// never change under it.
final class ChunkByteStorage: ManagedBuffer<Void, UInt8> {
    /// A zero-filled buffer of `capacity` bytes.
    static func make(capacity: Int) -> ChunkByteStorage {
        let buffer = ChunkByteStorage.create(minimumCapacity: capacity) { _ in }
        let storage = unsafeDowncast(buffer, to: ChunkByteStorage.self)
        storage.withUnsafeMutablePointerToElements { $0.initialize(repeating: 0, count: capacity) }
        return storage
    }

    /// A buffer holding a copy of `bytes`.
    static func make(copying bytes: [UInt8]) -> ChunkByteStorage {
        let storage = make(capacity: bytes.count)
        storage.withUnsafeMutablePointerToElements { dst in
            bytes.withUnsafeBufferPointer { src in
                if let base = src.baseAddress { dst.update(from: base, count: src.count) }
            }
        }
        return storage
    }

    /// Start of the bytes; valid while this object is alive, since a
    /// ManagedBuffer's elements live inside the object and never move.
    var elements: UnsafeMutablePointer<UInt8> {
        withUnsafeMutablePointerToElements { $0 }
    }

    /// A zero-filled copy of the first `used` bytes with room for `capacity`.
    func grown(used: Int, capacity: Int) -> ChunkByteStorage {
        let copy = ChunkByteStorage.make(capacity: capacity)
        copy.elements.update(from: elements, count: min(used, capacity))
        return copy
    }
}
