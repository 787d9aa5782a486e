import HTTPClient

/// The HTTP client's TLS version type. The HTTPClient module and its class share
/// a name, and Config has its own TLSVersion, so this file (importing only
/// HTTPClient) names it unambiguously.
typealias ClientTLSVersion = TLSVersion
