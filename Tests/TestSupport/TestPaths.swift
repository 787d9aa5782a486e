import Foundation

/// Where the repository and the shared upstream test data are, from any test.
public enum TestPaths {
    /// The repository root (three levels above this file: Tests/TestSupport/TestPaths.swift).
    public static let repoRoot: URL = URL(fileURLWithPath: #filePath)
        .deletingLastPathComponent().deletingLastPathComponent().deletingLastPathComponent()

    /// The shared/ folder beside the clone, or $EMBER_SHARED_DIR.
    public static var sharedDir: URL {
        if let env = ProcessInfo.processInfo.environment["EMBER_SHARED_DIR"], !env.isEmpty {
            return URL(fileURLWithPath: env)
        }
        return repoRoot.deletingLastPathComponent().appendingPathComponent("shared")
    }

    /// The directory holding built products (`.build/debug`), found from the test bundle's location.
    public static var productsDir: URL {
        Bundle.main.bundleURL.deletingLastPathComponent().standardizedFileURL.path.contains(".build")
            ? productsFromBundle : repoRoot.appendingPathComponent(".build/debug")
    }

    private static var productsFromBundle: URL {
        // swift test runs the xctest bundle from .build/<triple>/debug; products sit beside it.
        var url = Bundle.main.bundleURL
        while url.path != "/" {
            if FileManager.default.fileExists(atPath: url.appendingPathComponent("ember").path) { return url }
            url.deleteLastPathComponent()
        }
        return repoRoot.appendingPathComponent(".build/debug")
    }

    /// A fresh temporary directory, removed by the caller.
    public static func makeTempDir(_ prefix: String = "ember-test") throws -> URL {
        let url = FileManager.default.temporaryDirectory.appendingPathComponent("\(prefix)-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: url, withIntermediateDirectories: true)
        return url
    }
}
