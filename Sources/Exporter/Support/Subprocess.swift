#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

/// What a child process did.
struct SubprocessResult: Sendable {
    var pid: pid_t
    /// The exit status when it exited normally.
    var exitCode: Int32?
    /// The signal that ended it, when one did.
    var signal: Int32?
    var stdout: [UInt8]
    var stderr: [UInt8]
    var stdoutTruncated: Bool
    var stderrTruncated: Bool
    /// The deadline passed and the process group was killed.
    var timedOut: Bool
}

/// The program could not be started.
struct SpawnError: Error, CustomStringConvertible {
    let program: String
    let code: Int32
    var description: String { "cannot run \(program): \(String(cString: strerror(code)))" }
}

/// Runs programs from an argument vector, never through a shell unless asked.
///
/// The child leads a new process group, so a timeout kills it and everything it
/// started (`kill(-pgid, SIGKILL)`). Output is read concurrently from both pipes so a
/// chatty child cannot block on a full pipe; bytes past the cap are read and dropped.
enum Subprocess {
    static func run(_ argv: [String], environment: [String: String], maxOutputBytes: Int, deadline: Deadline) throws(SpawnError) -> SubprocessResult {
        guard let program = argv.first else { throw SpawnError(program: "", code: EINVAL) }
        var outPipe: [Int32] = [0, 0], errPipe: [Int32] = [0, 0]
        guard makePipe(&outPipe) == 0 else { throw SpawnError(program: program, code: errno) }
        guard makePipe(&errPipe) == 0 else {
            let e = errno
            close(outPipe[0]); close(outPipe[1])
            throw SpawnError(program: program, code: e)
        }

        let spawned = spawn(argv, environment: environment, stdout: outPipe[1], stderr: errPipe[1])
        close(outPipe[1])
        close(errPipe[1])
        let pid: pid_t
        switch spawned {
        case .success(let started): pid = started
        case .failure(let failure):
            close(outPipe[0]); close(errPipe[0])
            throw SpawnError(program: program, code: failure.code)
        }

        var result = SubprocessResult(pid: pid, exitCode: nil, signal: nil, stdout: [], stderr: [],
                                      stdoutTruncated: false, stderrTruncated: false, timedOut: false)
        drain(out: outPipe[0], err: errPipe[0], cap: maxOutputBytes, deadline: deadline, into: &result)
        close(outPipe[0])
        close(errPipe[0])
        if !result.timedOut, !waitForExit(pid, deadline: deadline) {
            result.timedOut = true
        }
        // Whatever is left in the group (background children, or everything after a
        // timeout) is killed before the leader is reaped, so the group id cannot have
        // been reused yet.
        kill(-pid, SIGKILL)
        var status: Int32 = 0
        while waitpid(pid, &status, 0) < 0, errno == EINTR {}
        if (status & 0x7f) == 0 {
            result.exitCode = (status >> 8) & 0xff
        } else {
            result.signal = status & 0x7f
        }
        return result
    }

    struct SpawnCode: Error { let code: Int32 }

    /// Starts `argv` as the leader of a new process group with stdin from /dev/null,
    /// stdout and stderr on the given pipe ends, default signal handling and no other
    /// inherited descriptors.
    private static func spawn(_ argv: [String], environment: [String: String], stdout: Int32, stderr: Int32) -> Result<pid_t, SpawnCode> {
        var actions = posix_spawn_file_actions_t()
        posix_spawn_file_actions_init(&actions)
        defer { posix_spawn_file_actions_destroy(&actions) }
        posix_spawn_file_actions_addopen(&actions, 0, "/dev/null", O_RDONLY, 0)
        posix_spawn_file_actions_adddup2(&actions, stdout, 1)
        posix_spawn_file_actions_adddup2(&actions, stderr, 2)
        // Descriptors the exporter opened without O_CLOEXEC (sockets, files) must not
        // leak into checks.
        if let closeFrom = closeFromFunction { _ = closeFrom(&actions, 3) }

        var attributes = posix_spawnattr_t()
        posix_spawnattr_init(&attributes)
        defer { posix_spawnattr_destroy(&attributes) }
        var noSignals = sigset_t()
        sigemptyset(&noSignals)
        var allSignals = sigset_t()
        sigfillset(&allSignals)
        posix_spawnattr_setsigmask(&attributes, &noSignals)
        // An ignored SIGPIPE would be inherited across exec and break `cmd | head`.
        posix_spawnattr_setsigdefault(&attributes, &allSignals)
        posix_spawnattr_setpgroup(&attributes, 0)
        posix_spawnattr_setflags(&attributes, Int16(POSIX_SPAWN_SETPGROUP | POSIX_SPAWN_SETSIGMASK | POSIX_SPAWN_SETSIGDEF))

        var env = currentEnvironment()
        for (k, v) in environment { env[k] = v }
        let cArgs = argv.map { strdup($0) } + [nil]
        let cEnv = env.map { strdup("\($0.key)=\($0.value)") } + [nil]
        defer {
            for p in cArgs { free(p) }
            for p in cEnv { free(p) }
        }
        var pid: pid_t = 0
        let program = argv[0]
        let rc = program.contains("/")
            ? posix_spawn(&pid, program, &actions, &attributes, cArgs, cEnv)
            : posix_spawnp(&pid, program, &actions, &attributes, cArgs, cEnv)
        return rc == 0 ? .success(pid) : .failure(SpawnCode(code: rc))
    }

