import Model
import PromQL
import Rules
import Storage
import Testing

/// Builds groups from rule-file text; fails the test on parse errors.
func makeGroups(_ yaml: String, storage: MemoryStorage, file: String = "rules.yml",
                interval: PromDuration = PromDuration(seconds: 60),
                configure: (inout RuleGroupOptions) -> Void = { _ in }) -> [RuleGroup] {
    let (defs, errors) = RuleFileParser.parse(yaml, file: file)
    #expect(errors.isEmpty, "\(errors)")
    var options = RuleGroupOptions(storage: storage)
    configure(&options)
    return defs.map { RuleGroup($0, options: options, defaultInterval: interval) }
}

/// Appends one sample and commits.
func put(_ storage: MemoryStorage, _ labels: Labels, _ t: Timestamp, _ v: Double) {
    let app = storage.appender()
    #expect(throws: Never.self) { try app.append(labels, t, v) }
    #expect(throws: Never.self) { try app.commit() }
}

/// All samples of the series with exactly `labels` between mint and maxt.
func samples(_ storage: MemoryStorage, _ labels: Labels, mint: Timestamp = 0, maxt: Timestamp = .max / 4) -> [Sample] {
    guard let q = try? storage.querier(mint: mint, maxt: maxt) else { return [] }
    let matchers = labels.compactMap { try? Matcher(.equal, $0.name, $0.value) }
    guard let series = try? q.select(matchers, hints: nil) else { return [] }
    guard let s = series.first(where: { $0.labels == labels }) else { return [] }
    var out: [Sample] = []
    let it = s.makeIterator()
    while it.next() { out.append(Sample(t: it.timestamp, v: it.value)) }
    return out
}

let minute: Int64 = 60_000
