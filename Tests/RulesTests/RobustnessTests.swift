import Foundation
import Rules
import Testing
import TestSupport

/// Mangled inputs must produce errors, never crashes or hangs.
@Suite struct RobustnessTests {
    static let alphabet = Array("{}[]:,-'\"\n #$|>&*!%@`0123456789xe+._abc".utf8)

    func mangle(_ text: String, _ rng: inout SeededGenerator) -> String {
        var bytes = Array(text.utf8)
        for _ in 0..<Int.random(in: 1...4, using: &rng) {
            let i = Int.random(in: 0..<bytes.count, using: &rng)
            switch Int.random(in: 0..<3, using: &rng) {
            case 0: bytes[i] = Self.alphabet.randomElement(using: &rng) ?? 0x20
            case 1: bytes.remove(at: i)
            default: bytes.insert(Self.alphabet.randomElement(using: &rng) ?? 0x20, at: i)
            }
        }
        return String(decoding: bytes, as: UTF8.self)
    }

    @Test func mangledRuleFiles() throws {
        let base = try String(contentsOf: Fixtures.dir.appendingPathComponent("unit/rules.yml"), encoding: .utf8)
        var rng = SeededGenerator(seed: 42)
        var rejected = 0
        for _ in 0..<400 {
            let (_, errors) = RuleFileParser.parse(mangle(base, &rng), file: "fuzz.yml")
            if !errors.isEmpty { rejected += 1 }
        }
        // Most mutations break something; the point is that none crashed.
        #expect(rejected > 100)
    }

    @Test func mangledUnitTestFiles() throws {
        let dir = Fixtures.dir.appendingPathComponent("unit")
        let base = try String(contentsOf: dir.appendingPathComponent("pass_keep_firing.yml"), encoding: .utf8)
        let tmp = FileManager.default.temporaryDirectory.appendingPathComponent("ember-fuzz-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: tmp, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(at: tmp) }
        try FileManager.default.copyItem(at: dir.appendingPathComponent("keep_rules.yml"), to: tmp.appendingPathComponent("keep_rules.yml"))
        var rng = SeededGenerator(seed: 7)
        var failed = 0
        for i in 0..<120 {
            let path = tmp.appendingPathComponent("t\(i).yml").path
            try mangle(base, &rng).write(toFile: path, atomically: false, encoding: .utf8)
            if RuleUnitTester.run(files: [path]).exitCode != 0 { failed += 1 }
        }
        #expect(failed > 30)
    }
}
