import Foundation
@testable import Notify

/// A free TCP port on 127.0.0.1 (bound once and released).
func freePort() -> Int {
    let fd = socket(AF_INET, Int32(SOCK_STREAM.rawValue), 0)
    defer { close(fd) }
    var addr = sockaddr_in()
    addr.sin_family = sa_family_t(AF_INET)
    addr.sin_addr.s_addr = inet_addr("127.0.0.1")
    addr.sin_port = 0
    var len = socklen_t(MemoryLayout<sockaddr_in>.size)
    _ = withUnsafeMutablePointer(to: &addr) { $0.withMemoryRebound(to: sockaddr.self, capacity: 1) { bind(fd, $0, len) } }
    _ = withUnsafeMutablePointer(to: &addr) { $0.withMemoryRebound(to: sockaddr.self, capacity: 1) { getsockname(fd, $0, &len) } }
    return Int(UInt16(bigEndian: addr.sin_port))
}

/// A Python helper server (receiver.py or smtp_server.py) run as a child process.
final class PythonServer: @unchecked Sendable {
    let port: Int
    let directory: URL
    private let script: String
    private let extraArguments: [String]
    private var process: Process?

    init(script: String, port: Int? = nil, arguments: [String] = []) throws {
        self.port = port ?? freePort()
        self.script = script
        self.extraArguments = arguments
        directory = try Fixtures.tempDir()
        try start()
    }

    deinit {
        stop()
        try? FileManager.default.removeItem(at: directory)
    }

    func start() throws {
        try? FileManager.default.removeItem(at: directory.appendingPathComponent("ready"))
        let p = Process()
        p.executableURL = URL(fileURLWithPath: "/usr/bin/env")
        p.arguments = ["python3", Fixtures.path(script), String(port), directory.path] + extraArguments
        p.standardOutput = FileHandle.nullDevice
        try p.run()
        process = p
        let ready = directory.appendingPathComponent("ready").path
        for _ in 0..<200 where !FileManager.default.fileExists(atPath: ready) { usleep(50_000) }
    }

    func stop() {
        guard let p = process else { return }
        process = nil
        stopChild(p)
    }

    /// Sets the receiver's behaviour: "ok", "500" or "slow".
    func setMode(_ mode: String) throws {
        try mode.write(to: directory.appendingPathComponent("mode"), atomically: false, encoding: .utf8)
    }

    /// The JSON records of a log file (`delivered.jsonl`, `all.jsonl`, `mail.jsonl`).
    func records(_ file: String) -> [[String: Any]] {
        guard let text = try? String(contentsOf: directory.appendingPathComponent(file), encoding: .utf8) else { return [] }
        return text.split(separator: "\n").compactMap {
            (try? JSONSerialization.jsonObject(with: Data($0.utf8))) as? [String: Any]
        }
    }

    /// The bodies of the delivered requests, parsed as JSON.
    var deliveredBodies: [[String: Any]] {
        records("delivered.jsonl").compactMap { r in
            (r["body"] as? String).flatMap { (try? JSONSerialization.jsonObject(with: Data($0.utf8))) as? [String: Any] }
        }
    }

    var url: String { "http://127.0.0.1:\(port)/hook" }
}

/// Builds a notifier for `yaml` with a manual clock starting at `start`.
func makeNotifier(_ yaml: String, clock: ManualClock, dataDirectory: String? = nil,
                  sendTimeout: Duration = .seconds(5)) throws -> Notifier {
    let config = try NotifyConfig.parse(yaml, file: "test.yml")
    return try Notifier(config: config, dataDirectory: dataDirectory, clock: clock,
                        externalURL: "http://ember.example:9093", sendTimeout: sendTimeout)
}

let testEpoch = Date(timeIntervalSince1970: 1_795_000_000)

/// Stops a child: SIGTERM, then SIGKILL after 2 s. Reads /proc instead of
/// `isRunning` or `waitUntilExit`, which off the main thread on Linux may not
/// notice the exit (or spin forever).
func stopChild(_ p: Process) {
    let pid = p.processIdentifier
    func alive() -> Bool {
        guard let stat = try? String(contentsOfFile: "/proc/\(pid)/stat", encoding: .utf8),
              let close = stat.lastIndex(of: ")") else { return false }
        let state = stat[stat.index(after: close)...].trimmingCharacters(in: .whitespaces).first
        return state != "Z" && state != "X"
    }
    kill(pid, SIGTERM)
    for _ in 0..<100 where alive() { usleep(20_000) }
    if alive() { kill(pid, SIGKILL) }
    for _ in 0..<100 where alive() { usleep(20_000) }
}
