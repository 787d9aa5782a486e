import CCurl

/// Easy handles between transfers, owned by the transfer loop's thread.
///
/// A handle that completed a plain GET or HEAD keeps its options, filed
/// under its request: the next transfer of an equal request (a scrape loop
/// sends the same one every interval) takes it as it is and rebinds only the
/// per-transfer pointers. That skips `curl_easy_reset` and the whole setup,
/// which was a seventh of the transfer thread's CPU at 50 scrapes per second.
/// Other handles are reset and kept blank for any request.
struct EasyHandlePool {
    /// A handle with every option of `request` applied, and the lists those
    /// options point to (libcurl does not copy them).
    struct Configured {
        let easy: UnsafeMutableRawPointer
        let request: HTTPRequest
        let headerList: UnsafeMutablePointer<curl_slist>?
        let connectToList: UnsafeMutablePointer<curl_slist>?
    }

    private var configured: [String: [Configured]] = [:]
    private var configuredCount = 0
    private var blank: [UnsafeMutableRawPointer] = []
    private let configuredLimit: Int
    private static let blankLimit = 128

    init(configuredLimit: Int) {
        self.configuredLimit = max(0, configuredLimit)
    }

    /// Whether a handle set up for `request` can serve an equal request
    /// without a reset: no body to re-send, no per-transfer connection
    /// options (fresh connection, verbose certificate capture).
    static func keepsConfiguration(_ request: HTTPRequest) -> Bool {
        request.body == nil && !request.collectConnectionInfo && (request.method == .get || request.method == .head)
    }

    /// A handle already set up for a request equal to `request`.
    mutating func takeConfigured(for request: HTTPRequest) -> Configured? {
        guard configuredCount > 0, var candidates = configured[request.url],
              let index = candidates.lastIndex(where: { $0.request == request }) else { return nil }
        let handle = candidates.remove(at: index)
        configured[request.url] = candidates.isEmpty ? nil : candidates
        configuredCount -= 1
        return handle
    }

    /// A reset handle, or a new one; nil when libcurl cannot allocate one.
    mutating func takeBlank() -> UnsafeMutableRawPointer? {
        blank.popLast() ?? curl_easy_init()
    }

    /// Keeps a handle with its options for the next equal request; resets it
    /// instead when the pool of configured handles is full.
    mutating func keepConfigured(_ handle: Configured) {
        guard configuredCount < configuredLimit else {
            putBlank(handle.easy)
            curl_slist_free_all(handle.headerList)
            curl_slist_free_all(handle.connectToList)
            return
        }
        configured[handle.request.url, default: []].append(handle)
        configuredCount += 1
    }

    /// Resets a handle (its lists are the caller's to free) and keeps it blank.
    mutating func putBlank(_ easy: UnsafeMutableRawPointer) {
        curl_easy_reset(easy)
        if blank.count < Self.blankLimit {
            blank.append(easy)
        } else {
            curl_easy_cleanup(easy)
        }
    }

    /// Frees every handle; the multi handle must no longer hold any of them.
    mutating func removeAll() {
        for handles in configured.values {
            for handle in handles {
                curl_easy_cleanup(handle.easy)
                curl_slist_free_all(handle.headerList)
                curl_slist_free_all(handle.connectToList)
            }
        }
        configured.removeAll()
        configuredCount = 0
        for easy in blank { curl_easy_cleanup(easy) }
        blank.removeAll()
    }
}
