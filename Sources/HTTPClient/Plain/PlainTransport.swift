import CCurl
#if canImport(Glibc)
import Glibc
#endif

/// HTTP/1.1 over plain TCP for the requests ``PlainRequest`` accepts, driven
/// by the transfer loop's thread next to libcurl.
///
/// Why it exists: a scrape is one small GET to a host that is asked again every
/// interval. libcurl's per-transfer work (its state machine, header handling,
/// allocations, extra polls) cost about 120 µs per request on the reference
/// machine above the 170-180 µs a bare keep-alive exchange costs there (C
/// clients of both kinds against the same targets); without it Ember used 6%
/// more CPU at 50 targets × 1,000 series (docs/BENCHMARKS.md). This
/// transport sends the request in one `send`, receives a sized body straight
/// into its final buffer and keeps one connection per target open. libcurl
/// stays the client for everything else, and takes over a redirect.
///
/// Only the transfer loop's thread touches it.
struct PlainTransport {
    /// How one finished exchange ended.
    enum Outcome {
        case completed(Result<HTTPResponse, any Error>)
        /// A redirect to follow: libcurl runs the request again from the start.
        case handOff
    }

    private var exchanges: [Int32: PlainExchange] = [:]
    /// Kept connections by endpoint, with when each went idle, newest last.
    private var idle: [PlainEndpoint: [(fd: Int32, since: ContinuousClock.Instant)]] = [:]
    private var idleCount = 0
    private var nextPrune = ContinuousClock.now
    /// libcurl's default for the same purpose (CURLOPT_MAXAGE_CONN): a
    /// connection idle longer is closed, not reused.
    static let maxIdleAge = Duration.seconds(118)
    private let maxIdle: Int
    private let configuration: HTTPClientConfiguration
    /// Receive buffer for heads and bodies of unknown length; bodies with a
    /// length are received into their own buffer.
    private var scratch = [UInt8](repeating: 0, count: 64 << 10)

    init(configuration: HTTPClientConfiguration) {
        self.configuration = configuration
        maxIdle = max(1, configuration.maxIdleConnections)
    }

    /// Starts a transfer; a result comes back at once only when it failed to start.
    mutating func start(_ transfer: Transfer, _ request: PlainRequest, now: ContinuousClock.Instant) -> Outcome? {
        let timeout = transfer.request.timeout ?? configuration.timeout
        let connectTimeout = transfer.request.connectTimeout ?? configuration.connectTimeout
        var exchange = PlainExchange(transfer: transfer, request: request, fd: -1, startedAt: now,
                                     deadline: now + timeout, connectDeadline: now + min(timeout, connectTimeout))
        if let fd = takeIdle(request.endpoint, now: now) {
            exchange.fd = fd
            exchange.reusedConnection = true
            exchange.state = .sending(sent: 0)
        } else if let failure = open(&exchange) {
            return .completed(.failure(failure))
        }
        if case .connecting = exchange.state { return wait(exchange) }
        return advance(exchange, events: Int16(POLLOUT), now: now)
    }

    /// The sockets to poll and what to wait for on each.
    func waitDescriptors(into fds: inout [curl_waitfd]) {
        for (fd, exchange) in exchanges {
            let events: Int16 = if case .receiving = exchange.state { Int16(POLLIN) } else { Int16(POLLOUT) }
            fds.append(curl_waitfd(fd: fd, events: events, revents: 0))
        }
    }

    /// Earliest deadline of a running exchange.
    var nextDeadline: ContinuousClock.Instant? {
        exchanges.values.lazy.map { $0.currentDeadline }.min()
    }

    /// Drives the exchanges whose sockets are ready; returns the finished ones.
    mutating func handle(_ ready: [curl_waitfd], now: ContinuousClock.Instant) -> [(Transfer, Outcome)] {
        var finished: [(Transfer, Outcome)] = []
        for entry in ready where entry.revents != 0 {
            guard let exchange = exchanges.removeValue(forKey: entry.fd) else { continue }
            if let outcome = advance(exchange, events: entry.revents, now: now) {
                finished.append((exchange.transfer, outcome))
            }
        }
        return finished
    }

    /// Fails exchanges past their deadline.
    mutating func expire(now: ContinuousClock.Instant) -> [(Transfer, Outcome)] {
        guard let next = nextDeadline, next <= now else { return [] }
        let late = exchanges.filter { $0.value.currentDeadline <= now }
        return late.map { fd, exchange in
            exchanges[fd] = nil
            close(fd)
            return (exchange.transfer, .completed(.failure(exchange.timeoutError(now: now))))
        }
    }

    /// Aborts a transfer (its task was cancelled); false when it is not here.
    mutating func cancel(_ transfer: Transfer) -> Bool {
        guard let (fd, _) = exchanges.first(where: { $0.value.transfer === transfer }) else { return false }
        exchanges[fd] = nil
        close(fd)
        return true
    }

    /// Closes every connection; returns the transfers that were running.
    mutating func closeAll() -> [Transfer] {
        let running = exchanges.values.map(\.transfer)
        for fd in exchanges.keys { close(fd) }
        for kept in idle.values { for connection in kept { close(connection.fd) } }
        exchanges = [:]
        idle = [:]
        idleCount = 0
        return running
    }

    // MARK: Connections

    private mutating func takeIdle(_ endpoint: PlainEndpoint, now: ContinuousClock.Instant) -> Int32? {
        while let kept = idle[endpoint]?.popLast() {
            idleCount -= 1
            if now - kept.since < Self.maxIdleAge { return kept.fd }
            close(kept.fd)
        }
        return nil
    }

    private mutating func keepIdle(_ fd: Int32, _ endpoint: PlainEndpoint, now: ContinuousClock.Instant) {
        guard idleCount < maxIdle else {
            close(fd)
            return
        }
        idle[endpoint, default: []].append((fd, now))
        idleCount += 1
    }

