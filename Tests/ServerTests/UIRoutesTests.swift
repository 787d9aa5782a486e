import Foundation
import Testing
import TestSupport
@testable import Server

@Suite struct UIRoutesTests {
    @Test func embeddedAssetsMatchTheAssetFiles() throws {
        let r = try ChildProcess.run("/usr/bin/env", ["python3", TestPaths.repoRoot.appendingPathComponent("scripts/embed-assets.py").path, "--check"])
        #expect(r.status == 0, "Sources/Server/UI/Embedded is stale: run scripts/embed-assets.py")
    }

    @Test func pageReferencesOnlyEmbeddedAssets() throws {
        let index = try #require(EmbeddedAssets.files["index.html"]).content
        // Every script and stylesheet the page references exists, and none comes from another host.
        let refs = index.matches(of: /(?:src|href)="([^"]+)"/).map { String($0.1) }
        #expect(!refs.isEmpty)
        for ref in refs where ref.hasPrefix("/static/") {
            #expect(EmbeddedAssets.files[String(ref.dropFirst("/static/".count))] != nil, "missing asset \(ref)")
        }
        #expect(!refs.contains { $0.hasPrefix("http") || $0.hasPrefix("//") })
        #expect(EmberServer.asset("nope.js").status == .notFound)
    }
}
