#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

/// What replaying the WAL found.
struct WALReplayReport {
    var segments = 0
    var records = 0
    var series = 0
    var samples = 0
    var lastSegment = 0
    /// Set when a torn or corrupt tail was cut off: where and why.
    var corruption: String?
    var droppedBytes = 0
    var droppedSegments = 0
}

/// Reads every WAL segment in order and hands each complete, checksummed
/// commit to `apply`. The first damaged record ends the replay: the
/// segment is truncated before it and later segments are deleted, so the
/// next run starts from a clean log and nothing before the damage is lost.
enum WALReader {
    static func replay(directory: String, apply: (inout WALCommit, Int) throws -> Void) throws -> WALReplayReport {
        var report = WALReplayReport()
        let segments = try FileIO.numberedFiles(directory)
        var commit = WALCommit()
        for (index, seg) in segments.enumerated() {
            if index > 0, seg.number != segments[index - 1].number + 1 {
                report.corruption = "segment \(WALFormat.segmentName(segments[index - 1].number + 1)) is missing"
                try dropSegments(segments[index...].map(\.path), report: &report)
                break
            }
            report.segments += 1
            report.lastSegment = seg.number
            if let bad = try replaySegment(seg.path, number: seg.number, commit: &commit, report: &report, apply: apply) {
                report.corruption = "\(seg.path) at byte \(bad.offset): \(bad.reason)"
                try truncate(seg.path, at: bad.offset, report: &report)
                try dropSegments(segments[(index + 1)...].map(\.path), report: &report)
                break
            }
        }
        return report
    }

    /// Replays one segment; returns where and why it is damaged, if it is.
    private static func replaySegment(
        _ path: String, number: Int, commit: inout WALCommit, report: inout WALReplayReport,
        apply: (inout WALCommit, Int) throws -> Void
    ) throws -> (offset: Int, reason: String)? {
        let fd = try FileIO.open(path, O_RDONLY)
        let size = try FileIO.size(fd, path: path)
        close(fd)
        let mapping = try FileMapping(path: path, length: size)
        let bytes = mapping.bytes
        guard size >= WALFormat.segmentHeaderSize else {
            return (0, "segment header truncated (\(size) bytes)")
        }
        guard Array(bytes[0..<4]) == WALFormat.magic else { return (0, "bad segment magic") }
        guard bytes[4] == WALFormat.version else { return (4, "unsupported WAL version \(bytes[4])") }
        var offset = WALFormat.segmentHeaderSize
        while offset < size {
            guard size - offset >= WALFormat.recordHeaderSize else {
                return (offset, "record header truncated")
            }
            var header = DiskReader(bytes, offset: offset)
            let type = try header.byte("record type")
            let length = Int(try header.uint32("record length"))
            let crc = try header.uint32("record checksum")
            guard type == WALFormat.commitRecord else { return (offset, "unknown record type \(type)") }
            guard length <= WALFormat.maxRecordSize, length <= size - header.offset else {
                return (offset, "record of \(length) bytes runs past the end of the segment")
            }
            let payload = UnsafeRawBufferPointer(rebasing: bytes[header.offset..<header.offset + length])
            let typeCRC = Castagnoli.checksum(UnsafeRawBufferPointer(rebasing: bytes[offset..<offset + 1]))
            guard Castagnoli.checksum(payload, continuing: typeCRC) == crc else {
                return (offset, "record checksum mismatch")
            }
            do {
                try WALFormat.decodeCommit(payload, into: &commit)
            } catch let e as DecodeError {
                return (offset, "undecodable record: \(e)")
            }
            report.records += 1
            report.series += commit.series.count
            report.samples += commit.samples.count
            try apply(&commit, number)
            offset = header.offset + length
        }
        return nil
    }

    private static func truncate(_ path: String, at offset: Int, report: inout WALReplayReport) throws {
        let size = FileIO.size(of: path) ?? 0
        report.droppedBytes += size - offset
        if offset <= WALFormat.segmentHeaderSize {
            try FileIO.remove(path)
            report.droppedSegments += 1
            return
        }
        let fd = try FileIO.open(path, O_WRONLY)
        defer { close(fd) }
        try FileIO.truncate(fd, to: offset, path: path)
        try FileIO.sync(fd, path: path)
    }

    private static func dropSegments(_ paths: [String], report: inout WALReplayReport) throws {
        for p in paths {
            report.droppedBytes += FileIO.size(of: p) ?? 0
            report.droppedSegments += 1
            try FileIO.remove(p)
        }
    }
}
