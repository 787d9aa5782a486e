import Foundation
import Testing
@testable import Exporter

/// Host collectors against fixture /proc and /sys trees with known contents.
@Suite struct CollectorFixtureTests {
    /// A small but complete fixture host.
    static func makeHost() -> TempDir {
        let t = TempDir("ember-fixture")
        t.write("proc/stat", """
        cpu  300 10 200 9000 50 0 5 1 0 0
        cpu0 100 4 80 4500 20 0 2 1 7 3
        cpu1 200 6 120 4500 30 0 3 0 0 0
        intr 123456 10 20 30
        ctxt 987654
        btime 1700000000
        processes 4242
        procs_running 3
        procs_blocked 1
        softirq 1 2 3

        """)
        t.write("proc/meminfo", """
        MemTotal:       16384000 kB
        MemFree:         1024000 kB
        Active(anon):     512000 kB
        HugePages_Total:       4
        Hugepagesize:       2048 kB

        """)
        t.write("proc/loadavg", "0.31 0.19 0.09 1/93 10519\n")
        t.mkdir("root/data")
        t.mkdir("root/with space")
        t.write("proc/1/mounts", """
        /dev/sda1 / ext4 rw,relatime 0 0
        /dev/sdb1 /data xfs ro,noatime 0 0
        /dev/sdb1 /data xfs ro,noatime 0 0
        /dev/sdc1 /with\\040space ext4 rw 0 0
        /dev/sdd1 /missing ext4 rw 0 0
        proc /proc proc rw 0 0
        tmpfs /run/credentials/x.service tmpfs rw 0 0
        overlay /var/lib/docker/overlay2/abc/merged overlay rw 0 0
        cgroup2 /sys/fs/cgroup/unified cgroup2 rw 0 0
        tmpfs /run tmpfs rw,nosuid 0 0

        """)
        t.mkdir("root/run")
        t.write("proc/net/dev", """
        Inter-|   Receive                                                |  Transmit
         face |bytes    packets errs drop fifo frame compressed multicast|bytes    packets errs drop fifo colls carrier compressed
            lo:   62907      62    0    0    0     0          0         0    62907      62    0    0    0     0       0          0
          eth0: 82580465    1485    1    2    3     4          5         6    64700     832    7    8    9    10      11         12

        """)
        t.write("sys/class/net/eth0/statistics/rx_nohandler", "13\n")
        t.write("proc/diskstats", """
           7       0 loop0 1 0 0 0 0 0 0 0 0 0 0 0 0 0 0 0 0
           8       0 sda 34904 7898 4504250 27197 13600 28473 4800840 9962 0 16760 37629 2316 0 309312 396 1985 73
           8       1 sda1 1 2 3 4 5 6 7 8 0 9 10
         254       0 vdb 10 20 30 40 50 60 70 80 1 90 100

        """)
        t.write("udev/b8:0", "S:disk/by-id/x\nE:ID_MODEL=QEMU_HARDDISK\nE:ID_SERIAL_SHORT=QM0001\nE:ID_PATH=pci-0000:00:01.1-ata-1\nE:ID_REVISION=2.5+\nE:ID_WWN=0x5000\n")
        t.write("proc/pressure/cpu", "some avg10=0.00 avg60=0.00 avg300=0.00 total=14147584\nfull avg10=0.00 avg60=0.00 avg300=0.00 total=0\n")
        t.write("proc/pressure/io", "some avg10=0.00 avg60=0.00 avg300=0.00 total=9312040\nfull avg10=0.00 avg60=0.00 avg300=0.00 total=8935717\n")
        t.write("proc/pressure/memory", "some avg10=0.00 avg60=0.00 avg300=0.00 total=1500000\nfull avg10=0.00 avg60=0.00 avg300=0.00 total=500000\n")
        t.write("proc/sys/kernel/ostype", "Linux\n")
        t.write("proc/sys/kernel/osrelease", "6.1.0-test\n")
        t.write("proc/sys/kernel/version", "#1 SMP Debian\n")
        t.write("proc/sys/kernel/hostname", "fixture-host\n")
        t.write("proc/sys/kernel/domainname", "(none)\n")
        t.write("proc/sys/kernel/arch", "aarch64\n")
        t.write("sys/devices/system/clocksource/clocksource0/available_clocksource", "tsc hpet acpi_pm \n")
        t.write("sys/devices/system/clocksource/clocksource0/current_clocksource", "tsc\n")
        return t
    }

