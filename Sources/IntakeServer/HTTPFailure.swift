import Foundation
import Hummingbird
import IntakeCore
import IntakeModel
import IntakeStorage

/// Every way a request can fail, mapped to its HTTP status in exactly one place.
enum HTTPFailure: Error {
    case unknownChannel(String)
    case channelNotWebhook(String)
    /// `POST /api/v1/ingest/{id}` for a channel whose family takes no pushed messages.
    case channelNotPush(String)
    case adapter(AdapterError)
    case bodyTooLarge(limit: Int)
    case unauthorizedAdmin
    case adminAPIDisabled
    case notFound(String)
    case badQuery(field: String, message: String)
    /// An operator's undo of a dedup decision was refused: nothing to undo (409) or nothing there (404).
    case undo(DedupUndoError)
    case storage(any Error)
    /// Too many requests from one client address (the web form's limit); retry after `seconds`.
    case rateLimited(retryAfter: Int)

    var status: HTTPResponse.Status {
        switch self {
        case .unknownChannel, .notFound: .notFound
        case .undo(.noSuchMessage), .undo(.noSuchComplaint): .notFound
        case .undo: .conflict
        case .channelNotWebhook, .channelNotPush: .methodNotAllowed
        case .adapter(.unauthorized): .forbidden
        case .adapter(.malformed), .badQuery: .badRequest
        case .adapter(.unsupported): .unprocessableContent
        case .adapter(.wrongMethod): .methodNotAllowed
        case .adapter(.refused(_, let response)): HTTPResponse.Status(code: response.status)
        case .rateLimited: .tooManyRequests
        case .bodyTooLarge: .contentTooLarge
        case .unauthorizedAdmin: .unauthorized
        case .adminAPIDisabled: .forbidden
        case .storage: .serviceUnavailable
        }
    }

    /// The short label the rejected-requests counter uses.
    var reason: String {
        switch self {
        case .unknownChannel: "unknown_channel"
        case .channelNotWebhook: "not_webhook"
        case .channelNotPush: "not_push"
        case .adapter(.unauthorized): "signature"
        case .adapter(.malformed): "malformed"
        case .adapter(.unsupported): "unsupported"
        case .adapter(.wrongMethod): "method"
        case .adapter(.refused(let reason, _)): reason
        case .rateLimited: "rate_limited"
        case .bodyTooLarge: "too_large"
        case .unauthorizedAdmin, .adminAPIDisabled: "admin_auth"
        case .notFound: "not_found"
        case .badQuery: "bad_query"
        case .undo(.noSuchMessage), .undo(.noSuchComplaint): "not_found"
        case .undo: "conflict"
        case .storage: "storage"
        }
    }

    var message: String {
        switch self {
        case .unknownChannel(let id): "no channel '\(id)' is configured"
        case .channelNotWebhook(let id): "channel '\(id)' does not receive webhooks"
        case .channelNotPush(let id): "channel '\(id)' does not take pushed messages"
        case .adapter(let error): error.description
        case .bodyTooLarge(let limit): "body is larger than this channel's limit of \(limit) bytes"
        case .unauthorizedAdmin: "missing or wrong Authorization: Bearer <admin token>"
        case .adminAPIDisabled: "the admin API is disabled: set admin_token in the configuration"
        case .notFound(let what): "\(what) not found"
        case .badQuery(let field, let message): "\(field): \(message)"
        case .undo(let error): error.description
        // Storage details stay in the log; the caller only learns to retry.
        case .storage: "storage is unavailable; nothing was stored, retry later"
        case .rateLimited(let seconds): "too many requests from this address; retry in \(seconds) s"
        }
    }

    var field: String? {
        switch self {
        case .adapter(.malformed(let field, _)): field
        case .badQuery(let field, _): field
        default: nil
        }
    }

    /// The JSON error answer: `{"error": "...", "field": "..."}`.
    var response: Response {
        if case .adapter(.refused(_, let answer)) = self { return WebhookRoutes.response(answer) }
        var object: [String: String] = ["error": message]
        if let field { object["field"] = field }
        let body = (try? JSONSerialization.data(withJSONObject: object, options: [.sortedKeys])) ?? Data()
        var headers = HTTPFields()
        headers[.contentType] = "application/json; charset=utf-8"
        if case .storage = self { headers[.retryAfter] = "5" }
        if case .rateLimited(let seconds) = self { headers[.retryAfter] = "\(seconds)" }
        return Response(status: status, headers: headers, body: .init(byteBuffer: ByteBuffer(bytes: body)))
    }
}
