import Foundation
import IntakeModel

/// Where and how this channel calls Meta's Graph API.
struct GraphSettings: Sendable {
    static let defaultBase = "https://graph.facebook.com"
    static let defaultVersion = "v21.0"

    /// `api_base` without a trailing slash; tests point it at a local server.
    var base: String
    var version: String
    var accessToken: String?
    var phoneNumberID: String

    init(channel: ChannelConfig) {
        let settings = channel.settings
        var base = settings["api_base"].flatMap { $0.isBlank ? nil : $0.trimmed } ?? Self.defaultBase
        while base.hasSuffix("/") { base.removeLast() }
        self.base = base
        version = settings["api_version"].flatMap { $0.isBlank ? nil : $0.trimmed } ?? Self.defaultVersion
        accessToken = settings["access_token"].flatMap { $0.isBlank ? nil : $0 }
        phoneNumberID = settings["phone_number_id"]?.trimmed ?? ""
    }

    /// `{api_base}/{api_version}/{path}`, each path segment percent-encoded.
    func url(_ segments: String...) -> String {
        let allowed = CharacterSet.urlPathAllowed.subtracting(CharacterSet(charactersIn: "/?#"))
        let path = segments.map { $0.addingPercentEncoding(withAllowedCharacters: allowed) ?? $0 }.joined(separator: "/")
        return "\(base)/\(version)/\(path)"
    }

    func authorization(_ token: String) -> (name: String, value: String) { ("Authorization", "Bearer \(token)") }
}

/// Why the Graph API did not give what was asked.
public enum GraphAPIError: Error, Equatable, CustomStringConvertible {
    /// The channel has no `access_token`, which media lookups and replies need.
    case missingAccessToken
    /// The reference is not a WhatsApp media id (its credentials kind is another family's).
    case foreignReference(credentials: String)
    /// Graph refused the token (401/403, or OAuth error 190): renew the channel's `access_token`.
    case unauthorized(String)
    /// The media id is unknown or has expired (404, or Graph error 100 for a media id).
    case mediaGone(id: String, message: String)
    /// Any other refusal, with Graph's own message.
    case refused(status: Int, message: String)
    /// A 2xx answer without what it must hold.
    case unreadableAnswer(String)

    public var description: String {
        switch self {
        case .missingAccessToken: "the channel has no access_token: WhatsApp media and replies need one"
        case .foreignReference(let credentials): "not a WhatsApp media reference (credentials \(credentials))"
        case .unauthorized(let message): "Graph API refused the access token: \(message)"
        case .mediaGone(let id, let message): "WhatsApp media \(id) is unknown or expired: \(message)"
        case .refused(let status, let message): "Graph API answered \(status): \(message)"
        case .unreadableAnswer(let message): "Graph API answer unreadable: \(message)"
        }
    }
}

/// Graph's error body: `{"error":{"message","type","code","error_subcode","error_data":{"details"}}}`.
struct GraphErrorBody: Decodable {
    var error: Detail?

    struct Detail: Decodable {
        var message: String?
        var code: Int?
        var errorData: ErrorData?

        struct ErrorData: Decodable { var details: String? }

        enum CodingKeys: String, CodingKey {
            case message, code
            case errorData = "error_data"
        }
    }

    /// Graph's message for `body`, with its code, or a short generic one for a body that is not Graph's.
    static func read(_ body: [UInt8], status: Int) -> (message: String, code: Int?) {
        guard let detail = (try? JSONDecoder().decode(GraphErrorBody.self, from: Data(body)))?.error else {
            return ("HTTP \(status)", nil)
        }
        var message = detail.message ?? "HTTP \(status)"
        if let details = detail.errorData?.details, !details.isEmpty, details != message { message += " (\(details))" }
        if let code = detail.code { message = "(#\(code)) " + message }
        return (message, detail.code)
    }
}

/// Turns a WhatsApp media id into its download: `GET /{version}/{media-id}` answers a short-lived `url`,
/// which is fetched with the same bearer token.
struct GraphMediaResolver: MediaResolver {
    let settings: GraphSettings

    func download(_ reference: MediaReference, over http: any HTTPExchange) async throws -> HTTPExchangeRequest {
        guard reference.credentials == WhatsAppAdapter.mediaCredentials else {
            throw GraphAPIError.foreignReference(credentials: reference.credentials)
        }
        guard let token = settings.accessToken else { throw GraphAPIError.missingAccessToken }
        let response = try await http.perform(HTTPExchangeRequest(
            method: "GET", url: settings.url(reference.location), headers: [settings.authorization(token)], timeout: .seconds(20)
        ))
        guard (200..<300).contains(response.status) else {
            let (message, code) = GraphErrorBody.read(response.body, status: response.status)
            switch (response.status, code) {
            case (401, _), (403, _), (_, 190): throw GraphAPIError.unauthorized(message)
            case (404, _), (410, _), (400, 100): throw GraphAPIError.mediaGone(id: reference.location, message: message)
            default: throw GraphAPIError.refused(status: response.status, message: message)
            }
        }
        guard let media = try? JSONDecoder().decode(GraphMedia.self, from: Data(response.body)), let url = media.url, !url.isEmpty else {
            throw GraphAPIError.unreadableAnswer("the media lookup has no url")
        }
        return HTTPExchangeRequest(method: "GET", url: url, headers: [settings.authorization(token)], timeout: .seconds(60))
    }

    /// The media lookup's answer: `url` is valid for about five minutes.
    struct GraphMedia: Decodable {
        var url: String?
        var mimeType: String?
        var fileSize: Int?

        enum CodingKeys: String, CodingKey {
            case url
            case mimeType = "mime_type"
            case fileSize = "file_size"
        }
    }
}
