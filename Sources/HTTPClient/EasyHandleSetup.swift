import CCurl

/// Applies one request to a reset easy handle. Every `curl_easy_setopt`
/// result is checked, so an option libcurl rejects (say, a PEM blob on a
/// build without blob support) fails the request with a message naming it.
struct EasyHandleSetup {
    let easy: UnsafeMutableRawPointer
    let transfer: Transfer
    let configuration: HTTPClientConfiguration

    private var request: HTTPRequest { transfer.request }

    func apply() throws(HTTPClientError) {
        try check(ember_curl_setopt_long(easy, CURLOPT_NOSIGNAL, 1), "NOSIGNAL")
        try check(ember_curl_setopt_string(easy, CURLOPT_PROTOCOLS_STR, "http,https"), "PROTOCOLS_STR")
        try check(ember_curl_setopt_string(easy, CURLOPT_REDIR_PROTOCOLS_STR, "http,https"), "REDIR_PROTOCOLS_STR")
        try applyURLAndHeaders()
        try applyMethodAndBody()
        try applyLimits()
        try applyBasicAuth()
        try applyTLS()
        try applyProxy()
        try installCallbacks()
        try bindTransfer()
        if request.collectConnectionInfo { try applyConnectionInfoCollection() }
    }

    /// Points the handle's callbacks and error buffer at this transfer: all a
    /// handle set up for an equal request needs (see `EasyHandlePool`).
    func bindTransfer() throws(HTTPClientError) {
        let context = Unmanaged.passUnretained(transfer).toOpaque()
        try check(ember_curl_setopt_pointer(easy, CURLOPT_ERRORBUFFER, transfer.errorBuffer), "ERRORBUFFER")
        try check(ember_curl_setopt_pointer(easy, CURLOPT_WRITEDATA, context), "WRITEDATA")
        try check(ember_curl_setopt_pointer(easy, CURLOPT_HEADERDATA, context), "HEADERDATA")
    }

    /// A fresh, unshared connection, so its handshake (and certificate chain) is
    /// this request's own; the debug callback picks up the negotiated TLS version,
    /// which libcurl reports only as a verbose message.
    private func applyConnectionInfoCollection() throws(HTTPClientError) {
        try check(ember_curl_setopt_long(easy, CURLOPT_FRESH_CONNECT, 1), "FRESH_CONNECT")
        try check(ember_curl_setopt_long(easy, CURLOPT_FORBID_REUSE, 1), "FORBID_REUSE")
        try check(ember_curl_setopt_long(easy, CURLOPT_CERTINFO, 1), "CERTINFO")
        let callback: curl_debug_callback = { _, type, data, size, context in
            guard type == CURLINFO_TEXT, let data, let context else { return 0 }
            let transfer = Unmanaged<Transfer>.fromOpaque(context).takeUnretainedValue()
            transfer.receiveDebugText(UnsafeRawBufferPointer(start: data, count: size))
            return 0
        }
        // The shim has no typed setter for function pointers other than data callbacks;
        // a C function pointer and a void pointer are passed alike through the varargs.
        try check(ember_curl_setopt_pointer(easy, CURLOPT_DEBUGFUNCTION, unsafeBitCast(callback, to: UnsafeMutableRawPointer.self)), "DEBUGFUNCTION")
        try check(ember_curl_setopt_pointer(easy, CURLOPT_DEBUGDATA, Unmanaged.passUnretained(transfer).toOpaque()), "DEBUGDATA")
        try check(ember_curl_setopt_long(easy, CURLOPT_VERBOSE, 1), "VERBOSE")
    }

    private func applyURLAndHeaders() throws(HTTPClientError) {
        var url = request.url
        var headers = request.headers
        if let serverName = request.tls.serverName,
           let route = try ServerNameRoute(url: request.url, serverName: serverName, failure: invalid) {
            url = route.url
            transfer.connectToList = curl_slist_append(nil, route.connectTo)
            try check(ember_curl_setopt_slist(easy, CURLOPT_CONNECT_TO, transfer.connectToList), "CONNECT_TO")
            if !headers.contains("Host") { headers.add(name: "Host", value: route.hostHeader) }
        }
        try check(ember_curl_setopt_string(easy, CURLOPT_URL, url), "URL")
        switch request.auth {
        case .bearer(let token)?:
            headers.replaceOrAdd(name: "Authorization", value: "Bearer \(token)")
        case .authorization(let type, let credentials)?:
            headers.replaceOrAdd(name: "Authorization", value: "\(type) \(credentials)")
        case .basic?, nil:
            break
        }
        try check(ember_curl_setopt_string(easy, CURLOPT_USERAGENT, configuration.userAgent), "USERAGENT")
        if request.acceptGzip {
            try check(ember_curl_setopt_string(easy, CURLOPT_ACCEPT_ENCODING, "gzip"), "ACCEPT_ENCODING")
        }
        try buildHeaderList(headers)
    }

