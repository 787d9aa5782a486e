import HTTPClient

// Config and HTTPClient both declare `TLSVersion`; this file sees only HTTPClient's,
// so the mapping from Config's names needs no module qualification.

/// The HTTP client's TLS version for a Prometheus name (`TLS12`), or nil.
func httpTLSVersion(named name: String?) -> TLSVersion? {
    switch name {
    case "TLS10": return .tls10
    case "TLS11": return .tls11
    case "TLS12": return .tls12
    case "TLS13": return .tls13
    default: return nil
    }
}
