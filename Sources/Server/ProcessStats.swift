#if canImport(Glibc)
import Glibc
#endif

/// The process's own resource usage, read from /proc/self as Prometheus's
/// process collector does (swift-metrics does not provide these).
public struct ProcessStats: Sendable {
    public var cpuSeconds: Double
    public var residentBytes: Double
    public var virtualBytes: Double
    public var startTimeSeconds: Double
    public var openFDs: Int
    public var maxFDs: Int
    public var threads: Int

    public static func read() -> ProcessStats {
        let ticks = Double(sysconf(Int32(_SC_CLK_TCK)))
        let page = Double(sysconf(Int32(_SC_PAGESIZE)))
        var stats = ProcessStats(cpuSeconds: 0, residentBytes: 0, virtualBytes: 0, startTimeSeconds: 0, openFDs: 0, maxFDs: 0, threads: 0)
        if let stat = readSmallFile("/proc/self/stat"), let close = stat.lastIndex(of: ")") {
            // Fields after "(comm)" start at field 3 (state).
            let fields = stat[stat.index(after: close)...].split(separator: " ")
            func field(_ n: Int) -> Double { n - 3 < fields.count ? Double(fields[n - 3]) ?? 0 : 0 }
            stats.cpuSeconds = (field(14) + field(15)) / ticks
            stats.threads = Int(field(20))
            stats.virtualBytes = field(23)
            stats.residentBytes = field(24) * page
            if let boot = bootTime() { stats.startTimeSeconds = boot + field(22) / ticks }
        }
        var limit = rlimit()
        if getrlimit(Int32(RLIMIT_NOFILE.rawValue), &limit) == 0 { stats.maxFDs = Int(limit.rlim_cur) }
        if let dir = opendir("/proc/self/fd") {
            while let e = readdir(dir) { if e.pointee.d_name.0 != UInt8(ascii: ".") { stats.openFDs += 1 } }
            closedir(dir)
            stats.openFDs -= 1 // the directory handle itself
        }
        return stats
    }

    private static func bootTime() -> Double? {
        guard let s = readSmallFile("/proc/stat") else { return nil }
        for line in s.split(separator: "\n") where line.hasPrefix("btime ") {
            return Double(line.dropFirst(6))
        }
        return nil
    }
}

/// Reads a small text file (procfs) without Foundation.
func readSmallFile(_ path: String) -> String? {
    let fd = open(path, O_RDONLY)
    guard fd >= 0 else { return nil }
    defer { close(fd) }
    var out: [UInt8] = []
    var buf = [UInt8](repeating: 0, count: 8192)
    while out.count < 1 << 20 {
        let n = buf.withUnsafeMutableBytes { read(fd, $0.baseAddress, 8192) }
        if n <= 0 { break }
        out.append(contentsOf: buf[0..<n])
    }
    return String(decoding: out, as: UTF8.self)
}