    private func buildHeaderList(_ headers: HTTPHeaders) throws(HTTPClientError) {
        var list: UnsafeMutablePointer<curl_slist>?
        for field in headers {
            if field.name.isEmpty || field.name.utf8.contains(where: Self.isForbiddenInName) {
                curl_slist_free_all(list)
                throw invalid("header name \"\(field.name)\" is empty or contains ':', whitespace or control characters")
            }
            if field.value.utf8.contains(where: { $0 == 13 || $0 == 10 || $0 == 0 }) {
                curl_slist_free_all(list)
                throw invalid("header \(field.name) has a value containing CR, LF or NUL")
            }
            // "Name:" would tell libcurl to drop the header; "Name;" sends it empty.
            let line = field.value.isEmpty ? "\(field.name);" : "\(field.name): \(field.value)"
            list = curl_slist_append(list, line)
        }
        // libcurl waits up to a second for `100 Continue` before sending a large
        // body; remote write and webhooks gain nothing from that round trip.
        // "Expect:" (no value) tells libcurl to send no Expect header at all.
        if request.body != nil, !headers.contains("Expect") {
            list = curl_slist_append(list, "Expect:")
        }
        transfer.headerList = list
        if list != nil {
            try check(ember_curl_setopt_slist(easy, CURLOPT_HTTPHEADER, list), "HTTPHEADER")
        }
    }

    private static func isForbiddenInName(_ byte: UInt8) -> Bool {
        byte <= 32 || byte == 127 || byte == UInt8(ascii: ":")
    }

    private func applyMethodAndBody() throws(HTTPClientError) {
        let method = request.method
        guard !method.rawValue.isEmpty,
              !method.rawValue.utf8.contains(where: { $0 <= 32 || $0 == 127 }) else {
            throw invalid("method \"\(method.rawValue)\" is not a valid token")
        }
        if let body = request.body {
            // POSTFIELDSIZE must precede COPYPOSTFIELDS, or libcurl takes strlen().
            try check(ember_curl_setopt_off(easy, CURLOPT_POSTFIELDSIZE_LARGE, curl_off_t(body.count)), "POSTFIELDSIZE_LARGE")
            let code = body.withUnsafeBytes { bytes -> CURLcode in
                let start = bytes.baseAddress ?? UnsafeRawPointer(transfer.errorBuffer)
                return ember_curl_setopt_pointer(easy, CURLOPT_COPYPOSTFIELDS, UnsafeMutableRawPointer(mutating: start))
            }
            try check(code, "COPYPOSTFIELDS")
            if method != .post {
                try check(ember_curl_setopt_string(easy, CURLOPT_CUSTOMREQUEST, method.rawValue), "CUSTOMREQUEST")
            }
        } else if method == .get {
            try check(ember_curl_setopt_long(easy, CURLOPT_HTTPGET, 1), "HTTPGET")
        } else if method == .head {
            try check(ember_curl_setopt_long(easy, CURLOPT_NOBODY, 1), "NOBODY")
        } else if method == .post {
            try check(ember_curl_setopt_long(easy, CURLOPT_POST, 1), "POST")
            try check(ember_curl_setopt_off(easy, CURLOPT_POSTFIELDSIZE_LARGE, 0), "POSTFIELDSIZE_LARGE")
        } else {
            try check(ember_curl_setopt_string(easy, CURLOPT_CUSTOMREQUEST, method.rawValue), "CUSTOMREQUEST")
        }
    }

    private func applyLimits() throws(HTTPClientError) {
        let timeout = request.timeout ?? configuration.timeout
        let connectTimeout = request.connectTimeout ?? configuration.connectTimeout
        try check(ember_curl_setopt_long(easy, CURLOPT_TIMEOUT_MS, Self.milliseconds(timeout)), "TIMEOUT_MS")
        try check(ember_curl_setopt_long(easy, CURLOPT_CONNECTTIMEOUT_MS, Self.milliseconds(connectTimeout)), "CONNECTTIMEOUT_MS")
        try check(ember_curl_setopt_long(easy, CURLOPT_FOLLOWLOCATION, request.followRedirects ? 1 : 0), "FOLLOWLOCATION")
        try check(ember_curl_setopt_long(easy, CURLOPT_MAXREDIRS, max(0, request.maxRedirects)), "MAXREDIRS")
        // libcurl's 16 KiB default reads a 100 KB scrape in seven recv calls,
        // each after a poll; 128 KiB takes what loopback delivers at once.
        try check(ember_curl_setopt_long(easy, CURLOPT_BUFFERSIZE, Self.receiveBufferBytes), "BUFFERSIZE")
    }

    static let receiveBufferBytes = 128 << 10

    /// libcurl reads 0 as "no limit", so anything below a millisecond becomes one.
    static func milliseconds(_ duration: Duration) -> Int {
        let (seconds, attoseconds) = duration.components
        let millis = seconds.multipliedReportingOverflow(by: 1000)
        if millis.overflow { return Int.max }
        return max(1, Int(millis.partialValue + attoseconds / 1_000_000_000_000_000))
    }

