import CCurl
#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

/// Turns a finished easy handle into a response or an error that says what failed.
extension Transfer {
    func outcome(code: CURLcode, easy: UnsafeMutableRawPointer) -> Result<HTTPResponse, any Error> {
        guard code == CURLE_OK else { return .failure(error(for: code, easy: easy)) }
        var status = 0
        _ = ember_curl_getinfo_long(easy, CURLINFO_RESPONSE_CODE, &status)
        var micros: curl_off_t = 0
        _ = ember_curl_getinfo_off(easy, CURLINFO_TOTAL_TIME_T, &micros)
        var response = HTTPResponse(
            status: status,
            reasonPhrase: reasonPhrase,
            headers: responseHeaders,
            body: body,
            totalTime: .microseconds(micros),
            url: effectiveURL(easy) ?? request.url,
            method: request.method)
        if request.collectConnectionInfo { response.connectionInfo = connectionInfo(easy) }
        return .success(response)
    }

    private func effectiveURL(_ easy: UnsafeMutableRawPointer) -> String? {
        var value: UnsafeMutablePointer<CChar>?
        guard ember_curl_getinfo_string(easy, CURLINFO_EFFECTIVE_URL, &value) == CURLE_OK, let value else {
            return nil
        }
        return String(cString: value)
    }

    func error(for code: CURLcode, easy: UnsafeMutableRawPointer) -> HTTPClientError {
        let curlText = curlErrorText.isEmpty ? String(cString: curl_easy_strerror(code)) : curlErrorText
        let kind = kind(for: code, easy: easy, curlText: curlText)
        // libcurl's "Failure writing output" would only obscure the limit.
        if case .responseTooLarge = kind { return failure(kind, detail: "") }
        if (code == CURLE_SEND_ERROR || code == CURLE_RECV_ERROR) && droppedRightAfterHandshake(easy) {
            // A server that rejects the client certificate under TLS 1.3 may
            // reset the connection before its alert is read.
            return failure(kind, detail: curlText + " (connection dropped right after the TLS handshake;"
                + " the server may have rejected the client certificate)")
        }
        return failure(kind, detail: curlText)
    }

    func failure(_ kind: HTTPClientError.Kind, detail: String) -> HTTPClientError {
        HTTPClientError(kind: kind, method: request.method, url: request.url, detail: detail)
    }

    private func kind(for code: CURLcode, easy: UnsafeMutableRawPointer, curlText: String) -> HTTPClientError.Kind {
        switch code {
        case CURLE_WRITE_ERROR where exceededLimit:
            return .responseTooLarge(limit: request.maxResponseBytes ?? 0)
        case CURLE_UNSUPPORTED_PROTOCOL, CURLE_URL_MALFORMAT, CURLE_BAD_FUNCTION_ARGUMENT:
            return .invalidRequest
        case CURLE_COULDNT_RESOLVE_HOST:
            return .dnsResolution
        case CURLE_COULDNT_RESOLVE_PROXY, CURLE_PROXY:
            return .proxy
        case CURLE_COULDNT_CONNECT:
            if request.proxyURL != nil { return .proxy }
            var osErrno = 0
            _ = ember_curl_getinfo_long(easy, CURLINFO_OS_ERRNO, &osErrno)
            return osErrno == Int(ECONNREFUSED) ? .connectionRefused : .connectionFailed
        case CURLE_OPERATION_TIMEDOUT:
            return timedOutWhileConnecting(easy) ? .connectTimeout : .timeout
        case CURLE_TOO_MANY_REDIRECTS:
            return .tooManyRedirects
        case _ where Self.tlsCodes.contains(code):
            return .tls
        case CURLE_SEND_ERROR where curlText.contains("SSL"), CURLE_RECV_ERROR where curlText.contains("SSL"):
            // A server that rejects the client certificate after a TLS 1.3
            // handshake shows up as a failed read carrying OpenSSL's alert.
            return .tls
        default:
            return .transfer(curlCode: Int(code.rawValue))
        }
    }

    /// libcurl uses one code for both limits. The pre-transfer time is stamped
    /// once a connection is ready to carry the request (connected, TLS done, or
    /// reused from the cache); without it, the connect phase (DNS, TCP, TLS
    /// handshake, proxy tunnel) is what ran out.
    private func timedOutWhileConnecting(_ easy: UnsafeMutableRawPointer) -> Bool {
        var pretransferMicros: curl_off_t = 0
        _ = ember_curl_getinfo_off(easy, CURLINFO_PRETRANSFER_TIME_T, &pretransferMicros)
        return pretransferMicros == 0
    }

    private func droppedRightAfterHandshake(_ easy: UnsafeMutableRawPointer) -> Bool {
        var newConnections = 0
        var headerBytes = 0
        var tlsMicros: curl_off_t = 0
        _ = ember_curl_getinfo_long(easy, CURLINFO_NUM_CONNECTS, &newConnections)
        _ = ember_curl_getinfo_long(easy, CURLINFO_HEADER_SIZE, &headerBytes)
        _ = ember_curl_getinfo_off(easy, CURLINFO_APPCONNECT_TIME_T, &tlsMicros)
        return newConnections > 0 && headerBytes == 0 && tlsMicros > 0
    }

    private static let tlsCodes: [CURLcode] = [
        CURLE_SSL_CONNECT_ERROR, CURLE_PEER_FAILED_VERIFICATION, CURLE_SSL_CERTPROBLEM,
        CURLE_SSL_CIPHER, CURLE_SSL_CACERT_BADFILE, CURLE_SSL_ENGINE_NOTFOUND,
        CURLE_SSL_ENGINE_SETFAILED, CURLE_SSL_ENGINE_INITFAILED, CURLE_SSL_SHUTDOWN_FAILED,
        CURLE_SSL_CRL_BADFILE, CURLE_SSL_ISSUER_ERROR, CURLE_SSL_PINNEDPUBKEYNOTMATCH,
        CURLE_SSL_INVALIDCERTSTATUS, CURLE_SSL_CLIENTCERT, CURLE_USE_SSL_FAILED,
    ]
}
