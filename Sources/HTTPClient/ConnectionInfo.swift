/// What a request with ``HTTPRequest/collectConnectionInfo`` learned about the
/// connection of its final response: the facts a blackbox-style probe reports.
public struct HTTPConnectionInfo: Sendable {
    /// HTTP version of the final response: `"1.0"`, `"1.1"`, `"2"` or `"3"`.
    public var httpVersion: String
    /// IP address of the peer of the final request, empty when unknown.
    public var remoteAddress: String
    /// Redirects followed before the final response.
    public var redirectCount: Int
    /// Where the final request's time went.
    public var timings: HTTPTimings
    /// TLS details when the final request went over TLS; nil for plain HTTP.
    public var tls: TLSSessionInfo?

    /// Creates connection facts; the client builds these.
    public init(httpVersion: String, remoteAddress: String, redirectCount: Int, timings: HTTPTimings, tls: TLSSessionInfo?) {
        self.httpVersion = httpVersion
        self.remoteAddress = remoteAddress
        self.redirectCount = redirectCount
        self.timings = timings
        self.tls = tls
    }
}

/// libcurl's cumulative transfer timestamps, each measured from the start of the
/// final request (redirects before it are in `redirect`).
public struct HTTPTimings: Sendable, Equatable {
    /// Name resolution finished.
    public var nameLookup: Duration
    /// TCP connection established.
    public var connect: Duration
    /// TLS handshake finished (zero for plain HTTP).
    public var tlsHandshake: Duration
    /// Request about to be sent.
    public var preTransfer: Duration
    /// First response byte received.
    public var startTransfer: Duration
    /// Transfer complete.
    public var total: Duration
    /// Time spent in redirects before the final request.
    public var redirect: Duration

    /// Creates timings; the client builds these.
    public init(nameLookup: Duration, connect: Duration, tlsHandshake: Duration, preTransfer: Duration,
                startTransfer: Duration, total: Duration, redirect: Duration) {
        self.nameLookup = nameLookup
        self.connect = connect
        self.tlsHandshake = tlsHandshake
        self.preTransfer = preTransfer
        self.startTransfer = startTransfer
        self.total = total
        self.redirect = redirect
    }
}

/// The negotiated TLS session and the certificate chain the server presented.
public struct TLSSessionInfo: Sendable {
    /// Negotiated protocol in blackbox_exporter's spelling (`"TLS 1.3"`), nil when
    /// the TLS library did not report it.
    public var protocolVersion: String?
    /// Negotiated cipher suite (`"TLS_AES_256_GCM_SHA384"`), nil when not reported.
    public var cipher: String?
    /// The peer's chain as sent, leaf first.
    public var peerCertificates: [PeerCertificate]

    /// Creates session facts; the client builds these.
    public init(protocolVersion: String?, cipher: String?, peerCertificates: [PeerCertificate]) {
        self.protocolVersion = protocolVersion
        self.cipher = cipher
        self.peerCertificates = peerCertificates
    }

    /// The earliest NotAfter in the chain, seconds since the epoch
    /// (blackbox_exporter's `probe_ssl_earliest_cert_expiry`).
    public var earliestExpiry: Double? {
        peerCertificates.compactMap(\.notAfter).min()
    }
}

/// One certificate of a peer's chain, as the TLS library describes it.
public struct PeerCertificate: Sendable {
    /// Subject distinguished name, as the TLS library prints it.
    public var subject: String
    /// Issuer distinguished name.
    public var issuer: String
    /// Serial number, as printed (hexadecimal).
    public var serialNumber: String
    /// Start of validity, seconds since the epoch; nil when it could not be read.
    public var notBefore: Double?
    /// End of validity, seconds since the epoch; nil when it could not be read.
    public var notAfter: Double?

    /// Creates a certificate description; the client builds these.
    public init(subject: String, issuer: String, serialNumber: String, notBefore: Double?, notAfter: Double?) {
        self.subject = subject
        self.issuer = issuer
        self.serialNumber = serialNumber
        self.notBefore = notBefore
        self.notAfter = notAfter
    }

    /// Builds a certificate from libcurl's `name:value` certinfo lines.
    init(certinfoFields fields: [(String, String)]) {
        func field(_ name: String) -> String? {
            fields.first { $0.0.lowercased() == name.lowercased() }?.1
        }
        subject = field("Subject") ?? ""
        issuer = field("Issuer") ?? ""
        serialNumber = field("Serial Number") ?? ""
        notBefore = field("Start date").flatMap(CertificateDate.parse)
        notAfter = field("Expire date").flatMap(CertificateDate.parse)
    }
}

