import Testing
@testable import PromQL

@Suite struct ParserSmokeTests {
    @Test func parsesNumber() throws {
        #expect("\(try PromQLParser.parse("1 + 2 * 3"))" == "1 + 2 * 3")
    }
}