    /// Reads both pipes until EOF on both or the deadline.
    private static func drain(out: Int32, err: Int32, cap: Int, deadline: Deadline, into result: inout SubprocessResult) {
        var open = [true, true]
        var chunk = [UInt8](repeating: 0, count: 65536)
        while open[0] || open[1] {
            var fds = [pollfd(fd: open[0] ? out : -1, events: Int16(POLLIN), revents: 0),
                       pollfd(fd: open[1] ? err : -1, events: Int16(POLLIN), revents: 0)]
            let ready = poll(&fds, 2, deadline.pollMillis)
            if ready < 0 {
                if errno == EINTR { continue }
                break
            }
            if ready == 0 {
                result.timedOut = true
                return
            }
            for i in 0 ..< 2 where open[i] && fds[i].revents != 0 {
                let n = chunk.withUnsafeMutableBytes { read(fds[i].fd, $0.baseAddress!, $0.count) }
                if n < 0, errno == EINTR || errno == EAGAIN { continue }
                if n <= 0 { open[i] = false; continue }
                if i == 0 {
                    append(chunk[..<n], to: &result.stdout, cap: cap, truncated: &result.stdoutTruncated)
                } else {
                    append(chunk[..<n], to: &result.stderr, cap: cap, truncated: &result.stderrTruncated)
                }
            }
        }
    }

    private static func append(_ bytes: ArraySlice<UInt8>, to buffer: inout [UInt8], cap: Int, truncated: inout Bool) {
        let room = cap - buffer.count
        if room >= bytes.count {
            buffer.append(contentsOf: bytes)
        } else {
            if room > 0 { buffer.append(contentsOf: bytes.prefix(room)) }
            truncated = true
        }
    }

    /// Waits, without reaping, until `pid` has exited; false when the deadline passes.
    private static func waitForExit(_ pid: pid_t, deadline: Deadline) -> Bool {
        var pause: useconds_t = 500
        while true {
            var info = siginfo_t()
            let rc = waitid(P_PID, id_t(pid), &info, WEXITED | WNOHANG | WNOWAIT)
            if rc == 0, info._sifields._sigchld.si_pid == pid { return true }
            if rc < 0, errno != EINTR { return true }
            if deadline.expired { return false }
            usleep(pause)
            pause = min(pause * 2, 20_000)
        }
    }

    private static func currentEnvironment() -> [String: String] {
        var env: [String: String] = [:]
        guard var p = environ as UnsafeMutablePointer<UnsafeMutablePointer<CChar>?>? else { return env }
        while let entry = p.pointee {
            let s = String(cString: entry)
            if let eq = s.firstIndex(of: "=") { env[String(s[..<eq])] = String(s[s.index(after: eq)...]) }
            p += 1
        }
        return env
    }

    /// A close-on-exec pipe: pipe2(O_CLOEXEC) when glibc has it (it always does on
    /// Linux, but Swift does not import GNU extensions), else pipe plus fcntl.
    private static func makePipe(_ fds: inout [Int32]) -> Int32 {
        if let pipe2 = pipe2Function {
            return fds.withUnsafeMutableBufferPointer { pipe2($0.baseAddress!, O_CLOEXEC) }
        }
        guard pipe(&fds) == 0 else { return -1 }
        _ = fcntl(fds[0], F_SETFD, FD_CLOEXEC)
        _ = fcntl(fds[1], F_SETFD, FD_CLOEXEC)
        return 0
    }

    private typealias Pipe2 = @convention(c) (UnsafeMutablePointer<Int32>, Int32) -> Int32

    private static let pipe2Function: Pipe2? = {
        guard let handle = dlopen(nil, RTLD_NOW), let symbol = dlsym(handle, "pipe2") else { return nil }
        return unsafeBitCast(symbol, to: Pipe2.self)
    }()

    private typealias CloseFrom = @convention(c) (UnsafeMutablePointer<posix_spawn_file_actions_t>, Int32) -> Int32

    /// glibc 2.34's posix_spawn_file_actions_addclosefrom_np, which Swift's Glibc
    /// module does not import (it is a GNU extension).
    private static let closeFromFunction: CloseFrom? = {
        guard let handle = dlopen(nil, RTLD_NOW), let symbol = dlsym(handle, "posix_spawn_file_actions_addclosefrom_np") else { return nil }
        return unsafeBitCast(symbol, to: CloseFrom.self)
    }()
}
