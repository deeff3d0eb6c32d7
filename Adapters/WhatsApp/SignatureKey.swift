import Crypto

/// An HMAC-SHA256 key (RFC 2104) with its two padded blocks already hashed, so a request hashes only its body.
///
/// The same construction as the generic webhook's key (`Adapters/Generic/SignatureKey.swift`), kept inside
/// this module because adapter families depend on the model alone, not on one another.
struct SignatureKey: Sendable {
    private let inner: SHA256
    private let outer: SHA256

    init(secret: [UInt8]) {
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
    func authenticates(_ body: [UInt8], mac: [UInt8]) -> Bool {
        var inner = self.inner
        body.withUnsafeBytes { inner.update(bufferPointer: $0) }
        var outer = self.outer
        inner.finalize().withUnsafeBytes { outer.update(bufferPointer: $0) }
        return outer.finalize().withUnsafeBytes { computed in
            ConstantTime.equal(Array(computed), mac)
        }
    }
}

/// Comparisons whose duration does not depend on where the inputs differ.
enum ConstantTime {
    /// True when `a` and `b` hold the same bytes; for equal lengths every byte is looked at.
    static func equal(_ a: [UInt8], _ b: [UInt8]) -> Bool {
        guard a.count == b.count else { return false }
        var difference: UInt8 = 0
        for index in 0..<a.count { difference |= a[index] ^ b[index] }
        return difference == 0
    }

    /// True when two secrets are equal, without leaking their length or the first differing byte: their
    /// SHA-256 digests are compared instead.
    static func equalSecrets(_ a: String, _ b: String) -> Bool {
        equal(Array(SHA256.hash(data: Array(a.utf8))), Array(SHA256.hash(data: Array(b.utf8))))
    }
}
