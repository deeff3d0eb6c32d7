import Foundation
import IntakeModel

/// One attachment of the generic webhook: a URL the media service downloads after the answer.
struct GenericAttachment {
    var url: String?
    var mediaType: String?
    var fileName: String?
    var expiresAt: String?

    /// The most attachments one generic message may carry.
    static let maximumCount = 10

    /// The attachment as a media reference (credentials `none`); `index` names it in a refusal.
    func reference(_ index: Int) throws(AdapterError) -> InboundAttachment {
        guard index < Self.maximumCount else {
            throw .malformed(field: "attachments", message: "holds more than \(Self.maximumCount) attachments")
        }
        let field = "attachments[\(index)]"
        guard let url, let parsed = URL(string: url), GenericMediaResolver.fetchable(parsed) else {
            throw .malformed(field: "\(field).url", message: "must be an http or https URL")
        }
        var expiry: Date?
        if let expiresAt {
            guard let date = Timestamp.parse(expiresAt) else { throw .malformed(field: "\(field).expires_at", message: "must be an ISO-8601 time") }
            expiry = date
        }
        let name = fileName.flatMap { $0.isEmpty ? nil : $0 } ?? (parsed.lastPathComponent.isEmpty || parsed.lastPathComponent == "/"
            ? "attachment-\(index + 1)" : parsed.lastPathComponent)
        return InboundAttachment(
            fileName: name, mediaType: mediaType ?? "",
            reference: MediaReference(location: url, credentials: GenericMediaResolver.credentials, expiresAt: expiry)
        )
    }
}

/// Fetches the generic webhook's attachments: a plain GET of the URL, http or https only, no credentials.
public struct GenericMediaResolver: MediaResolver {
    /// The credentials kind of the generic channel's references: none.
    public static let credentials = "none"

    public init() {}

    public func download(_ reference: MediaReference, over http: any HTTPExchange) async throws -> HTTPExchangeRequest {
        guard let url = URL(string: reference.location), Self.fetchable(url) else {
            throw MediaFailure.permanent("refused: not an http or https URL")
        }
        return HTTPExchangeRequest(method: "GET", url: reference.location, timeout: .seconds(60))
    }

    /// Whether `url` is absolute http or https with a host.
    static func fetchable(_ url: URL) -> Bool {
        (url.scheme?.lowercased() == "http" || url.scheme?.lowercased() == "https") && !(url.host ?? "").isEmpty
    }
}
