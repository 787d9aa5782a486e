import CCurl
import Dispatch
import Foundation

/// How the SMTP connection is secured.
public enum SMTPSecurity: Sendable, Hashable {
    /// Plain SMTP; no STARTTLS attempted (Alertmanager's `require_tls: false`).
    case none
    /// STARTTLS is required; the send fails if the server does not offer it.
    case startTLS
    /// TLS from the first byte (`smtps://`, usually port 465).
    case implicitTLS
}

/// One message to hand to an SMTP server.
public struct SMTPMessage: Sendable {
    /// `host:port` of the server.
    public var smarthost: String
    /// Name sent in EHLO.
    public var hello: String
    /// Envelope sender (bare address).
    public var from: String
    /// Envelope recipients (bare addresses).
    public var recipients: [String]
    /// The complete RFC 5322 message: headers, blank line, body, CRLF line ends.
    public var data: [UInt8]
    public var security: SMTPSecurity
    /// AUTH credentials; libcurl picks PLAIN or LOGIN (or CRAM-MD5) from what the server offers.
    public var username: String?
    public var password: String?
    /// SASL authorization identity (PLAIN only).
    public var identity: String?
    /// CA, client certificate and key, and skip-verify. `serverName` is not used:
    /// the certificate is checked against the smarthost's name.
    public var tls: TLSOptions
    public var timeout: Duration

    public init(smarthost: String, hello: String = "localhost", from: String, recipients: [String], data: [UInt8],
                security: SMTPSecurity = .startTLS, username: String? = nil, password: String? = nil,
                identity: String? = nil, tls: TLSOptions = TLSOptions(), timeout: Duration = .seconds(30)) {
        self.smarthost = smarthost
        self.hello = hello
        self.from = from
        self.recipients = recipients
        self.data = data
        self.security = security
        self.username = username
        self.password = password
        self.identity = identity
        self.tls = tls
        self.timeout = timeout
    }
}

/// An SMTP delivery that failed, with libcurl's explanation and the server's last reply code.
public struct SMTPError: Error, CustomStringConvertible, Sendable {
    public var curlCode: Int
    /// Last SMTP reply code (e.g. 535 for bad credentials), 0 when none arrived.
    public var responseCode: Int
    public var detail: String
    public var description: String {
        responseCode > 0 ? "smtp: \(detail) (server replied \(responseCode))" : "smtp: \(detail)"
    }
}

/// Sends mail through libcurl's smtp:// support. Each send uses its own easy
/// handle on a background thread, so awaiting callers block no concurrency thread.
public enum SMTPSender {
    /// Delivers `message`; returns once the server accepted it for every recipient.
    public static func send(_ message: SMTPMessage) async throws(SMTPError) {
        let result: Result<Void, SMTPError> = await withCheckedContinuation { continuation in
            DispatchQueue.global().async { continuation.resume(returning: perform(message)) }
        }
        try result.get()
    }

    private final class Upload {
        let bytes: [UInt8]
        var offset = 0
        init(_ bytes: [UInt8]) { self.bytes = bytes }
    }

    private static func perform(_ m: SMTPMessage) -> Result<Void, SMTPError> {
        guard CurlRuntime.initialized, let easy = curl_easy_init() else {
            return .failure(SMTPError(curlCode: Int(CURLE_FAILED_INIT.rawValue), responseCode: 0, detail: "libcurl initialisation failed"))
        }
        defer { curl_easy_cleanup(easy) }
        var recipients: UnsafeMutablePointer<curl_slist>? = nil
        for r in m.recipients { recipients = curl_slist_append(recipients, "<\(r)>") }
        defer { curl_slist_free_all(recipients) }
        configure(easy, m)
        _ = ember_curl_setopt_slist(easy, CURLOPT_MAIL_RCPT, recipients)
        let context = Unmanaged.passRetained(Upload(m.data))
        defer { context.release() }
        _ = ember_curl_setopt_data_cb(easy, CURLOPT_READFUNCTION, readCallback)
        _ = ember_curl_setopt_pointer(easy, CURLOPT_READDATA, context.toOpaque())
        var errorBuffer = [CChar](repeating: 0, count: Int(CURL_ERROR_SIZE) + 1)
        let code = errorBuffer.withUnsafeMutableBufferPointer { buf -> CURLcode in
            _ = ember_curl_setopt_pointer(easy, CURLOPT_ERRORBUFFER, buf.baseAddress)
            return curl_easy_perform(easy)
        }
        if code == CURLE_OK { return .success(()) }
        var reply = 0
        _ = ember_curl_getinfo_long(easy, CURLINFO_RESPONSE_CODE, &reply)
        let explanation = String(decoding: errorBuffer.prefix { $0 != 0 }.map { UInt8(bitPattern: $0) }, as: UTF8.self)
        let detail = explanation.isEmpty ? String(cString: curl_easy_strerror(code)) : explanation
        return .failure(SMTPError(curlCode: Int(code.rawValue), responseCode: reply, detail: "sending to \(m.smarthost): \(detail)"))
    }

