import Foundation
import Testing
@testable import Exporter

/// The collectors that complete node_exporter 1.5's default set, against fixture
/// /proc, /sys and /etc trees with known contents.
@Suite struct KernelCollectorFixtureTests {
    static func makeHost() -> TempDir {
        let t = TempDir("ember-kernel-fixture")
        t.write("proc/vmstat", "nr_free_pages 100\npgpgin 11\npgpgout 12\npswpin 13\npswpout 14\npgfault 15\npgmajfault 16\noom_kill 2\npgsteal_kswapd 99\n")
        t.write("proc/sys/fs/file-nr", "2479\t0\t2466170\n")
        t.write("proc/sys/kernel/random/entropy_avail", "256\n")
        t.write("proc/sys/kernel/random/poolsize", "256\n")
        t.write("proc/sys/net/netfilter/nf_conntrack_count", "7\n")
        t.write("proc/sys/net/netfilter/nf_conntrack_max", "262144\n")
        t.write("proc/net/stat/nf_conntrack", """
        entries  clashres found new invalid ignore delete chainlength insert insert_failed drop early_drop icmp_error  expect_new expect_create expect_delete search_restart
        00000007  00000000 0000000a 00000000 00000001 00000002 00000000 00000000 00000003 00000000 00000004 00000000 00000000  00000000 00000000 00000000 00000010
        00000007  00000000 00000001 00000000 00000001 00000000 00000000 00000000 00000003 00000001 00000000 00000005 00000000  00000000 00000000 00000000 00000001

        """)
        t.write("proc/net/netstat", """
        TcpExt: SyncookiesSent ListenOverflows ListenDrops TCPTimeouts PruneCalled
        TcpExt: 1 5473 5474 4243 8
        IpExt: InNoRoutes InOctets OutOctets
        IpExt: 0 2733947403 2444333531

        """)
        t.write("proc/net/snmp", """
        Ip: Forwarding DefaultTTL InReceives
        Ip: 2 64 497376
        Tcp: RtoAlgorithm MaxConn ActiveOpens CurrEstab InErrs InSegs
        Tcp: 1 -1 37410 2 0 473204
        Udp: InDatagrams NoPorts InErrors OutDatagrams
        Udp: 7738 0 0 7740

        """)
        t.write("proc/net/snmp6", "Ip6InReceives                   \t58\nIp6InOctets \t4036\nIcmp6InMsgs 2\nUdpLite6InErrors 0\nIcmp6InType1 9\n")
        t.write("proc/net/sockstat", "sockets: used 54\nTCP: inuse 4 orphan 0 tw 2 alloc 4 mem 156\nUDP: inuse 0 mem 3\nFRAG: inuse 0 memory 0\n")
        t.write("proc/net/softnet_stat", "0003b0e8 00000001 00000002 00000000\n0003a661 00000000 00000003 00000000\n")
        t.write("proc/net/udp", """
           sl  local_address rem_address   st tx_queue rx_queue tr tm->when retrnsmt   uid  timeout inode ref pointer drops
            0: 00000000:0044 00000000:0000 07 00000010:00000100 00:00000000 00000000     0        0 1 2 0000000000000000 0
            1: 00000000:0045 00000000:0000 07 00000001:00000001 00:00000000 00000000     0        0 2 2 0000000000000000 0

        """)
        t.write("proc/net/arp", """
        IP address       HW type     Flags       HW address            Mask     Device
        192.0.2.1        0x1         0x2         02:fc:00:00:00:05     *        eth0
        192.0.2.2        0x1         0x2         02:fc:00:00:00:06     *        eth0
        10.0.0.1         0x1         0x2         02:fc:00:00:00:07     *        eth1

        """)
        t.write("root/etc/os-release", """
        PRETTY_NAME="Debian GNU/Linux 12 (bookworm)"
        NAME="Debian GNU/Linux"
        VERSION_ID="12.4"
        VERSION="12 (bookworm)"
        VERSION_CODENAME=bookworm
        ID=debian
        # a comment
        VARIANT='Server "edition"'

        """)
        for (attribute, value) in [("address", "02:fc:00:00:00:01"), ("broadcast", "ff:ff:ff:ff:ff:ff"), ("operstate", "up"), ("duplex", "full"),
                                   ("mtu", "1500"), ("flags", "0x1003"), ("speed", "1000"), ("carrier", "1"), ("dev_id", "0x0"), ("ifindex", "2"),
                                   ("tx_queue_len", "1000"), ("type", "1"), ("carrier_changes", "3")] {
            t.write("sys/class/net/eth0/\(attribute)", value + "\n")
        }
        for (attribute, value) in [("address", "0a:b0:6f:8b:c1:d6"), ("operstate", "down"), ("mtu", "1500"), ("speed", "-1")] {
            t.write("sys/class/net/ifb0/\(attribute)", value + "\n")
        }
        t.write("sys/class/net/bonding_masters", "\n")
        return t
    }

