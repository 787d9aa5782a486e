import Foundation
import Testing
@testable import Scraper

/// The upstream OpenMetrics parser conformance cases in shared/openmetrics-tests:
/// each payload must be accepted exactly when its test.json says `shouldParse`.
@Suite struct ExpositionOpenMetricsSuiteTests {
    struct Case: CustomTestStringConvertible, Sendable {
        let name: String
        let shouldParse: Bool
        let metrics: [UInt8]
        var testDescription: String { name }
    }

    static func loadCases() -> [Case] {
        let dir = ExpositionTestSupport.sharedDirectory.appendingPathComponent("openmetrics-tests/cases")
        guard let names = try? FileManager.default.contentsOfDirectory(atPath: dir.path) else { return [] }
        return names.sorted().compactMap { name in
            let caseDir = dir.appendingPathComponent(name)
            guard let json = try? Data(contentsOf: caseDir.appendingPathComponent("test.json")),
                  let object = try? JSONSerialization.jsonObject(with: json) as? [String: Any],
                  let shouldParse = object["shouldParse"] as? Bool,
                  let file = object["file"] as? String,
                  let metrics = try? Data(contentsOf: caseDir.appendingPathComponent(file))
            else { return nil }
            return Case(name: name, shouldParse: shouldParse, metrics: Array(metrics))
        }
    }

    @Test func suiteIsPresentAndComplete() throws {
        let tsv = try String(contentsOf: ExpositionTestSupport.sharedDirectory.appendingPathComponent("openmetrics-tests/cases.tsv"), encoding: .utf8)
        let listed = tsv.split(separator: "\n").dropFirst().count
        #expect(listed > 0)
        #expect(Self.loadCases().count == listed)
    }

    @Test(arguments: loadCases())
    func verdictMatches(_ testCase: Case) {
        let result = ExpositionTestSupport.entries(testCase.metrics, .openMetrics)
        switch result {
        case .success:
            #expect(testCase.shouldParse, "accepted an invalid exposition")
        case .failure(let error):
            #expect(!testCase.shouldParse, "rejected a valid exposition: \(error)")
        }
    }
}
