import Foundation
import Testing

/// A running `NotifyCrashChild` (see Tests/NotifyCrashChild/main.swift): the real
/// notifier in its own process, on the system clock, with its state in `dataDirectory`.
/// Its stdout and stderr go to files, so reading them never blocks and a full pipe
/// never stalls the child.
final class NotifyChild {
    let process = Process()
    private let stdoutPath: String
    private let stderrPath: String

    /// The child executable: next to the test bundle, or `EMBER_NOTIFY_CRASH_CHILD`.
    static func executable() throws -> String {
        if let p = ProcessInfo.processInfo.environment["EMBER_NOTIFY_CRASH_CHILD"] { return p }
        let dir = URL(fileURLWithPath: CommandLine.arguments[0]).deletingLastPathComponent()
        let candidates = [dir, dir.deletingLastPathComponent()].map { $0.appendingPathComponent("NotifyCrashChild").path }
        return try #require(candidates.first { FileManager.default.isExecutableFile(atPath: $0) },
                            "NotifyCrashChild not found next to \(dir.path); build it or set EMBER_NOTIFY_CRASH_CHILD")
    }

    /// Starts the child; `ingest` makes it create the silence and post the alerts.
    init(dataDirectory: String, configFile: String, ingest: Bool, logDirectory: URL) throws {
        let run = UUID().uuidString.prefix(8)
        stdoutPath = logDirectory.appendingPathComponent("child-\(run).out").path
        stderrPath = logDirectory.appendingPathComponent("child-\(run).err").path
        try #require(FileManager.default.createFile(atPath: stdoutPath, contents: nil))
        try #require(FileManager.default.createFile(atPath: stderrPath, contents: nil))
        process.executableURL = URL(fileURLWithPath: try Self.executable())
        // A lifetime bounds a child that a failed test forgot.
        process.arguments = [dataDirectory, configFile] + (ingest ? ["ingest"] : []) + ["90"]
        process.standardOutput = FileHandle(forWritingAtPath: stdoutPath)
        process.standardError = FileHandle(forWritingAtPath: stderrPath)
        process.standardInput = FileHandle.nullDevice
        try process.run()
    }

    deinit {
        if alive { kill(process.processIdentifier, SIGKILL) }
    }

    var stdout: String { (try? String(contentsOfFile: stdoutPath, encoding: .utf8)) ?? "" }
    var stderr: String { (try? String(contentsOfFile: stderrPath, encoding: .utf8)) ?? "" }

    /// The stdout line starting with `prefix`, waiting for it up to `timeout` seconds.
    func line(startingWith prefix: String, timeout: Double = 30) async -> String? {
        var found: String?
        _ = await waitFor(timeout) {
            found = self.stdout.split(separator: "\n").first { $0.hasPrefix(prefix) }.map(String.init)
            return found != nil
        }
        return found
    }

    /// Whether the process exists and is not a zombie (read from /proc, which sees the
    /// exit at once, where Foundation's `isRunning` may lag).
    var alive: Bool {
        guard let stat = try? String(contentsOfFile: "/proc/\(process.processIdentifier)/stat", encoding: .utf8),
              let close = stat.lastIndex(of: ")") else { return false }
        let state = stat[stat.index(after: close)...].trimmingCharacters(in: .whitespaces).first
        return state != "Z" && state != "X"
    }

    /// SIGKILL, then waits (bounded) until the process is gone; returns whether it died of the signal.
    @discardableResult
    func killHard() async -> Bool {
        kill(process.processIdentifier, SIGKILL)
        _ = await waitFor(10) { !self.alive && !self.process.isRunning }
        return !process.isRunning && process.terminationReason == .uncaughtSignal && process.terminationStatus == SIGKILL
    }
}

/// Polls `condition` every 50 ms for up to `seconds`; returns whether it became true.
func waitFor(_ seconds: Double, _ condition: () -> Bool) async -> Bool {
    let deadline = Date().addingTimeInterval(seconds)
    while Date() < deadline {
        if condition() { return true }
        try? await Task.sleep(for: .milliseconds(50))
    }
    return condition()
}
