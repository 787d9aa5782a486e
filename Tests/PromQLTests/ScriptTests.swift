import Foundation
import Testing
@testable import PromQL

/// Locates shared/ next to the repository (or EMBER_SHARED_DIR).
func sharedDirectory() -> String {
    if let dir = ProcessInfo.processInfo.environment["EMBER_SHARED_DIR"], !dir.isEmpty { return dir }
    let root = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent().deletingLastPathComponent()
    return root.deletingLastPathComponent().appendingPathComponent("shared").path
}

@Suite struct ScriptDebug {
    @Test func runAll() {
        let dir = sharedDirectory() + "/promql-tests/dev"
        let files = ["aggregators", "at_modifier", "functions", "literals", "operators", "selectors", "staleness", "subquery"]
        let summary = PromQLTestRunner.run(paths: files.map { "\(dir)/\($0).test" })
        try? summary.text.write(toFile: "/tmp/promql-report.txt", atomically: true, encoding: .utf8)
        try? summary.skippedIDs.write(toFile: "/tmp/promql-skipped.txt", atomically: true, encoding: .utf8)
        #expect(summary.files.count == 8)
    }
}

extension PromQLTestSummary {
    var skippedIDs: String {
        files.flatMap { f in f.skippedLines.map { "\((f.path as NSString).lastPathComponent):\($0)" } }.joined(separator: "\n")
    }
}
