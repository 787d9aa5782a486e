import CCurl
import Foundation
import Synchronization

/// One background thread that owns a libcurl multi handle and drives every
/// transfer of a client.
///
/// Other threads never touch the multi handle or an easy handle: they put
/// transfers and cancellations into the lock-protected inbox and call
/// `curl_multi_wakeup`, the one multi call libcurl allows from another
/// thread. Connections live in the multi handle's cache, so every transfer to
/// a host can reuse a connection opened by an earlier one, and DNS results are
/// cached there too. Easy handles are pooled, set up for their last request
/// (see `EasyHandlePool`).
///
/// A transfer may carry a start time. The loop keeps such transfers in its
/// schedule and starts them from its own poll timeout, so a caller that would
/// otherwise sleep until then (a scrape loop waiting for its next tick) costs
/// no timer and no thread wake-ups besides this thread's. Submitting one wakes
/// the loop only when it starts before the loop's planned wake-up.
final class TransferLoop: @unchecked Sendable {
    private struct Inbox {
        var submissions: [Transfer] = []
        var cancellations: [Transfer] = []
        var shuttingDown = false
        /// A `curl_multi_wakeup` the loop has not drained yet.
        var wakeupPending = false
        /// When the polling loop wakes by itself; nil while it is busy and
        /// will not look at the inbox again before polling.
        var loopWakesAt: ContinuousClock.Instant?

        /// Whether a new entry needs a wakeup: not when one is pending, nor
        /// when the loop already plans to wake before `start`.
        mutating func needsWakeup(forStartAt start: ContinuousClock.Instant?) -> Bool {
            if wakeupPending { return false }
            if let start, let wake = loopWakesAt, start >= wake { return false }
            wakeupPending = true
            return true
        }
    }

    private let inbox = Mutex(Inbox())
    private let multi: UnsafeMutableRawPointer
    private let configuration: HTTPClientConfiguration
    private let finished = DispatchGroup()
    private let loopThread = Mutex<pthread_t?>(nil)

    // Loop-thread state.
    private var active: [UnsafeMutableRawPointer: Transfer] = [:]
    private var schedule = TransferSchedule()
    private var handles: EasyHandlePool
    private var plain: PlainTransport
    private var plainReady: [curl_waitfd] = []
    private var plainRequests: [HTTPRequest: PlainRequest?] = [:]
    private static let plainRequestMemory = 4096
    private static let pollLimitMilliseconds: Int32 = 1000

    init(configuration: HTTPClientConfiguration) {
        _ = CurlRuntime.initialized
        guard let multi = curl_multi_init() else {
            fatalError("libcurl could not allocate a multi handle (out of memory)")
        }
        self.multi = multi
        self.configuration = configuration
        handles = EasyHandlePool(configuredLimit: configuration.maxIdleConnections)
        plain = PlainTransport(configuration: configuration)
        _ = ember_curl_multi_setopt_long(multi, CURLMOPT_MAXCONNECTS, max(1, configuration.maxIdleConnections))
        _ = ember_curl_multi_setopt_long(multi, CURLMOPT_MAX_HOST_CONNECTIONS, max(0, configuration.maxConnectionsPerHost))
        _ = ember_curl_multi_setopt_long(multi, CURLMOPT_MAX_TOTAL_CONNECTIONS, max(0, configuration.maxTotalConnections))
        finished.enter()
        let thread = Thread { [self] in run() }
        thread.name = "ember-http-client"
        thread.start()
    }

    /// Hands a transfer (with its completion set) to the loop.
    func submit(_ transfer: Transfer) {
        guard CurlRuntime.initialized else {
            transfer.completion?(.failure(transfer.failure(.transfer(curlCode: Int(CURLE_FAILED_INIT.rawValue)),
                                                           detail: "curl_global_init failed")))
            return
        }
        let accepted = inbox.withLock { inbox -> Bool in
            guard !inbox.shuttingDown else { return false }
            if inbox.needsWakeup(forStartAt: transfer.startAt) { _ = curl_multi_wakeup(multi) }
            inbox.submissions.append(transfer)
            return true
        }
        if !accepted {
            transfer.completion?(.failure(transfer.failure(.shutdown, detail: "")))
        }
    }

    /// Aborts a transfer on behalf of a cancelled task: it completes with `CancellationError`.
    func cancel(_ transfer: Transfer) {
        transfer.cancelRequested.store(true, ordering: .releasing)
        inbox.withLock { inbox in
            guard !inbox.shuttingDown else { return }
            if inbox.needsWakeup(forStartAt: nil) { _ = curl_multi_wakeup(multi) }
            inbox.cancellations.append(transfer)
        }
    }

