import Logging

/// Checks every indexed chunk against its checksum at open. Damaged chunks
/// are removed from the index and reported (series, time range), so the
/// store starts and serves everything else.
struct ChunkVerifier {
    let index: IndexStore
    let segments: ChunkSegments
    let counters: StatsCounters
    let logger: Logger

    /// Returns messages describing what was lost.
    func verifyAll() throws -> [String] {
        var messages: [String] = []
        for info in segments.all() where info.chunks > 0 {
            let rows = try index.read { try IndexStore.chunkRefs($0, segment: info) }
            let mapping: FileMapping
            do {
                mapping = try segments.mapping(info.id, covering: 0)
            } catch {
                messages.append("chunk segment \(ChunkSegmentFormat.fileName(info.id)) unreadable: \(error)")
                continue
            }
            if (try? ChunkSegmentFormat.parseHeader(mapping.bytes)) != info.baseTime {
                messages.append("chunk segment \(ChunkSegmentFormat.fileName(info.id)) has a damaged header; "
                    + "its chunks are read with the base time from the index")
            }
            var damaged: [(series: UInt64, kept: [ChunkRef], lost: [ChunkRef])] = []
            for (series, refs) in rows {
                var kept: [ChunkRef] = []
                var lost: [ChunkRef] = []
                for ref in refs {
                    if let entry = try? ChunkSegmentFormat.entry(in: mapping.bytes, at: Int(ref.offset)), entry.series == series {
                        kept.append(ref)
                    } else {
                        lost.append(ref)
                    }
                }
                if !lost.isEmpty { damaged.append((series, kept, lost)) }
            }
            guard !damaged.isEmpty else { continue }
            try index.write { c in
                for d in damaged { try IndexMaintenance.replaceRefs(c, segment: info, series: d.series, refs: d.kept) }
            }
            let lostChunks = damaged.reduce(0) { $0 + $1.lost.count }
            counters.chunkCorruptions.add(lostChunks)
            let examples = damaged.prefix(5).map { d in
                "series \(d.series) [\(d.lost.map(\.minTime).min()!), \(d.lost.map(\.maxTime).max()!)]"
            }.joined(separator: ", ")
            let message = "chunk segment \(ChunkSegmentFormat.fileName(info.id)): \(lostChunks) damaged chunks of "
                + "\(damaged.count) series dropped (checksum mismatch), e.g. \(examples)"
            logger.error("\(message)")
            messages.append(message)
        }
        return messages
    }
}
