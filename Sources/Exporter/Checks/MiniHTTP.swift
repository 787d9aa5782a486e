/// A minimal HTTP/1.1 client over `TCPConnection`, for probes of http:// targets.
///
/// One request per connection (`Connection: close`); the body is read according to
/// Content-Length or chunked encoding, or until EOF, and cut at a byte limit.
enum MiniHTTP {
    struct Response {
        var status: Int
        var version: String
        var headers: [(String, String)]
        var body: [UInt8]
        var bodyTruncated: Bool
        var contentLength: Int?
        var resolveSeconds: Double
        var connectSeconds: Double
        var processingSeconds: Double
        var transferSeconds: Double
        var ipVersion: Int

        func header(_ name: String) -> String? {
            headers.first { $0.0.lowercased() == name.lowercased() }?.1
        }
    }

    struct Failure: Error, CustomStringConvertible {
        let reason: String
        let detail: String
        var description: String { detail }
    }

    static func fetch(_ url: HTTPURL, method: String, headers: [(String, String)], body: [UInt8], maxBody: Int,
                      deadline: Deadline) throws(Failure) -> Response {
        let connection: TCPConnection
        do {
            connection = try TCPConnection.connect(host: url.host, port: url.port, deadline: deadline)
        } catch {
            throw Failure(reason: error.reason, detail: error.detail)
        }
        var request = "\(method) \(url.target) HTTP/1.1\r\nHost: \(url.hostHeader)\r\n"
        let names = Set(headers.map { $0.0.lowercased() })
        if !names.contains("user-agent") { request += "User-Agent: Ember-Exporter/1.0\r\n" }
        if !names.contains("accept") { request += "Accept: */*\r\n" }
        for (k, v) in headers { request += "\(k): \(v)\r\n" }
        if !body.isEmpty || method == "POST" || method == "PUT" { request += "Content-Length: \(body.count)\r\n" }
        request += "Connection: close\r\n\r\n"

        let sent = ContinuousClock.now
        var reader = Reader(connection: connection, deadline: deadline)
        do {
            try connection.send(Array(request.utf8) + body, deadline: deadline)
            let head = try reader.readHead()
            let firstByte = reader.firstByteAt ?? ContinuousClock.now
            var response = try parseHead(head)
            response.resolveSeconds = connection.resolveSeconds
            response.connectSeconds = connection.connectSeconds
            response.ipVersion = connection.ipVersion
            response.processingSeconds = Double((firstByte - sent).components.attoseconds) / 1e18 + Double((firstByte - sent).components.seconds)
            let noBody = method == "HEAD" || response.status / 100 == 1 || response.status == 204 || response.status == 304
            if !noBody {
                if response.header("Transfer-Encoding")?.lowercased().contains("chunked") == true {
                    (response.body, response.bodyTruncated) = try reader.readChunked(max: maxBody)
                } else if let length = response.contentLength {
                    (response.body, response.bodyTruncated) = try reader.readExactly(length, max: maxBody)
                } else {
                    (response.body, response.bodyTruncated) = try reader.readToEnd(max: maxBody)
                }
            }
            response.transferSeconds = seconds(since: firstByte)
            return response
        } catch let e as SocketError {
            throw Failure(reason: e.reason, detail: e.detail)
        } catch let e as Failure {
            throw e
        } catch {
            throw Failure(reason: "http_failed", detail: "\(error)")
        }
    }

    static func parseHead(_ head: [UInt8]) throws(Failure) -> Response {
        let text = String(decoding: head, as: UTF8.self)
        var lines = text.split(separator: "\r\n", omittingEmptySubsequences: false)
        guard !lines.isEmpty else { throw Failure(reason: "invalid_response", detail: "empty response") }
        let statusLine = lines.removeFirst().split(separator: " ", maxSplits: 2)
        guard statusLine.count >= 2, statusLine[0].hasPrefix("HTTP/"), let status = Int(statusLine[1]), (100 ... 999).contains(status) else {
            throw Failure(reason: "invalid_response", detail: "malformed status line")
        }
        var headers: [(String, String)] = []
        for line in lines where !line.isEmpty {
            guard let colon = line.firstIndex(of: ":") else { continue }
            headers.append((String(line[..<colon]), line[line.index(after: colon)...].trimmingSpaces()))
        }
        var response = Response(status: status, version: String(statusLine[0].dropFirst(5)), headers: headers, body: [], bodyTruncated: false,
                                contentLength: nil, resolveSeconds: 0, connectSeconds: 0, processingSeconds: 0, transferSeconds: 0, ipVersion: 4)
        if let cl = response.header("Content-Length"), let n = Int(cl), n >= 0 { response.contentLength = n }
        return response
    }

