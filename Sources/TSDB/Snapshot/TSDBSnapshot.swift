#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

extension TSDB {
    /// Writes a consistent copy of the database to `directory` (created if
    /// missing, in an existing parent; it must not hold an index already),
    /// openable with `TSDB.open`, as Prometheus's snapshot does:
    ///
    /// - the index through SQLite's `VACUUM INTO` (a transactionally
    ///   consistent, compact copy, tombstones included);
    /// - the chunk segment files the copy references, as hard links (they
    ///   are append-only and never rewritten in place), or copies of their
    ///   indexed bytes for a segment still open for appends or when linking fails;
    /// - with `includeHead`, the WAL up to the last commit, so samples not yet
    ///   in chunk files come back on open exactly as after a restart. Without
    ///   it, only what chunk files and the index hold.
    ///
    /// Flushes, retention and cleaning wait meanwhile (they would change the
    /// index or unlink segments); appends and queries go on.
    public func snapshot(into directory: String, includeHead: Bool = true) throws {
        try maintenanceLock.withLock {
            guard !closed.load(ordering: .relaxed) else { throw TSDBError.closed }
            try FileIO.makeDirectory(directory)
            let target = directory + "/index.sqlite"
            guard !FileIO.exists(target) else {
                throw TSDBError.io(path: target, operation: "snapshot into a directory holding an index", errno: EEXIST)
            }
            try FileIO.makeDirectory(directory + "/chunks")
            try FileIO.makeDirectory(directory + "/wal")
            if includeHead { try copyWALLocked(to: directory + "/wal") }
            let referenced = try copyIndex(to: target)
            for (id, size) in referenced {
                try copySegment(id, indexedBytes: size, to: directory + "/chunks/" + ChunkSegmentFormat.fileName(id))
            }
            for d in [directory + "/wal", directory + "/chunks", directory] { FileIO.syncDirectory(d) }
            logger.info("snapshot written to \(directory) (\(referenced.count) chunk segments\(includeHead ? ", with the head" : ""))")
        }
    }

    /// Copies the index with `VACUUM INTO` on a connection of its own;
    /// returns the segments the copy references and their indexed sizes.
    private func copyIndex(to target: String) throws -> [(id: UInt32, size: Int)] {
        let source = try SQLiteConnection(path: indexPath)
        defer { source.close() }
        let vacuum = try source.statement("VACUUM INTO ?")
        vacuum.bind(1, target)
        try vacuum.run()
        vacuum.reset()
        try syncFile(target)
        let copy = try SQLiteConnection(path: target, readOnly: true)
        defer { copy.close() }
        let s = try copy.statement("SELECT id, size FROM segments ORDER BY id")
        var out: [(UInt32, Int)] = []
        while try s.step() { out.append((UInt32(truncatingIfNeeded: s.int64(0)), Int(s.int64(1)))) }
        s.reset()
        return out
    }

    /// Hard-links a segment file, or copies its first `indexedBytes` when it
    /// may still grow (a link would share the later appends) or linking fails.
    private func copySegment(_ id: UInt32, indexedBytes: Int, to target: String) throws {
        let source = segments.path(id)
        if segments.info(id)?.active != true, link(source, target) == 0 { return }
        try copyFile(source, to: target, length: indexedBytes)
    }

    /// Copies the WAL as of the last commit. Older segments are complete;
    /// the current one is copied up to the offset read under the commit
    /// lock, which ends on a record boundary. Truncation waits on the
    /// maintenance lock held by the caller, so no segment disappears meanwhile.
    private func copyWALLocked(to target: String) throws {
        let (current, offset) = commitLock.withLock { (wal.segment, wal.offset) }
        for file in try FileIO.numberedFiles(walDirectory) where file.number <= current {
            let name = WALFormat.segmentName(file.number)
            try copyFile(file.path, to: target + "/" + name, length: file.number == current ? offset : nil)
        }
    }

    /// Copies `length` bytes of a file (all of it when nil) and syncs the copy.
    private func copyFile(_ source: String, to target: String, length: Int?) throws {
        let input = try FileIO.open(source, O_RDONLY)
        defer { Glibc.close(input) }
        let output = try FileIO.open(target, O_WRONLY | O_CREAT | O_TRUNC)
        defer { Glibc.close(output) }
        let total = try length ?? FileIO.size(input, path: source)
        var done = 0
        while done < total {
            let block = try FileIO.read(input, count: min(1 << 20, total - done), at: done, path: source)
            guard !block.isEmpty else {
                throw TSDBError.corrupt(path: source, offset: done, reason: "file ends before byte \(total) the index refers to")
            }
            try FileIO.writeAll(output, block, path: target)
            done += block.count
        }
        try FileIO.sync(output, path: target)
    }

    private func syncFile(_ path: String) throws {
        let fd = try FileIO.open(path, O_RDONLY)
        defer { Glibc.close(fd) }
        if fsync(fd) != 0 { throw TSDBError.io(path: path, operation: "fsync", errno: errno) }
    }
}
