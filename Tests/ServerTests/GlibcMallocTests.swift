#if canImport(Glibc)
import Glibc
import Testing
@testable import Server

@Suite("glibc malloc tuning")
struct GlibcMallocTests {
    /// Resident anonymous memory of this process in KiB, from /proc.
    static func residentAnonymousKiB() -> Int {
        guard let file = fopen("/proc/self/status", "r") else { return -1 }
        defer { fclose(file) }
        var line = [CChar](repeating: 0, count: 256)
        while fgets(&line, Int32(line.count), file) != nil {
            let text = String(decoding: line.prefix { $0 != 0 }.map { UInt8(bitPattern: $0) }, as: UTF8.self)
            if text.hasPrefix("RssAnon:") {
                return Int(text.split(separator: " ", omittingEmptySubsequences: true).dropFirst().first ?? "") ?? -1
            }
        }
        return -1
    }

    @Test("freed memory inside an arena goes back to the kernel")
    func returnsFreedPages() {
        // 48 MiB in 1 KiB blocks (far below the mmap threshold), touched,
        // then freed except the last block, which pins the heap's top so
        // glibc cannot return the space by itself.
        let count = 48 * 1024
        var blocks: [UnsafeMutableRawPointer] = []
        blocks.reserveCapacity(count)
        for _ in 0..<count {
            guard let p = malloc(1024) else { break }
            memset(p, 0x5a, 1024)
            blocks.append(p)
        }
        #expect(blocks.count == count)
        for p in blocks.dropLast() { free(p) }
        let before = Self.residentAnonymousKiB()

        let released = GlibcMalloc.returnFreeMemory()
        let after = Self.residentAnonymousKiB()
        free(blocks.last)

        #expect(released)
        #expect(before > 0 && after > 0)
        // Other tests allocate concurrently; most of the 48 MiB must still show.
        #expect(before - after > 32 * 1024, "RssAnon \(before) KiB -> \(after) KiB")
    }
}
#endif
