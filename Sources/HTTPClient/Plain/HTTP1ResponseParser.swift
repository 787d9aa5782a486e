/// Incremental framing of one HTTP/1.1 response (RFC 9112): the status line,
/// the header fields, and a body delimited by `Content-Length`, the chunked
/// coding, or the server closing the connection.
///
/// Bytes arrive in any split. The body of a response with a length is filled
/// in place: `directBodySpace` hands out the rest of the body buffer so the
/// connection receives straight into it, which saves a copy of every body byte.
struct HTTP1ResponseParser {
    /// What the parser knows of the response so far.
    enum Phase: Equatable {
        case head
        case body
        case complete
    }

    private enum Framing {
        /// No body: a response to HEAD, 1xx, 204 and 304.
        case none
        case length(remaining: Int)
        case chunked(ChunkedState)
        /// HTTP/1.0 style: the body ends when the server closes the connection.
        case untilClose
    }

    private enum ChunkedState {
        case size(value: Int, digits: Int, inExtension: Bool)
        case sizeLF(value: Int)
        case data(remaining: Int)
        case dataCR
        case dataLF
        case trailer(lineLength: Int)
        case trailerLF(lineLength: Int)
    }

    /// The largest status line plus header block accepted.
    static let maxHeadBytes = 256 << 10
    /// Largest accepted chunk size (about 1 TiB): keeps the hex value in range.
    private static let maxChunkSizeDigits = 10

    private(set) var phase = Phase.head
    private(set) var status = 0
    private(set) var reasonPhrase = ""
    private(set) var headers = HTTPHeaders()
    /// Whether the server keeps the connection open after this response.
    private(set) var keepAlive = true
    /// The body as sent (still content-coded).
    private(set) var body: [UInt8] = []
    private var framing = Framing.none
    private var contentCoded = false
    /// Bytes of `body` written when the body was pre-sized from `Content-Length`.
    private var filled = 0
    private var head: [UInt8] = []
    private let requestWasHead: Bool
    /// Largest body accepted as sent. A content-coded body is checked again
    /// once decoded; as sent it may exceed the limit a little (gzip of
    /// incompressible data grows by a few bytes per block).
    private let bodyLimit: Int?

    init(requestWasHead: Bool, bodyLimit: Int?) {
        self.requestWasHead = requestWasHead
        self.bodyLimit = bodyLimit
    }

    /// Whether any byte of the response arrived (a reused connection that
    /// fails before that may be retried on a fresh one).
    var started: Bool { phase != .head || !head.isEmpty }

    /// Consumes received bytes. Bytes past the end of the response are
    /// dropped and noted in `receivedPastEnd`: nothing was asked for them.
    mutating func consume(_ bytes: UnsafeRawBufferPointer) throws(HTTP1ResponseError) {
        var rest = bytes[...]
        while !rest.isEmpty && phase != .complete {
            switch phase {
            case .head:
                rest = try consumeHead(rest)
            case .body:
                rest = try consumeBody(rest)
            case .complete:
                break
            }
        }
        if !rest.isEmpty { receivedPastEnd = true }
    }

    /// The server sent more than the response: its connection cannot carry
    /// another exchange (libcurl closes it too).
    private(set) var receivedPastEnd = false

    /// Space in the body buffer for the next receive, when the response's
    /// length is known; nil otherwise.
    mutating func withDirectBodySpace(_ receive: (UnsafeMutableRawBufferPointer) -> Int) -> Int? {
        guard phase == .body, case .length(let remaining) = framing, remaining > 0 else { return nil }
        let start = filled
        let received = body.withUnsafeMutableBytes { all in
            receive(UnsafeMutableRawBufferPointer(rebasing: all[start..<(start + remaining)]))
        }
        if received > 0 { advanceLength(by: received) }
        return received
    }

    /// The connection was closed by the server: completes a body delimited by
    /// the close; any other unfinished response is truncated.
    mutating func connectionClosed() throws(HTTP1ResponseError) {
        switch (phase, framing) {
        case (.complete, _):
            return
        case (.body, .untilClose):
            phase = .complete
            keepAlive = false
        case (.head, _):
            throw .truncated(head.isEmpty ? "the server closed the connection without sending a response"
                             : "the server closed the connection within the response header")
        default:
            throw .truncated("the server closed the connection before the body was complete")
        }
    }

