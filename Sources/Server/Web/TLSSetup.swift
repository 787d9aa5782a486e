import Hummingbird
import HummingbirdCore
import HummingbirdTLS
import NIOSSL

extension WebConfig.TLSServer {
    /// The NIOSSL server configuration for `tls_server_config`.
    func makeTLSConfiguration() throws -> TLSConfiguration {
        let chain = try NIOSSLCertificate.fromPEMFile(certFile).map { NIOSSLCertificateSource.certificate($0) }
        let key = try NIOSSLPrivateKey(file: keyFile, format: .pem)
        var config = TLSConfiguration.makeServerConfiguration(certificateChain: chain, privateKey: .privateKey(key))
        config.minimumTLSVersion = Self.version(minVersion)
        if let maxVersion { config.maximumTLSVersion = Self.version(maxVersion) }
        switch clientAuthType {
        case .noClientCert:
            config.certificateVerification = .none
        case .requestClientCert, .requireAnyClientCert, .verifyClientCertIfGiven:
            // NIOSSL cannot request a certificate without verifying it; verify when one is given.
            config.certificateVerification = .optionalVerification
        case .requireAndVerifyClientCert:
            config.certificateVerification = .noHostnameVerification
        }
        if let clientCAFile {
            config.trustRoots = .file(clientCAFile)
        }
        return config
    }

    static func version(_ s: String) -> TLSVersion {
        switch s {
        case "TLS10": return .tlsv1
        case "TLS11": return .tlsv11
        case "TLS13": return .tlsv13
        default: return .tlsv12
        }
    }
}

extension EmberServer {
    /// Plain HTTP/1.1, or TLS when the web configuration asks for it.
    func serverBuilder() throws -> HTTPServerBuilder {
        guard let tls = webConfig.tls else { return .http1() }
        return try .tls(.http1(), tlsConfiguration: tls.makeTLSConfiguration())
    }
}
