#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

/// Processes matched by name, executable or command line, reported the way
/// process-exporter reports a name group (`namedprocess_namegroup_*{groupname}`).
struct ProcessCheck: LocalCheck {
    let config: CheckConfig
    let process: ProcessCheckConfig
    let labels: CheckLabels
    let cmdlinePatterns: [SearchRegex]
    /// The label sets of the group's series, sorted once rather than on every scrape.
    let seriesLabels: GroupLabels

    init(config: CheckConfig, process: ProcessCheckConfig) throws {
        self.config = config
        self.process = process
        self.labels = CheckLabels(config)
        self.seriesLabels = GroupLabels(group: config.name, labels: labels)
        self.cmdlinePatterns = try process.cmdline.map { try SearchRegex($0) }
    }

    func evaluate(_ context: CheckContext) -> CheckOutcome { evaluate(context.snapshot, now: wallClockSeconds()) }

    static let ownPID = getpid()

    /// The kernel keeps only the first 15 bytes of a command name.
    static let commLength = 15

    /// The identity fields this check matches on.
    var fields: ProcessFields {
        var f: ProcessFields = []
        if !process.comm.isEmpty { f.insert(.comm) }
        if !process.exe.isEmpty { f.formUnion([.exe, .cmdline]) }
        if !process.cmdline.isEmpty { f.insert(.cmdline) }
        return f
    }

    func matches(_ p: ProcessIdentity) -> Bool {
        if p.pid == Self.ownPID { return false }
        if !process.comm.isEmpty {
            guard let comm = p.comm else { return false }
            let ok = process.comm.contains { name in
                name.utf8.count > Self.commLength ? String(decoding: name.utf8.prefix(Self.commLength), as: UTF8.self) == comm : name == comm
            }
            if !ok { return false }
        }
        if !process.exe.isEmpty {
            let argv0 = p.cmdline.first ?? ""
            let ok = process.exe.contains { name in
                if name.contains("/") { return name == argv0 || name == p.exe }
                return name == baseName(argv0) || (p.exe.map { name == baseName($0) } ?? false)
            }
            if !ok { return false }
        }
        if !cmdlinePatterns.isEmpty {
            // Kernel threads have no command line and never match a pattern.
            guard !p.cmdlineJoined.isEmpty else { return false }
            if !cmdlinePatterns.allSatisfy({ $0.matches(p.cmdlineJoined) }) { return false }
        }
        return true
    }

    func evaluate(_ snapshot: HostSnapshot, now: Double) -> CheckOutcome {
        let matched = snapshot.processTable().processes.filter(matches).compactMap { p in snapshot.processStat(p.pid).map { (p.pid, $0) } }
        var totals = GroupTotals(bootTime: matched.isEmpty ? 0 : snapshot.bootTime())
        for (pid, stat) in matched { totals.add(stat, snapshot.processDetails(pid)) }
        let metrics = totals.metrics(seriesLabels)
        if matched.count < process.minCount {
            return .failure("too_few_processes", "\(matched.count) matching processes, want at least \(process.minCount)", metrics: metrics)
        }
        if let maxCount = process.maxCount, matched.count > maxCount {
            return .failure("too_many_processes", "\(matched.count) matching processes, want at most \(maxCount)", metrics: metrics)
        }
        return CheckOutcome(success: true, metrics: metrics, reason: nil, message: nil)
    }
}

/// A process-exporter name group's sums over its processes.
struct GroupTotals {
    static let pageSize = Double(sysconf(Int32(_SC_PAGESIZE)))
    static let stateNames = ["Other", "Running", "Sleeping", "Waiting", "Zombie"]

    let bootTime: Double
    var count = 0.0, user = 0.0, system = 0.0, resident = 0.0, virtualBytes = 0.0, swapped = 0.0
    var openFiles = 0.0, worstRatio = 0.0, threads = 0.0, minor = 0.0, major = 0.0
    var oldest: Double?
    var states: [String: Double] = [:]

    init(bootTime: Double) { self.bootTime = bootTime }

