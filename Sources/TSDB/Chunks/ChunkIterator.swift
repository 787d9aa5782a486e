import Model
import Storage

/// Decodes one chunk sample by sample, straight from its bytes (a mapped
/// chunk file or a head chunk snapshot), without allocating per sample.
///
/// A final class so a querier calling it in a loop dispatches statically.
/// When the bytes turn out damaged mid-way, `next()` returns false and
/// `error` says where; the iterator never reads outside its bytes.
public final class ChunkIterator: SampleIterator {
    /// Keeps the bytes alive (a mapping or a `ChunkByteStorage`).
    private var owner: AnyObject?
    /// The decoding state, behind a pointer: mutating it through a `let`
    /// pointer needs no per-access exclusivity check, unlike a `var`
    /// property of a class.
    private let cursor: UnsafeMutablePointer<ChunkCursor>

    /// Samples in the chunk.
    public private(set) var count: Int

    init(encoding: ChunkEncoding, bytes: UnsafeRawBufferPointer, owner: AnyObject?) throws {
        let state = try ChunkCursor(encoding: encoding, bytes: bytes)
        self.owner = owner
        count = state.count
        cursor = .allocate(capacity: 1)
        cursor.initialize(to: state)
    }

    /// An iterator over bytes this process encoded itself; a damaged header
    /// leaves it empty with `error` set instead of throwing.
    convenience init(uncheckedEncoding encoding: ChunkEncoding, storage: ChunkByteStorage, byteCount: Int) {
        let bytes = UnsafeRawBufferPointer(start: storage.elements, count: byteCount)
        do {
            try self.init(encoding: encoding, bytes: bytes, owner: storage)
        } catch {
            self.init(empty: error as? ChunkError)
        }
    }

    private init(empty error: ChunkError?) {
        owner = nil
        count = 0
        cursor = .allocate(capacity: 1)
        cursor.initialize(to: ChunkCursor(empty: error))
    }

    deinit {
        cursor.deinitialize(count: 1)
        cursor.deallocate()
    }

    /// An iterator with no samples.
    static var empty: ChunkIterator { ChunkIterator(empty: nil) }

    /// Set when the bytes end early or hold an impossible field; `next()`
    /// then returns false.
    public var error: ChunkError? { cursor.pointee.error }

    /// The current sample's timestamp; valid after `next()` or `seek` returned true.
    public var timestamp: Timestamp { cursor.pointee.currentTime }

    /// The current sample's value, bit-exact (NaN payloads kept).
    public var value: Double { Double(bitPattern: cursor.pointee.currentBits) }

    public func next() -> Bool { cursor.pointee.next() }

    /// Points this iterator at another chunk, so a querier walking a
    /// series's chunks allocates one iterator instead of one per chunk.
    /// On error the iterator is left empty.
    public func reset(encoding: ChunkEncoding, bytes: UnsafeRawBufferPointer, owner: AnyObject?) throws {
        do {
            cursor.pointee = try ChunkCursor(encoding: encoding, bytes: bytes)
            self.owner = owner
            count = cursor.pointee.count
        } catch {
            cursor.pointee = ChunkCursor(empty: error as? ChunkError)
            self.owner = nil
            count = 0
            throw error
        }
    }

    public func seek(_ t: Timestamp) -> Bool { cursor.pointee.seek(t) }
}
