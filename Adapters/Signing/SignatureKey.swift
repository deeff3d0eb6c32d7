import Crypto

/// An HMAC-SHA256 key (RFC 2104) with its two padded blocks already hashed, so a request hashes only its body.
///
/// Built on `SHA256` directly: `HMAC.update(data:)` is generic over `DataProtocol` and is not specialized
/// outside swift-crypto, and its generic dispatch cost several times the hashing of a webhook body.
public struct SignatureKey: Sendable {
    private let inner: SHA256
    private let outer: SHA256

    public init(secret: [UInt8]) {
        let blockSize = 64
        var block = secret.count > blockSize ? Array(SHA256.hash(data: secret)) : secret
        block.append(contentsOf: repeatElement(0, count: blockSize - block.count))
        var inner = SHA256()
        var outer = SHA256()
        inner.update(data: block.map { $0 ^ 0x36 })
        outer.update(data: block.map { $0 ^ 0x5c })
        self.inner = inner
        self.outer = outer
    }

    /// True when `mac` is the HMAC-SHA256 of `body`; the comparison takes as long whichever bytes differ.
    public func authenticates(_ body: [UInt8], mac: [UInt8]) -> Bool {
        var inner = self.inner
        body.withUnsafeBytes { inner.update(bufferPointer: $0) }
        var outer = self.outer
        inner.finalize().withUnsafeBytes { outer.update(bufferPointer: $0) }
        return outer.finalize().withUnsafeBytes { ConstantTime.equal(Array($0), mac) }
    }
}
