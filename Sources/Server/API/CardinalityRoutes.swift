import Hummingbird
import Model
import Storage

extension EmberServer {
    /// /api/v1/status/tsdb (cardinality) and /federate.
    func registerCardinalityRoutes(_ router: Router<BasicRequestContext>) {
        let state = self.state
        router.get("/api/v1/status/tsdb") { request, _ in
            do {
                let params = try await RequestParams.read(request)
                let limit = Int(params["limit"] ?? "10") ?? 10
                return try tsdbStatus(state, limit: max(1, limit))
            } catch let e as APIError {
                return apiError(e.errorType, e.description, status: .init(code: e.httpStatus))
            }
        }
        router.get("/federate") { request, _ in
            do {
                return try await federate(state, try await RequestParams.read(request))
            } catch let e as APIError {
                return plainText("\(e.description)\n", status: .init(code: e.httpStatus))
            }
        }
    }
}

private func tsdbStatus(_ state: ServerState, limit: Int) throws -> Response {
    let stats = state.storage.stats
    let series: [SelectedSeries]
    do {
        series = try state.storage.querier(mint: stats.minTime, maxt: stats.maxTime)
            .select([try Matcher(.regexMatch, LabelName.metricName, ".+")], hints: nil)
    } catch {
        throw APIError.internalError("storage: \(error)")
    }
    var byMetric: [String: Int] = [:]
    var valuesByName: [String: Set<String>] = [:]
    var bytesByName: [String: Int] = [:]
    var byPair: [String: Int] = [:]
    for s in series {
        byMetric[s.labels.metricName, default: 0] += 1
        for l in s.labels {
            valuesByName[l.name, default: []].insert(l.value)
            byPair["\(l.name)=\(l.value)", default: 0] += 1
        }
    }
    for (name, values) in valuesByName { bytesByName[name] = values.reduce(0) { $0 + $1.utf8.count } }
    func top(_ d: [String: Int]) -> [(String, Int)] {
        Array(d.sorted { $0.value != $1.value ? $0.value > $1.value : $0.key < $1.key }.prefix(limit))
    }
    return apiSuccess { w in
        w.raw(#"{"headStats":{"numSeries":"#)
        w.int(Int64(stats.headSeries))
        w.raw(#","numLabelPairs":"#)
        w.int(Int64(byPair.count))
        w.raw(#","chunkCount":"#)
        w.int(Int64(stats.headChunks))
        w.raw(#","minTime":"#)
        w.int(stats.minTime)
        w.raw(#","maxTime":"#)
        w.int(stats.maxTime)
        w.raw("}")
        for (key, list) in [("seriesCountByMetricName", top(byMetric)),
                            ("labelValueCountByLabelName", top(valuesByName.mapValues(\.count))),
                            ("memoryInBytesByLabelName", top(bytesByName)),
                            ("seriesCountByLabelValuePair", top(byPair))] {
            w.comma()
            w.key(key)
            w.raw("[")
            for (i, (name, value)) in list.enumerated() {
                if i > 0 { w.comma() }
                w.raw(#"{"name":"#)
                w.string(name)
                w.raw(#","value":"#)
                w.int(Int64(value))
                w.raw("}")
            }
            w.raw("]")
        }
        w.raw("}")
    }
}

/// The latest sample of every matching series within the lookback window, in the
/// text format, with the external labels added — what a federating Prometheus scrapes.
private func federate(_ state: ServerState, _ p: RequestParams) async throws -> Response {
    let selectors = p.all("match[]")
    guard !selectors.isEmpty else { throw APIError.badData("no match[] parameter provided") }
    let now = Clock.nowMillis()
    let mint = now - state.options.lookbackDelta.milliseconds
    let querier: any Querier
    do { querier = try state.storage.querier(mint: mint, maxt: now) } catch { throw APIError.internalError("storage: \(error)") }
    var latest: [Labels: Sample] = [:]
    for text in selectors {
        let matchers = try matcherSet(text)
        let selected: [SelectedSeries]
        do { selected = try querier.select(matchers, hints: SelectHints(start: mint, end: now)) } catch { throw APIError.internalError("storage: \(error)") }
        for s in selected where latest[s.labels] == nil {
            let it = s.makeIterator()
            var last: Sample?
            while it.next() { last = Sample(t: it.timestamp, v: it.value) }
            if let last, !StaleNaN.isStale(last.v) { latest[s.labels] = last }
        }
    }
    let external = state.config.global.externalLabels
    var text = ""
    var lastName = ""
    for (labels, sample) in latest.sorted(by: { $0.key < $1.key }) {
        var b = LabelsBuilder(labels)
        for l in external where !labels.has(l.name) { b.set(l.name, l.value) }
        let out = b.labels()
        if out.metricName != lastName {
            lastName = out.metricName
            text += "# TYPE \(lastName) untyped\n"
        }
        text += "\(expositionSeries(out)) \(formatValue(sample.v)) \(sample.t)\n"
    }
    return plainText(text, contentType: "text/plain; version=0.0.4; charset=utf-8")
}

/// `name{a="1",b="2"}` as the text format writes a series.
func expositionSeries(_ labels: Labels) -> String {
    let rest = labels.filter { $0.name != LabelName.metricName }
    if rest.isEmpty { return labels.metricName }
    return labels.metricName + "{" + rest.map { "\($0.name)=\(quoteLabelValue($0.value))" }.joined(separator: ",") + "}"
}