    /// Closes connections idle past `maxIdleAge` (targets that went away);
    /// looks at most once a minute.
    mutating func pruneIdle(now: ContinuousClock.Instant) {
        guard now >= nextPrune else { return }
        nextPrune = now + .seconds(60)
        for (endpoint, kept) in idle {
            let fresh = kept.filter { now - $0.since < Self.maxIdleAge }
            guard fresh.count < kept.count else { continue }
            for connection in kept where now - connection.since >= Self.maxIdleAge { close(connection.fd) }
            idleCount -= kept.count - fresh.count
            idle[endpoint] = fresh.isEmpty ? nil : fresh
        }
    }

    /// Opens a new connection for the exchange; returns the failure if it could not start.
    private func open(_ exchange: inout PlainExchange) -> (any Error)? {
        do {
            let (fd, connected) = try exchange.request.endpoint.connect()
            exchange.fd = fd
            exchange.reusedConnection = false
            exchange.state = connected ? .sending(sent: 0) : .connecting
            return nil
        } catch {
            return exchange.connectError(error)
        }
    }

    // MARK: The exchange

    /// Moves an exchange on after its socket reported `events`; nil while it waits for more.
    private mutating func advance(_ start: PlainExchange, events: Int16, now: ContinuousClock.Instant) -> Outcome? {
        var exchange = start
        do {
            while true {
                switch exchange.state {
                case .connecting:
                    var code: Int32 = 0
                    var length = socklen_t(MemoryLayout<Int32>.size)
                    if getsockopt(exchange.fd, SOL_SOCKET, SO_ERROR, &code, &length) != 0 { code = errno }
                    // Polled writable with no pending error: connected. (SO_ERROR is also 0 while in progress.)
                    if code == EINPROGRESS || code == EALREADY || (code == 0 && events & Int16(POLLOUT | POLLERR | POLLHUP) == 0) {
                        return wait(exchange)
                    }
                    if code != 0 { throw PlainSocketError(errno: code, during: "connect") }
                    exchange.state = .sending(sent: 0)
                case .sending(let sent):
                    let count = exchange.request.wire.withUnsafeBytes { wire in
                        send(exchange.fd, wire.baseAddress! + sent, wire.count - sent, Int32(MSG_NOSIGNAL))
                    }
                    if count < 0 {
                        if errno == EAGAIN || errno == EWOULDBLOCK { return wait(exchange) }
                        throw PlainSocketError(errno: errno, during: "send")
                    }
                    exchange.state = sent + count == exchange.request.wire.count ? .receiving : .sending(sent: sent + count)
                    if case .receiving = exchange.state { return wait(exchange) }
                case .receiving:
                    guard try receive(&exchange) else { return wait(exchange) }
                    return finish(exchange, now: now)
                }
            }
        } catch let error as PlainSocketError {
            close(exchange.fd)
            if exchange.mayRetry { return retryOnFreshConnection(exchange, now: now) }
            if case .connecting = exchange.state { return .completed(.failure(exchange.connectError(error))) }
            return .completed(.failure(exchange.transferError(error)))
        } catch let error as HTTP1ResponseError {
            close(exchange.fd)
            if case .truncated = error, exchange.mayRetry { return retryOnFreshConnection(exchange, now: now) }
            return .completed(.failure(exchange.responseError(error)))
        } catch {
            close(exchange.fd)
            return .completed(.failure(error))
        }
    }

    /// A kept connection the server closed meanwhile: the request goes once
    /// more, on a new connection.
    private mutating func retryOnFreshConnection(_ exchange: PlainExchange, now: ContinuousClock.Instant) -> Outcome? {
        var retry = exchange
        retry.retried = true
        retry.parser = HTTP1ResponseParser(requestWasHead: false, bodyLimit: retry.transfer.request.maxResponseBytes)
        if let failure = open(&retry) { return .completed(.failure(failure)) }
        if case .connecting = retry.state { return wait(retry) }
        return advance(retry, events: Int16(POLLOUT), now: now)
    }

    private mutating func wait(_ exchange: PlainExchange) -> Outcome? {
        exchanges[exchange.fd] = exchange
        return nil
    }

    /// Receives what the socket holds; true once the response is complete.
    private mutating func receive(_ exchange: inout PlainExchange) throws -> Bool {
        let fd = exchange.fd
        while exchange.parser.phase != .complete {
            var count = exchange.parser.withDirectBodySpace { space in recv(fd, space.baseAddress, space.count, 0) } ?? -2
            if count == -2 {
                count = scratch.withUnsafeMutableBytes { recv(fd, $0.baseAddress, $0.count, 0) }
                if count > 0 { try scratch.withUnsafeBytes { try exchange.parser.consume(UnsafeRawBufferPointer(rebasing: $0[..<count])) } }
            }
            if count == 0 {
                try exchange.parser.connectionClosed()
                exchange.serverClosed = true
                return true
            }
            if count < 0 {
                if errno == EAGAIN || errno == EWOULDBLOCK { return false }
                throw PlainSocketError(errno: errno, during: "recv")
            }
        }
        return true
    }

    private mutating func finish(_ exchange: PlainExchange, now: ContinuousClock.Instant) -> Outcome {
        var parser = exchange.parser
        if parser.keepAlive && !exchange.serverClosed && !parser.receivedPastEnd {
            keepIdle(exchange.fd, exchange.request.endpoint, now: now)
        } else {
            close(exchange.fd)
        }
        let request = exchange.transfer.request
        if request.followRedirects, [301, 302, 303, 307, 308].contains(parser.status), parser.headers.contains("Location") {
            return .handOff
        }
        return .completed(exchange.response(from: &parser, now: now))
    }
}
