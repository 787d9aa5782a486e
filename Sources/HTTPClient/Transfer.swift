import CCurl
import Synchronization

/// One request on its way through the transfer loop.
///
/// Threading: `completion` is written once by the submitter before the
/// transfer is handed to the loop (the inbox lock orders that write before the
/// loop's read); everything else except `cancelRequested` is touched only by
/// the loop thread, including from libcurl's callbacks, which run inside
/// `curl_multi_perform` on that thread.
final class Transfer: @unchecked Sendable {
    typealias Completion = @Sendable (Result<HTTPResponse, any Error>) -> Void

    let request: HTTPRequest
    /// When the transfer may start; nil starts it as soon as the loop sees it.
    let startAt: ContinuousClock.Instant?
    /// Set by a cancelled awaiting task; the loop checks it on admission.
    let cancelRequested = Atomic<Bool>(false)
    var completion: Completion?

    /// The easy handle while the transfer is in the multi handle.
    var easy: UnsafeMutableRawPointer?
    /// slists and the error buffer must outlive the transfer inside libcurl.
    var headerList: UnsafeMutablePointer<curl_slist>?
    var connectToList: UnsafeMutablePointer<curl_slist>?
    let errorBuffer: UnsafeMutablePointer<CChar>

    private(set) var body: [UInt8] = []
    private(set) var responseHeaders = HTTPHeaders()
    private(set) var reasonPhrase = ""
    private(set) var exceededLimit = false
    /// From libcurl's "SSL connection using TLSv1.3 / TLS_AES_256_GCM_SHA384" message
    /// of the latest handshake (collectConnectionInfo only).
    private(set) var negotiatedTLSVersion: String?
    private(set) var negotiatedCipher: String?
    private var sizedBody = false

    init(request: HTTPRequest, startAt: ContinuousClock.Instant? = nil) {
        self.request = request
        self.startAt = startAt
        errorBuffer = .allocate(capacity: Int(CURL_ERROR_SIZE))
        errorBuffer.initialize(to: 0)
    }

    deinit {
        releaseCurlLists()
        errorBuffer.deallocate()
    }

    func releaseCurlLists() {
        if let list = headerList { curl_slist_free_all(list) }
        if let list = connectToList { curl_slist_free_all(list) }
        headerList = nil
        connectToList = nil
    }

    /// libcurl's message for the last failure of this transfer, if it wrote one.
    var curlErrorText: String {
        errorBuffer.pointee == 0 ? "" : String(cString: errorBuffer)
    }

    /// Appends decoded body bytes; returns false to make libcurl abort once the
    /// body would exceed the request's limit.
    func appendBody(_ bytes: UnsafeRawBufferPointer) -> Bool {
        if !sizedBody {
            sizedBody = true
            reserveBodyCapacity()
        }
        if let limit = request.maxResponseBytes, body.count + bytes.count > limit {
            exceededLimit = true
            return false
        }
        body.append(contentsOf: bytes)
        return true
    }

    /// One allocation for the whole body when the server announced its length.
    private func reserveBodyCapacity() {
        guard let easy else { return }
        var length: curl_off_t = -1
        guard ember_curl_getinfo_off(easy, CURLINFO_CONTENT_LENGTH_DOWNLOAD_T, &length) == CURLE_OK,
              length > 0 else { return }
        let cap = 64 << 20
        body.reserveCapacity(min(Int(length), request.maxResponseBytes.map { $0 + 1 } ?? cap, cap))
    }

    /// Takes one raw header line from libcurl. A status line starts a new
    /// header block, so only the final response's fields survive redirects
    /// and `100 Continue`.
    func receiveHeaderLine(_ raw: UnsafeRawBufferPointer) {
        var line = raw.bindMemory(to: UInt8.self)[...]
        while let last = line.last, last == UInt8(ascii: "\r") || last == UInt8(ascii: "\n") {
            line = line.dropLast()
        }
        if line.isEmpty { return }
        if line.starts(with: "HTTP/".utf8) {
            responseHeaders = HTTPHeaders()
            reasonPhrase = Self.reasonPhrase(ofStatusLine: line)
            return
        }
        if let first = line.first, first == UInt8(ascii: " ") || first == UInt8(ascii: "\t") {
            appendFoldedValue(line)
            return
        }
        guard let colon = line.firstIndex(of: UInt8(ascii: ":")) else { return }
        let name = String(decoding: line[..<colon], as: UTF8.self)
        let value = String(decoding: Self.trimmed(line[(colon + 1)...]), as: UTF8.self)
        responseHeaders.add(name: name, value: value)
    }

    /// Takes one verbose message from libcurl's debug callback; only the TLS
    /// session summary is kept. Each new connection of a redirect chain replaces it.
    func receiveDebugText(_ raw: UnsafeRawBufferPointer) {
        let prefix = "SSL connection using "
        guard raw.count > prefix.utf8.count, raw.starts(with: prefix.utf8) else { return }
        var text = String(decoding: raw.dropFirst(prefix.utf8.count), as: UTF8.self)
        while let last = text.last, last == "\n" || last == "\r" || last == " " { text.removeLast() }
        let parts = text.split(separator: "/", maxSplits: 1).map { $0.trimmingCharacters(in: " ") }
        negotiatedTLSVersion = parts.first.map(Self.blackboxTLSVersionName)
        negotiatedCipher = parts.count > 1 ? parts[1] : nil
    }

    /// OpenSSL's "TLSv1.3" in the spelling of Go's tls.VersionName ("TLS 1.3"), which
    /// blackbox_exporter's probe_tls_version_info uses.
    static func blackboxTLSVersionName(_ name: String) -> String {
        switch name {
        case "TLSv1": return "TLS 1.0"
        case "TLSv1.1": return "TLS 1.1"
        case "TLSv1.2": return "TLS 1.2"
        case "TLSv1.3": return "TLS 1.3"
        case "SSLv3": return "SSLv3"
        default: return name
        }
    }

    /// Obsolete line folding (RFC 7230 §3.2.4): the line continues the previous value.
    private func appendFoldedValue(_ line: Slice<UnsafeBufferPointer<UInt8>>) {
        responseHeaders.appendToLastValue(String(decoding: Self.trimmed(line), as: UTF8.self))
    }

    private static func reasonPhrase(ofStatusLine line: Slice<UnsafeBufferPointer<UInt8>>) -> String {
        // "HTTP/1.1 404 Not Found": the phrase follows the second space.
        guard let firstSpace = line.firstIndex(of: UInt8(ascii: " ")) else { return "" }
        let afterVersion = line[(firstSpace + 1)...]
        guard let secondSpace = afterVersion.firstIndex(of: UInt8(ascii: " ")) else { return "" }
        return String(decoding: trimmed(afterVersion[(secondSpace + 1)...]), as: UTF8.self)
    }

    private static func trimmed(_ bytes: Slice<UnsafeBufferPointer<UInt8>>) -> Slice<UnsafeBufferPointer<UInt8>> {
        var slice = bytes
        while let first = slice.first, first == UInt8(ascii: " ") || first == UInt8(ascii: "\t") {
            slice = slice.dropFirst()
        }
        while let last = slice.last, last == UInt8(ascii: " ") || last == UInt8(ascii: "\t") {
            slice = slice.dropLast()
        }
        return slice
    }
}

extension Substring {
    fileprivate func trimmingCharacters(in character: Character) -> String {
        var s = self
        while s.first == character { s = s.dropFirst() }
        while s.last == character { s = s.dropLast() }
        return String(s)
    }
}
