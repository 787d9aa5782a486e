/// Transfers waiting for their start time, earliest first. Owned by the
/// transfer loop's thread.
///
/// A sorted array: a scraper schedules one transfer per target, so the list
/// stays in the hundreds, where a binary-search insert costs less than a heap's
/// bookkeeping and removal by identity (cancellation) is a plain scan.
struct TransferSchedule {
    /// Latest start first, so the next one due is `last`.
    private var waiting: [Transfer] = []

    /// When the earliest waiting transfer is due.
    var nextStart: ContinuousClock.Instant? { waiting.last?.startAt }

    mutating func insert(_ transfer: Transfer) {
        guard let start = transfer.startAt else {
            preconditionFailure("TransferSchedule holds only transfers with a start time")
        }
        var low = 0
        var high = waiting.count
        while low < high {
            let mid = (low + high) / 2
            // Equal start times keep submission order: the later submission sorts before.
            if waiting[mid].startAt! > start { low = mid + 1 } else { high = mid }
        }
        waiting.insert(transfer, at: low)
    }

    /// Removes and returns the transfers due at `now`, earliest first.
    mutating func takeDue(at now: ContinuousClock.Instant) -> [Transfer] {
        var due: [Transfer] = []
        while let last = waiting.last, last.startAt! <= now {
            due.append(waiting.removeLast())
        }
        return due
    }

    /// Removes `transfer` if it is still waiting; returns whether it was.
    mutating func remove(_ transfer: Transfer) -> Bool {
        guard let index = waiting.lastIndex(where: { $0 === transfer }) else { return false }
        waiting.remove(at: index)
        return true
    }

    /// Empties the schedule, returning what waited.
    mutating func removeAll() -> [Transfer] {
        defer { waiting.removeAll() }
        return waiting
    }
}
