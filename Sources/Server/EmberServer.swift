import Foundation
import Hummingbird
import Logging
import Model
import ServiceLifecycle
import UnixSignals

/// The `ember server` process: HTTP API, UI and the subsystems behind them.
public final class EmberServer: Sendable {
    public let options: ServerOptions
    let logger: Logger
    let state: ServerState
    let webConfig: WebConfig

    public init(options: ServerOptions, logger: Logger) throws {
        self.options = options
        self.logger = logger
        if let file = options.webConfigFile {
            do {
                webConfig = try WebConfig.load(file: file)
            } catch {
                throw ServerError.config("invalid web configuration: \(error)")
            }
        } else {
            webConfig = WebConfig()
        }
        self.state = try ServerState(options: options, logger: logger)
    }

    /// Runs until SIGTERM or SIGINT.
    public func run() async throws {
        let router = Router()
        if !webConfig.headers.isEmpty { router.add(middleware: HeadersMiddleware(headers: webConfig.headers)) }
        if !webConfig.basicAuthUsers.isEmpty { router.add(middleware: BasicAuthMiddleware(users: webConfig.basicAuthUsers)) }
        registerStatusRoutes(router)
        registerSelfMetricsRoute(router)
        registerUIRoutes(router)
        registerQueryRoutes(router)
        registerCardinalityRoutes(router)
        registerTargetRoutes(router)
        registerRuleRoutes(router)
        registerNotifyRoutes(router)
        registerAdminRoutes(router)
        registerExporterRoute(router, path: "/exporter/metrics", exporter: state.exporter)
        var app = Application(
            router: router,
            server: try serverBuilder(),
            configuration: .init(address: .hostname(options.listenAddress.host, port: options.listenAddress.port), serverName: "Ember"),
            onServerRunning: { [logger, options] _ in
                logger.info("Ember server listening", metadata: ["address": "\(options.listenAddress)"])
            },
            logger: logger
        )
        app.addServices(SignalReloadService(state: state, logger: logger), ScrapeService(state: state), FreeMemoryReturnService())
        do {
            try await app.runService()
        } catch {
            await state.close()
            throw error
        }
        await state.close()
    }
}

/// Errors that stop the server from starting or reloading.
public enum ServerError: Error, CustomStringConvertible {
    case config(String)
    public var description: String {
        switch self {
        case .config(let s): return s
        }
    }
}

/// Runs the scrape loops and rule evaluation of the current configuration until shutdown.
struct ScrapeService: Service {
    let state: ServerState

    func run() async throws {
        await state.scrapeManager.apply(state.config)
        state.ruleManager.start()
        let notifier = state.notifier.map { n in Task { await n.notifier.run() } }
        await cancelWhenGracefulShutdown {
            await state.scrapeManager.run()
        }
        notifier?.cancel()
        await notifier?.value
        await state.ruleManager.stop()
    }
}

/// Reloads the configuration on SIGHUP, as Prometheus does.
struct SignalReloadService: Service {
    let state: ServerState
    let logger: Logger

    func run() async throws {
        let signals = await UnixSignalsSequence(trapping: .sighup)
        for await _ in signals.cancelOnGracefulShutdown() {
            do {
                try await state.reload()
                logger.info("Completed loading of configuration file")
            } catch {
                logger.error("Error reloading config", metadata: ["err": "\(error)"])
            }
        }
    }
}
