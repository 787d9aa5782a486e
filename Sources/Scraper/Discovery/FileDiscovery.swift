#if canImport(Glibc)
import Glibc
#endif
import Config
import Foundation
import Model

/// Reading `file_sd_configs` files: JSON or YAML lists of `{targets, labels}`.
enum FileDiscovery {
    static let filepathLabel = "__meta_filepath"

    /// The files a pattern names now (glob in the last path element), sorted.
    static func expand(_ pattern: String) -> [String] {
        guard pattern.contains("*") || pattern.contains("?") || pattern.contains("[") else {
            return FileManager.default.fileExists(atPath: pattern) ? [pattern] : []
        }
        return globFiles(pattern)
    }

    /// Modification time and size, to notice a changed file without reading it.
    static func fingerprint(_ path: String) -> FileFingerprint? {
        var st = stat()
        guard stat(path, &st) == 0 else { return nil }
        return FileFingerprint(seconds: Int64(st.st_mtim.tv_sec), nanos: Int64(st.st_mtim.tv_nsec), size: Int64(st.st_size))
    }

    /// The target groups of one file, each labelled with `__meta_filepath` and
    /// sourced `path:index`. Throws a `ConfigError` naming line and column.
    static func read(_ path: String) throws -> [TargetGroup] {
        guard let root = try YAMLNode.load(file: path) else { return [] }
        var groups: [TargetGroup] = []
        for (index, item) in try root.sequence().enumerated() {
            let m = try item.mapping(allowedKeys: ["targets", "labels"])
            var labels: [Label] = []
            for (name, value) in try m["labels"]?.entries() ?? [] {
                if name.isEmpty || !isValidUTF8Name(name) { throw value.error("invalid label name \(quoteLabelValue(name))") }
                labels.append(Label(name, try value.string()))
            }
            labels.append(Label(filepathLabel, path))
            let targets = try m["targets"]?.stringList() ?? []
            groups.append(TargetGroup(targets: targets, labels: Labels(labels), source: "\(path):\(index)"))
        }
        return groups
    }
}

struct FileFingerprint: Equatable {
    var seconds: Int64
    var nanos: Int64
    var size: Int64
}

/// The discovery state of one job: static groups plus what its files held when
/// last read successfully. A broken file keeps its last good groups.
struct JobDiscovery {
    let job: String
    let staticGroups: [TargetGroup]
    let fileConfigs: [FileSDConfig]

    private struct FileState {
        var fingerprint: FileFingerprint?
        var groups: [TargetGroup]
        var error: String?
    }

    private var files: [String: FileState] = [:]
    private var nextFullRefresh: [Int: ContinuousClock.Instant] = [:]

    init(config: ScrapeConfig) {
        job = config.jobName
        staticGroups = config.staticConfigs
        fileConfigs = config.fileSDConfigs
    }

    /// Re-reads files that changed (or all of a config's files when its
    /// `refresh_interval` passed) and returns every group in a stable order.
    mutating func refresh(now: ContinuousClock.Instant = .now) -> [TargetGroup] {
        var seen = Set<String>()
        for (i, config) in fileConfigs.enumerated() {
            let forced = nextFullRefresh[i].map { now >= $0 } ?? true
            if forced {
                nextFullRefresh[i] = now + .milliseconds(max(config.refreshInterval.milliseconds, 1000))
            }
            for pattern in config.files {
                for path in FileDiscovery.expand(pattern) where seen.insert(path).inserted {
                    refreshFile(path, forced: forced)
                }
            }
        }
        // Files that no longer exist or match take their targets with them.
        for path in files.keys where !seen.contains(path) { files.removeValue(forKey: path) }
        return staticGroups + files.keys.sorted().flatMap { files[$0]?.groups ?? [] }
    }

    private mutating func refreshFile(_ path: String, forced: Bool) {
        let fingerprint = FileDiscovery.fingerprint(path)
        if !forced, let known = files[path], known.fingerprint == fingerprint, fingerprint != nil { return }
        do {
            let groups = try FileDiscovery.read(path)
            files[path] = FileState(fingerprint: fingerprint, groups: groups, error: nil)
        } catch {
            let previous = files[path]?.groups ?? []
            files[path] = FileState(fingerprint: fingerprint, groups: previous, error: "\(error)")
        }
    }

    /// Problems with files as of the last refresh.
    var errors: [DiscoveryError] {
        files.keys.sorted().compactMap { path in
            files[path]?.error.map { DiscoveryError(job: job, source: path, message: $0) }
        }
    }
}
