#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

/// When WAL writes are forced to stable storage. Every policy survives a
/// killed process (the bytes are in the kernel once `commit()` returns);
/// they differ on power loss or a kernel crash.
public enum WALSyncPolicy: Sendable, Equatable {
    /// fdatasync before each commit returns.
    case everyCommit
    /// fdatasync at most this many milliseconds after a commit.
    case interval(milliseconds: Int)
    /// Only when a segment is closed (as Prometheus does by default).
    case never
}

/// Appends records to numbered segment files in `wal/`. Used under the
/// database's commit lock; `syncHandle` lets the background syncer fsync
/// without holding that lock.
final class WALWriter {
    let directory: String
    let segmentSize: Int
    let policy: WALSyncPolicy
    private(set) var segment: Int
    private var fd: Int32 = -1
    private(set) var offset = 0
    /// True when bytes were written since the last sync.
    private(set) var dirty = false

    /// Starts a new segment after the highest existing one, so replayed
    /// segments are never appended to (their tail may have been truncated).
    init(directory: String, segmentSize: Int, policy: WALSyncPolicy, firstSegment: Int) throws {
        self.directory = directory
        self.segmentSize = segmentSize
        self.policy = policy
        segment = firstSegment
        try openSegment()
    }

    var path: String { directory + "/" + WALFormat.segmentName(segment) }

    private func openSegment() throws {
        let p = path
        fd = try FileIO.open(p, O_WRONLY | O_CREAT | O_TRUNC | O_APPEND)
        try FileIO.writeAll(fd, WALFormat.segmentHeader, path: p)
        offset = WALFormat.segmentHeaderSize
        FileIO.syncDirectory(directory)
    }

    /// Writes one encoded record; returns the segment it landed in.
    @discardableResult
    func write(_ record: [UInt8]) throws -> Int {
        if offset > WALFormat.segmentHeaderSize && offset + record.count > segmentSize {
            try cut()
        }
        try FileIO.writeAll(fd, record, path: path)
        offset += record.count
        if policy == .everyCommit {
            try FileIO.sync(fd, path: path)
        } else {
            dirty = true
        }
        return segment
    }

    /// Closes the current segment (synced) and opens the next one.
    func cut() throws {
        try FileIO.sync(fd, path: path)
        Glibc.close(fd)
        segment += 1
        try openSegment()
        dirty = false
    }

    /// A duplicate of the current descriptor for syncing outside the lock;
    /// nil when nothing needs syncing. The caller closes it.
    func syncHandle() -> Int32? {
        guard dirty, case .interval = policy else { return nil }
        dirty = false
        let d = dup(fd)
        return d >= 0 ? d : nil
    }

    func sync() throws {
        try FileIO.sync(fd, path: path)
        dirty = false
    }

    func close() {
        if fd >= 0 {
            _ = fdatasync(fd)
            Glibc.close(fd)
            fd = -1
        }
    }

    deinit { close() }
}
