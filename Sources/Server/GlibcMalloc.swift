#if canImport(Glibc)
import Glibc
#endif
import ServiceLifecycle

/// Tuning of glibc's allocator for a long-running server. Swift's Glibc
/// module exports neither `mallopt` nor `malloc_trim`, so both are looked
/// up at run time; on other C libraries these calls do nothing.
public enum GlibcMalloc {
    /// Caps malloc at two arenas unless the user chose (MALLOC_ARENA_MAX).
    /// By default every thread that allocates may get an arena of its own
    /// (up to eight per core), and each keeps the memory its thread freed:
    /// at 50,000 scraped series that held 5–7 MB of peak RSS for no gain on
    /// a server whose busy threads number about as many as its cores.
    public static func limitArenas() {
        #if canImport(Glibc)
        guard getenv("MALLOC_ARENA_MAX") == nil else { return }
        typealias MallOpt = @convention(c) (Int32, Int32) -> Int32
        guard let symbol = dlsym(dlopen(nil, RTLD_NOW), "mallopt") else { return }
        _ = unsafeBitCast(symbol, to: MallOpt.self)(-8, 2)  // M_ARENA_MAX in <malloc.h>
        #endif
    }

    /// Gives the pages of freed memory back to the kernel. glibc returns
    /// only the top of its main heap by itself; free chunks inside the
    /// arenas (startup's configuration and index work, emptied scrape
    /// buffers) otherwise stay resident for good: about 5 MB at 50,000
    /// series. Go's scavenger does the same for Prometheus.
    /// Returns whether any memory was released.
    @discardableResult
    public static func returnFreeMemory() -> Bool {
        #if canImport(Glibc)
        typealias MallocTrim = @convention(c) (Int) -> Int32
        guard let symbol = trimSymbol else { return false }
        return unsafeBitCast(symbol, to: MallocTrim.self)(0) == 1
        #else
        return false
        #endif
    }

    #if canImport(Glibc)
    nonisolated(unsafe) private static let trimSymbol = dlsym(dlopen(nil, RTLD_NOW), "malloc_trim")
    #endif
}

/// Calls `GlibcMalloc.returnFreeMemory()` at a fixed interval until shutdown.
struct FreeMemoryReturnService: Service {
    var interval: Duration = .seconds(10)

    func run() async throws {
        // Graceful shutdown does not cancel a service; this turns it into cancellation.
        await cancelWhenGracefulShutdown {
            while !Task.isCancelled {
                do {
                    try await Task.sleep(for: interval)
                } catch {
                    return
                }
                GlibcMalloc.returnFreeMemory()
            }
        }
    }
}
