import Dispatch
import Foundation
import Hummingbird
import Model
import PromQL
import Storage
import Synchronization

extension EmberServer {
    func registerQueryRoutes(_ router: Router<BasicRequestContext>) {
        let state = self.state
        for path in ["/api/v1/query", "/api/v1/query_range", "/api/v1/series", "/api/v1/labels", "/api/v1/label/:name/values"] {
            let handler: @Sendable (Request, BasicRequestContext) async throws -> Response = { request, context in
                do {
                    let params = try await RequestParams.read(request)
                    switch path {
                    case "/api/v1/query": return try await instantQuery(state, params)
                    case "/api/v1/query_range": return try await rangeQuery(state, params)
                    case "/api/v1/series": return try series(state, params)
                    case "/api/v1/labels": return try labelNames(state, params)
                    default: return try labelValues(state, params, name: context.parameters.get("name") ?? "")
                    }
                } catch let e as APIError {
                    return apiError(e.errorType, e.description, status: .init(code: e.httpStatus))
                }
            }
            router.get(RouterPath(stringLiteral: path), use: handler)
            router.post(RouterPath(stringLiteral: path), use: handler)
        }
    }
}

private func instantQuery(_ state: ServerState, _ p: RequestParams) async throws -> Response {
    guard let query = p["query"] else { throw APIError.badData("invalid parameter \"query\": query must not be empty") }
    let at = try p["time"].map { try param("time") { try APIParams.time($0) }($0) } ?? Clock.nowMillis()
    let engine = try engineFor(state, p)
    state.queryStats.instant.add(1, ordering: .relaxed)
    let result = try await runQuery(state) { () throws(PromQLError) -> QueryResult in try engine.instantQuery(state.storage, query, at: at) }
    return queryResponse(result)
}

private func rangeQuery(_ state: ServerState, _ p: RequestParams) async throws -> Response {
    guard let query = p["query"] else { throw APIError.badData("invalid parameter \"query\": query must not be empty") }
    let start = try param("start") { try APIParams.time($0) }(p["start"] ?? "")
    let end = try param("end") { try APIParams.time($0) }(p["end"] ?? "")
    guard end >= start else { throw APIError.badData("invalid parameter \"end\": end timestamp must not be before start time") }
    let step = try param("step") { try APIParams.duration($0) }(p["step"] ?? "")
    guard step > 0 else {
        throw APIError.badData("invalid parameter \"step\": zero or negative query resolution step widths are not accepted. Try a positive integer")
    }
    guard (end - start) / step <= 11_000 else {
        throw APIError.badData("exceeded maximum resolution of 11,000 points per timeseries. Try decreasing the query resolution (?step=XX)")
    }
    let engine = try engineFor(state, p)
    state.queryStats.range.add(1, ordering: .relaxed)
    let result = try await runQuery(state) { () throws(PromQLError) -> QueryResult in try engine.rangeQuery(state.storage, query, start: start, end: end, step: step) }
    return queryResponse(result)
}

/// A per-request engine when `timeout` asks for less time than the server allows.
private func engineFor(_ state: ServerState, _ p: RequestParams) throws -> Engine {
    guard let t = p["timeout"] else { return state.engine }
    let ms = try param("timeout") { try APIParams.duration($0) }(t)
    var options = state.engine.options
    options.timeoutSeconds = min(options.timeoutSeconds, Double(ms) / 1000)
    return Engine(options)
}

/// Runs a query on a dispatch thread, so a long evaluation never holds a cooperative-pool thread.
private func runQuery(_ state: ServerState, _ body: @escaping @Sendable () throws(PromQLError) -> QueryResult) async throws -> QueryResult {
    await state.queryLimiter.acquire()
    let started = Clock.monotonicNanos()
    let outcome: Result<QueryResult, PromQLError> = await withCheckedContinuation { continuation in
        DispatchQueue.global().async {
            do throws(PromQLError) {
                continuation.resume(returning: .success(try body()))
            } catch {
                continuation.resume(returning: .failure(error))
            }
        }
    }
    await state.queryLimiter.release()
    state.queryStats.micros.add(Int((Clock.monotonicNanos() - started) / 1000), ordering: .relaxed)
    switch outcome {
    case .success(let r): return r
    case .failure(let e):
        state.queryStats.failed.add(1, ordering: .relaxed)
        switch e {
        case .parse(let m), .badData(let m): throw APIError.badData(m)
        case .execution(let m): throw APIError.execution(m)
        case .timeout(let m): throw APIError.timeout(m)
        case .canceled(let m): throw APIError.canceled(m)
        }
    }
}

/// About the size of a result's JSON, so large matrices are written into one
/// allocation instead of being copied at every doubling of the buffer.
private func estimatedJSONBytes(_ value: QueryValue) -> Int {
    switch value {
    case .matrix(let series): return 4096 + series.reduce(0) { $0 + 128 + $1.samples.count * 24 }
    case .vector(let samples): return 4096 + samples.count * 160
    case .scalar, .string: return 4096
    }
}