    static func options(_ t: TempDir) -> ExporterOptions {
        var o = ExporterOptions()
        o.paths = HostPaths(procfs: t.path + "/proc", sysfs: t.path + "/sys", rootfs: t.path + "/root", udevData: t.path + "/udev")
        o.collectors = Set(HostCollectorName.allCases).subtracting([.textfile])
        return o
    }

    static func scrape(_ options: ExporterOptions) async throws -> ParsedPage {
        let exporter = try Exporter(config: ChecksConfig(), options: options)
        return try ParsedPage(await exporter.scrape(format: .text).body)
    }

    @Test func cpuAndStat() async throws {
        let t = Self.makeHost()
        let page = try await Self.scrape(Self.options(t))
        #expect(page.value("node_cpu_seconds_total", ["cpu": "0", "mode": "user"]) == 1)
        #expect(page.value("node_cpu_seconds_total", ["cpu": "1", "mode": "idle"]) == 45)
        #expect(page.value("node_cpu_seconds_total", ["cpu": "0", "mode": "steal"]) == 0.01)
        #expect(page.samples("node_cpu_seconds_total").count == 16)
        #expect(page.value("node_cpu_guest_seconds_total", ["cpu": "0", "mode": "user"]) == 0.07)
        #expect(page.value("node_cpu_guest_seconds_total", ["cpu": "0", "mode": "nice"]) == 0.03)
        #expect(page.value("node_intr_total") == 123456)
        #expect(page.value("node_context_switches_total") == 987654)
        #expect(page.value("node_boot_time_seconds") == 1_700_000_000)
        #expect(page.value("node_forks_total") == 4242)
        #expect(page.value("node_procs_running") == 3)
        #expect(page.value("node_procs_blocked") == 1)
        #expect(page.value("node_load1") == 0.31)
        #expect(page.value("node_load15") == 0.09)
    }

    @Test func meminfoNamesAndUnits() async throws {
        let t = Self.makeHost()
        let page = try await Self.scrape(Self.options(t))
        #expect(page.value("node_memory_MemTotal_bytes") == Double(16_384_000 * 1024))
        #expect(page.value("node_memory_Active_anon_bytes") == Double(512_000 * 1024))
        #expect(page.value("node_memory_HugePages_Total") == 4)
        #expect(page.family("node_memory_HugePages_Total")?.help == "Memory information field HugePages_Total.")
        #expect(page.value("node_memory_Hugepagesize_bytes") == Double(2048 * 1024))
    }

    @Test func filesystemExclusionsDedupAndErrors() async throws {
        let t = Self.makeHost()
        let page = try await Self.scrape(Self.options(t))
        let mounts = Set(page.samples("node_filesystem_device_error").compactMap { $0.labels.first { $0.name == "mountpoint" }?.value })
        #expect(mounts == ["/", "/data", "/with space", "/missing", "/run"])
        #expect(page.samples("node_filesystem_size_bytes", ["mountpoint": "/data"]).count == 1)
        #expect(page.value("node_filesystem_readonly", ["mountpoint": "/data"]) == 1)
        #expect(page.value("node_filesystem_readonly", ["mountpoint": "/"]) == 0)
        #expect(page.value("node_filesystem_device_error", ["mountpoint": "/missing"]) == 1)
        #expect(page.value("node_filesystem_size_bytes", ["mountpoint": "/missing"]) == nil)
        #expect(page.value("node_filesystem_size_bytes", ["mountpoint": "/data", "device": "/dev/sdb1", "fstype": "xfs"]) ?? 0 > 0)
    }

    @Test func netdevColumnsAndFilters() async throws {
        let t = Self.makeHost()
        var o = Self.options(t)
        var page = try await Self.scrape(o)
        #expect(page.value("node_network_receive_bytes_total", ["device": "eth0"]) == 82_580_465)
        #expect(page.value("node_network_receive_errs_total", ["device": "eth0"]) == 1)
        #expect(page.value("node_network_receive_multicast_total", ["device": "eth0"]) == 6)
        #expect(page.value("node_network_transmit_colls_total", ["device": "eth0"]) == 10)
        #expect(page.value("node_network_transmit_compressed_total", ["device": "eth0"]) == 12)
        #expect(page.value("node_network_receive_nohandler_total", ["device": "eth0"]) == 13)
        #expect(page.value("node_network_receive_nohandler_total", ["device": "lo"]) == nil)
        #expect(page.value("node_network_receive_bytes_total", ["device": "lo"]) == 62907)
        o.netdevDeviceExclude = "^lo$"
        page = try await Self.scrape(o)
        #expect(page.value("node_network_receive_bytes_total", ["device": "lo"]) == nil)
        o.netdevDeviceInclude = "^lo$"
        page = try await Self.scrape(o)
        #expect(page.samples("node_network_receive_bytes_total").count == 1)
    }

