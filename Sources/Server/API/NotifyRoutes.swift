import Hummingbird

extension EmberServer {
    /// Alertmanager's API v2 under /api/v2/, served by the built-in notifier (404 when it is off).
    func registerNotifyRoutes(_ router: Router<BasicRequestContext>) {
        let notifier = state.notifier
        let handler: @Sendable (Request, BasicRequestContext) async throws -> Response = { request, _ in
            guard let notifier else {
                return apiError("not_found", "the built-in notifier is not configured (notify: section or --notify.config.file)", status: .notFound)
            }
            var query: [String: [String]] = [:]
            if let q = request.uri.query {
                var p = RequestParams()
                p.parse(q)
                query = p.values
            }
            let body = try await request.body.collect(upTo: 16 << 20)
            let r = await notifier.api.handle(method: request.method.rawValue, path: request.uri.path, query: query,
                                              body: Array(buffer: body))
            return Response(status: .init(code: r.status), headers: [.contentType: r.contentType],
                            body: .init(byteBuffer: ByteBuffer(bytes: r.body)))
        }
        for path in ["/api/v2/alerts", "/api/v2/alerts/groups", "/api/v2/silences", "/api/v2/silence/:id", "/api/v2/status", "/api/v2/receivers"] {
            router.get(RouterPath(stringLiteral: path), use: handler)
            router.post(RouterPath(stringLiteral: path), use: handler)
            router.delete(RouterPath(stringLiteral: path), use: handler)
        }
    }
}