    /// Buffered reads with the connection's deadline.
    struct Reader {
        let connection: TCPConnection
        let deadline: Deadline
        var buffer: [UInt8] = []
        var position = 0
        var eof = false
        var firstByteAt: ContinuousClock.Instant?

        init(connection: TCPConnection, deadline: Deadline) {
            self.connection = connection
            self.deadline = deadline
        }

        mutating func fill() throws {
            if eof { return }
            guard let chunk = try connection.receive(max: 65536, deadline: deadline) else { eof = true; return }
            if chunk.isEmpty { throw SocketError(reason: "timeout", detail: "timed out reading the response") }
            if firstByteAt == nil { firstByteAt = ContinuousClock.now }
            if position > 0 { buffer.removeFirst(position); position = 0 }
            buffer += chunk
        }

        mutating func readHead() throws -> [UInt8] {
            while true {
                if let end = findTerminator() {
                    let head = Array(buffer[position ..< end])
                    position = end + 4
                    return head
                }
                if buffer.count - position > 64 << 10 { throw Failure(reason: "invalid_response", detail: "response headers too large") }
                if eof { throw Failure(reason: "invalid_response", detail: "connection closed before the response headers ended") }
                try fill()
            }
        }

        private func findTerminator() -> Int? {
            var i = position
            while i + 3 < buffer.count {
                if buffer[i] == 13, buffer[i + 1] == 10, buffer[i + 2] == 13, buffer[i + 3] == 10 { return i }
                i += 1
            }
            return nil
        }

        mutating func readLine() throws -> String {
            while true {
                if let nl = buffer[position...].firstIndex(of: 10) {
                    var line = Array(buffer[position ..< nl])
                    if line.last == 13 { line.removeLast() }
                    position = nl + 1
                    return String(decoding: line, as: UTF8.self)
                }
                if eof { throw Failure(reason: "invalid_response", detail: "truncated chunked body") }
                try fill()
            }
        }

        /// Reads `count` bytes, keeping at most `max`.
        mutating func readExactly(_ count: Int, max: Int) throws -> ([UInt8], Bool) {
            var out: [UInt8] = []
            var remaining = count
            while remaining > 0 {
                if position == buffer.count {
                    if eof { throw Failure(reason: "invalid_response", detail: "body shorter than Content-Length") }
                    try fill()
                    continue
                }
                let n = min(remaining, buffer.count - position)
                let keep = min(n, max - out.count)
                if keep > 0 { out += buffer[position ..< position + keep] }
                if out.count >= max, remaining > n { return (out, true) }
                position += n
                remaining -= n
            }
            return (out, false)
        }

        mutating func readToEnd(max: Int) throws -> ([UInt8], Bool) {
            var out: [UInt8] = []
            while true {
                if position < buffer.count {
                    let keep = min(buffer.count - position, max - out.count)
                    out += buffer[position ..< position + keep]
                    position = buffer.count
                    if out.count >= max { return (out, true) }
                }
                if eof { return (out, false) }
                try fill()
            }
        }

        mutating func readChunked(max: Int) throws -> ([UInt8], Bool) {
            var out: [UInt8] = []
            while true {
                let sizeLine = try readLine()
                let sizeText = sizeLine.split(separator: ";").first.map { $0.trimmingSpaces() } ?? ""
                guard let size = Int(sizeText, radix: 16), size >= 0 else { throw Failure(reason: "invalid_response", detail: "bad chunk size") }
                if size == 0 {
                    while try !readLine().isEmpty {}
                    return (out, false)
                }
                let (chunk, truncated) = try readExactly(size, max: max - out.count)
                out += chunk
                if truncated || out.count >= max { return (out, true) }
                _ = try readLine()
            }
        }
    }
}
