#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

/// Metrics from `*.prom` files in a directory, as node_exporter 1.5's textfile
/// collector: a file that fails to parse or carries timestamps is skipped whole and
/// sets `node_textfile_scrape_error 1`; `node_textfile_mtime_seconds{file}` reports
/// each file read.
struct TextfileCollector: HostCollector {
    let directory: String
    var name: String { "textfile" }

    func collect(into set: inout MetricSet) throws {
        var errored = false
        var mtimes: [(String, Double)] = []
        if !directory.isEmpty {
            if let names = ByteFile.listDirectory(directory) {
                for file in names.sorted() where file.hasSuffix(".prom") {
                    let path = Self.joinPath(directory, file)
                    do {
                        let mtime = try readFile(path, into: &set)
                        mtimes.append((path, mtime))
                    } catch {
                        errored = true
                    }
                }
            } else {
                errored = true
            }
        }
        if !mtimes.isEmpty, let h = set.family("node_textfile_mtime_seconds", help: "Unixtime mtime of textfiles successfully read.", type: .gauge) {
            for (path, mtime) in mtimes { set.append(h, labels: [LabelPair("file", path)], value: mtime) }
        }
        set.add("node_textfile_scrape_error", help: "1 if there was an error opening or reading a file, 0 otherwise", type: .gauge, value: errored ? 1 : 0)
    }

    /// Go's filepath.Join: joined, with repeated and trailing slashes removed, as
    /// node_exporter names files in labels and HELP.
    static func joinPath(_ directory: String, _ file: String) -> String {
        var out = ""
        for part in (directory + "/" + file).split(separator: "/", omittingEmptySubsequences: true) where part != "." {
            out += "/" + part
        }
        return directory.hasPrefix("/") ? out : String(out.dropFirst())
    }

    struct TimestampsNotSupported: Error, CustomStringConvertible {
        let path: String
        var description: String { "textfile \"\(path)\" contains unsupported client-side timestamps, skipping entire file" }
    }

    /// Parses one file and adds its families; returns its mtime.
    private func readFile(_ path: String, into set: inout MetricSet) throws -> Double {
        let bytes = try ByteFile.load(path)
        var st = stat()
        guard stat(path, &st) == 0 else { throw FileReadError(path: path, code: errno) }
        let parsed = try TextFormatParser.parse(bytes)
        if parsed.hasTimestamps { throw TimestampsNotSupported(path: path) }
        for family in parsed.families {
            let help = family.help.isEmpty ? "Metric read from \(path)" : family.help
            guard let h = set.family(family.name, help: help, type: family.type) else { continue }
            for sample in Self.completeLabels(family.samples) { set.append(h, sample: sample) }
        }
        // node_exporter 1.5 reports whole seconds.
        return Double(st.st_mtim.tv_sec)
    }

    /// Gives every sample of a family the union of the family's label names, the
    /// missing ones empty, sorted by name: node_exporter builds one descriptor per
    /// family from that union.
    static func completeLabels(_ samples: [ExposedSample]) -> [ExposedSample] {
        var names = Set<String>()
        for s in samples { for l in s.labels where l.name != "le" && l.name != "quantile" { names.insert(l.name) } }
        let sortedNames = names.sorted()
        return samples.map { s in
            var labels: [LabelPair] = []
            labels.reserveCapacity(sortedNames.count + 1)
            for n in sortedNames { labels.append(LabelPair(n, s.labels.first(where: { $0.name == n })?.value ?? "")) }
            for l in s.labels where l.name == "le" || l.name == "quantile" { labels.append(l) }
            return ExposedSample(name: s.name, labels: labels, value: s.value)
        }
    }
}