    static func scrape(_ t: TempDir) async throws -> ParsedPage {
        var o = ExporterOptions()
        o.paths = HostPaths(procfs: t.path + "/proc", sysfs: t.path + "/sys", rootfs: t.path + "/root", udevData: t.path + "/udev")
        o.collectors = [.vmstat, .filefd, .entropy, .conntrack, .netstat, .sockstat, .softnet, .udpQueues, .arp, .os, .netclass, .selinux]
        let exporter = try Exporter(config: ChecksConfig(), options: o)
        return try ParsedPage(await exporter.scrape(format: .text).body)
    }

    @Test func everyCollectorSucceedsOnTheFixture() async throws {
        let t = Self.makeHost()
        let page = try await Self.scrape(t)
        for name in ["vmstat", "filefd", "entropy", "conntrack", "netstat", "sockstat", "softnet", "udp_queues", "arp", "os", "netclass", "selinux"] {
            #expect(page.value("node_scrape_collector_success", ["collector": name]) == 1, "collector \(name)")
        }
    }

    @Test func vmstatFilefdEntropyAndConntrack() async throws {
        let page = try await Self.scrape(Self.makeHost())
        #expect(page.value("node_vmstat_pgfault") == 15)
        #expect(page.value("node_vmstat_oom_kill") == 2)
        #expect(page.family("node_vmstat_pgfault")?.type == .untyped)
        #expect(page.family("node_vmstat_nr_free_pages") == nil)
        #expect(page.family("node_vmstat_pgsteal_kswapd") == nil)
        #expect(page.value("node_filefd_allocated") == 2479)
        #expect(page.value("node_filefd_maximum") == 2_466_170)
        #expect(page.value("node_entropy_available_bits") == 256)
        #expect(page.value("node_nf_conntrack_entries") == 7)
        #expect(page.value("node_nf_conntrack_entries_limit") == 262_144)
        #expect(page.value("node_nf_conntrack_stat_found") == 11)
        #expect(page.value("node_nf_conntrack_stat_insert") == 6)
        #expect(page.value("node_nf_conntrack_stat_insert_failed") == 1)
        #expect(page.value("node_nf_conntrack_stat_early_drop") == 5)
        #expect(page.value("node_nf_conntrack_stat_search_restart") == 17)
        #expect(page.value("node_selinux_enabled") == 0)
    }

