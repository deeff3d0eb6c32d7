import Crypto
import Foundation
import ProviderSigning

/// Twilio's request signature (`X-Twilio-Signature`): the base64 HMAC-SHA1, keyed by the account's auth
/// token, of the URL Twilio called followed by every POST parameter's name and value, sorted by name.
///
/// The key's two padded blocks are hashed once per channel (RFC 2104), as `SignatureKey` does for the
/// generic webhook, so a request hashes only its URL and parameters.
struct TwilioSignature: Sendable {
    private let inner: Insecure.SHA1
    private let outer: Insecure.SHA1

    init(authToken: String) {
        let blockSize = 64
        let secret = Array(authToken.utf8)
        var block = secret.count > blockSize ? Array(Insecure.SHA1.hash(data: secret)) : secret
        block.append(contentsOf: repeatElement(0, count: blockSize - block.count))
        var inner = Insecure.SHA1()
        var outer = Insecure.SHA1()
        inner.update(data: block.map { $0 ^ 0x36 })
        outer.update(data: block.map { $0 ^ 0x5c })
        self.inner = inner
        self.outer = outer
    }

    /// The bytes Twilio signs: `url`, then for each parameter name in byte order each of its distinct values
    /// in byte order, as `name` + `value` (what `RequestValidator.compute_signature` builds).
    static func signedBytes(url: String, parameters: [(name: String, value: String)]) -> [UInt8] {
        var valuesByName: [String: Set<String>] = [:]
        for (name, value) in parameters { valuesByName[name, default: []].insert(value) }
        var bytes = Array(url.utf8)
        let inByteOrder: (String, String) -> Bool = { $0.utf8.lexicographicallyPrecedes($1.utf8) }
        for name in valuesByName.keys.sorted(by: inByteOrder) {
            for value in valuesByName[name]!.sorted(by: inByteOrder) {
                bytes.append(contentsOf: name.utf8)
                bytes.append(contentsOf: value.utf8)
            }
        }
        return bytes
    }

    /// The HMAC-SHA1 of `bytes` under the auth token.
    func mac(_ bytes: [UInt8]) -> [UInt8] {
        var inner = self.inner
        bytes.withUnsafeBytes { inner.update(bufferPointer: $0) }
        var outer = self.outer
        inner.finalize().withUnsafeBytes { outer.update(bufferPointer: $0) }
        return Array(outer.finalize())
    }

    /// The header value Twilio sends for `url` and `parameters`.
    func header(url: String, parameters: [(name: String, value: String)]) -> String {
        Data(mac(Self.signedBytes(url: url, parameters: parameters))).base64EncodedString()
    }

    /// True when `header` signs `parameters` at `url`, or at `url` with its default port added or removed
    /// (Twilio's own validator accepts both, as its signing is inconsistent about the port). Each
    /// comparison takes as long whichever bytes differ.
    func authenticates(header: String, url: String, parameters: [(name: String, value: String)]) -> Bool {
        guard let given = Data(base64Encoded: header.trimmingCharacters(in: .whitespaces)).map(Array.init), given.count == 20 else {
            return false
        }
        // The variant is tried only when the exact URL fails: which URL matched says nothing about the token.
        if ConstantTime.equal(mac(Self.signedBytes(url: url, parameters: parameters)), given) { return true }
        return Self.portVariant(of: url).map { ConstantTime.equal(mac(Self.signedBytes(url: $0, parameters: parameters)), given) } == true
    }

    /// `url` with its scheme's default port removed when it names one, or added when it names none.
    static func portVariant(of url: String) -> String? {
        guard var components = URLComponents(string: url), let scheme = components.scheme?.lowercased() else { return nil }
        let defaultPort = scheme == "https" ? 443 : scheme == "http" ? 80 : nil
        guard let defaultPort else { return nil }
        if components.port == nil {
            components.port = defaultPort
        } else if components.port == defaultPort {
            components.port = nil
        } else {
            return nil
        }
        return components.string
    }
}