    @Test func diskstatsScalingUdevInfoAndShortLines() async throws {
        let t = Self.makeHost()
        let page = try await Self.scrape(Self.options(t))
        #expect(page.value("node_disk_read_bytes_total", ["device": "sda"]) == Double(4_504_250 * 512))
        #expect(page.value("node_disk_read_time_seconds_total", ["device": "sda"]) == 27.197)
        #expect(page.value("node_disk_io_now", ["device": "sda"]) == 0)
        #expect(page.value("node_disk_discarded_sectors_total", ["device": "sda"]) == 309_312)
        #expect(page.value("node_disk_flush_requests_time_seconds_total", ["device": "sda"]) == 0.073)
        // loop0 and the partition sda1 are excluded by default.
        #expect(page.value("node_disk_reads_completed_total", ["device": "loop0"]) == nil)
        #expect(page.value("node_disk_reads_completed_total", ["device": "sda1"]) == nil)
        // An older kernel's 14-field line has no discard or flush columns.
        #expect(page.value("node_disk_io_time_weighted_seconds_total", ["device": "vdb"]) == 0.1)
        #expect(page.value("node_disk_discards_completed_total", ["device": "vdb"]) == nil)
        let info = try #require(page.samples("node_disk_info", ["device": "sda"]).first)
        #expect(info.labels == [LabelPair("device", "sda"), LabelPair("major", "8"), LabelPair("minor", "0"), LabelPair("model", "QEMU_HARDDISK"),
                                LabelPair("path", "pci-0000:00:01.1-ata-1"), LabelPair("revision", "2.5+"), LabelPair("serial", "QM0001"),
                                LabelPair("wwn", "0x5000")])
    }

    @Test func pressureUnameAndTime() async throws {
        let t = Self.makeHost()
        let page = try await Self.scrape(Self.options(t))
        #expect(page.value("node_pressure_cpu_waiting_seconds_total") == 14.147584)
        #expect(page.value("node_pressure_io_stalled_seconds_total") == 8.935717)
        #expect(page.value("node_pressure_memory_waiting_seconds_total") == 1.5)
        #expect(page.value("node_pressure_memory_stalled_seconds_total") == 0.5)
        #expect(page.value("node_scrape_collector_success", ["collector": "pressure"]) == 1)
        let uname = try #require(page.samples("node_uname_info").first)
        #expect(uname.labels == [LabelPair("domainname", "(none)"), LabelPair("machine", "aarch64"), LabelPair("nodename", "fixture-host"),
                                 LabelPair("release", "6.1.0-test"), LabelPair("sysname", "Linux"), LabelPair("version", "#1 SMP Debian")])
        #expect(page.samples("node_time_clocksource_available_info").count == 3)
        #expect(page.value("node_time_clocksource_current_info", ["clocksource": "tsc", "device": "0"]) == 1)
    }

    @Test func missingAndMalformedFilesFailOnlyTheirCollector() async throws {
        let t = Self.makeHost()
        try FileManager.default.removeItem(atPath: t.path + "/proc/pressure")
        t.write("proc/loadavg", "garbage\n")
        t.write("proc/meminfo", "MemTotal: lots kB\n")
        let page = try await Self.scrape(Self.options(t))
        #expect(page.value("node_scrape_collector_success", ["collector": "pressure"]) == 0)
        #expect(page.value("node_scrape_collector_success", ["collector": "loadavg"]) == 0)
        #expect(page.value("node_scrape_collector_success", ["collector": "meminfo"]) == 0)
        #expect(page.value("node_scrape_collector_success", ["collector": "cpu"]) == 1)
        #expect(page.family("node_pressure_cpu_waiting_seconds_total") == nil)
        #expect(page.family("node_load1") == nil)
        #expect(page.value("node_forks_total") == 4242)
    }

    @Test func mountsFallBackToProcMountsWhenPid1IsHidden() async throws {
        let t = Self.makeHost()
        try FileManager.default.moveItem(atPath: t.path + "/proc/1/mounts", toPath: t.path + "/proc/mounts")
        var o = Self.options(t)
        o.collectors = [.filesystem]
        let page = try await Self.scrape(o)
        #expect(page.value("node_filesystem_readonly", ["mountpoint": "/data"]) == 1)
    }

    @Test func textfileCollectorReadsPromFilesAndFlagsBadOnes() async throws {
        let t = TempDir()
        t.write("good.prom", """
        # HELP app_up Is the app up.
        # TYPE app_up gauge
        app_up{instance_name="a"} 1
        app_up{zone="z"} 0
        # TYPE lat histogram
        lat_bucket{le="1"} 2
        lat_bucket{le="+Inf"} 3
        lat_sum 2.5
        lat_count 3

        """)
        t.write("ignored.txt", "not_read 1\n")
        var o = ExporterOptions()
        o.collectors = [.textfile]
        o.textfileDirectory = t.path
        var page = try await Self.scrape(o)
        #expect(page.value("node_textfile_scrape_error") == 0)
        #expect(page.samples("app_up").map(\.labels) == [[LabelPair("instance_name", "a"), LabelPair("zone", "")],
                                                          [LabelPair("instance_name", ""), LabelPair("zone", "z")]])
        #expect(page.family("lat")?.type == .histogram)
        #expect(page.value("lat_bucket", ["le": "+Inf"]) == 3)
        #expect(page.value("not_read") == nil)
        #expect(page.value("node_textfile_mtime_seconds", ["file": TextfileCollector.joinPath(t.path, "good.prom")]) ?? 0 > 1_600_000_000)

        t.write("bad.prom", "this is { not valid\n")
        t.write("stamped.prom", "stamped 1 1700000000000\n")
        page = try await Self.scrape(o)
        #expect(page.value("node_textfile_scrape_error") == 1)
        #expect(page.value("app_up", ["instance_name": "a"]) == 1)
        #expect(page.value("stamped") == nil)
        #expect(page.samples("node_textfile_mtime_seconds").count == 1)
    }

    @Test func procStatParsingSurvivesHostileCommNames() throws {
        let stat = Array("4242 (my (weird) proc) S 1 4242 4242 0 -1 4194560 150 0 2 0 700 300 0 0 20 0 3 0 12345 104857600 2560 18446744073709551615 1 1 0 0 0 0 0 0 0 0 0 0 17 1 0 0 0 0 0\n".utf8)
        let p = try #require(ProcessStat.parse(stat))
        #expect(p.comm == "my (weird) proc")
        #expect(p.state == UInt8(ascii: "S"))
        #expect(p.ppid == 1)
        #expect(p.minorFaults == 150)
        #expect(p.majorFaults == 2)
        #expect(p.userTicks == 700)
        #expect(p.systemTicks == 300)
        #expect(p.threads == 3)
        #expect(p.startTicks == 12345)
        #expect(p.virtualBytes == 104_857_600)
        #expect(p.residentPages == 2560)
        #expect(ProcessStat.parse(Array("1 (truncated".utf8)) == nil)
    }

    @Test func socketTablesDecodeAddressesAndStates() {
        let tcp = """
          sl  local_address rem_address   st tx_queue rx_queue tr tm->when retrnsmt   uid  timeout inode
           0: 0100007F:2329 00000000:0000 0A 00000000:00000000 00:00000000 00000000     0        0 111 1 0000000000000000 100 0 0 10 0
           1: 0100007F:9C40 0100007F:2329 01 00000000:00000000 00:00000000 00000000     0        0 222 1 0000000000000000 100 0 0 10 0

        """
        let entries = SocketTable.parse(Array(tcp.utf8), proto: .tcp, listenersOnly: false)
        #expect(entries.count == 2)
        #expect(entries[0].localAddress.text == "127.0.0.1")
        #expect(entries[0].localPort == 9001)
        #expect(entries[0].isListening)
        #expect(entries[0].inode == 111)
        #expect(!entries[1].isListening)
        let tcp6 = """
          sl  local_address                         remote_address                        st tx_queue rx_queue tr tm->when retrnsmt   uid  timeout inode
           0: 00000000000000000000000000000000:0050 00000000000000000000000000000000:0000 0A 00000000:00000000 00:00000000 00000000     0        0 333 1 0000000000000000 100 0 0 10 0
           1: 00000000000000000000000001000000:1F90 00000000000000000000000000000000:0000 0A 00000000:00000000 00:00000000 00000000     0        0 444 1 0000000000000000 100 0 0 10 0

        """
        let six = SocketTable.parse(Array(tcp6.utf8), proto: .tcp)
        #expect(six.map(\.localAddress.text) == ["::", "::1"])
        #expect(six.map(\.localPort) == [80, 8080])
        #expect(six[0].localAddress.isUnspecified)
    }
}
