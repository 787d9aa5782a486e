import Foundation
import Testing
@testable import Exporter

#if canImport(Glibc)
import Glibc
#endif

/// A temporary directory removed when the value is released.
final class TempDir {
    let path: String

    init(_ prefix: String = "ember-exporter-test") {
        let template = NSTemporaryDirectory() + "/\(prefix)-XXXXXX"
        var bytes = Array(template.utf8CString)
        let made = bytes.withUnsafeMutableBufferPointer { mkdtemp($0.baseAddress!) }
        precondition(made != nil, "mkdtemp failed")
        path = bytes.withUnsafeBufferPointer { String(cString: $0.baseAddress!) }
    }

    deinit { try? FileManager.default.removeItem(atPath: path) }

    /// Writes `contents` at `relative`, creating parent directories.
    @discardableResult
    func write(_ relative: String, _ contents: String) -> String {
        let full = path + "/" + relative
        let dir = (full as NSString).deletingLastPathComponent
        try? FileManager.default.createDirectory(atPath: dir, withIntermediateDirectories: true)
        _ = FileManager.default.createFile(atPath: full, contents: Data(contents.utf8))
        return full
    }

    func mkdir(_ relative: String) {
        try? FileManager.default.createDirectory(atPath: path + "/" + relative, withIntermediateDirectories: true)
    }

    func symlink(_ relative: String, to target: String) {
        let full = path + "/" + relative
        try? FileManager.default.createDirectory(atPath: (full as NSString).deletingLastPathComponent, withIntermediateDirectories: true)
        try? FileManager.default.createSymbolicLink(atPath: full, withDestinationPath: target)
    }
}

/// Parsed exposition text, for assertions: series keyed by name and sorted labels.
struct ParsedPage {
    var families: [MetricFamily]

    init(_ bytes: [UInt8]) throws {
        families = try TextFormatParser.parse(bytes).families
    }

    init(_ text: String) throws { try self.init(Array(text.utf8)) }

    func family(_ name: String) -> MetricFamily? { families.first { $0.name == name } }

    /// The value of the sample `name` whose labels include all of `labels`.
    func value(_ name: String, _ labels: [String: String] = [:]) -> Double? {
        samples(name, labels).first?.value
    }

    func samples(_ name: String, _ labels: [String: String] = [:]) -> [ExposedSample] {
        families.flatMap(\.samples).filter { s in
            s.name == name && labels.allSatisfy { k, v in s.labels.contains { $0.name == k && $0.value == v } }
        }
    }
}

/// A TCP port that was free a moment ago on 127.0.0.1.
func freePort() -> Int {
    let fd = socket(AF_INET, Int32(SOCK_STREAM.rawValue), 0)
    defer { close(fd) }
    var addr = sockaddr_in()
    addr.sin_family = sa_family_t(AF_INET)
    addr.sin_addr.s_addr = inet_addr("127.0.0.1")
    addr.sin_port = 0
    _ = withUnsafePointer(to: &addr) { $0.withMemoryRebound(to: sockaddr.self, capacity: 1) { bind(fd, $0, socklen_t(MemoryLayout<sockaddr_in>.size)) } }
    var len = socklen_t(MemoryLayout<sockaddr_in>.size)
    _ = withUnsafeMutablePointer(to: &addr) { $0.withMemoryRebound(to: sockaddr.self, capacity: 1) { getsockname(fd, $0, &len) } }
    return Int(UInt16(bigEndian: addr.sin_port))
}

/// A socket bound (and for TCP, listening) on 127.0.0.1 by this process.
final class BoundSocket {
    let fd: Int32
    let port: Int

    init(udp: Bool = false, address: String = "127.0.0.1") {
        let fd = socket(AF_INET, Int32(udp ? SOCK_DGRAM.rawValue : SOCK_STREAM.rawValue) | Int32(SOCK_CLOEXEC.rawValue), 0)
        self.fd = fd
        var one: Int32 = 1
        setsockopt(fd, SOL_SOCKET, SO_REUSEADDR, &one, socklen_t(MemoryLayout<Int32>.size))
        var addr = sockaddr_in()
        addr.sin_family = sa_family_t(AF_INET)
        addr.sin_addr.s_addr = inet_addr(address)
        addr.sin_port = 0
        _ = withUnsafePointer(to: &addr) { $0.withMemoryRebound(to: sockaddr.self, capacity: 1) { bind(fd, $0, socklen_t(MemoryLayout<sockaddr_in>.size)) } }
        if !udp { listen(fd, 16) }
        var len = socklen_t(MemoryLayout<sockaddr_in>.size)
        _ = withUnsafeMutablePointer(to: &addr) { $0.withMemoryRebound(to: sockaddr.self, capacity: 1) { getsockname(fd, $0, &len) } }
        port = Int(UInt16(bigEndian: addr.sin_port))
    }

    func close() { Glibc.close(fd) }
}

/// A child process started for a test; killed when released.
final class ChildProcess {
    let process: Process

    init(_ executable: String, _ arguments: [String], workingDirectory: String? = nil) throws {
        process = Process()
        process.executableURL = URL(fileURLWithPath: executable)
        process.arguments = arguments
        if let workingDirectory { process.currentDirectoryURL = URL(fileURLWithPath: workingDirectory) }
        process.standardOutput = FileHandle.nullDevice
        process.standardError = FileHandle.nullDevice
        try process.run()
    }

    var pid: Int32 { process.processIdentifier }

    /// Kills with SIGKILL: the test runner blocks SIGTERM in its threads and
    /// Foundation's Process passes that mask on to children, so SIGTERM would wait forever.
    func stop() {
        if process.isRunning {
            kill(process.processIdentifier, SIGKILL)
            process.waitUntilExit()
        }
    }

    deinit { stop() }
}

/// Polls `condition` every 50 ms for at most `seconds`.
func eventually(within seconds: Double = 10, _ condition: () async throws -> Bool) async rethrows -> Bool {
    let deadline = Date().addingTimeInterval(seconds)
    while Date() < deadline {
        if try await condition() { return true }
        try? await Task.sleep(for: .milliseconds(50))
    }
    return try await condition()
}

/// A Python 3 interpreter: the system one when present (pyenv shims add a layer of
/// shell scripts), else whatever PATH finds.
let python3Path: String? = FileManager.default.isExecutableFile(atPath: "/usr/bin/python3") ? "/usr/bin/python3" : which("python3")

/// Absolute path of a program on PATH.
func which(_ name: String) -> String? {
    for dir in (ProcessInfo.processInfo.environment["PATH"] ?? "/usr/bin:/bin").split(separator: ":") {
        let candidate = "\(dir)/\(name)"
        if FileManager.default.isExecutableFile(atPath: candidate) { return candidate }
    }
    return nil
}

/// Options that run no host collectors (for check-only tests).
func checksOnlyOptions() -> ExporterOptions {
    var o = ExporterOptions()
    o.collectors = []
    return o
}

/// A one-check exporter's parsed page.
func scrapeChecks(_ checks: [CheckConfig], options: ExporterOptions = checksOnlyOptions()) async throws -> ParsedPage {
    let exporter = try Exporter(config: ChecksConfig(checks: checks), options: options)
    let (_, body) = await exporter.scrape(format: .text)
    return try ParsedPage(body)
}

/// The repository root, three levels above this file.
let repositoryRoot: String = {
    URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent().deletingLastPathComponent().path
}()