private func queryResponse(_ result: QueryResult) -> Response {
    var w = JSONWriter(capacity: estimatedJSONBytes(result.value))
    w.raw(#"{"status":"success","data":"#)
    w.queryData(result.value)
    for (key, list) in [("warnings", result.warnings), ("infos", result.infos)] where !list.isEmpty {
        w.comma()
        w.key(key)
        w.raw("[")
        for (i, a) in list.enumerated() {
            if i > 0 { w.comma() }
            w.string(a.description)
        }
        w.raw("]")
    }
    w.raw("}")
    return jsonResponse(w.bytes)
}

/// Wraps a parser so its error names the parameter, as Prometheus does.
private func param<T>(_ name: String, _ parse: @escaping (String) throws -> T) -> (String) throws -> T {
    { value in
        do { return try parse(value) } catch let e as APIError {
            throw APIError.badData("invalid parameter \"\(name)\": \(e.description)")
        }
    }
}

// MARK: Metadata queries

private func matcherSets(_ p: RequestParams) throws -> [[Matcher]] {
    try p.all("match[]").map(matcherSet)
}

/// Parses one `match[]` series selector into matchers.
func matcherSet(_ text: String) throws -> [Matcher] {
    let expr: Expr
    do { expr = try PromQLParser.parse(text) } catch { throw APIError.badData("invalid parameter \"match[]\": \(error)") }
    guard case .vectorSelector(let vs) = expr else {
        throw APIError.badData("invalid parameter \"match[]\": expected a vector selector, got \(expr.type.rawValue)")
    }
    var matchers = vs.matchers
    if let name = vs.name, !matchers.contains(where: { $0.name == LabelName.metricName }) {
        matchers.append(try Matcher(.equal, LabelName.metricName, name))
    }
    return matchers
}

private func timeRange(_ p: RequestParams) throws -> (Timestamp, Timestamp) {
    let start = try p["start"].map(param("start") { try APIParams.time($0) }) ?? APIParams.minTime
    let end = try p["end"].map(param("end") { try APIParams.time($0) }) ?? APIParams.maxTime
    return (start, end)
}

private func limit(_ p: RequestParams) throws -> Int {
    guard let text = p["limit"] else { return 0 }
    guard let n = Int(text), n >= 0 else { throw APIError.badData("invalid parameter \"limit\": limit must be a non-negative integer") }
    return n
}

private func series(_ state: ServerState, _ p: RequestParams) throws -> Response {
    let sets = try matcherSets(p)
    guard !sets.isEmpty else { throw APIError.badData("no match[] parameter provided") }
    let (start, end) = try timeRange(p)
    let max = try limit(p)
    let querier = try storageCall { try state.storage.querier(mint: start, maxt: end) }
    var seen = Set<Labels>()
    for set in sets {
        for s in try storageCall({ try querier.select(set, hints: SelectHints(start: start, end: end)) }) { seen.insert(s.labels) }
    }
    var all = seen.sorted()
    var warnings: [String] = []
    if max > 0 && all.count > max {
        all = Array(all.prefix(max))
        warnings.append("results truncated due to limit")
    }
    return apiSuccess(warnings: warnings) { w in
        w.raw("[")
        for (i, l) in all.enumerated() {
            if i > 0 { w.comma() }
            w.labelsObject(l)
        }
        w.raw("]")
    }
}

private func labelNames(_ state: ServerState, _ p: RequestParams) throws -> Response {
    let (start, end) = try timeRange(p)
    let querier = try storageCall { try state.storage.querier(mint: start, maxt: end) }
    var names = Set<String>()
    let sets = try matcherSets(p)
    for set in sets.isEmpty ? [[]] : sets { names.formUnion(try storageCall { try querier.labelNames(matching: set) }) }
    return stringList(names.sorted(), limit: try limit(p))
}

private func labelValues(_ state: ServerState, _ p: RequestParams, name: String) throws -> Response {
    // Prometheus 3 accepts U__-escaped UTF-8 names in the path; plain names pass through.
    guard !name.isEmpty else { throw APIError.badData("invalid label name: \"\"") }
    let (start, end) = try timeRange(p)
    let querier = try storageCall { try state.storage.querier(mint: start, maxt: end) }
    var values = Set<String>()
    let sets = try matcherSets(p)
    for set in sets.isEmpty ? [[]] : sets { values.formUnion(try storageCall { try querier.labelValues(name, matching: set) }) }
    return stringList(values.sorted(), limit: try limit(p))
}

private func stringList(_ list: [String], limit: Int) -> Response {
    let truncated = limit > 0 && list.count > limit
    let shown = truncated ? Array(list.prefix(limit)) : list
    return apiSuccess(warnings: truncated ? ["results truncated due to limit"] : []) { w in
        w.raw("[")
        for (i, s) in shown.enumerated() {
            if i > 0 { w.comma() }
            w.string(s)
        }
        w.raw("]")
    }
}

/// Storage failures are internal errors of the API.
private func storageCall<T>(_ body: () throws -> T) throws -> T {
    do { return try body() } catch let e as APIError { throw e } catch {
        throw APIError.internalError("storage: \(error)")
    }
}