    /// URL (the path is the EHLO name), envelope sender, security, credentials and TLS material.
    private static func configure(_ easy: UnsafeMutableRawPointer, _ m: SMTPMessage) {
        let scheme = m.security == .implicitTLS ? "smtps" : "smtp"
        let hello = m.hello.addingPercentEncoding(withAllowedCharacters: .urlPathAllowed) ?? "localhost"
        var options: [(CURLoption, Int)] = [
            (CURLOPT_UPLOAD, 1), (CURLOPT_NOSIGNAL, 1),
            (CURLOPT_TIMEOUT_MS, milliseconds(m.timeout)),
            (CURLOPT_CONNECTTIMEOUT_MS, min(milliseconds(m.timeout), 10_000)),
            (CURLOPT_USE_SSL, Int(m.security == .none ? CURLUSESSL_NONE.rawValue : CURLUSESSL_ALL.rawValue)),
        ]
        if m.tls.insecureSkipVerify {
            options += [(CURLOPT_SSL_VERIFYPEER, 0), (CURLOPT_SSL_VERIFYHOST, 0)]
        }
        for (option, value) in options { _ = ember_curl_setopt_long(easy, option, value) }
        var strings: [(CURLoption, String)] = [(CURLOPT_URL, "\(scheme)://\(m.smarthost)/\(hello)"), (CURLOPT_MAIL_FROM, "<\(m.from)>")]
        if let u = m.username, !u.isEmpty {
            strings.append((CURLOPT_USERNAME, u))
            strings.append((CURLOPT_PASSWORD, m.password ?? ""))
            if let id = m.identity, !id.isEmpty { strings.append((CURLOPT_SASL_AUTHZID, id)) }
        }
        for (source, file, blob) in [(m.tls.ca, CURLOPT_CAINFO, CURLOPT_CAINFO_BLOB),
                                     (m.tls.certificate, CURLOPT_SSLCERT, CURLOPT_SSLCERT_BLOB),
                                     (m.tls.key, CURLOPT_SSLKEY, CURLOPT_SSLKEY_BLOB)] {
            switch source {
            case .file(let path)?: strings.append((file, path))
            case .pem(let text)?:
                var text = text
                _ = text.withUTF8 { ember_curl_setopt_blob(easy, blob, $0.baseAddress, $0.count) }
            case nil: break
            }
        }
        for (option, value) in strings { _ = ember_curl_setopt_string(easy, option, value) }
    }

    private static let readCallback: ember_curl_data_cb = { buffer, size, count, userdata in
        guard let buffer, let userdata else { return 0 }
        let upload = Unmanaged<Upload>.fromOpaque(userdata).takeUnretainedValue()
        let n = min(size * count, upload.bytes.count - upload.offset)
        upload.bytes.withUnsafeBufferPointer { src in
            if let base = src.baseAddress, n > 0 {
                UnsafeMutableRawPointer(buffer).copyMemory(from: base + upload.offset, byteCount: n)
            }
        }
        upload.offset += n
        return n
    }

    private static func milliseconds(_ d: Duration) -> Int {
        let c = d.components
        return max(1, Int(c.seconds) * 1000 + Int(c.attoseconds / 1_000_000_000_000_000))
    }
}
