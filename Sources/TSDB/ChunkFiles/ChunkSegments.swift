#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

/// What the store knows about one chunk segment file.
struct ChunkSegmentInfo: Sendable, Equatable {
    var id: UInt32
    var baseTime: Int64
    var minTime: Int64
    var maxTime: Int64
    /// Bytes known to be written and synced; index refs never point past it.
    var durableSize: Int
    var chunks: Int
    /// Still being appended to.
    var active: Bool
}

/// The set of chunk segment files of a data directory: numbering, time
/// ranges and read mappings. Shared by the head's writer, bulk writers,
/// queriers and retention.
final class ChunkSegments: @unchecked Sendable {
    let directory: String
    private let lock = PosixLock()
    private var infos: [UInt32: ChunkSegmentInfo] = [:]
    private var mappings: [UInt32: FileMapping] = [:]
    private var nextID: UInt32

    init(directory: String, existing: [ChunkSegmentInfo], nextID: UInt32) {
        self.directory = directory
        for i in existing { infos[i.id] = i }
        self.nextID = max(nextID, (existing.map(\.id).max() ?? 0) + 1)
    }

    func path(_ id: UInt32) -> String { directory + "/" + ChunkSegmentFormat.fileName(id) }

    /// Reserves the next segment number for a new file.
    func allocate(baseTime: Int64) -> UInt32 {
        lock.withLock {
            let id = nextID
            nextID += 1
            infos[id] = ChunkSegmentInfo(id: id, baseTime: baseTime, minTime: .max, maxTime: .min,
                                         durableSize: 0, chunks: 0, active: true)
            return id
        }
    }

    /// Records bytes made durable by a writer.
    func update(_ id: UInt32, durableSize: Int, minTime: Int64, maxTime: Int64, chunks: Int, active: Bool) {
        lock.withLock {
            guard var i = infos[id] else { return }
            i.durableSize = durableSize
            i.minTime = min(i.minTime, minTime)
            i.maxTime = max(i.maxTime, maxTime)
            i.chunks = chunks
            i.active = active
            infos[id] = i
        }
    }

    func info(_ id: UInt32) -> ChunkSegmentInfo? { lock.withLock { infos[id] } }

    /// All segments, by id.
    func all() -> [ChunkSegmentInfo] { lock.withLock { infos.values.sorted { $0.id < $1.id } } }

    /// Segments holding durable chunks that may overlap [mint, maxt], newest first.
    func overlapping(_ mint: Int64, _ maxt: Int64) -> [ChunkSegmentInfo] {
        lock.withLock {
            infos.values.filter { $0.chunks > 0 && $0.minTime <= maxt && $0.maxTime >= mint }.sorted { $0.id > $1.id }
        }
    }

    var totalBytes: Int { lock.withLock { infos.values.reduce(0) { $0 + $1.durableSize } } }

    /// A read mapping covering at least `length` bytes of the segment.
    func mapping(_ id: UInt32, covering length: Int) throws -> FileMapping {
        try lock.withLock {
            if let m = mappings[id], m.length >= length { return m }
            let p = path(id)
            let fd = try FileIO.open(p, O_RDONLY)
            let size = try FileIO.size(fd, path: p)
            close(fd)
            guard size >= length else {
                throw TSDBError.corrupt(path: p, offset: size, reason: "file ends before byte \(length) an index entry points to")
            }
            let m = try FileMapping(path: p, length: size)
            mappings[id] = m
            return m
        }
    }

    /// Forgets a segment and deletes its file. Running queries keep their mappings.
    func remove(_ id: UInt32) throws {
        lock.withLock {
            infos[id] = nil
            mappings[id] = nil
        }
        try FileIO.remove(path(id))
    }

    /// Drops cached mappings (at close).
    func dropMappings() { lock.withLock { mappings.removeAll() } }
}

/// Appends sealed chunks to segment files. `append` only buffers and
/// assigns the entry's location, so it never does I/O under the head lock;
/// `flush` writes and syncs, then publishes the new durable sizes.
final class ChunkSegmentWriter: @unchecked Sendable {
    private struct Open {
        var id: UInt32
        var baseTime: Int64
        var minTime: Int64 = .max
        var maxTime: Int64 = .min
        var chunks = 0
        /// Bytes handed to the kernel so far (header included).
        var written = 0
        var buffer = DiskBuffer()
        var closed = false
        var fd: Int32 = -1

        var logicalSize: Int { max(written, ChunkSegmentFormat.headerSize) + buffer.count }
    }

    let segments: ChunkSegments
    let maxBytes: Int
    let maxSpan: Int64
    private let lock = PosixLock()
    private let ioLock = PosixLock()
    private var open: [Open] = []
    /// Called when buffered bytes pass `wakeThreshold`, to get a flush soon.
    var onBufferFull: (@Sendable () -> Void)?
    let wakeThreshold = 8 << 20

