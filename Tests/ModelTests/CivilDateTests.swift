import Testing
@testable import Model

@Suite struct CivilDateTests {
    @Test(arguments: [
        (Int64(0), Int64(1970), Int64(1), Int64(1)), (-1, 1969, 12, 31), (59, 1970, 3, 1),
        (11_016, 2000, 2, 29), (20_772, 2026, 11, 15), (-719_162, 1, 1, 1), (2_932_896, 9999, 12, 31),
    ])
    func knownDates(_ days: Int64, _ year: Int64, _ month: Int64, _ day: Int64) {
        let date = CivilDate.fromDays(days)
        #expect(date.year == year && date.month == month && date.day == day)
        #expect(CivilDate.days(year: year, month: month, day: day) == days)
    }

    /// Both directions agree on every day of years 1600 to 2400 (leap centuries included).
    @Test func roundTripsAndCountsEveryDay() {
        var days = CivilDate.days(year: 1600, month: 1, day: 1)
        var previous = CivilDate.fromDays(days - 1)
        let end = CivilDate.days(year: 2400, month: 12, day: 31)
        var checked = 0
        while days <= end {
            let date = CivilDate.fromDays(days)
            #expect(CivilDate.days(year: date.year, month: date.month, day: date.day) == days)
            let nextDay = date.day == previous.day + 1 && date.month == previous.month
            let nextMonth = date.day == 1 && (date.month == previous.month + 1 || (date.month == 1 && previous.month == 12))
            if !(nextDay || nextMonth) { Issue.record("\(previous) is not followed by \(date)") }
            previous = date
            days += 1
            checked += 1
        }
        #expect(checked == 292_560)
    }
}
