import Foundation
import Hummingbird
import Model

extension EmberServer {
    func registerStatusRoutes(_ router: Router<BasicRequestContext>) {
        let state = self.state
        router.get("/-/healthy") { _, _ in plainText("Ember Server is Healthy.\n") }
        router.head("/-/healthy") { _, _ in plainText("") }
        router.get("/-/ready") { _, _ in plainText("Ember Server is Ready.\n") }
        router.head("/-/ready") { _, _ in plainText("") }
        let reload: @Sendable (Request, BasicRequestContext) async throws -> Response = { [options] _, _ in
            guard options.enableLifecycle else {
                return plainText("Lifecycle API is not enabled.\n", status: .forbidden)
            }
            do {
                try await state.reload()
                return plainText("")
            } catch {
                return plainText("failed to reload config: \(error)\n", status: .internalServerError)
            }
        }
        router.post("/-/reload", use: reload)
        router.put("/-/reload", use: reload)

        router.get("/api/v1/status/buildinfo") { _, _ in
            apiSuccess { w in
                w.stringObject([
                    ("version", BuildInfo.version), ("revision", BuildInfo.revision), ("branch", BuildInfo.branch),
                    ("buildUser", "ember"), ("buildDate", ""), ("goVersion", BuildInfo.goVersionEquivalent),
                ])
            }
        }
        router.get("/api/v1/status/flags") { [options] _, _ in
            apiSuccess { w in w.stringObject(options.flagMap) }
        }
        router.get("/api/v1/status/config") { _, _ in
            apiSuccess { w in
                w.raw("{")
                w.key("yaml")
                w.string(state.configYAML)
                w.raw("}")
            }
        }
        router.get("/api/v1/status/runtimeinfo") { [options] _, _ in
            let reload = state.lastReload
            let p = ProcessStats.read()
            return apiSuccess { w in
                w.raw("{")
                w.key("startTime"); w.string(rfc3339(state.startTime)); w.comma()
                w.key("CWD"); w.string(FileManager.default.currentDirectoryPath); w.comma()
                w.key("reloadConfigSuccess"); w.bool(reload.success); w.comma()
                w.key("lastConfigTime"); w.string(rfc3339(reload.time)); w.comma()
                w.key("corruptionCount"); w.int(0); w.comma()
                w.key("goroutineCount"); w.int(Int64(p.threads)); w.comma()
                w.key("GOMAXPROCS"); w.int(Int64(ProcessInfo.processInfo.activeProcessorCount)); w.comma()
                w.key("GOGC"); w.string(""); w.comma()
                w.key("GODEBUG"); w.string(""); w.comma()
                w.key("storageRetention"); w.string(options.retentionTime.description)
                w.raw("}")
            }
        }
    }
}

/// `{"status":"success","data":...}` with the data written by `body`, and warnings if any.
func apiSuccess(warnings: [String] = [], _ body: (inout JSONWriter) -> Void) -> Response {
    var w = JSONWriter()
    w.raw(#"{"status":"success","data":"#)
    body(&w)
    if !warnings.isEmpty {
        w.raw(#","warnings":["#)
        for (i, m) in warnings.enumerated() {
            if i > 0 { w.comma() }
            w.string(m)
        }
        w.raw("]")
    }
    w.raw("}")
    return jsonResponse(w.bytes)
}

/// `{"status":"error","errorType":...,"error":...}` with Prometheus's status codes.
func apiError(_ type: String, _ message: String, status: HTTPResponse.Status) -> Response {
    var w = JSONWriter()
    w.raw(#"{"status":"error","errorType":"#)
    w.string(type)
    w.raw(#","error":"#)
    w.string(message)
    w.raw("}")
    return jsonResponse(w.bytes, status: status)
}

func jsonResponse(_ bytes: [UInt8], status: HTTPResponse.Status = .ok) -> Response {
    Response(status: status, headers: [.contentType: "application/json"], body: .init(byteBuffer: ByteBuffer(bytes: bytes)))
}

func plainText(_ s: String, status: HTTPResponse.Status = .ok, contentType: String = "text/plain; charset=utf-8") -> Response {
    Response(status: status, headers: [.contentType: contentType], body: .init(byteBuffer: ByteBuffer(string: s)))
}

func rfc3339(_ d: Date) -> String {
    let f = ISO8601DateFormatter()
    f.formatOptions = [.withInternetDateTime, .withFractionalSeconds]
    return f.string(from: d)
}
