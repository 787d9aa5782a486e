#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

/// What a process is, for matching: read for every process on the host, so only the
/// parts some check needs are read.
struct ProcessIdentity: Sendable {
    var pid: Int32
    /// /proc/PID/comm, when a check matches on it.
    var comm: String?
    /// The arguments, split only when a check matches executables (which needs argv[0]).
    var cmdline: [String] = []
    /// The arguments joined with spaces, as command-line patterns see them; empty for
    /// kernel threads.
    var cmdlineJoined: String = ""
    /// The executable's path; nil when not asked for or unreadable (another user's
    /// process, a kernel thread).
    var exe: String?
}

/// Which identity fields to read.
struct ProcessFields: OptionSet, Sendable, Hashable {
    let rawValue: Int
    static let comm = ProcessFields(rawValue: 1)
    static let cmdline = ProcessFields(rawValue: 2)
    static let exe = ProcessFields(rawValue: 4)
}

/// /proc/PID/stat of a matched process.
struct ProcessStat: Sendable {
    var comm: String
    /// R, S, D, Z, T, ...
    var state: UInt8
    var ppid: Int32
    var minorFaults: UInt64
    var majorFaults: UInt64
    /// Clock ticks (USER_HZ).
    var userTicks: UInt64
    var systemTicks: UInt64
    var threads: UInt64
    /// Clock ticks after boot.
    var startTicks: UInt64
    var virtualBytes: UInt64
    var residentPages: UInt64

    /// Parses /proc/PID/stat. The comm field is in parentheses and may itself contain
    /// spaces and parentheses, so fields are counted from the last ')'.
    static func parse(_ bytes: [UInt8]) -> ProcessStat? {
        guard let open = bytes.firstIndex(of: UInt8(ascii: "(")), let close = bytes.lastIndex(of: UInt8(ascii: ")")), close > open else { return nil }
        let scanner = ByteScanner(bytes)
        let rest = scanner.fields(close + 1 ..< bytes.count)
        // rest[0] is field 3 (state); stat(5) numbers fields from 1.
        guard rest.count >= 22 else { return nil }
        func u(_ field: Int) -> UInt64 { scanner.uint64(rest[field - 3]) ?? 0 }
        return ProcessStat(
            comm: scanner.string(open + 1 ..< close), state: bytes[rest[0].lowerBound],
            ppid: Int32(clamping: ByteScanner.parseInt64(bytes, rest[1]) ?? 0),
            minorFaults: u(10), majorFaults: u(12), userTicks: u(14), systemTicks: u(15),
            threads: u(20), startTicks: u(22), virtualBytes: u(23), residentPages: u(24))
    }

    static func read(pid: Int32, paths: HostPaths) -> ProcessStat? {
        guard let bytes = try? ByteFile.load(paths.proc("\(pid)/stat"), limit: 64 << 10) else { return nil }
        return parse(bytes)
    }
}

/// The processes of a host at one moment.
struct ProcessTable: Sendable {
    var processes: [ProcessIdentity]

    static func read(paths: HostPaths, fields: ProcessFields) -> ProcessTable {
        var processes: [ProcessIdentity] = []
        for name in ByteFile.listDirectory(paths.procfs) ?? [] {
            guard let pid = Int32(name) else { continue }
            let dir = paths.proc(name)
            var entry = ProcessIdentity(pid: pid)
            if fields.contains(.comm) {
                guard let comm = ByteFile.readTrimmedString(dir + "/comm") else { continue }
                entry.comm = comm
            }
            if fields.contains(.cmdline) {
                guard var cmdline = try? ByteFile.load(dir + "/cmdline", limit: 1 << 20) else { continue }
                if fields.contains(.exe) {
                    entry.cmdline = cmdline.split(separator: 0, omittingEmptySubsequences: false).map { String(decoding: $0, as: UTF8.self) }
                    if entry.cmdline.last == "" { entry.cmdline.removeLast() }
                }
                // Arguments end in NUL: drop the last one and turn the others into spaces.
                if cmdline.last == 0 { cmdline.removeLast() }
                for i in cmdline.indices where cmdline[i] == 0 { cmdline[i] = UInt8(ascii: " ") }
                entry.cmdlineJoined = String(decoding: cmdline, as: UTF8.self)
            }
            if fields.contains(.exe) { entry.exe = ByteFile.readLink(dir + "/exe") }
            processes.append(entry)
        }
        return ProcessTable(processes: processes)
    }

    static func bootTime(paths: HostPaths) -> Double {
        guard let bytes = try? ByteFile.load(paths.proc("stat")) else { return 0 }
        var scanner = ByteScanner(bytes)
        while let line = scanner.nextLine() {
            let fields = scanner.fields(line)
            if fields.count >= 2, scanner.equals(fields[0], "btime"), let v = scanner.uint64(fields[1]) { return Double(v) }
        }
        return 0
    }
}

/// Details read only for the processes a check matched.
struct ProcessDetails {
    var openFiles: Int?
    var maxOpenFiles: Double?
    var swappedBytes: UInt64?

    static func read(pid: Int32, paths: HostPaths) -> ProcessDetails {
        let dir = paths.proc(String(pid))
        var details = ProcessDetails()
        details.openFiles = ByteFile.listDirectory(dir + "/fd")?.count
        if let limits = try? ByteFile.load(dir + "/limits", limit: 64 << 10) {
            var scanner = ByteScanner(limits)
            while let line = scanner.nextLine() {
                guard scanner.hasPrefix(line, "Max open files") else { continue }
                let fields = scanner.fields(line)
                if fields.count >= 4 { details.maxOpenFiles = scanner.double(fields[3]) }
            }
        }
        if let status = try? ByteFile.load(dir + "/status", limit: 64 << 10) {
            var scanner = ByteScanner(status)
            while let line = scanner.nextLine() {
                guard scanner.hasPrefix(line, "VmSwap:") else { continue }
                let fields = scanner.fields(line)
                if fields.count >= 2, let kb = scanner.uint64(fields[1]) { details.swappedBytes = kb * 1024 }
            }
        }
        return details
    }
}
