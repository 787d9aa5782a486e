import Foundation
import Logging
import Model
import Storage
import Testing
import TestSupport
import TSDB
@testable import Server

/// The TSDB admin API over a real server, real TSDB files and real HTTP.
@Suite struct AdminAPITests {
    /// A server whose storage holds `up{job="a"|"b"}` and `node_load1{host="h1",rack="r9"}`
    /// every 15 s over 10 minutes from t=0.
    func withServer(admin: Bool, _ body: @Sendable (Int, String) async throws -> Void) async throws {
        try await TestServer.with(configure: {
            $0.enableAdminAPI = admin
            $0.retentionTime = PromDuration(milliseconds: 100 * 365 * 86_400_000)
        }, prepare: { server in
            let app = server.state.storage.appender()
            for i in 0...40 {
                try app.append(Labels(["__name__": "up", "job": "a", "instance": "x"]), Int64(i) * 15_000, 1)
                try app.append(Labels(["__name__": "up", "job": "b", "instance": "x"]), Int64(i) * 15_000, 0)
                try app.append(Labels(["__name__": "node_load1", "host": "h1", "rack": "r9"]), Int64(i) * 15_000, Double(i))
            }
            try app.commit()
        }) { port, dir in try await body(port, dir.appendingPathComponent("data").path) }
    }

    func json(_ r: Loopback.Response?) throws -> [String: Any] {
        let r = try #require(r)
        return try #require(try JSONSerialization.jsonObject(with: Data(r.body.utf8)) as? [String: Any])
    }

    /// Timestamps (s) of the raw samples of `selector` over the whole 10 minutes (a range selector excludes its start, hence 11m).
    func rawTimes(_ port: Int, _ selector: String) async throws -> [Double] {
        let q = "\(selector)[11m]".addingPercentEncoding(withAllowedCharacters: .alphanumerics) ?? ""
        let r = try json(await Loopback.request(port: port, path: "/api/v1/query?query=\(q)&time=600"))
        let data = try #require(r["data"] as? [String: Any])
        let result = try #require(data["result"] as? [[String: Any]])
        return result.flatMap { ($0["values"] as? [[Any]] ?? []).compactMap { $0.first as? Double } }
    }

    func form(_ s: String) -> String { s.addingPercentEncoding(withAllowedCharacters: .alphanumerics) ?? "" }

    @Test func adminEndpointsAnswerAsPrometheusDoesWhenDisabled() async throws {
        try await withServer(admin: false) { port, dir in
            for path in ["delete_series?match%5B%5D=up", "clean_tombstones", "snapshot"] {
                for method in ["POST", "PUT"] {
                    let r = try #require(await Loopback.request(port: port, method: method, path: "/api/v1/admin/tsdb/" + path))
                    #expect(r.status == 500)
                    let body = try json(r)
                    #expect(body["status"] as? String == "error")
                    #expect(body["errorType"] as? String == "unavailable")
                    #expect(body["error"] as? String == "admin APIs disabled")
                }
            }
            #expect(try await rawTimes(port, "up").count == 82)
            #expect(!FileManager.default.fileExists(atPath: dir + "/snapshots"))
        }
    }

    @Test func deletedDataDisappearsAtOnceAndStaysGoneAfterCleaning() async throws {
        try await withServer(admin: true) { port, _ in
            let delete = try #require(await Loopback.request(
                port: port, method: "POST",
                path: "/api/v1/admin/tsdb/delete_series?match%5B%5D=\(form(#"up{job="a"}"#))&start=120&end=300"))
            #expect(delete.status == 204)
            #expect(delete.body.isEmpty)
            let every15s: [Double] = (0...40).map { (i: Int) -> Double in Double(i * 15) }
            let kept: [Double] = every15s.filter { (t: Double) -> Bool in t < 120 || t > 300 }
            #expect(try await rawTimes(port, #"up{job="a"}"#) == kept)
            #expect(try await rawTimes(port, #"up{job="b"}"#).count == 41)