    private func applyBasicAuth() throws(HTTPClientError) {
        guard case .basic(let username, let password)? = request.auth else { return }
        try check(ember_curl_setopt_long(easy, CURLOPT_HTTPAUTH, ember_curlauth_basic()), "HTTPAUTH")
        try check(ember_curl_setopt_string(easy, CURLOPT_USERNAME, username), "USERNAME")
        try check(ember_curl_setopt_string(easy, CURLOPT_PASSWORD, password), "PASSWORD")
    }

    private func applyTLS() throws(HTTPClientError) {
        let tls = request.tls
        if let ca = tls.ca { try applyPEM(ca, file: CURLOPT_CAINFO, blob: CURLOPT_CAINFO_BLOB, what: "CA") }
        if let cert = tls.certificate {
            try applyPEM(cert, file: CURLOPT_SSLCERT, blob: CURLOPT_SSLCERT_BLOB, what: "client certificate")
        }
        if let key = tls.key { try applyPEM(key, file: CURLOPT_SSLKEY, blob: CURLOPT_SSLKEY_BLOB, what: "client key") }
        if tls.insecureSkipVerify {
            try check(ember_curl_setopt_long(easy, CURLOPT_SSL_VERIFYPEER, 0), "SSL_VERIFYPEER")
            try check(ember_curl_setopt_long(easy, CURLOPT_SSL_VERIFYHOST, 0), "SSL_VERIFYHOST")
        }
        if let maxVersion = tls.maxVersion, maxVersion < tls.minVersion {
            throw invalid("TLS max version \(maxVersion) is below min version \(tls.minVersion)")
        }
        var version = Self.curlMinVersion(tls.minVersion)
        if let maxVersion = tls.maxVersion { version |= Self.curlMaxVersion(maxVersion) }
        try check(ember_curl_setopt_long(easy, CURLOPT_SSLVERSION, version), "SSLVERSION")
    }

    private func applyPEM(_ source: PEMSource, file: CURLoption, blob: CURLoption, what: String) throws(HTTPClientError) {
        switch source {
        case .file(let path):
            try check(ember_curl_setopt_string(easy, file, path), "\(what) file")
        case .pem(let text):
            var text = text
            let code = text.withUTF8 { ember_curl_setopt_blob(easy, blob, $0.baseAddress, $0.count) }
            try check(code, "\(what) PEM")
        }
    }

    private static func curlMinVersion(_ version: TLSVersion) -> Int {
        switch version {
        case .tls10: Int(CURL_SSLVERSION_TLSv1_0)
        case .tls11: Int(CURL_SSLVERSION_TLSv1_1)
        case .tls12: Int(CURL_SSLVERSION_TLSv1_2)
        case .tls13: Int(CURL_SSLVERSION_TLSv1_3)
        }
    }

    private static func curlMaxVersion(_ version: TLSVersion) -> Int {
        switch version {
        case .tls10: Int(CURL_SSLVERSION_MAX_TLSv1_0)
        case .tls11: Int(CURL_SSLVERSION_MAX_TLSv1_1)
        case .tls12: Int(CURL_SSLVERSION_MAX_TLSv1_2)
        case .tls13: Int(CURL_SSLVERSION_MAX_TLSv1_3)
        }
    }

    private func applyProxy() throws(HTTPClientError) {
        if let proxy = request.proxyURL {
            try check(ember_curl_setopt_string(easy, CURLOPT_PROXY, proxy), "PROXY")
        } else if !configuration.proxyFromEnvironment {
            // An empty string stops libcurl from reading http_proxy and friends.
            try check(ember_curl_setopt_string(easy, CURLOPT_PROXY, ""), "PROXY")
        }
    }

    private func installCallbacks() throws(HTTPClientError) {
        try check(ember_curl_setopt_data_cb(easy, CURLOPT_WRITEFUNCTION) { data, size, count, context in
            guard let context else { return 0 }
            let transfer = Unmanaged<Transfer>.fromOpaque(context).takeUnretainedValue()
            let length = size * count
            return transfer.appendBody(UnsafeRawBufferPointer(start: data, count: length)) ? length : 0
        }, "WRITEFUNCTION")
        try check(ember_curl_setopt_data_cb(easy, CURLOPT_HEADERFUNCTION) { data, size, count, context in
            guard let context else { return 0 }
            let transfer = Unmanaged<Transfer>.fromOpaque(context).takeUnretainedValue()
            let length = size * count
            transfer.receiveHeaderLine(UnsafeRawBufferPointer(start: data, count: length))
            return length
        }, "HEADERFUNCTION")
    }

    private func check(_ code: CURLcode, _ option: String) throws(HTTPClientError) {
        guard code != CURLE_OK else { return }
        throw invalid("libcurl rejected \(option): \(String(cString: curl_easy_strerror(code)))")
    }

    private func invalid(_ detail: String) -> HTTPClientError {
        HTTPClientError(kind: .invalidRequest, method: request.method, url: request.url, detail: detail)
    }
}
