/// Version and build facts, served at /api/v1/status/buildinfo and printed by `ember version`.
public enum BuildInfo {
    public static let version = "0.1.0"
    public static let revision = "unknown"
    public static let branch = "main"
    public static let goVersionEquivalent = "swift6.3"

    /// `ember, version 0.1.0 (branch: main, revision: unknown)` — the shape promtool prints for Prometheus.
    public static var versionLine: String {
        "ember, version \(version) (branch: \(branch), revision: \(revision))\n  build language: Swift 6\n  platform: \(platform)"
    }

    public static var platform: String {
        #if os(Linux)
        let os = "linux"
        #else
        let os = "darwin"
        #endif
        #if arch(x86_64)
        return "\(os)/amd64"
        #elseif arch(arm64)
        return "\(os)/arm64"
        #else
        return os
        #endif
    }
}