            // PUT with a form body, whole series, default start and end.
            let put = try #require(await Loopback.request(
                port: port, method: "PUT", path: "/api/v1/admin/tsdb/delete_series",
                body: "match%5B%5D=\(form(#"{rack="r9"}"#))", headers: ["Content-Type": "application/x-www-form-urlencoded"]))
            #expect(put.status == 204)
            for round in ["before cleaning", "after cleaning"] {
                let series = try json(await Loopback.request(port: port, path: "/api/v1/series?match%5B%5D=node_load1"))
                #expect((series["data"] as? [Any])?.isEmpty == true, "\(round)")
                let labels = try json(await Loopback.request(port: port, path: "/api/v1/labels"))
                #expect(labels["data"] as? [String] == ["__name__", "instance", "job"], "\(round)")
                let names = try json(await Loopback.request(port: port, path: "/api/v1/label/__name__/values"))
                #expect(names["data"] as? [String] == ["up"], "\(round)")
                let racks = try json(await Loopback.request(port: port, path: "/api/v1/label/rack/values?match%5B%5D=node_load1"))
                #expect((racks["data"] as? [String])?.isEmpty == true, "\(round)")
                #expect(try await rawTimes(port, "node_load1").isEmpty, "\(round)")
                #expect(try await rawTimes(port, #"up{job="a"}"#) == kept, "\(round)")
                if round == "before cleaning" {
                    let clean = try #require(await Loopback.request(port: port, method: "POST", path: "/api/v1/admin/tsdb/clean_tombstones"))
                    #expect(clean.status == 204)
                }
            }
            let again = try #require(await Loopback.request(port: port, method: "PUT", path: "/api/v1/admin/tsdb/clean_tombstones"))
            #expect(again.status == 204)
        }
    }

    @Test func deleteSeriesRejectsBadParametersWithoutDeleting() async throws {
        try await withServer(admin: true) { port, _ in
            let none = try #require(await Loopback.request(port: port, method: "POST", path: "/api/v1/admin/tsdb/delete_series"))
            #expect(none.status == 400)
            #expect(try json(none)["errorType"] as? String == "bad_data")
            #expect(try json(none)["error"] as? String == "no match[] parameter provided")
            let start = try #require(await Loopback.request(
                port: port, method: "POST", path: "/api/v1/admin/tsdb/delete_series?match%5B%5D=up&start=yesterday"))
            #expect(start.status == 400)
            #expect(try json(start)["error"] as? String
                == #"invalid parameter "start": invalid time value for 'start': cannot parse "yesterday" to a valid timestamp"#)
            // A bad second selector: nothing is deleted, not even what the first one matches.
            let selector = try #require(await Loopback.request(
                port: port, method: "POST", path: "/api/v1/admin/tsdb/delete_series?match%5B%5D=up&match%5B%5D=\(form("up{"))"))
            #expect(selector.status == 400)
            #expect((try json(selector)["error"] as? String)?.hasPrefix(#"invalid parameter "match[]""#) == true)
            #expect(try await rawTimes(port, "up").count == 82)
            let skip = try #require(await Loopback.request(port: port, method: "POST", path: "/api/v1/admin/tsdb/snapshot?skip_head=maybe"))
            #expect(skip.status == 400)
            #expect(try json(skip)["error"] as? String
                == #"invalid parameter "skip_head": unable to parse boolean: strconv.ParseBool: parsing "maybe": invalid syntax"#)
        }
    }

    @Test func snapshotsAreDataDirectoriesATSDBOpens() async throws {
        try await withServer(admin: true) { port, dir in
            let r = try #require(await Loopback.request(port: port, method: "POST", path: "/api/v1/admin/tsdb/snapshot"))
            #expect(r.status == 200)
            let body = try json(r)
            #expect(body["status"] as? String == "success")
            let name = try #require((body["data"] as? [String: Any])?["name"] as? String)
            #expect(name.wholeMatch(of: /\d{8}T\d{6}Z-[0-9a-f]{16}/) != nil)
            let skipped = try json(await Loopback.request(port: port, method: "PUT", path: "/api/v1/admin/tsdb/snapshot?skip_head=true"))
            let skippedName = try #require((skipped["data"] as? [String: Any])?["name"] as? String)
            #expect(skippedName != name)

            let snapshot = try TSDB.open(directory: dir + "/snapshots/" + name)
            defer { try? snapshot.close() }
            let q = try snapshot.querier(mint: 0, maxt: 600_000)
            let up = try q.select([try Matcher(.equal, "__name__", "up")], hints: nil)
            #expect(up.map(\.labels) == [Labels(["__name__": "up", "job": "a", "instance": "x"]),
                                         Labels(["__name__": "up", "job": "b", "instance": "x"])])
            #expect(up.allSatisfy { $0.makeIterator().collect().count == 41 })
            let load = try #require(try q.select([try Matcher(.equal, "host", "h1")], hints: nil).first)
            #expect(load.makeIterator().collect().last == Sample(t: 600_000, v: 40))
            // Without the head: whatever chunk files held; it opens all the same.
            let indexed = try TSDB.open(directory: dir + "/snapshots/" + skippedName)
            defer { try? indexed.close() }
            #expect(try indexed.querier(mint: 0, maxt: 600_000).select([try Matcher(.equal, "__name__", "up")], hints: nil).count <= 2)
        }
    }

    @Test func snapshotNamesFollowPrometheus() throws {
        let name = snapshotName(now: Date(timeIntervalSince1970: 1_795_690_200))
        #expect(name.hasPrefix("20261126T105000Z-"))
        #expect(name.count == "20261126T105000Z-".count + 16)
    }
}
