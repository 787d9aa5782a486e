import Foundation
import Testing
@testable import Config

/// Ember and the real `promtool check config` (Debian's Prometheus 2.42) must
/// reach the same verdict, valid or invalid, on every fixture; the few
/// deliberate differences are listed and must stay differences.
@Suite struct PromtoolAgreementTests {
    static let promtool = ProcessInfo.processInfo.environment["EMBER_PROMTOOL"] ?? "/usr/bin/promtool"
    static var promtoolAvailable: Bool { FileManager.default.isExecutableFile(atPath: promtool) }

    /// Fixture → Ember's verdict, where promtool 2.42 says the opposite, and why.
    static let knownDifferences: [String: (emberAccepts: Bool, reason: String)] = [
        "bad-scheme.yml": (false, "Ember rejects a scheme it cannot scrape; Prometheus only fails when scraping"),
        "bad-remote-write-not-http.yml": (false, "Ember rejects a remote write URL it cannot send to; Prometheus fails on every send"),
        "bad-alertmanager-v1.yml": (false, "Alertmanager API v1 is gone and Prometheus 3 rejects it; 2.42 still accepted it"),
        "prometheus3-fields.yml": (true, "fields added after Prometheus 2.42"),
        "ember-notify.yml": (true, "`notify` is Ember's own section"),
    ]

    @Test(.enabled(if: promtoolAvailable, "promtool not installed"), arguments: Fixtures.all)
    func verdictMatchesPromtool(_ fixture: String) throws {
        let dir = try TemporaryDirectory()
        let copy = "\(dir.path)/\(fixture)"
        try FileManager.default.copyItem(atPath: Fixtures.path(fixture), toPath: copy)

        var emberAccepts = true
        do {
            let config = try PrometheusConfig.load(file: copy, environment: [:])
            // promtool also checks that referenced files exist: give it those Ember found.
            try createReferencedFiles(config)
        } catch is ConfigErrors {
            emberAccepts = false
        }
        let (promtoolAccepts, output) = try runPromtool(copy, in: dir.path)

        if let difference = Self.knownDifferences[fixture] {
            #expect(emberAccepts == difference.emberAccepts, "\(fixture): \(difference.reason)")
            #expect(promtoolAccepts != difference.emberAccepts, "\(fixture) no longer differs from promtool: \(output)")
        } else {
            #expect(emberAccepts == promtoolAccepts, "\(fixture): Ember \(emberAccepts ? "accepts" : "rejects"), promtool says: \(output)")
        }
    }

    private func createReferencedFiles(_ c: PrometheusConfig) throws {
        var files: [String] = c.ruleFiles.filter { !$0.contains("*") }
        func client(_ h: HTTPClientConfig) {
            files += [h.tls.caFile, h.tls.certFile, h.tls.keyFile, h.authorization?.credentialsFile ?? "",
                      h.basicAuth?.passwordFile ?? "", h.basicAuth?.usernameFile ?? ""]
        }
        c.scrapeConfigs.forEach { client($0.httpClient) }
        c.alerting.alertmanagers.forEach { client($0.httpClient) }
        c.remoteWrite.forEach { client($0.httpClient) }
        for file in files where !file.isEmpty && !FileManager.default.fileExists(atPath: file) {
            // Only inside the scratch directory: absolute paths elsewhere are left alone.
            guard file.hasPrefix(NSTemporaryDirectory()) else { continue }
            try FileManager.default.createDirectory(atPath: (file as NSString).deletingLastPathComponent, withIntermediateDirectories: true)
            let contents = c.ruleFiles.contains(file) ? "groups: []\n" : "placeholder\n"
            try contents.write(toFile: file, atomically: false, encoding: .utf8)
        }
    }

    /// Runs `promtool check config`, at most 60 s.
    private func runPromtool(_ file: String, in directory: String) throws -> (Bool, String) {
        let process = Process()
        process.executableURL = URL(fileURLWithPath: Self.promtool)
        process.arguments = ["check", "config", file]
        process.currentDirectoryURL = URL(fileURLWithPath: directory)
        let pipe = Pipe()
        process.standardOutput = pipe
        process.standardError = pipe
        try process.run()
        // promtool prints a few lines, well under a pipe's buffer, so waiting before reading cannot block it.
        let deadline = Date().addingTimeInterval(60)
        while process.isRunning && Date() < deadline { usleep(10_000) }
        if process.isRunning {
            process.terminate()
            Issue.record("promtool did not finish within 60 s on \(file)")
        }
        process.waitUntilExit()
        let output = pipe.fileHandleForReading.readDataToEndOfFile()
        return (process.terminationStatus == 0, String(decoding: output, as: UTF8.self))
    }
}