    @Test func netstatSockstatSoftnetUDPAndARP() async throws {
        let page = try await Self.scrape(Self.makeHost())
        #expect(page.value("node_netstat_TcpExt_ListenOverflows") == 5473)
        #expect(page.value("node_netstat_TcpExt_SyncookiesSent") == 1)
        #expect(page.value("node_netstat_TcpExt_TCPTimeouts") == 4243)
        #expect(page.family("node_netstat_TcpExt_PruneCalled") == nil)
        #expect(page.value("node_netstat_IpExt_InOctets") == 2_733_947_403)
        #expect(page.value("node_netstat_Ip_Forwarding") == 2)
        #expect(page.family("node_netstat_Ip_DefaultTTL") == nil)
        #expect(page.value("node_netstat_Tcp_CurrEstab") == 2)
        #expect(page.value("node_netstat_Tcp_InErrs") == 0)
        #expect(page.family("node_netstat_Tcp_MaxConn") == nil)
        #expect(page.value("node_netstat_Udp_InDatagrams") == 7738)
        #expect(page.value("node_netstat_Ip6_InOctets") == 4036)
        #expect(page.value("node_netstat_Icmp6_InMsgs") == 2)
        #expect(page.value("node_netstat_UdpLite6_InErrors") == 0)
        #expect(page.family("node_netstat_Icmp6_InType1") == nil)
        #expect(page.family("node_netstat_Tcp_InSegs")?.help == "Statistic TcpInSegs.")

        #expect(page.value("node_sockstat_sockets_used") == 54)
        #expect(page.value("node_sockstat_TCP_tw") == 2)
        #expect(page.value("node_sockstat_TCP_mem") == 156)
        #expect(page.value("node_sockstat_TCP_mem_bytes") == 156 * SockstatCollector.pageSize)
        #expect(page.value("node_sockstat_UDP_mem_bytes") == 3 * SockstatCollector.pageSize)
        #expect(page.value("node_sockstat_FRAG_memory") == 0)
        #expect(page.family("node_sockstat_FRAG_memory_bytes") == nil)

        #expect(page.value("node_softnet_processed_total", ["cpu": "0"]) == 241_896)
        #expect(page.value("node_softnet_dropped_total", ["cpu": "0"]) == 1)
        #expect(page.value("node_softnet_times_squeezed_total", ["cpu": "1"]) == 3)

        #expect(page.value("node_udp_queues", ["ip": "v4", "queue": "tx"]) == 17)
        #expect(page.value("node_udp_queues", ["ip": "v4", "queue": "rx"]) == 257)
        #expect(page.value("node_udp_queues", ["ip": "v6", "queue": "rx"]) == nil)

        #expect(page.value("node_arp_entries", ["device": "eth0"]) == 2)
        #expect(page.value("node_arp_entries", ["device": "eth1"]) == 1)
    }

    @Test func osReleaseAndNetclass() async throws {
        let page = try await Self.scrape(Self.makeHost())
        let info = try #require(page.samples("node_os_info").first)
        let labels = Dictionary(uniqueKeysWithValues: info.labels.map { ($0.name, $0.value) })
        #expect(labels["pretty_name"] == "Debian GNU/Linux 12 (bookworm)")
        #expect(labels["version_codename"] == "bookworm")
        #expect(labels["variant"] == "Server \"edition\"")
        #expect(labels["build_id"] == "")
        #expect(info.labels.count == 12)
        #expect(page.value("node_os_version", ["id": "debian", "id_like": "", "name": "Debian GNU/Linux"]) == 12.4)

        #expect(page.value("node_network_up", ["device": "eth0"]) == 1)
        #expect(page.value("node_network_up", ["device": "ifb0"]) == 0)
        #expect(page.samples("node_network_up").count == 2, "bonding_masters is a file, not a device")
        #expect(page.value("node_network_info", ["device": "eth0", "address": "02:fc:00:00:00:01", "duplex": "full", "operstate": "up", "ifalias": ""]) == 1)
        #expect(page.value("node_network_flags", ["device": "eth0"]) == 4099)
        #expect(page.value("node_network_speed_bytes", ["device": "eth0"]) == 125_000_000)
        #expect(page.value("node_network_speed_bytes", ["device": "ifb0"]) == -125_000)
        #expect(page.value("node_network_carrier", ["device": "ifb0"]) == nil)
        #expect(page.value("node_network_carrier_changes_total", ["device": "eth0"]) == 3)
        #expect(page.family("node_network_carrier_changes_total")?.type == .counter)
        #expect(page.value("node_network_mtu_bytes", ["device": "ifb0"]) == 1500)
    }

    @Test func missingConntrackIsNoDataAndBadFilesAreErrors() async throws {
        let t = Self.makeHost()
        try FileManager.default.removeItem(atPath: t.path + "/proc/sys/net/netfilter/nf_conntrack_count")
        t.write("proc/sys/fs/file-nr", "garbage\n")
        t.write("proc/net/softnet_stat", "zz 1 2\n")
        let page = try await Self.scrape(t)
        #expect(page.value("node_scrape_collector_success", ["collector": "conntrack"]) == 0)
        #expect(page.family("node_nf_conntrack_entries") == nil)
        #expect(page.value("node_scrape_collector_success", ["collector": "filefd"]) == 0)
        #expect(page.value("node_scrape_collector_success", ["collector": "softnet"]) == 0)
        #expect(page.value("node_scrape_collector_success", ["collector": "vmstat"]) == 1)
    }
}
