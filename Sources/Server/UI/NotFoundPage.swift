import Hummingbird

/// Answers a path that no route serves with the plain-text page Prometheus (Go's http.NotFound)
/// writes, instead of an empty 404, so browsers and scripts see what went wrong.
struct NotFoundPageMiddleware<Context: RequestContext>: RouterMiddleware {
    func handle(_ request: Request, context: Context, next: (Request, Context) async throws -> Response) async throws -> Response {
        do {
            return try await next(request, context)
        } catch let error as HTTPError where error.status == .notFound && error.body == nil {
            return plainText("404 page not found\n", status: .notFound)
        }
    }
}