    mutating func add(_ p: ProcessStat, _ details: ProcessDetails) {
        let hz = CPUCollector.userHZ
        count += 1
        user += Double(p.userTicks) / hz
        system += Double(p.systemTicks) / hz
        resident += Double(p.residentPages) * Self.pageSize
        virtualBytes += Double(p.virtualBytes)
        threads += Double(p.threads)
        minor += Double(p.minorFaults)
        major += Double(p.majorFaults)
        let start = bootTime + Double(p.startTicks) / hz
        oldest = min(oldest ?? start, start)
        let state: String
        switch p.state {
        case UInt8(ascii: "R"): state = "Running"
        case UInt8(ascii: "S"): state = "Sleeping"
        case UInt8(ascii: "D"): state = "Waiting"
        case UInt8(ascii: "Z"): state = "Zombie"
        default: state = "Other"
        }
        states[state, default: 0] += 1
        if let n = details.openFiles {
            openFiles += Double(n)
            if let limit = details.maxOpenFiles, limit > 0 { worstRatio = max(worstRatio, Double(n) / limit) }
        }
        swapped += Double(details.swappedBytes ?? 0)
    }

    /// The group as process-exporter's `namedprocess_namegroup_*` families.
    func metrics(_ l: GroupLabels) -> MetricSet {
        var metrics = MetricSet()
        metrics.add("namedprocess_namegroup_num_procs", help: "number of processes in this group", type: .gauge, labels: l.group, value: count)
        if let h = metrics.family("namedprocess_namegroup_cpu_seconds_total", help: "Cpu user usage in seconds", type: .counter) {
            metrics.append(h, labels: l.cpuSystem, value: system)
            metrics.append(h, labels: l.cpuUser, value: user)
        }
        if let h = metrics.family("namedprocess_namegroup_memory_bytes", help: "number of bytes of memory in use", type: .gauge) {
            metrics.append(h, labels: l.memoryResident, value: resident)
            metrics.append(h, labels: l.memorySwapped, value: swapped)
            metrics.append(h, labels: l.memoryVirtual, value: virtualBytes)
        }
        metrics.add("namedprocess_namegroup_open_filedesc", help: "number of open file descriptors for this group", type: .gauge, labels: l.group, value: openFiles)
        metrics.add("namedprocess_namegroup_worst_fd_ratio", help: "the worst (closest to 1) ratio between open fds and max fds among all procs in this group",
                    type: .gauge, labels: l.group, value: worstRatio)
        metrics.add("namedprocess_namegroup_num_threads", help: "Number of threads", type: .gauge, labels: l.group, value: threads)
        metrics.add("namedprocess_namegroup_minor_page_faults_total", help: "Minor page faults", type: .counter, labels: l.group, value: minor)
        metrics.add("namedprocess_namegroup_major_page_faults_total", help: "Major page faults", type: .counter, labels: l.group, value: major)
        if let oldest {
            metrics.add("namedprocess_namegroup_oldest_start_time_seconds", help: "start time in seconds since 1970/01/01 of oldest process in group",
                        type: .gauge, labels: l.group, value: oldest)
        }
        if let h = metrics.family("namedprocess_namegroup_states", help: "Number of processes in states Running, Sleeping, Waiting, Zombie, or Other", type: .gauge) {
            for (state, labels) in zip(Self.stateNames, l.states) { metrics.append(h, labels: labels, value: states[state] ?? 0) }
        }
        return metrics
    }
}

/// The sorted label sets of one process group's series.
struct GroupLabels: Sendable {
    let group, cpuSystem, cpuUser, memoryResident, memorySwapped, memoryVirtual: [LabelPair]
    /// In `GroupTotals.stateNames` order.
    let states: [[LabelPair]]

    init(group name: String, labels: CheckLabels) {
        let groupname = LabelPair("groupname", name)
        func with(_ label: String, _ value: String) -> [LabelPair] { labels.with([groupname, LabelPair(label, value)]) }
        group = labels.with([groupname])
        cpuSystem = with("mode", "system")
        cpuUser = with("mode", "user")
        memoryResident = with("memtype", "resident")
        memorySwapped = with("memtype", "swapped")
        memoryVirtual = with("memtype", "virtual")
        states = GroupTotals.stateNames.map { with("state", $0) }
    }
}

func baseName(_ path: String) -> String {
    guard let slash = path.lastIndex(of: "/") else { return path }
    return String(path[path.index(after: slash)...])
}
