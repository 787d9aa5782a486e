import Foundation
@testable import Config

/// Locates test fixtures next to this file, however the repository was cloned.
enum Fixtures {
    static let directory = URL(fileURLWithPath: #filePath).deletingLastPathComponent().appendingPathComponent("Fixtures").path

    static func path(_ name: String) -> String { "\(directory)/\(name)" }

    static var all: [String] {
        ((try? FileManager.default.contentsOfDirectory(atPath: directory)) ?? []).filter { $0.hasSuffix(".yml") }.sorted()
    }

    /// Loads a fixture; errors come back as `ConfigErrors`.
    static func load(_ name: String) throws -> PrometheusConfig {
        try PrometheusConfig.load(file: path(name), environment: [:])
    }

    /// The error descriptions for a fixture that must fail, with the directory stripped.
    static func errors(_ name: String) -> [String] {
        do {
            _ = try load(name)
            return []
        } catch let e as ConfigErrors {
            return e.errors.map { $0.description.replacingOccurrences(of: directory + "/", with: "") }
        } catch {
            return ["unexpected error type: \(error)"]
        }
    }
}

/// A scratch directory removed when the value goes away.
final class TemporaryDirectory {
    let path: String

    init() throws {
        path = NSTemporaryDirectory() + "ember-config-tests-" + UUID().uuidString
        try FileManager.default.createDirectory(atPath: path, withIntermediateDirectories: true)
    }

    func write(_ relativePath: String, _ contents: String) throws {
        let full = "\(path)/\(relativePath)"
        try FileManager.default.createDirectory(atPath: (full as NSString).deletingLastPathComponent, withIntermediateDirectories: true)
        try contents.write(toFile: full, atomically: false, encoding: .utf8)
    }

    deinit { try? FileManager.default.removeItem(atPath: path) }
}