    // MARK: Head

    private mutating func consumeHead(_ bytes: Slice<UnsafeRawBufferPointer>) throws(HTTP1ResponseError) -> Slice<UnsafeRawBufferPointer> {
        // The usual case: the whole head arrived in one read and is parsed where it lies.
        if head.isEmpty, let end = Self.headEnd(in: bytes, searchFrom: bytes.startIndex) {
            try parseHead(UnsafeRawBufferPointer(rebasing: bytes[bytes.startIndex..<end]))
            return bytes[end...]
        }
        let searchFrom = max(0, head.count - 3)
        head.append(contentsOf: bytes)
        let found = head.withUnsafeBytes { Self.headEnd(in: $0[...], searchFrom: searchFrom) }
        guard let end = found else {
            if head.count > Self.maxHeadBytes { throw .malformed("response header larger than \(Self.maxHeadBytes) bytes") }
            return bytes[bytes.endIndex...]
        }
        let consumedHere = end - (head.count - bytes.count)
        // Parsed from its own copy: `parseHead` throws typed errors, which
        // `withUnsafeBytes` on the buffer being emptied cannot pass through.
        let raw = UnsafeMutableRawBufferPointer.allocate(byteCount: end, alignment: 1)
        defer { raw.deallocate() }
        head.withUnsafeBytes { raw.copyMemory(from: UnsafeRawBufferPointer(rebasing: $0[..<end])) }
        head = []
        try parseHead(UnsafeRawBufferPointer(raw))
        return bytes[(bytes.startIndex + consumedHere)...]
    }

    /// The index just past the blank line ending the head, if present.
    private static func headEnd(in bytes: Slice<UnsafeRawBufferPointer>, searchFrom: Int) -> Int? {
        var i = max(searchFrom, bytes.startIndex)
        let end = bytes.endIndex
        while i + 1 < end {
            if bytes[i] == 10 {
                if bytes[i + 1] == 10 { return i + 2 }
                if bytes[i + 1] == 13, i + 2 < end, bytes[i + 2] == 10 { return i + 3 }
            }
            i += 1
        }
        return nil
    }

    private mutating func parseHead(_ raw: UnsafeRawBufferPointer) throws(HTTP1ResponseError) {
        var lines = HeadLines(raw)
        guard let statusLine = lines.next() else { throw .malformed("empty status line") }
        let minorVersion = try parseStatusLine(statusLine)
        headers = HTTPHeaders()
        while let line = lines.next(), !line.isEmpty {
            if line[line.startIndex] == 32 || line[line.startIndex] == 9 {
                headers.appendToLastValue(String(decoding: Self.trimmed(line), as: UTF8.self))
                continue
            }
            guard let colon = line.firstIndex(of: UInt8(ascii: ":")) else {
                throw .malformed("header line without a colon: \(Self.excerpt(line))")
            }
            headers.add(name: String(decoding: line[..<colon], as: UTF8.self),
                        value: String(decoding: Self.trimmed(line[(colon + 1)...]), as: UTF8.self))
        }
        if (100..<200).contains(status) {
            // An interim response (100 Continue, 103 Early Hints): the real one follows.
            phase = .head
            return
        }
        try chooseFraming(minorVersion: minorVersion)
    }

    /// Parses `HTTP/1.x NNN reason`; returns x.
    private mutating func parseStatusLine(_ line: Slice<UnsafeRawBufferPointer>) throws(HTTP1ResponseError) -> Int {
        let prefix = Array("HTTP/1.".utf8)
        guard line.count >= 12, line.starts(with: prefix) else {
            throw .malformed("not an HTTP/1.x status line: \(Self.excerpt(line))")
        }
        let base = line.startIndex
        let minor = Int(line[base + 7]) - 48
        guard (0...9).contains(minor), line[base + 8] == 32 else {
            throw .malformed("not an HTTP/1.x status line: \(Self.excerpt(line))")
        }
        var code = 0
        for i in (base + 9)..<(base + 12) {
            let digit = Int(line[i]) - 48
            guard (0...9).contains(digit) else { throw .malformed("bad status code: \(Self.excerpt(line))") }
            code = code * 10 + digit
        }
        guard code >= 100 else { throw .malformed("bad status code: \(Self.excerpt(line))") }
        status = code
        reasonPhrase = line.count > 13 ? String(decoding: Self.trimmed(line[(base + 13)...]), as: UTF8.self) : ""
        return minor
    }

