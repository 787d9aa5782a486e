#if os(Linux) && (arch(x86_64) || arch(arm64))
import Glibc

/// `node_timex_*`: the kernel clock discipline state from adjtimex(2) in read-only
/// mode, as node_exporter 1.5's timex collector.
///
/// Swift's Glibc module does not import `struct timex` or `adjtimex`, so the function
/// is looked up with dlsym and the structure read at its offsets in the 64-bit Linux
/// ABI (x86_64 and aarch64 share it): longs at 8-byte slots, ints padded to them.
struct TimexCollector: HostCollector {
    var name: String { "timex" }

    /// adjtimex's return value when the clock is not synchronised (TIME_ERROR).
    static let timeError: Int32 = 5
    /// STA_NANO: offset and jitter are in nanoseconds rather than microseconds.
    static let staNano: Int32 = 0x2000
    /// Scale of the 16-bit-fraction ppm fields (see NOTES in adjtimex(2)).
    static let ppm16frac = 1_000_000.0 * 65536.0
    /// sizeof(struct timex) on 64-bit Linux.
    static let structSize = 208

    /// Byte offsets of the fields read (glibc's <bits/timex.h>, LP64).
    enum Offset {
        static let modes = 0, offset = 8, freq = 16, maxerror = 24, esterror = 32, status = 40, constant = 48
        static let tick = 88, ppsfreq = 96, jitter = 104, shift = 112, stabil = 120
        static let jitcnt = 128, calcnt = 136, errcnt = 144, stbcnt = 152, tai = 160
    }

    typealias AdjtimexFunction = @convention(c) (UnsafeMutableRawPointer) -> Int32
    static let adjtimex: AdjtimexFunction? = {
        guard let symbol = dlsym(UnsafeMutableRawPointer(bitPattern: 0), "adjtimex") else { return nil }
        return unsafeBitCast(symbol, to: AdjtimexFunction.self)
    }()

    func collect(into set: inout MetricSet) throws {
        guard let adjtimex = Self.adjtimex else { throw CollectorNoData(reason: "adjtimex is not available") }
        let buffer = UnsafeMutableRawPointer.allocate(byteCount: Self.structSize, alignment: 8)
        defer { buffer.deallocate() }
        buffer.initializeMemory(as: UInt8.self, repeating: 0, count: Self.structSize)
        // modes = 0: read only.
        let state = adjtimex(buffer)
        if state < 0 {
            let code = errno
            if code == EPERM { throw CollectorNoData(reason: "adjtimex: permission denied") }
            throw CollectorParseError(path: "adjtimex(2)", detail: String(cString: strerror(code)))
        }
        func long(_ offset: Int) -> Double { Double(buffer.load(fromByteOffset: offset, as: Int.self)) }
        func int(_ offset: Int) -> Int32 { buffer.load(fromByteOffset: offset, as: Int32.self) }
        let status = int(Offset.status)
        let divisor = (status & Self.staNano) != 0 ? 1e9 : 1e6
        func gauge(_ name: String, _ help: String, _ value: Double) {
            set.add("node_timex_" + name, help: help, type: .gauge, value: value)
        }
        func counter(_ name: String, _ help: String, _ value: Double) {
            set.add("node_timex_" + name, help: help, type: .counter, value: value)
        }
        gauge("sync_status", "Is clock synchronized to a reliable server (1 = yes, 0 = no).", state == Self.timeError ? 0 : 1)
        gauge("offset_seconds", "Time offset in between local system and reference clock.", long(Offset.offset) / divisor)
        gauge("frequency_adjustment_ratio", "Local clock frequency adjustment.", 1 + long(Offset.freq) / Self.ppm16frac)
        gauge("maxerror_seconds", "Maximum error in seconds.", long(Offset.maxerror) / 1e6)
        gauge("estimated_error_seconds", "Estimated error in seconds.", long(Offset.esterror) / 1e6)
        gauge("status", "Value of the status array bits.", Double(status))
        gauge("loop_time_constant", "Phase-locked loop time constant.", long(Offset.constant))
        gauge("tick_seconds", "Seconds between clock ticks.", long(Offset.tick) / 1e6)
        gauge("pps_frequency_hertz", "Pulse per second frequency.", long(Offset.ppsfreq) / Self.ppm16frac)
        gauge("pps_jitter_seconds", "Pulse per second jitter.", long(Offset.jitter) / divisor)
        gauge("pps_shift_seconds", "Pulse per second interval duration.", Double(int(Offset.shift)))
        gauge("pps_stability_hertz", "Pulse per second stability, average of recent frequency changes.", long(Offset.stabil) / Self.ppm16frac)
        counter("pps_jitter_total", "Pulse per second count of jitter limit exceeded events.", long(Offset.jitcnt))
        counter("pps_calibration_total", "Pulse per second count of calibration intervals.", long(Offset.calcnt))
        counter("pps_error_total", "Pulse per second count of calibration errors.", long(Offset.errcnt))
        counter("pps_stability_exceeded_total", "Pulse per second count of stability limit exceeded events.", long(Offset.stbcnt))
        gauge("tai_offset_seconds", "International Atomic Time (TAI) offset.", Double(int(Offset.tai)))
    }
}
#endif
