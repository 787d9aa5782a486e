import Foundation
import Testing
@testable import Scraper

/// Locates files shared beside the repository and drives the parser in tests.
enum ExpositionTestSupport {
    /// `EMBER_SHARED_DIR`, or `shared/` next to the repository root (three levels above this file).
    static var sharedDirectory: URL {
        if let dir = ProcessInfo.processInfo.environment["EMBER_SHARED_DIR"], !dir.isEmpty {
            return URL(fileURLWithPath: dir, isDirectory: true)
        }
        let root = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent().deletingLastPathComponent()
        return root.deletingLastPathComponent().appendingPathComponent("shared", isDirectory: true)
    }

    /// Every entry of `text`, or the error that stopped the parse.
    static func entries(_ text: String, _ format: ExpositionFormat, semantics: Bool = true) -> Result<[ExpositionEntry], ExpositionError> {
        entries(Array(text.utf8), format, semantics: semantics)
    }

    static func entries(_ bytes: [UInt8], _ format: ExpositionFormat, semantics: Bool = true) -> Result<[ExpositionEntry], ExpositionError> {
        var parser = ExpositionParser(bytes, format: format, openMetricsSemantics: semantics)
        var out: [ExpositionEntry] = []
        do {
            // Bounded: a payload of n bytes has at most n + 1 lines.
            for _ in 0...(bytes.count + 1) {
                guard let entry = try parser.next() else { return .success(out) }
                out.append(entry)
            }
            return .failure(ExpositionError(line: 0, column: 0, reason: "parser did not terminate"))
        } catch {
            return .failure(error)
        }
    }

    /// The samples of `text` as (labels, value, timestamp).
    static func samples(_ text: String, _ format: ExpositionFormat) throws -> [(labels: String, value: Double, timestamp: Int64?)] {
        var parser = ExpositionParser(Array(text.utf8), format: format)
        var out: [(String, Double, Int64?)] = []
        while let entry = try parser.next() {
            if case .series(_, let v, let t) = entry { out.append((parser.labels().description, v, t)) }
        }
        return out
    }

    /// The error for `text`, or nil when it parses.
    static func error(_ text: String, _ format: ExpositionFormat) -> ExpositionError? {
        if case .failure(let e) = entries(text, format) { return e }
        return nil
    }
}
