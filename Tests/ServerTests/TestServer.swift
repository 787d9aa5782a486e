import Foundation
import Logging
import Testing
import TestSupport
@testable import Server

/// A real `EmberServer` on a free loopback port with its own data directory,
/// for one test.
enum TestServer {
    /// A prometheus.yml without scrape jobs: the embedded default would scrape
    /// Ember and its exporter and add series while a test reads.
    static let quietConfig = "global:\n  scrape_interval: 15s\nscrape_configs: []\n"

    /// Writes `files` (name → text) and `config` as prometheus.yml into a fresh
    /// directory (nil config: the embedded default), lets `configure` adjust
    /// the options and `prepare` fill the storage, starts the server and runs
    /// `body` with its port and directory once it answers /-/healthy.
    static func with(config: String? = quietConfig, files: [String: String] = [:],
                     configure: (inout ServerOptions) -> Void = { _ in },
                     prepare: (EmberServer) throws -> Void = { _ in },
                     _ body: @Sendable (_ port: Int, _ dir: URL) async throws -> Void) async throws {
        let dir = try TestPaths.makeTempDir()
        defer { try? FileManager.default.removeItem(at: dir) }
        for (name, text) in files {
            try text.write(to: dir.appendingPathComponent(name), atomically: false, encoding: .utf8)
        }
        let (port, server) = try make(in: dir, config: config, configure: configure)
        try prepare(server)
        try await server.serving {
            #expect(await Loopback.waitUntilHealthy(port: port, timeoutSeconds: 20))
            try await body(port, dir)
        }
    }

    /// A server (not started) on a free loopback port, with its data and
    /// `config` as prometheus.yml in `dir` (nil config: the embedded default).
    static func make(in dir: URL, config: String? = quietConfig,
                     configure: (inout ServerOptions) -> Void = { _ in }) throws -> (port: Int, server: EmberServer) {
        let port = Loopback.freePort()
        var options = ServerOptions()
        options.listenAddress = ListenAddress(host: "127.0.0.1", port: port)
        options.storagePath = dir.appendingPathComponent("data").path
        if let config {
            let file = dir.appendingPathComponent("prometheus.yml")
            try config.write(to: file, atomically: false, encoding: .utf8)
            options.configFile = file.path
        }
        configure(&options)
        return (port, try EmberServer(options: options, logger: Logger(label: "test")))
    }
}

extension EmberServer {
    /// Runs the server while `body` runs, then shuts it down as SIGTERM does,
    /// also when `body` throws. Tests never cancel `run`: cancelling while a
    /// connection is accepted but not yet served traps in SwiftNIO.
    func serving(_ body: () async throws -> Void) async throws {
        let running = Task { try await run() }
        let outcome: Result<Void, any Error>
        do {
            try await body()
            outcome = .success(())
        } catch {
            outcome = .failure(error)
        }
        await shutdown()
        let stopped = await running.result
        try outcome.get()
        try stopped.get()
    }
}
