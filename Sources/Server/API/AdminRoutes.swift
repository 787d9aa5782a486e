import Dispatch
import Foundation
import Hummingbird
import Model
import TSDB

extension EmberServer {
    /// Prometheus's TSDB admin API, by POST or PUT: delete_series and
    /// clean_tombstones (204 No Content), snapshot (200 with the snapshot's
    /// name). Without --web.enable-admin-api each answers as Prometheus's
    /// api.go does: errorType "unavailable", error "admin APIs disabled",
    /// HTTP 500 (its error writer gives no other code to "unavailable").
    func registerAdminRoutes(_ router: Router<BasicRequestContext>) {
        let state = self.state
        let enabled = options.enableAdminAPI
        let snapshots = options.storagePath + "/snapshots"
        let actions: [(String, @Sendable (RequestParams) async throws -> Response)] = [
            ("/api/v1/admin/tsdb/delete_series", { try await deleteSeries(state, $0) }),
            ("/api/v1/admin/tsdb/clean_tombstones", { _ in try await cleanTombstones(state) }),
            ("/api/v1/admin/tsdb/snapshot", { try await snapshot(state, $0, under: snapshots) }),
        ]
        for (path, action) in actions {
            let handler: @Sendable (Request, BasicRequestContext) async throws -> Response = { request, _ in
                guard enabled else { return apiError("unavailable", "admin APIs disabled", status: .internalServerError) }
                do {
                    return try await action(try await adminParams(request))
                } catch let e as APIError {
                    return apiError(e.errorType, e.description, status: .init(code: e.httpStatus))
                }
            }
            router.post(RouterPath(stringLiteral: path), use: handler)
            router.put(RouterPath(stringLiteral: path), use: handler)
        }
    }
}

/// The URL query plus a form body, which Go's ParseForm reads for PUT as well as POST.
private func adminParams(_ request: Request) async throws -> RequestParams {
    var params = try await RequestParams.read(request)
    if request.method == .put,
       request.headers[.contentType]?.lowercased().hasPrefix("application/x-www-form-urlencoded") == true {
        let body = try await request.body.collect(upTo: 16 << 20)
        params.parse(String(buffer: body))
    }
    return params
}

private func deleteSeries(_ state: ServerState, _ p: RequestParams) async throws -> Response {
    let selectors = p.all("match[]")
    guard !selectors.isEmpty else { throw APIError.badData("no match[] parameter provided") }
    let start = try adminTime(p, "start", default: APIParams.minTime)
    let end = try adminTime(p, "end", default: APIParams.maxTime)
    // All selectors are parsed before anything is deleted, so a bad one deletes nothing.
    let sets = try selectors.map(matcherSet)
    try await runTSDB(state) { try $0.deleteSeries(matchingAny: sets, mint: start, maxt: end) }
    return Response(status: .noContent)
}

private func cleanTombstones(_ state: ServerState) async throws -> Response {
    try await runTSDB(state) { _ = try $0.cleanTombstones() }
    return Response(status: .noContent)
}

private func snapshot(_ state: ServerState, _ p: RequestParams, under parent: String) async throws -> Response {
    let skipHead = try skipHeadParam(p["skip_head"])
    let name = snapshotName()
    do {
        try FileManager.default.createDirectory(atPath: parent, withIntermediateDirectories: true)
    } catch {
        throw APIError.internalError("create snapshot directory: \(error)")
    }
    let directory = parent + "/" + name
    do {
        try await runTSDB(state) { try $0.snapshot(into: directory, includeHead: !skipHead) }
    } catch let e as APIError {
        throw APIError.internalError("create snapshot: \(e.description)")
    }
    return apiSuccess { w in
        w.raw("{")
        w.key("name")
        w.string(name)
        w.raw("}")
    }
}

/// `skip_head`, parsed as Go's strconv.ParseBool; absent or empty is false.
private func skipHeadParam(_ text: String?) throws -> Bool {
    guard let text, !text.isEmpty else { return false }
    guard let value = goBool(text) else {
        throw APIError.badData("invalid parameter \"skip_head\": unable to parse boolean: strconv.ParseBool: parsing \(quoteLabelValue(text)): invalid syntax")
    }
    return value
}

/// `start`/`end` with Prometheus's defaults and wording.
private func adminTime(_ p: RequestParams, _ name: String, default value: Timestamp) throws -> Timestamp {
    guard let text = p[name], !text.isEmpty else { return value }
    do { return try APIParams.time(text) } catch let e as APIError {
        throw APIError.badData("invalid parameter \"\(name)\": invalid time value for '\(name)': \(e.description)")
    }
}

/// Go's strconv.ParseBool, which Prometheus uses for skip_head.
private func goBool(_ s: String) -> Bool? {
    switch s {
    case "1", "t", "T", "true", "TRUE", "True": return true
    case "0", "f", "F", "false", "FALSE", "False": return false
    default: return nil
    }
}

/// `<UTC time as 20060102T150405Z>-<16 hex digits>`, as Prometheus names snapshots.
func snapshotName(now: Date = Date()) -> String {
    var calendar = Calendar(identifier: .gregorian)
    calendar.timeZone = TimeZone(identifier: "UTC")!
    let c = calendar.dateComponents([.year, .month, .day, .hour, .minute, .second], from: now)
    func pad(_ v: Int?, _ width: Int) -> String {
        let s = String(v ?? 0)
        return String(repeating: "0", count: max(0, width - s.count)) + s
    }
    let stamp = pad(c.year, 4) + pad(c.month, 2) + pad(c.day, 2) + "T" + pad(c.hour, 2) + pad(c.minute, 2) + pad(c.second, 2) + "Z"
    let random = String(UInt64.random(in: 0...UInt64(Int64.max)), radix: 16)
    return stamp + "-" + String(repeating: "0", count: 16 - random.count) + random
}

/// Runs blocking TSDB work on a dispatch thread, off the cooperative pool;
/// storage failures become internal errors.
private func runTSDB(_ state: ServerState, _ work: @escaping @Sendable (TSDB) throws -> Void) async throws {
    let storage = state.storage
    let outcome: Result<Void, Error> = await withCheckedContinuation { continuation in
        DispatchQueue.global().async {
            continuation.resume(returning: Result { try work(storage) })
        }
    }
    if case .failure(let error) = outcome { throw APIError.internalError("\(error)") }
}