    /// Fails every queued and running transfer with a shutdown error, frees
    /// libcurl's handles and ends the thread. Waits for that unless called from
    /// the loop thread itself.
    func shutdown() {
        inbox.withLock { inbox in
            guard !inbox.shuttingDown else { return }
            inbox.shuttingDown = true
            _ = curl_multi_wakeup(multi)
        }
        let onLoopThread = loopThread.withLock { id in id.map { pthread_equal($0, pthread_self()) != 0 } ?? false }
        if !onLoopThread { finished.wait() }
    }

    private func run() {
        loopThread.withLock { $0 = pthread_self() }
        var submissions: [Transfer] = []
        var cancellations: [Transfer] = []
        while true {
            let stopping = inbox.withLock { inbox -> Bool in
                swap(&inbox.submissions, &submissions)
                swap(&inbox.cancellations, &cancellations)
                inbox.wakeupPending = false
                inbox.loopWakesAt = nil
                return inbox.shuttingDown
            }
            if stopping {
                stop(unadmitted: submissions)
                return
            }
            var now = ContinuousClock.now
            for transfer in submissions {
                if let start = transfer.startAt, start > now { schedule.insert(transfer) } else { admit(transfer) }
            }
            for transfer in cancellations { abort(transfer) }
            submissions.removeAll(keepingCapacity: true)
            cancellations.removeAll(keepingCapacity: true)
            for transfer in schedule.takeDue(at: now) { admit(transfer) }
            var running: Int32 = 0
            _ = curl_multi_perform(multi, &running)
            completeFinishedTransfers()
            now = ContinuousClock.now
            let timeout = pollTimeout(now: now)
            inbox.withLock { $0.loopWakesAt = now + .milliseconds(timeout) }
            plain.pruneIdle(now: now)
            pollOnce(timeout: timeout)
        }
    }

    /// Waits for libcurl's sockets, the plain transport's and the wake-up, then
    /// drives the plain exchanges that became ready or ran out of time.
    private func pollOnce(timeout: Int32) {
        plainReady.removeAll(keepingCapacity: true)
        plain.waitDescriptors(into: &plainReady)
        if plainReady.isEmpty {
            _ = curl_multi_poll(multi, nil, 0, timeout, nil)
            return
        }
        _ = plainReady.withUnsafeMutableBufferPointer { fds in
            curl_multi_poll(multi, fds.baseAddress, UInt32(fds.count), timeout, nil)
        }
        let now = ContinuousClock.now
        for (transfer, outcome) in plain.handle(plainReady, now: now) + plain.expire(now: now) {
            settle(transfer, outcome)
        }
    }

    private func settle(_ transfer: Transfer, _ outcome: PlainTransport.Outcome) {
        switch outcome {
        case .completed(let result): finish(transfer, result)
        case .handOff: admitToCurl(transfer)
        }
    }

    /// Milliseconds until the next scheduled start (rounded up, so the loop
    /// wakes at or after it), at most the poll limit. libcurl shortens the
    /// wait further for its own timers.
    private func pollTimeout(now: ContinuousClock.Instant) -> Int32 {
        let starts = [schedule.nextStart, plain.nextDeadline].compactMap { $0 }
        guard let next = starts.min() else { return Self.pollLimitMilliseconds }
        let (seconds, attoseconds) = (next - now).components
        guard seconds < Int64(Self.pollLimitMilliseconds / 1000) else { return Self.pollLimitMilliseconds }
        let millis = max(0, seconds * 1000 + (attoseconds + 999_999_999_999_999) / 1_000_000_000_000_000)
        return Int32(min(millis, Int64(Self.pollLimitMilliseconds)))
    }

    private func admit(_ transfer: Transfer) {
        if transfer.cancelRequested.load(ordering: .acquiring) {
            finish(transfer, .failure(CancellationError()))
            return
        }
        if let request = plainRequest(for: transfer.request) {
            if let outcome = plain.start(transfer, request, now: .now) { settle(transfer, outcome) }
            return
        }
        admitToCurl(transfer)
    }

    /// The plain transport's form of a request, or nil when libcurl must carry
    /// it. Remembered per request: a scrape target sends the same one each
    /// interval, and building the wire form cost as much as the rest of the exchange.
    private func plainRequest(for request: HTTPRequest) -> PlainRequest? {
        if let known = plainRequests[request] { return known }
        if plainRequests.count >= Self.plainRequestMemory { plainRequests.removeAll(keepingCapacity: true) }
        let built = PlainRequest(request, configuration: configuration)
        plainRequests[request] = .some(built)
        return built
    }

