import Foundation
import Logging
import Model
import Storage
import Testing
import TestSupport
@testable import Server

/// The query API over a real server, real TSDB files and real HTTP.
@Suite struct QueryRoutesTests {
    /// Starts a server without scrape jobs whose storage holds `up{job="a"|"b",instance="x"}` = 1, 0 every 15 s over 10 minutes from t=0.
    func withServer(_ body: @Sendable (Int) async throws -> Void) async throws {
        try await TestServer.with(configure: { $0.retentionTime = PromDuration(milliseconds: 100 * 365 * 86_400_000) },
                                  prepare: { server in
            let app = server.state.storage.appender()
            for i in 0...40 {
                try app.append(Labels(["__name__": "up", "job": "a", "instance": "x"]), Int64(i) * 15_000, 1)
                try app.append(Labels(["__name__": "up", "job": "b", "instance": "x"]), Int64(i) * 15_000, 0)
                try app.append(Labels(["__name__": "requests_total", "job": "a"]), Int64(i) * 15_000, Double(i * 10))
            }
            try app.append(Labels(["__name__": "fed_metric", "job": "recent"]), Clock.nowMillis() - 10_000, 42)
            try app.commit()
        }) { port, _ in try await body(port) }
    }

    func json(_ r: Loopback.Response?) throws -> [String: Any] {
        let r = try #require(r)
        return try #require(try JSONSerialization.jsonObject(with: Data(r.body.utf8)) as? [String: Any])
    }

    @Test func instantQueryReturnsAVectorWithStringValues() async throws {
        try await withServer { port in
            let r = try json(await Loopback.request(port: port, path: "/api/v1/query?query=sum%20by%20(job)(up)&time=300"))
            #expect(r["status"] as? String == "success")
            let data = try #require(r["data"] as? [String: Any])
            #expect(data["resultType"] as? String == "vector")
            let result = try #require(data["result"] as? [[String: Any]])
            #expect(result.count == 2)
            let a = try #require(result.first { ($0["metric"] as? [String: String])?["job"] == "a" })
            #expect((a["value"] as? [Any])?.first as? Double == 300)
            #expect((a["value"] as? [Any])?.last as? String == "1")
        }
    }

    @Test func rangeQueryByPOSTFormReturnsAMatrix() async throws {
        try await withServer { port in
            let r = try json(await Loopback.request(port: port, method: "POST", path: "/api/v1/query_range",
                                                    body: "query=rate(requests_total%5B1m%5D)&start=60&end=120&step=30s",
                                                    headers: ["Content-Type": "application/x-www-form-urlencoded"]))
            let data = try #require(r["data"] as? [String: Any])
            #expect(data["resultType"] as? String == "matrix")
            let series = try #require((data["result"] as? [[String: Any]])?.first)
            let values = try #require(series["values"] as? [[Any]])
            #expect(values.count == 3)
            #expect(values.map { $0[0] as? Double } == [60, 90, 120])
            #expect(values.allSatisfy { Double($0[1] as? String ?? "") .map { abs($0 - 10.0 / 15) < 1e-9 } == true })
        }
    }

    @Test func errorsUsePrometheusTypesAndStatusCodes() async throws {
        try await withServer { port in
            let parse = try #require(await Loopback.request(port: port, path: "/api/v1/query?query=sum(("))
            #expect(parse.status == 400)
            #expect(try json(parse)["errorType"] as? String == "bad_data")
            let step = try #require(await Loopback.request(port: port, path: "/api/v1/query_range?query=up&start=0&end=10&step=0"))
            #expect(step.status == 400)
            #expect((try json(step)["error"] as? String)?.contains("zero or negative query resolution step") == true)
            let time = try #require(await Loopback.request(port: port, path: "/api/v1/query?query=up&time=yesterday"))
            #expect((try json(time)["error"] as? String) == #"invalid parameter "time": cannot parse "yesterday" to a valid timestamp"#)
            let exec = try #require(await Loopback.request(port: port, path: "/api/v1/query?query=up%20%2B%20on()%20up&time=300"))
            #expect(exec.status == 422)
            #expect(try json(exec)["errorType"] as? String == "execution")
        }
    }

