import Foundation
import Logging
import Testing
import TestSupport
@testable import Server

/// `EmberServer.shutdown()`: the graceful stop SIGTERM performs, reachable from code.
@Suite struct ShutdownTests {
    @Test func shutdownStopsARunningServerAndFreesItsPort() async throws {
        let dir = try TestPaths.makeTempDir()
        defer { try? FileManager.default.removeItem(at: dir) }
        let (port, server) = try TestServer.make(in: dir)
        let running = Task { try await server.run() }
        #expect(await Loopback.waitUntilHealthy(port: port, timeoutSeconds: 20))
        // A request racing the shutdown: a connection accepted but not yet
        // served is where cancelling the serving task traps in SwiftNIO.
        async let pending = Loopback.request(port: port, path: "/api/v1/query?query=1", timeoutSeconds: 5)
        await server.shutdown()
        try await running.value
        _ = await pending
        #expect(await Loopback.request(port: port, path: "/-/healthy", timeoutSeconds: 2) == nil, "still answering after shutdown")
    }

    @Test func shutdownBeforeRunMakesRunReturnAtOnce() async throws {
        let dir = try TestPaths.makeTempDir()
        defer { try? FileManager.default.removeItem(at: dir) }
        let (_, server) = try TestServer.make(in: dir)
        await server.shutdown()
        let started = ContinuousClock.now
        try await server.run()
        #expect(ContinuousClock.now - started < .seconds(20))
    }
}
