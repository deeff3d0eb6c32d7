import Crypto
import Foundation
import IntakeModel
import ProviderSigning

/// Vonage's signed requests (SMS API "signature secret"): `sig` over every other parameter, `timestamp`
/// among them. The parameters, sorted by name, become `&name=value…` with `&` and `=` in values replaced by
/// `_`; `md5hash` hashes that text followed by the secret with MD5, the other methods take its HMAC keyed
/// by the secret (`md5`, `sha1`, `sha256`, `sha512`). The digest is hex, either case.
struct VonageSignature: Sendable {
    /// Vonage's documented signature methods, as the channel's `signature_method` names them.
    enum Method: String, CaseIterable, Sendable {
        case md5hash, md5, sha1, sha256, sha512
    }

    /// How far `timestamp` may be from now before a signed request is refused as a replay.
    static let allowedSkew: TimeInterval = 300

    let secret: [UInt8]
    /// Nil when the channel names a method Vonage does not have: every signed request is then refused.
    let method: Method?
    let configuredMethod: String

    init(secret: String, method: String?) {
        self.secret = Array(secret.utf8)
        configuredMethod = method?.trimmed.lowercased() ?? Method.md5hash.rawValue
        self.method = Method(rawValue: configuredMethod.isEmpty ? Method.md5hash.rawValue : configuredMethod)
    }

    /// The text Vonage signs for `parameters` (`sig` left out).
    static func signedText(_ parameters: [String: String]) -> [UInt8] {
        var text: [UInt8] = []
        for name in parameters.keys.sorted(by: { $0.utf8.lexicographicallyPrecedes($1.utf8) }) where name != "sig" {
            text.append(UInt8(ascii: "&"))
            text.append(contentsOf: name.utf8)
            text.append(UInt8(ascii: "="))
            for byte in parameters[name]!.utf8 {
                text.append(byte == UInt8(ascii: "&") || byte == UInt8(ascii: "=") ? UInt8(ascii: "_") : byte)
            }
        }
        return text
    }

    /// The digest `method` makes of `parameters`.
    func digest(_ parameters: [String: String], method: Method) -> [UInt8] {
        let text = Self.signedText(parameters)
        let key = SymmetricKey(data: secret)
        switch method {
        case .md5hash: return Array(Insecure.MD5.hash(data: text + secret))
        case .md5: return Array(HMAC<Insecure.MD5>.authenticationCode(for: text, using: key))
        case .sha1: return Array(HMAC<Insecure.SHA1>.authenticationCode(for: text, using: key))
        case .sha256: return Array(HMAC<SHA256>.authenticationCode(for: text, using: key))
        case .sha512: return Array(HMAC<SHA512>.authenticationCode(for: text, using: key))
        }
    }

    /// Refuses `parameters` unless `sig` signs them and `timestamp` is within `allowedSkew` of `now`.
    func verify(_ parameters: [String: String], now: Date) throws(AdapterError) {
        guard let method else {
            throw .unauthorized("signature_method \(configuredMethod) is not one of \(Method.allCases.map(\.rawValue).joined(separator: ", "))")
        }
        guard let sig = parameters["sig"], !sig.isEmpty else { throw .unauthorized("missing sig") }
        guard let stamp = parameters["timestamp"].flatMap({ Int($0.trimmed) }) else { throw .unauthorized("missing timestamp") }
        guard abs(now.timeIntervalSince1970 - TimeInterval(stamp)) <= Self.allowedSkew else {
            throw .unauthorized("timestamp is more than \(Int(Self.allowedSkew)) s from now")
        }
        guard let given = Hex.bytes(sig.trimmed), ConstantTime.equal(digest(parameters, method: method), given) else {
            throw .unauthorized("sig does not match the parameters")
        }
    }

}
