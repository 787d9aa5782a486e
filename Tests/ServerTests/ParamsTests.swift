import Testing
@testable import Server

@Suite struct ParamsTests {
    @Test(arguments: [
        ("1700000000", 1_700_000_000_000), ("1700000000.123", 1_700_000_000_123), ("0", 0), ("-1.5", -1500),
        ("2023-11-14T22:13:20Z", 1_700_000_000_000), ("2023-11-14T22:13:20.5Z", 1_700_000_000_500),
        ("2023-11-15T00:13:20+02:00", 1_700_000_000_000), ("2023-11-14T22:13:20.123456789Z", 1_700_000_000_123),
    ] as [(String, Int64)])
    func parsesTimes(text: String, ms: Int64) throws {
        #expect(try APIParams.time(text) == ms)
    }

    @Test(arguments: ["", "abc", "2023-13-01T00:00:00Z", "2023-11-14 22:13", "2023-11-14T22:13:20", "NaN", "Inf"])
    func rejectsBadTimes(text: String) {
        #expect(throws: APIError.self) { try APIParams.time(text) }
    }

    @Test func parsesStepsAsSecondsOrDurations() throws {
        #expect(try APIParams.duration("15") == 15_000)
        #expect(try APIParams.duration("0.5") == 500)
        #expect(try APIParams.duration("1m30s") == 90_000)
        let err = #expect(throws: APIError.self) { try APIParams.duration("15x") }
        #expect(err == .badData(#"cannot parse "15x" to a valid duration"#))
        #expect(err?.httpStatus == 400)
    }
}
