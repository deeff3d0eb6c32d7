import Crypto
import Foundation
import ProviderSigning

/// The token each rendered form carries: a random 128-bit id and the time it was issued, signed with
/// HMAC-SHA256 under the channel secret together with the channel's id, as base64url (no padding). A token
/// issued for one channel is refused by another even when both share a secret; tokens signed before the
/// channel id was (`v1`, at most 24 hours old at an upgrade) are refused as invalid: the page is reloaded.
///
/// It serves three ends at once: it is the form's CSRF token (a submission without a valid, unexpired
/// token is refused), it proves a minimum fill time (a token younger than `min_fill_seconds` was filled
/// by a bot), and its id is the message's external id, so the same form sent twice (a double click, a
/// browser resubmission) is one complaint with one tracking number. Nothing is stored server-side.
public struct FormToken: Sendable, Equatable {
    /// The random id, 16 bytes.
    public var id: [UInt8]
    /// When the form was rendered, in whole seconds since 1970.
    public var issuedAt: Int64

    /// Tokens older than this are refused: a form left open for a day is rendered again.
    public static let lifetimeSeconds: Int64 = 24 * 3600
    /// Domain separation: the channel secret signs nothing else with this prefix.
    static let context = Array("intake-form-token-v2".utf8)

    /// A token with this id and issue time (tests mint older tokens with it).
    public init(id: [UInt8], issuedAt: Int64) {
        self.id = id
        self.issuedAt = issuedAt
    }

    /// A fresh token issued at `now`.
    public static func issue(now: Date) -> FormToken {
        var generator = SystemRandomNumberGenerator()
        return FormToken(id: (0..<16).map { _ in UInt8.random(in: .min ... .max, using: &generator) }, issuedAt: Int64(now.timeIntervalSince1970))
    }

    /// The id as 32 lower-case hex digits: the message's external id.
    public var idHex: String { id.map { String(format: "%02x", $0) }.joined() }

    /// The token as the form of channel `channel` carries it, signed under `secret`.
    public func encoded(secret: String, channel: String) -> String {
        let payload = self.payload
        return Self.base64url(Data(payload + Self.mac(payload, secret: secret, channel: channel)))
    }

    /// The signature: the context, the channel id and a NUL (ids hold no NUL), then the payload.
    static func mac(_ payload: [UInt8], secret: String, channel: String) -> [UInt8] {
        let message = context + Array(channel.utf8) + [0] + payload
        return Array(HMAC<SHA256>.authenticationCode(for: message, using: SymmetricKey(data: Array(secret.utf8))))
    }

    /// Base64url without padding (RFC 4648 §5).
    static func base64url(_ data: Data) -> String {
        data.base64EncodedString().replacingOccurrences(of: "+", with: "-").replacingOccurrences(of: "/", with: "_").replacingOccurrences(of: "=", with: "")
    }

    /// id (16 bytes) then the issue time (8 bytes, big-endian).
    var payload: [UInt8] {
        id + (0..<8).map { UInt8(truncatingIfNeeded: issuedAt >> (56 - 8 * $0)) }
    }

    /// The token `text` carries when its signature under `secret` for `channel` holds; the time checks are `check`'s.
    public static func decode(_ text: String, secret: String, channel: String) throws(FormTokenError) -> FormToken {
        var base64 = text.replacingOccurrences(of: "-", with: "+").replacingOccurrences(of: "_", with: "/")
        base64 += String(repeating: "=", count: (4 - base64.count % 4) % 4)
        guard text.utf8.count <= 128, let data = Data(base64Encoded: base64), data.count == 56 else { throw .malformed }
        // Only the canonical spelling: one form has one token text, whatever a decoder tolerates in the last digit.
        guard base64url(data) == text else { throw .malformed }
        let bytes = Array(data)
        let payload = Array(bytes[0..<24])
        let expected = mac(payload, secret: secret, channel: channel)
        // Constant-time: a forger must not learn how many bytes of the signature matched.
        guard ConstantTime.equal(expected, Array(bytes[24...])) else { throw .forged }
        let issuedAt = payload[16..<24].reduce(Int64(0)) { $0 << 8 | Int64($1) }
        return FormToken(id: Array(payload[0..<16]), issuedAt: issuedAt)
    }

    /// Whether the token may submit at `now`: not expired, not from the future, not younger than `minFillSeconds`.
    public func check(now: Date, minFillSeconds: Int) throws(FormTokenError) {
        let age = Int64(now.timeIntervalSince1970) - issuedAt
        // A minute of clock skew between the servers that issue and take tokens.
        guard age >= -60 else { throw .forged }
        guard age <= Self.lifetimeSeconds else { throw .expired }
        guard age >= Int64(minFillSeconds) else { throw .tooFast }
    }
}

/// Why a form token is refused.
public enum FormTokenError: Error, Equatable, CustomStringConvertible {
    case missing
    case malformed
    case forged
    case expired
    case tooFast

    public var description: String {
        switch self {
        case .missing: "form_token is missing"
        case .malformed: "form_token is not a token this gateway issued"
        case .forged: "form_token's signature does not hold"
        case .expired: "form_token has expired"
        case .tooFast: "the form was submitted faster than a person fills it in"
        }
    }

    /// The short word the rejected-requests counter uses.
    var reason: String {
        switch self {
        case .missing, .malformed, .forged, .expired: "form_token"
        case .tooFast: "too_fast"
        }
    }
}