/// Parses the validity dates TLS libraries print into seconds since the epoch.
///
/// libcurl hands dates over as text whose shape depends on its TLS backend:
/// - OpenSSL's `ASN1_TIME_print`: `"Nov 26 12:00:00 2027 GMT"` (day padded with a
///   space, optional fractional seconds);
/// - libcurl's own ASN.1 code (GnuTLS, wolfSSL, Schannel...): `"2027-11-26 12:00:00 GMT"`,
///   possibly with fractional seconds or a `UTC+hhmm` offset;
/// - ISO 8601 as OpenSSL 3 prints with `-dateopt iso_8601`: `"2027-11-26 12:00:00Z"`.
public enum CertificateDate {
    static let months = ["jan", "feb", "mar", "apr", "may", "jun", "jul", "aug", "sep", "oct", "nov", "dec"]

    /// Seconds since the epoch, or nil when `text` is in none of the known shapes.
    public static func parse(_ text: String) -> Double? {
        let tokens = text.split(whereSeparator: { $0 == " " || $0 == "\t" }).map(String.init)
        guard !tokens.isEmpty else { return nil }
        if let month = months.firstIndex(of: tokens[0].lowercased()) {
            return parseOpenSSL(tokens, month: month + 1)
        }
        return parseNumeric(text)
    }

    /// `Mon D HH:MM:SS[.fff] YYYY [GMT]`.
    private static func parseOpenSSL(_ tokens: [String], month: Int) -> Double? {
        guard tokens.count >= 4, let day = Int(tokens[1]), let year = Int(tokens[3]),
              let (h, m, s) = clock(tokens[2]) else { return nil }
        if tokens.count >= 5, tokens[4] != "GMT", tokens[4] != "UTC", tokens[4] != "Z" { return nil }
        return epochSeconds(year: year, month: month, day: day, hour: h, minute: m, second: s)
    }

    /// `YYYY-MM-DD[ T]HH:MM:SS[.fff][Z| GMT| UTC| UTC+hhmm| UTC-hhmm]`.
    private static func parseNumeric(_ text: String) -> Double? {
        let chars = Array(text.utf8)
        guard chars.count >= 19, chars[4] == UInt8(ascii: "-"), chars[7] == UInt8(ascii: "-"),
              chars[10] == UInt8(ascii: " ") || chars[10] == UInt8(ascii: "T"),
              let year = Int(String(decoding: chars[0 ..< 4], as: UTF8.self)),
              let month = Int(String(decoding: chars[5 ..< 7], as: UTF8.self)),
              let day = Int(String(decoding: chars[8 ..< 10], as: UTF8.self)) else { return nil }
        var end = 19
        while end < chars.count, chars[end] == UInt8(ascii: ".") || (chars[end] >= 48 && chars[end] <= 57) { end += 1 }
        guard let (h, mi, s) = clock(String(decoding: chars[11 ..< end], as: UTF8.self)),
              var seconds = epochSeconds(year: year, month: month, day: day, hour: h, minute: mi, second: s) else { return nil }
        let zone = String(decoding: chars[end...], as: UTF8.self).trimmingCharacters(in: " ")
        switch zone {
        case "", "Z", "GMT", "UTC": break
        default:
            // "UTC+0130" / "+01:30": local time ahead of UTC, so subtract.
            var rest = Substring(zone)
            if rest.hasPrefix("UTC") || rest.hasPrefix("GMT") { rest = rest.dropFirst(3) }
            guard let sign = rest.first, sign == "+" || sign == "-" else { return nil }
            let digits = rest.dropFirst().filter { $0 != ":" }
            guard digits.count == 4, let hh = Int(digits.prefix(2)), let mm = Int(digits.suffix(2)) else { return nil }
            let offset = Double(hh * 3600 + mm * 60)
            seconds += sign == "+" ? -offset : offset
        }
        return seconds
    }

    /// `HH:MM:SS[.fff]`.
    private static func clock(_ text: String) -> (Int, Int, Double)? {
        let parts = text.split(separator: ":")
        guard parts.count == 3, let h = Int(parts[0]), let m = Int(parts[1]), let s = Double(parts[2]),
              (0 ..< 24).contains(h), (0 ..< 60).contains(m), s >= 0, s < 61 else { return nil }
        return (h, m, s)
    }

    /// Proleptic Gregorian calendar to Unix time (days-from-civil).
    static func epochSeconds(year: Int, month: Int, day: Int, hour: Int, minute: Int, second: Double) -> Double? {
        guard (1 ... 12).contains(month), (1 ... 31).contains(day) else { return nil }
        let y = month <= 2 ? year - 1 : year
        let era = (y >= 0 ? y : y - 399) / 400
        let yoe = y - era * 400
        let mp = (month + 9) % 12
        let doy = (153 * mp + 2) / 5 + day - 1
        let doe = yoe * 365 + yoe / 4 - yoe / 100 + doy
        let days = era * 146_097 + doe - 719_468
        return Double(days * 86400 + hour * 3600 + minute * 60) + second
    }
}

extension String {
    fileprivate func trimmingCharacters(in set: Character) -> String {
        var s = Substring(self)
        while s.first == set { s = s.dropFirst() }
        while s.last == set { s = s.dropLast() }
        return String(s)
    }
}