    private mutating func chooseFraming(minorVersion: Int) throws(HTTP1ResponseError) {
        keepAlive = minorVersion >= 1
        for value in headers.values(for: "Connection") {
            for token in value.split(separator: ",") {
                let option = token.trimmingSpaces.lowercased()
                if option == "close" { keepAlive = false }
                if option == "keep-alive" && minorVersion == 0 { keepAlive = true }
            }
        }
        phase = .body
        contentCoded = Self.isContentCoded(headers)
        if requestWasHead || status == 204 || status == 304 {
            framing = .none
            phase = .complete
            return
        }
        let codings = headers.values(for: "Transfer-Encoding").flatMap { $0.split(separator: ",") }.map { $0.trimmingSpaces.lowercased() }
        if let last = codings.last {
            // RFC 9112 §6.3: chunked must come last; anything else reads until close.
            framing = last == "chunked" ? .chunked(.size(value: 0, digits: 0, inExtension: false)) : .untilClose
            if last != "chunked" { keepAlive = false }
            return
        }
        let lengths = headers.values(for: "Content-Length")
        guard let first = lengths.first else {
            framing = .untilClose
            keepAlive = false
            return
        }
        guard lengths.allSatisfy({ $0 == first }), let length = Int(first.trimmingSpaces), length >= 0 else {
            throw .malformed("invalid Content-Length: \(lengths.joined(separator: ", "))")
        }
        if length > rawBodyLimit { throw .bodyTooLarge }
        if length == 0 {
            phase = .complete
            return
        }
        framing = .length(remaining: length)
        // Every byte is received into it before the body is read; a response that
        // stops short is an error. So the buffer need not be zeroed first.
        body = [UInt8](unsafeUninitializedCapacity: length) { _, count in count = length }
        filled = 0
    }

    private var rawBodyLimit: Int {
        guard let bodyLimit else { return .max }
        return contentCoded ? bodyLimit + bodyLimit / 16 + 4096 : bodyLimit
    }

    /// Whether the body carries a content coding (its decoded size is checked
    /// against the limit after decoding).
    private static func isContentCoded(_ headers: HTTPHeaders) -> Bool {
        headers.values(for: "Content-Encoding").contains { !$0.trimmingSpaces.isEmpty && $0.trimmingSpaces.lowercased() != "identity" }
    }

    // MARK: Body

    private mutating func consumeBody(_ bytes: Slice<UnsafeRawBufferPointer>) throws(HTTP1ResponseError) -> Slice<UnsafeRawBufferPointer> {
        switch framing {
        case .none:
            phase = .complete
            return bytes[bytes.endIndex...]
        case .length(let remaining):
            let take = min(remaining, bytes.count)
            let start = filled
            body.withUnsafeMutableBytes { all in
                UnsafeMutableRawBufferPointer(rebasing: all[start..<(start + take)])
                    .copyMemory(from: UnsafeRawBufferPointer(rebasing: bytes.prefix(take)))
            }
            advanceLength(by: take)
            return bytes.dropFirst(take)
        case .untilClose:
            try appendBody(bytes)
            return bytes[bytes.endIndex...]
        case .chunked(let state):
            return try consumeChunked(bytes, state: state)
        }
    }

    private mutating func advanceLength(by count: Int) {
        guard case .length(let remaining) = framing else { return }
        filled += count
        framing = .length(remaining: remaining - count)
        if remaining == count { phase = .complete }
    }

    private mutating func appendBody(_ bytes: Slice<UnsafeRawBufferPointer>) throws(HTTP1ResponseError) {
        if body.count + bytes.count > rawBodyLimit { throw .bodyTooLarge }
        body.append(contentsOf: bytes)
    }