    @Test func seriesLabelsAndValues() async throws {
        try await withServer { port in
            let series = try json(await Loopback.request(port: port, path: "/api/v1/series?match%5B%5D=up%7Bjob%3D%22a%22%7D"))
            #expect(series["data"] as? [[String: String]] == [["__name__": "up", "instance": "x", "job": "a"]])
            let noMatch = try #require(await Loopback.request(port: port, path: "/api/v1/series"))
            #expect(noMatch.status == 400)
            let labels = try json(await Loopback.request(port: port, path: "/api/v1/labels"))
            #expect(labels["data"] as? [String] == ["__name__", "instance", "job"])
            let values = try json(await Loopback.request(port: port, path: "/api/v1/label/__name__/values"))
            #expect(values["data"] as? [String] == ["fed_metric", "requests_total", "up"])
            let limited = try json(await Loopback.request(port: port, path: "/api/v1/label/job/values?limit=1"))
            #expect(limited["data"] as? [String] == ["a"])
            #expect(limited["warnings"] as? [String] == ["results truncated due to limit"])
            let scoped = try json(await Loopback.request(port: port, path: "/api/v1/label/job/values?match%5B%5D=requests_total"))
            #expect(scoped["data"] as? [String] == ["a"])
        }
    }

    @Test func tsdbCardinalityAndSelfMetrics() async throws {
        try await withServer { port in
            let r = try json(await Loopback.request(port: port, path: "/api/v1/status/tsdb"))
            let data = try #require(r["data"] as? [String: Any])
            let top = try #require(data["seriesCountByMetricName"] as? [[String: Any]])
            #expect(top.first?["name"] as? String == "up")
            #expect(top.first?["value"] as? Int == 2)
            let pairs = try #require(data["seriesCountByLabelValuePair"] as? [[String: Any]])
            #expect(pairs.contains { $0["name"] as? String == "job=a" && $0["value"] as? Int == 2 })
            _ = await Loopback.request(port: port, path: "/api/v1/query?query=up&time=10")
            let metrics = try #require(await Loopback.request(port: port, path: "/metrics")).body
            #expect(metrics.contains("ember_tsdb_head_samples_appended_total 124\n"))
            #expect(metrics.contains("ember_tsdb_head_series 4\n"))
            #expect(metrics.contains("ember_api_queries_total{type=\"instant\"} 1\n"))
        }
    }

    @Test func federateServesTheLatestSamplesInTheTextFormat() async throws {
        try await withServer { port in
            // up's samples lie in 1970, outside the lookback of now; fed_metric is recent.
            let r = try #require(await Loopback.request(port: port, path: "/federate?match%5B%5D=up&match%5B%5D=%7Bjob%3D%22recent%22%7D"))
            #expect(r.status == 200)
            let lines = r.body.split(separator: "\n")
            #expect(lines.count == 2)
            #expect(lines.first == "# TYPE fed_metric untyped")
            #expect(lines.last?.hasPrefix(#"fed_metric{job="recent"} 42 "#) == true)
            #expect(await Loopback.request(port: port, path: "/federate")?.status == 400)
        }
    }

    /// Debian's promtool (Prometheus 2.42) as a real API client.
    @Test(.enabled(if: FileManager.default.isExecutableFile(atPath: "/usr/bin/promtool")))
    func promtoolQueriesWork() async throws {
        try await withServer { port in
            let url = "http://127.0.0.1:\(port)"
            func promtool(_ args: [String]) async -> (status: Int32, stdout: String, stderr: String) {
                await offPool { (try? ChildProcess.run("/usr/bin/promtool", ["query"] + args, timeoutSeconds: 30)) ?? (-1, "", "") }
            }
            let instant = await promtool(["instant", "--time=300", url, "up"])
            #expect(instant.status == 0, "\(instant.stderr)")
            #expect(instant.stdout.contains(#"up{instance="x", job="a"} => 1 @[300]"#), "\(instant.stdout)")
            let range = await promtool(["range", "--start=60", "--end=90", "--step=30s", url, "requests_total"])
            #expect(range.status == 0, "\(range.stderr)")
            #expect(range.stdout.contains("40 @[60]") && range.stdout.contains("60 @[90]"), "\(range.stdout)")
            let series = await promtool(["series", "--match=up", "--start=0", "--end=600", url])
            #expect(series.stdout.split(separator: "\n").count == 2, "\(series.stdout)")
            let labels = await promtool(["labels", url, "job"])
            #expect(labels.stdout.split(separator: "\n").map(String.init) == ["a", "b", "recent"], "\(labels.stdout) \(labels.stderr)")
        }
    }

    @Test func sampleValuesAndTimestampsAreFormattedLikePrometheus() {
        var w = JSONWriter()
        w.samplePair(1_435_781_451_781, 1)
        w.samplePair(1_500, .nan)
        w.samplePair(-2_050, .infinity)
        w.samplePair(0, 1e-7)
        w.samplePair(0, 123456.5)
        #expect(String(decoding: w.bytes, as: UTF8.self) ==
                #"[1435781451.781,"1"][1.5,"NaN"][-2.05,"+Inf"][0,"1e-07"][0,"123456.5"]"#)
    }
}
