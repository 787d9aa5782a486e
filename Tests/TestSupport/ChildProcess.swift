import Foundation

/// A child process for tests, with bounded waits and output capture.
public final class ChildProcess: @unchecked Sendable {
    public let process = Process()
    private let outPipe = Pipe()
    private let errPipe = Pipe()
    private let lock = NSLock()
    private var outData = Data()
    private var errData = Data()

    /// Starts `executable` with `arguments`; stdout and stderr are captured.
    public init(_ executable: String, _ arguments: [String], environment: [String: String]? = nil,
                currentDirectory: URL? = nil) throws {
        process.executableURL = URL(fileURLWithPath: executable)
        process.arguments = arguments
        if let environment { process.environment = environment }
        if let currentDirectory { process.currentDirectoryURL = currentDirectory }
        process.standardOutput = outPipe
        process.standardError = errPipe
        process.standardInput = FileHandle.nullDevice
        outPipe.fileHandleForReading.readabilityHandler = { [weak self] h in
            let d = h.availableData
            self?.lock.withLock { self?.outData.append(d) }
        }
        errPipe.fileHandleForReading.readabilityHandler = { [weak self] h in
            let d = h.availableData
            self?.lock.withLock { self?.errData.append(d) }
        }
        try process.run()
    }

    public var stdout: String { lock.withLock { String(decoding: outData, as: UTF8.self) } }
    public var stderr: String { lock.withLock { String(decoding: errData, as: UTF8.self) } }

    /// Waits for exit up to `timeoutSeconds`; returns the exit status, or nil if still running.
    @discardableResult
    public func wait(timeoutSeconds: Double) -> Int32? {
        let deadline = Date().addingTimeInterval(timeoutSeconds)
        while process.isRunning && Date() < deadline { usleep(20_000) }
        if process.isRunning { return nil }
        // Let the readability handlers drain what is left.
        usleep(50_000)
        return process.terminationStatus
    }

    /// SIGTERM, then SIGKILL after `graceSeconds`.
    public func stop(graceSeconds: Double = 5) {
        guard process.isRunning else { return }
        process.terminate()
        if wait(timeoutSeconds: graceSeconds) == nil {
            kill(process.processIdentifier, SIGKILL)
            wait(timeoutSeconds: 5)
        }
    }

    deinit {
        if process.isRunning { kill(process.processIdentifier, SIGKILL) }
        outPipe.fileHandleForReading.readabilityHandler = nil
        errPipe.fileHandleForReading.readabilityHandler = nil
    }

    /// Runs a command to completion (bounded) and returns (status, stdout, stderr).
    public static func run(_ executable: String, _ arguments: [String], timeoutSeconds: Double = 60,
                           currentDirectory: URL? = nil) throws -> (status: Int32, stdout: String, stderr: String) {
        let p = try ChildProcess(executable, arguments, currentDirectory: currentDirectory)
        guard let status = p.wait(timeoutSeconds: timeoutSeconds) else {
            p.stop()
            return (-1, p.stdout, p.stderr + "\n(timed out after \(timeoutSeconds)s)")
        }
        return (status, p.stdout, p.stderr)
    }
}
