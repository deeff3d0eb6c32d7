import Crypto
import Hummingbird

/// The admin API's bearer-token check, shared by every route that needs the admin token.
struct AdminAuthorization: Sendable {
    /// Nil disables every admin route (403).
    let token: String?

    /// Throws unless the request carries `Authorization: Bearer <admin token>`.
    func check(_ request: Request) throws(HTTPFailure) {
        guard let token else { throw HTTPFailure.adminAPIDisabled }
        guard let header = request.headers[.authorization], header.hasPrefix("Bearer ") else { throw HTTPFailure.unauthorizedAdmin }
        // Compare digests so the time taken says nothing about how much of the token matched.
        let given = SHA256.hash(data: Array(header.dropFirst(7).utf8))
        let expected = SHA256.hash(data: Array(token.utf8))
        guard given == expected else { throw HTTPFailure.unauthorizedAdmin }
    }

    /// The refusal to answer when the request lacks the admin token, counted as an `_admin` rejection;
    /// nil when it may proceed.
    func refusal(_ request: Request, metrics: ServerMetrics) -> Response? {
        do {
            try check(request)
            return nil
        } catch {
            metrics.rejected(channel: "_admin", reason: error.reason)
            return error.response
        }
    }
}
