import Foundation
import Hummingbird
import Logging
import Model
import ServiceLifecycle
import Synchronization
import UnixSignals

/// The `ember server` process: HTTP API, UI and the subsystems behind them.
public final class EmberServer: Sendable {
    public let options: ServerOptions
    let logger: Logger
    let state: ServerState
    let webConfig: WebConfig
    private let lifecycle = Mutex(Lifecycle.notStarted)

    /// Where `run` is, so that `shutdown` can reach the running service group.
    private enum Lifecycle {
        case notStarted
        case running(ServiceGroup)
        case shutdownRequested
    }

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

    /// Runs until SIGTERM, SIGINT or `shutdown()`.
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
        let group = ServiceGroup(configuration: .init(services: [app], gracefulShutdownSignals: [.sigterm, .sigint], logger: logger))
        let stopAtOnce = lifecycle.withLock { lifecycle in
            if case .shutdownRequested = lifecycle { return true }
            lifecycle = .running(group)
            return false
        }
        if stopAtOnce { await group.triggerGracefulShutdown() }
        do {
            try await group.run()
        } catch {
            await state.close()
            throw error
        }
        await state.close()
    }

    /// Shuts the server down as SIGTERM does: the listener closes, accepted
    /// connections are answered, services stop, storage is closed; `run` then
    /// returns. Cancelling `run`'s task instead can trap in SwiftNIO when a
    /// connection was accepted but not yet served (apple/swift-nio#3481).
    public func shutdown() async {
        let group: ServiceGroup? = lifecycle.withLock { lifecycle in
            switch lifecycle {
            case .running(let group): return group
            case .notStarted, .shutdownRequested:
                lifecycle = .shutdownRequested
                return nil
            }
        }
        await group?.triggerGracefulShutdown()
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