    private mutating func consumeChunked(_ bytes: Slice<UnsafeRawBufferPointer>, state initial: ChunkedState) throws(HTTP1ResponseError) -> Slice<UnsafeRawBufferPointer> {
        var state = initial
        var i = bytes.startIndex
        defer { if phase != .complete { framing = .chunked(state) } }
        while i < bytes.endIndex {
            let byte = bytes[i]
            switch state {
            case .size(let value, let digits, let inExtension):
                if byte == 13 {
                    guard digits > 0 else { throw .malformed("chunk size missing") }
                    state = .sizeLF(value: value)
                } else if byte == 10 {
                    guard digits > 0 else { throw .malformed("chunk size missing") }
                    state = value == 0 ? .trailer(lineLength: 0) : .data(remaining: value)
                } else if inExtension {
                    // Chunk extensions carry nothing a scrape uses.
                } else if byte == UInt8(ascii: ";") || byte == 32 || byte == 9 {
                    state = .size(value: value, digits: digits, inExtension: true)
                } else if let digit = Self.hexValue(byte) {
                    guard digits < Self.maxChunkSizeDigits else { throw .malformed("chunk size too large") }
                    state = .size(value: value * 16 + digit, digits: digits + 1, inExtension: false)
                } else {
                    throw .malformed("invalid character in chunk size")
                }
                i += 1
            case .sizeLF(let value):
                guard byte == 10 else { throw .malformed("chunk size line not ended by CRLF") }
                i += 1
                state = value == 0 ? .trailer(lineLength: 0) : .data(remaining: value)
            case .data(let remaining):
                let take = min(remaining, bytes.endIndex - i)
                try appendBody(bytes[i..<(i + take)])
                i += take
                state = remaining == take ? .dataCR : .data(remaining: remaining - take)
            case .dataCR:
                if byte == 13 { state = .dataLF } else if byte == 10 { state = .size(value: 0, digits: 0, inExtension: false) } else {
                    throw .malformed("chunk data not followed by CRLF")
                }
                i += 1
            case .dataLF:
                guard byte == 10 else { throw .malformed("chunk data not followed by CRLF") }
                state = .size(value: 0, digits: 0, inExtension: false)
                i += 1
            case .trailer(let length):
                if byte == 13 {
                    state = .trailerLF(lineLength: length)
                } else if byte == 10 {
                    if length == 0 { phase = .complete; return bytes[(i + 1)...] }
                    state = .trailer(lineLength: 0)
                } else {
                    state = .trailer(lineLength: length + 1)
                }
                i += 1
            case .trailerLF(let length):
                guard byte == 10 else { throw .malformed("trailer line not ended by CRLF") }
                i += 1
                if length == 0 { phase = .complete; return bytes[i...] }
                state = .trailer(lineLength: 0)
            }
        }
        return bytes[bytes.endIndex...]
    }

    private static func hexValue(_ byte: UInt8) -> Int? {
        switch byte {
        case 48...57: return Int(byte) - 48
        case 65...70: return Int(byte) - 55
        case 97...102: return Int(byte) - 87
        default: return nil
        }
    }

    // MARK: Helpers

    private static func trimmed(_ bytes: Slice<UnsafeRawBufferPointer>) -> Slice<UnsafeRawBufferPointer> {
        var slice = bytes
        while let first = slice.first, first == 32 || first == 9 { slice = slice.dropFirst() }
        while let last = slice.last, last == 32 || last == 9 { slice = slice.dropLast() }
        return slice
    }

    private static func excerpt(_ bytes: Slice<UnsafeRawBufferPointer>) -> String {
        "\"" + String(decoding: bytes.prefix(80), as: UTF8.self) + (bytes.count > 80 ? "…" : "") + "\""
    }
}

/// The lines of a response head, without their CRLF (or bare LF) endings.
private struct HeadLines {
    private let raw: UnsafeRawBufferPointer
    private var position = 0

    init(_ raw: UnsafeRawBufferPointer) { self.raw = raw }

    mutating func next() -> Slice<UnsafeRawBufferPointer>? {
        guard position < raw.count else { return nil }
        let start = position
        var end = start
        while end < raw.count && raw[end] != 10 { end += 1 }
        position = end + 1
        var lineEnd = end
        if lineEnd > start && raw[lineEnd - 1] == 13 { lineEnd -= 1 }
        return raw[start..<lineEnd]
    }
}

/// Why a response could not be framed.
enum HTTP1ResponseError: Error, Equatable {
    case malformed(String)
    case truncated(String)
    case bodyTooLarge
}

extension StringProtocol {
    /// The text without leading and trailing spaces and tabs.
    var trimmingSpaces: String {
        var s = Substring(self)
        while let c = s.first, c == " " || c == "\t" { s = s.dropFirst() }
        while let c = s.last, c == " " || c == "\t" { s = s.dropLast() }
        return String(s)
    }
}
