import Foundation
import HTTPTypes
import Hummingbird
import HummingbirdBcrypt
import Synchronization

/// Checks HTTP basic authentication against `basic_auth_users`, as exporter-toolkit does:
/// bcrypt verification (also for unknown users, so timing does not reveal which
/// users exist) and a cache of successful checks, since bcrypt is slow by design.
struct BasicAuthMiddleware<Context: RequestContext>: RouterMiddleware {
    let users: [String: String]
    private let verified = VerifiedCredentials()
    /// A valid bcrypt hash of a random string, checked against for unknown users.
    private static var dummyHash: String { "$2y$10$QOauhQNbBCuQDKes6eFzPeMqBSjb7Mr5DUmpZ/VcEd00UAV/LDeSi" }

    init(users: [String: String]) { self.users = users }

    func handle(_ request: Request, context: Context, next: (Request, Context) async throws -> Response) async throws -> Response {
        guard let (user, password) = Self.credentials(request) else { return Self.unauthorized() }
        let hash = users[user]
        let key = "\(user)\u{0}\(hash ?? "")\u{0}\(password)"
        if hash != nil, verified.contains(key) {
            return try await next(request, context)
        }
        let ok = Bcrypt.verify(password, hash: hash ?? Self.dummyHash) && hash != nil
        guard ok else { return Self.unauthorized() }
        verified.insert(key)
        return try await next(request, context)
    }

    static func credentials(_ request: Request) -> (String, String)? {
        guard let header = request.headers[.authorization], header.lowercased().hasPrefix("basic "),
              let data = Data(base64Encoded: String(header.dropFirst(6)).trimmingCharacters(in: .whitespaces)),
              let text = String(data: data, encoding: .utf8), let colon = text.firstIndex(of: ":") else { return nil }
        return (String(text[..<colon]), String(text[text.index(after: colon)...]))
    }

    static func unauthorized() -> Response {
        Response(status: .unauthorized, headers: [.wwwAuthenticate: "Basic", .contentType: "text/plain; charset=utf-8"],
                 body: .init(byteBuffer: ByteBuffer(string: "Unauthorized\n")))
    }
}

/// Credentials that passed bcrypt verification, bounded so it cannot grow without limit.
final class VerifiedCredentials: Sendable {
    private let keys = Mutex<Set<String>>([])

    func contains(_ key: String) -> Bool { keys.withLock { $0.contains(key) } }

    func insert(_ key: String) {
        keys.withLock { cache in
            if cache.count > 1000 { cache.removeAll() }
            cache.insert(key)
        }
    }
}

/// Adds `http_server_config.headers` to every response.
struct HeadersMiddleware<Context: RequestContext>: RouterMiddleware {
    let headers: [String: String]

    func handle(_ request: Request, context: Context, next: (Request, Context) async throws -> Response) async throws -> Response {
        var response = try await next(request, context)
        for (k, v) in headers {
            if let name = HTTPField.Name(k) { response.headers[name] = v }
        }
        return response
    }
}
