import Exporter
import Hummingbird
import Logging

/// `ember exporter`: the host exporter alone, serving /metrics like node_exporter.
public struct ExporterServer: Sendable {
    public let exporter: Exporter
    public let listenAddress: ListenAddress
    let logger: Logger

    public init(exporter: Exporter, listenAddress: ListenAddress, logger: Logger) {
        self.exporter = exporter
        self.listenAddress = listenAddress
        self.logger = logger
    }

    /// Runs until SIGTERM or SIGINT.
    public func run() async throws {
        let router = Router()
        registerExporterRoute(router, path: "/metrics", exporter: exporter)
        router.get("/-/healthy") { _, _ in plainText("Ember Exporter is Healthy.\n") }
        router.get("/") { _, _ in
            plainText("<html><head><title>Ember Exporter</title></head><body><h1>Ember Exporter</h1><p><a href=\"/metrics\">Metrics</a></p></body></html>\n",
                      contentType: "text/html; charset=utf-8")
        }
        let app = Application(
            router: router,
            configuration: .init(address: .hostname(listenAddress.host, port: listenAddress.port), serverName: "Ember-Exporter"),
            onServerRunning: { [logger, listenAddress] _ in logger.info("Ember exporter listening", metadata: ["address": "\(listenAddress)"]) },
            logger: logger
        )
        try await app.runService()
    }
}

/// Serves the exporter's page, in the format the scraper's Accept header asks for.
func registerExporterRoute(_ router: Router<BasicRequestContext>, path: String, exporter: Exporter) {
    router.get(RouterPath(stringLiteral: path)) { request, _ in
        let page = await exporter.scrape(accept: request.headers[.accept])
        return Response(status: .ok, headers: [.contentType: page.contentType], body: .init(byteBuffer: ByteBuffer(bytes: page.body)))
    }
}
