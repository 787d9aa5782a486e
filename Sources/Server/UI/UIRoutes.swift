import Hummingbird

extension EmberServer {
    /// The pages of the web UI; each serves the same document and the script picks the page from the path.
    static let uiPages = ["graph", "targets", "alerts", "rules", "silences", "status", "flags", "config", "tsdb-status"]

    func registerUIRoutes(_ router: Router<BasicRequestContext>) {
        // Routes registered from here on, and the router's not-found answer, get the plain 404 page.
        router.add(middleware: NotFoundPageMiddleware())
        router.get("/") { _, _ in
            Response(status: .found, headers: [.location: "/graph"])
        }
        for page in Self.uiPages {
            router.get(RouterPath(stringLiteral: "/\(page)")) { _, _ in Self.asset("index.html") }
        }
        router.get("/static/:file") { _, context in
            Self.asset(context.parameters.get("file") ?? "")
        }
    }

    static func asset(_ name: String) -> Response {
        guard let file = EmbeddedAssets.files[name] else {
            return plainText("404 page not found\n", status: .notFound)
        }
        var headers: HTTPFields = [.contentType: file.contentType]
        headers[.cacheControl] = "no-cache"
        return Response(status: .ok, headers: headers, body: .init(byteBuffer: ByteBuffer(string: file.content)))
    }
}