    init(segments: ChunkSegments, maxBytes: Int, maxSpan: Int64) {
        self.segments = segments
        self.maxBytes = maxBytes
        self.maxSpan = maxSpan
    }

    /// Buffers a chunk entry and returns where it will be.
    func append(series: UInt64, chunk: SealedChunk) -> ChunkRef {
        var wake = false
        let ref: ChunkRef = lock.withLock {
            let entrySize = chunk.bytes.count + 20
            if let last = open.last, !last.closed {
                let tooBig = last.logicalSize + entrySize > maxBytes && last.chunks > 0
                // Only growth forward in time cuts: an idle series' late-sealed
                // old chunk joins the current segment instead of starting one.
                let tooLong = last.chunks > 0 && chunk.maxTime - min(last.minTime, chunk.minTime) > maxSpan
                if tooBig || tooLong { open[open.count - 1].closed = true }
            }
            if open.last.map({ $0.closed }) ?? true {
                open.append(Open(id: segments.allocate(baseTime: chunk.minTime), baseTime: chunk.minTime))
            }
            let i = open.count - 1
            let offset = open[i].logicalSize
            ChunkSegmentFormat.appendEntry(series: series, encoding: chunk.encoding.rawValue, data: chunk.bytes,
                                           to: &open[i].buffer)
            open[i].minTime = min(open[i].minTime, chunk.minTime)
            open[i].maxTime = max(open[i].maxTime, chunk.maxTime)
            open[i].chunks += 1
            wake = open.reduce(0) { $0 + $1.buffer.count } > wakeThreshold
            return ChunkRef(segment: open[i].id, offset: UInt32(offset), minTime: chunk.minTime, maxTime: chunk.maxTime)
        }
        if wake { onBufferFull?() }
        return ref
    }

    /// Closes the current segment for appends; the next chunk starts a new file.
    func cut() {
        lock.withLock {
            if !open.isEmpty { open[open.count - 1].closed = true }
        }
    }

    /// Writes and syncs everything buffered. Safe to call concurrently with
    /// `append`; on an error nothing is lost and the next flush retries.
    func flush() throws {
        try ioLock.withLock {
            let batch: [Open] = lock.withLock { open }
            for seg in batch {
                try flushSegment(seg)
            }
            lock.withLock {
                // Fully written closed segments are done.
                open.removeAll { o in
                    guard o.closed, o.buffer.count == 0, o.written > 0 else { return false }
                    if o.fd >= 0 { Glibc.close(o.fd) }
                    return true
                }
            }
        }
    }

    /// Writes the bytes `seg` had buffered, then drops exactly those from the
    /// live buffer (appends may have added more meanwhile).
    private func flushSegment(_ seg: Open) throws {
        let p = segments.path(seg.id)
        var fd = seg.fd
        var written = seg.written
        if fd < 0 {
            fd = try FileIO.open(p, O_WRONLY | O_CREAT | O_TRUNC | O_APPEND)
            do {
                try FileIO.writeAll(fd, ChunkSegmentFormat.header(baseTime: seg.baseTime), path: p)
            } catch {
                Glibc.close(fd)
                throw error
            }
            written = ChunkSegmentFormat.headerSize
            FileIO.syncDirectory(segments.directory)
            lock.withLock {
                if let i = open.firstIndex(where: { $0.id == seg.id }) {
                    open[i].fd = fd
                    open[i].written = written
                }
            }
        }
        let pending = seg.buffer.count
        if pending > 0 {
            do {
                try FileIO.writeAll(fd, seg.buffer.bytes, path: p)
            } catch {
                // A partial write would shift every later offset: undo it.
                _ = ftruncate(fd, off_t(written))
                throw error
            }
            written += pending
        }
        try FileIO.sync(fd, path: p)
        lock.withLock {
            guard let i = open.firstIndex(where: { $0.id == seg.id }) else { return }
            // Rebuild rather than removeFirst: the buffer would keep the capacity
            // of its largest burst (all series sealing at once) forever.
            open[i].buffer = DiskBuffer(bytes: Array(open[i].buffer.bytes[pending...]))
            open[i].written = written
            let o = open[i]
            segments.update(o.id, durableSize: written, minTime: o.minTime, maxTime: o.maxTime,
                            chunks: o.chunks, active: !o.closed)
        }
    }

    /// Bytes buffered but not yet written.
    var bufferedBytes: Int { lock.withLock { open.reduce(0) { $0 + $1.buffer.count } } }

    /// Flushes and closes every file.
    func close() throws {
        cut()
        try flush()
    }
}
