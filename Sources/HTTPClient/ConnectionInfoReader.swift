import CCurl

/// Reads ``HTTPConnectionInfo`` from a finished easy handle.
extension Transfer {
    func connectionInfo(_ easy: UnsafeMutableRawPointer) -> HTTPConnectionInfo {
        var version = 0
        _ = ember_curl_getinfo_long(easy, CURLINFO_HTTP_VERSION, &version)
        var redirects = 0
        _ = ember_curl_getinfo_long(easy, CURLINFO_REDIRECT_COUNT, &redirects)
        var ip: UnsafeMutablePointer<CChar>?
        _ = ember_curl_getinfo_string(easy, CURLINFO_PRIMARY_IP, &ip)
        var scheme: UnsafeMutablePointer<CChar>?
        _ = ember_curl_getinfo_string(easy, CURLINFO_SCHEME, &scheme)
        let isTLS = scheme.map { String(cString: $0).lowercased() == "https" } ?? false
        let tls = isTLS ? TLSSessionInfo(protocolVersion: negotiatedTLSVersion, cipher: negotiatedCipher,
                                         peerCertificates: Self.peerCertificates(easy)) : nil
        return HTTPConnectionInfo(httpVersion: Self.httpVersionName(version), remoteAddress: ip.map { String(cString: $0) } ?? "",
                                  redirectCount: redirects, timings: Self.timings(easy), tls: tls)
    }

    private static func httpVersionName(_ version: Int) -> String {
        switch version {
        case CURL_HTTP_VERSION_1_0: return "1.0"
        case CURL_HTTP_VERSION_1_1: return "1.1"
        case CURL_HTTP_VERSION_2_0: return "2"
        case CURL_HTTP_VERSION_3: return "3"
        default: return ""
        }
    }

    private static func timings(_ easy: UnsafeMutableRawPointer) -> HTTPTimings {
        func time(_ info: CURLINFO) -> Duration {
            var micros: curl_off_t = 0
            _ = ember_curl_getinfo_off(easy, info, &micros)
            return .microseconds(micros)
        }
        return HTTPTimings(nameLookup: time(CURLINFO_NAMELOOKUP_TIME_T), connect: time(CURLINFO_CONNECT_TIME_T),
                           tlsHandshake: time(CURLINFO_APPCONNECT_TIME_T), preTransfer: time(CURLINFO_PRETRANSFER_TIME_T),
                           startTransfer: time(CURLINFO_STARTTRANSFER_TIME_T), total: time(CURLINFO_TOTAL_TIME_T),
                           redirect: time(CURLINFO_REDIRECT_TIME_T))
    }

    /// The chain from CURLINFO_CERTINFO: per certificate, a list of "Name:value" lines.
    private static func peerCertificates(_ easy: UnsafeMutableRawPointer) -> [PeerCertificate] {
        // CURLINFO_CERTINFO writes a `struct curl_certinfo *`; the string getter passes
        // a pointer-sized out-parameter just the same.
        var raw: UnsafeMutablePointer<CChar>?
        guard ember_curl_getinfo_string(easy, CURLINFO_CERTINFO, &raw) == CURLE_OK, let raw else { return [] }
        let info = UnsafeMutableRawPointer(raw).assumingMemoryBound(to: curl_certinfo.self).pointee
        guard info.num_of_certs > 0, let lists = info.certinfo else { return [] }
        var certificates: [PeerCertificate] = []
        for i in 0 ..< Int(info.num_of_certs) {
            var fields: [(String, String)] = []
            var node = lists[i]
            while let current = node {
                if let data = current.pointee.data {
                    let line = String(cString: data)
                    if let colon = line.firstIndex(of: ":") {
                        fields.append((String(line[..<colon]), String(line[line.index(after: colon)...])))
                    }
                }
                node = current.pointee.next
            }
            certificates.append(PeerCertificate(certinfoFields: fields))
        }
        return certificates
    }
}
