import Foundation
import HTTPClient
import Testing

#if canImport(Glibc)
import Glibc
#endif

/// The Python test servers (Fixtures/http_test_server.py) running for one suite.
///
/// The script exits when its stdin closes, so even a crashed test process
/// leaves no server behind; `stop()` also terminates it explicitly.
final class TestServer: @unchecked Sendable {
    @TaskLocal static var current: TestServer?

    let httpPort: Int
    let httpsPort: Int
    let mtlsPort: Int
    let tls12Port: Int
    let blackholePort: Int
    let silentPort: Int
    let closedPort: Int
    let certificateDirectory: URL
    private let process: Process
    private let stdin: Pipe

    var http: String { "http://127.0.0.1:\(httpPort)" }
    var https: String { "https://127.0.0.1:\(httpsPort)" }
    var mtls: String { "https://127.0.0.1:\(mtlsPort)" }
    var tls12: String { "https://127.0.0.1:\(tls12Port)" }
    func certificate(_ name: String) -> String { certificateDirectory.appendingPathComponent(name).path }

    struct StartupError: Error, CustomStringConvertible {
        let description: String
    }

    private struct Ports: Decodable {
        let http, https, mtls, tls12, blackhole, silent, closed: Int
    }

    static let scriptPath = URL(fileURLWithPath: #filePath)
        .deletingLastPathComponent()
        .appendingPathComponent("Fixtures/http_test_server.py").path

    init() throws {
        let directory = FileManager.default.temporaryDirectory
            .appendingPathComponent("ember-http-tests-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: directory, withIntermediateDirectories: true)
        let process = Process()
        process.executableURL = URL(fileURLWithPath: "/usr/bin/env")
        process.arguments = ["python3", Self.scriptPath, directory.path]
        let stdout = Pipe()
        let stdin = Pipe()
        process.standardOutput = stdout
        process.standardInput = stdin
        try process.run()
        let ports: Ports
        do {
            let line = try Self.readLine(from: stdout.fileHandleForReading.fileDescriptor, within: .seconds(60))
            ports = try JSONDecoder().decode(Ports.self, from: Data(line.utf8))
        } catch {
            process.terminate()
            process.waitUntilExit()
            throw error
        }
        self.process = process
        self.stdin = stdin
        certificateDirectory = directory
        httpPort = ports.http
        httpsPort = ports.https
        mtlsPort = ports.mtls
        tls12Port = ports.tls12
        blackholePort = ports.blackhole
        silentPort = ports.silent
        closedPort = ports.closed
    }

    func stop() {
        try? stdin.fileHandleForWriting.close()
        if process.isRunning { process.terminate() }
        process.waitUntilExit()
        try? FileManager.default.removeItem(at: certificateDirectory)
    }

    /// Reads up to the first newline, failing when nothing arrives in time.
    private static func readLine(from fd: Int32, within limit: Duration) throws -> String {
        let deadline = ContinuousClock.now + limit
        var bytes: [UInt8] = []
        while bytes.last != UInt8(ascii: "\n") {
            let remaining = deadline - ContinuousClock.now
            guard remaining > .zero else { throw StartupError(description: "test server printed no ports in \(limit)") }
            var pollFD = pollfd(fd: fd, events: Int16(POLLIN), revents: 0)
            let millis = Int32(max(1, remaining.components.seconds * 1000 + remaining.components.attoseconds / 1_000_000_000_000_000))
            guard poll(&pollFD, 1, millis) > 0 else { continue }
            var byte: UInt8 = 0
            guard read(fd, &byte, 1) == 1 else {
                throw StartupError(description: "test server exited before printing its ports (is python3 or openssl missing?)")
            }
            bytes.append(byte)
        }
        return String(decoding: bytes, as: UTF8.self)
    }
}

/// Starts the test servers once for a suite and stops them after its last test.
struct TestServerTrait: SuiteTrait, TestScoping {
    func provideScope(
        for test: Test, testCase: Test.Case?, performing function: @Sendable () async throws -> Void
    ) async throws {
        let server = try TestServer()
        defer { server.stop() }
        try await TestServer.$current.withValue(server) {
            try await function()
        }
    }
}

extension Trait where Self == TestServerTrait {
    /// Runs the suite against freshly started test servers.
    static var testServer: Self { Self() }
}

/// The servers of the running suite.
var server: TestServer {
    get throws {
        try #require(TestServer.current, "suite must use the .testServer trait")
    }
}

/// The JSON document `/echo` answers with.
struct Echo: Decodable {
    let method: String
    let path: String
    let headers: [[String]]
    let body: String
    let client_port: Int
    let client_cn: String?

    init(_ bytes: [UInt8]) throws {
        self = try JSONDecoder().decode(Echo.self, from: Data(bytes))
    }

    func header(_ name: String) -> String? {
        headers.first { $0.first?.lowercased() == name.lowercased() }?.last
    }

    var bodyBytes: [UInt8] { Data(base64Encoded: body).map { [UInt8]($0) } ?? [] }
}

/// Throws the error a call raised, or fails the test when it raised none.
func captureError<T>(_ operation: () async throws -> T, sourceLocation: SourceLocation = #_sourceLocation) async -> (any Error)? {
    do {
        _ = try await operation()
        Issue.record("expected an error, got a result", sourceLocation: sourceLocation)
        return nil
    } catch {
        return error
    }
}

/// The HTTPClientError a call raised, failing the test otherwise.
func clientError<T>(
    _ operation: () async throws -> T, sourceLocation: SourceLocation = #_sourceLocation
) async throws -> HTTPClientError {
    let error = await captureError(operation, sourceLocation: sourceLocation)
    return try #require(error as? HTTPClientError, "unexpected error: \(String(describing: error))",
                        sourceLocation: sourceLocation)
}
