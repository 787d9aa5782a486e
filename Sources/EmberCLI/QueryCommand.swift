import ArgumentParser
import Foundation
import HTTPClient

/// `ember query instant|range`: like `promtool query`, against any Prometheus-compatible API.
struct QueryCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "query",
        abstract: "Run a PromQL query against a running server's HTTP API.",
        subcommands: [QueryInstantCommand.self, QueryRangeCommand.self]
    )
}

struct QueryOptions: ParsableArguments {
    @Option(help: "Base URL of the server.")
    var server = "http://127.0.0.1:9090"

    @Option(help: "Output format: table or json.")
    var format: OutputFormat = .table

    enum OutputFormat: String, ExpressibleByArgument, CaseIterable { case table, json }
}

struct QueryInstantCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(commandName: "instant", abstract: "Evaluate an instant query.")

    @OptionGroup var options: QueryOptions

    @Option(help: "Evaluation time (RFC 3339 or Unix seconds). Default: now.")
    var time: String?

    @Argument(help: "PromQL expression.")
    var expr: String

    func run() async throws {
        var params = [("query", expr)]
        if let time { params.append(("time", time)) }
        try await runQuery(options, path: "/api/v1/query", params: params)
    }
}

struct QueryRangeCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(commandName: "range", abstract: "Evaluate a range query.")

    @OptionGroup var options: QueryOptions

    @Option(help: "Start time (RFC 3339 or Unix seconds). Default: 5 minutes before end.")
    var start: String?

    @Option(help: "End time (RFC 3339 or Unix seconds). Default: now.")
    var end: String?

    @Option(help: "Query step as a duration or seconds. Default: (end - start) / 250, at least 1s.")
    var step: String?

    @Argument(help: "PromQL expression.")
    var expr: String

    func run() async throws {
        let now = Date().timeIntervalSince1970
        let endValue = end ?? String(format: "%.3f", now)
        let startValue = start ?? String(format: "%.3f", (Double(endValue) ?? now) - 300)
        let stepValue = step ?? String(max(1, Int(((Double(endValue) ?? now) - (Double(startValue) ?? now - 300)) / 250)))
        try await runQuery(options, path: "/api/v1/query_range",
                           params: [("query", expr), ("start", startValue), ("end", endValue), ("step", stepValue)])
    }
}

func runQuery(_ options: QueryOptions, path: String, params: [(String, String)]) async throws {
    let client = HTTPClient()
    defer { client.shutdown() }
    var allowed = CharacterSet.alphanumerics
    allowed.insert(charactersIn: "-._~")
    let body = params.map { "\($0.0)=\($0.1.addingPercentEncoding(withAllowedCharacters: allowed) ?? "")" }.joined(separator: "&")
    var request = HTTPRequest(url: options.server.trimmingCharacters(in: CharacterSet(charactersIn: "/")) + path, method: .post)
    request.headers.replaceOrAdd(name: "Content-Type", value: "application/x-www-form-urlencoded")
    request.body = Array(body.utf8)
    let response: HTTPResponse
    do {
        response = try await client.execute(request)
    } catch {
        FileHandle.standardError.write(Data("query error: \(error)\n".utf8))
        throw ExitCode(1)
    }
    guard let json = try? JSONSerialization.jsonObject(with: Data(response.body)) as? [String: Any] else {
        FileHandle.standardError.write(Data("query error: \(response.statusLine): \(response.bodyExcerpt(limit: 200))\n".utf8))
        throw ExitCode(1)
    }
    if json["status"] as? String != "success" {
        FileHandle.standardError.write(Data("query error: \(json["errorType"] ?? ""): \(json["error"] ?? "")\n".utf8))
        throw ExitCode(1)
    }
    if options.format == .json {
        print(response.bodyText)
        return
    }
    print(QueryTable.render(json["data"] as? [String: Any] ?? [:]), terminator: "")
}

/// Renders a query result the way promtool prints it: `labels => value @[time]`.
enum QueryTable {
    static func render(_ data: [String: Any]) -> String {
        let result = data["result"]
        var out = ""
        switch data["resultType"] as? String {
        case "vector":
            for s in result as? [[String: Any]] ?? [] {
                let v = s["value"] as? [Any] ?? []
                out += "\(series(s["metric"])) => \(v.count > 1 ? "\(v[1])" : "") @[\(v.first.map { "\($0)" } ?? "")]\n"
            }
        case "matrix":
            for s in result as? [[String: Any]] ?? [] {
                out += "\(series(s["metric"])) =>\n"
                for p in s["values"] as? [[Any]] ?? [] where p.count > 1 { out += "\(p[1]) @[\(p[0])]\n" }
            }
        case "scalar", "string":
            let v = result as? [Any] ?? []
            out += "\(v.count > 1 ? "\(v[1])" : "") @[\(v.first.map { "\($0)" } ?? "")]\n"
        default:
            out += "unknown result type\n"
        }
        return out
    }

    static func series(_ metric: Any?) -> String {
        let m = metric as? [String: String] ?? [:]
        let name = m["__name__"] ?? ""
        let pairs = m.filter { $0.key != "__name__" }.sorted { $0.key < $1.key }.map { "\($0.key)=\"\($0.value)\"" }
        return name + "{" + pairs.joined(separator: ", ") + "}"
    }
}
