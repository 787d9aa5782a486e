import Foundation
import TestSupport

/// Fixture files of this test target and the reference promtool, if installed.
enum Fixtures {
    static let dir = URL(fileURLWithPath: #filePath).deletingLastPathComponent().appendingPathComponent("Fixtures")

    static func files(_ sub: String, excluding: (String) -> Bool = { _ in false }) -> [String] {
        let d = dir.appendingPathComponent(sub)
        let names = (try? FileManager.default.contentsOfDirectory(atPath: d.path)) ?? []
        return names.filter { $0.hasSuffix(".yml") && !excluding($0) }.sorted().map { d.appendingPathComponent($0).path }
    }

    static var promtool: String? {
        FileManager.default.isExecutableFile(atPath: "/usr/bin/promtool") ? "/usr/bin/promtool" : nil
    }

    /// Runs promtool with a bounded wait.
    static func runPromtool(_ args: [String]) throws -> (status: Int32, stdout: String, stderr: String)? {
        guard let promtool else { return nil }
        return try ChildProcess.run(promtool, args, timeoutSeconds: 60)
    }
}