    private func admitToCurl(_ transfer: Transfer) {
        do {
            try attachHandle(to: transfer)
        } catch {
            finish(transfer, .failure(error))
            return
        }
        guard let easy = transfer.easy else { return }
        let added = curl_multi_add_handle(multi, easy)
        guard added == CURLM_OK else {
            recycle(easy, of: transfer, keepingConfiguration: false)
            let detail = "curl_multi_add_handle: \(String(cString: curl_multi_strerror(added)))"
            finish(transfer, .failure(transfer.failure(.transfer(curlCode: Int(CURLE_FAILED_INIT.rawValue)), detail: detail)))
            return
        }
        active[easy] = transfer
    }

    /// Gives the transfer an easy handle set up for its request: one kept
    /// from an equal earlier request, or a blank one it configures.
    private func attachHandle(to transfer: Transfer) throws(HTTPClientError) {
        if EasyHandlePool.keepsConfiguration(transfer.request), let kept = handles.takeConfigured(for: transfer.request) {
            transfer.easy = kept.easy
            transfer.headerList = kept.headerList
            transfer.connectToList = kept.connectToList
            do {
                try EasyHandleSetup(easy: kept.easy, transfer: transfer, configuration: configuration).bindTransfer()
            } catch {
                recycle(kept.easy, of: transfer, keepingConfiguration: false)
                throw error
            }
            return
        }
        guard let easy = handles.takeBlank() else {
            throw transfer.failure(.transfer(curlCode: Int(CURLE_OUT_OF_MEMORY.rawValue)), detail: "libcurl could not allocate an easy handle")
        }
        transfer.easy = easy
        do {
            try EasyHandleSetup(easy: easy, transfer: transfer, configuration: configuration).apply()
        } catch {
            recycle(easy, of: transfer, keepingConfiguration: false)
            throw error
        }
    }

    /// A cancellation for a transfer that already finished finds nothing to do;
    /// one that was never admitted was stopped by its flag in `admit`.
    private func abort(_ transfer: Transfer) {
        if schedule.remove(transfer) {
            finish(transfer, .failure(CancellationError()))
            return
        }
        if plain.cancel(transfer) {
            finish(transfer, .failure(CancellationError()))
            return
        }
        guard let easy = transfer.easy, active[easy] === transfer else { return }
        active[easy] = nil
        _ = curl_multi_remove_handle(multi, easy)
        recycle(easy, of: transfer, keepingConfiguration: false)
        finish(transfer, .failure(CancellationError()))
    }

    private func completeFinishedTransfers() {
        var queued: Int32 = 0
        while let message = curl_multi_info_read(multi, &queued) {
            guard message.pointee.msg == CURLMSG_DONE, let easy = message.pointee.easy_handle,
                  let transfer = active.removeValue(forKey: easy) else { continue }
            // The message is invalid after remove_handle, so read it first.
            let code = ember_curl_msg_result(message)
            let result = transfer.outcome(code: code, easy: easy)
            _ = curl_multi_remove_handle(multi, easy)
            recycle(easy, of: transfer, keepingConfiguration: code == CURLE_OK)
            finish(transfer, result)
        }
    }

    /// Returns a handle to the pool: still set up for the transfer's request
    /// after a success (the pool takes the lists it points to), reset otherwise.
    private func recycle(_ easy: UnsafeMutableRawPointer, of transfer: Transfer, keepingConfiguration: Bool) {
        transfer.easy = nil
        if keepingConfiguration && EasyHandlePool.keepsConfiguration(transfer.request) {
            handles.keepConfigured(.init(easy: easy, request: transfer.request,
                                         headerList: transfer.headerList, connectToList: transfer.connectToList))
            transfer.headerList = nil
            transfer.connectToList = nil
        } else {
            handles.putBlank(easy)
            transfer.releaseCurlLists()
        }
    }

    private func finish(_ transfer: Transfer, _ result: Result<HTTPResponse, any Error>) {
        let completion = transfer.completion
        transfer.completion = nil
        completion?(result)
    }

    private func stop(unadmitted: [Transfer]) {
        for transfer in unadmitted + schedule.removeAll() {
            finish(transfer, .failure(transfer.failure(.shutdown, detail: "")))
        }
        for (easy, transfer) in active {
            _ = curl_multi_remove_handle(multi, easy)
            recycle(easy, of: transfer, keepingConfiguration: false)
            finish(transfer, .failure(transfer.failure(.shutdown, detail: "client shut down while the request was in flight")))
        }
        active.removeAll()
        for transfer in plain.closeAll() {
            finish(transfer, .failure(transfer.failure(.shutdown, detail: "client shut down while the request was in flight")))
        }
        handles.removeAll()
        _ = curl_multi_cleanup(multi)
        finished.leave()
    }
}

/// Process-wide libcurl state: `curl_global_init` runs exactly once, on first use.
enum CurlRuntime {
    static let initialized: Bool = ember_curl_global_init_all() == CURLE_OK

    static let version: String = ember_curl_version_string().map { String(cString: $0) } ?? "unknown"
}
