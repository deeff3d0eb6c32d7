import Foundation
import IntakeModel

/// Why a Twilio media URL could not be turned into a download.
public enum TwilioMediaError: Error, Equatable, CustomStringConvertible {
    /// The reference is not one of Twilio's.
    case foreignCredentials(String)
    /// Twilio no longer serves the media (deleted, or the URL is wrong).
    case gone(status: Int)
    /// Twilio answered something else than the redirect to its CDN or the media itself.
    case unexpected(status: Int)
    /// Twilio redirected without saying where.
    case redirectWithoutLocation

    public var description: String {
        switch self {
        case .foreignCredentials(let kind): "media credentials \(kind) are not Twilio's"
        case .gone(let status): "Twilio no longer serves the media (HTTP \(status))"
        case .unexpected(let status): "Twilio answered the media request with HTTP \(status)"
        case .redirectWithoutLocation: "Twilio redirected the media request without a Location"
        }
    }
}

/// Turns a Twilio `MediaUrlN` into the download of its bytes.
///
/// Twilio answers a media URL with a redirect to its CDN, and the gateway's HTTP client follows none: the
/// resolver asks once (with HTTP basic auth, `account_sid:auth_token`, when the channel has `account_sid`)
/// and hands back the `Location` as a plain GET; the CDN URL is pre-signed and never gets the credentials.
struct TwilioMediaResolver: MediaResolver {
    let accountSID: String?
    let authToken: String

    init(channel: ChannelConfig) {
        let sid = channel.settings["account_sid"]?.trimmed
        accountSID = sid?.isEmpty == false ? sid : nil
        authToken = channel.settings["auth_token"] ?? ""
    }

    func download(_ reference: MediaReference, over http: any HTTPExchange) async throws -> HTTPExchangeRequest {
        guard reference.credentials == TwilioAdapter.mediaCredentials else {
            throw TwilioMediaError.foreignCredentials(reference.credentials)
        }
        var headers: [(name: String, value: String)] = []
        if let accountSID {
            headers.append(("Authorization", "Basic " + Data("\(accountSID):\(authToken)".utf8).base64EncodedString()))
        }
        let ask = HTTPExchangeRequest(method: "GET", url: reference.location, headers: headers)
        let answer = try await http.perform(ask)
        switch answer.status {
        case 300..<400:
            guard let location = answer.header("Location"), !location.isEmpty else { throw TwilioMediaError.redirectWithoutLocation }
            let absolute = URL(string: location, relativeTo: URL(string: reference.location))?.absoluteString ?? location
            return HTTPExchangeRequest(method: "GET", url: absolute)
        case 200..<300:
            // Served in place (no CDN redirect): downloading the same URL again gets the same bytes.
            return ask
        case 404, 410:
            throw TwilioMediaError.gone(status: answer.status)
        default:
            throw TwilioMediaError.unexpected(status: answer.status)
        }
    }
}
