import Crypto

/// A configured secret (a password, a shared token, a verify token) to compare with what a request brings,
/// in constant time: both sides are hashed first, so neither the secret's bytes nor its length show in the
/// timing.
public struct ConfiguredSecret: Sendable {
    private let digest: [UInt8]

    public init(_ secret: String) {
        digest = Array(SHA256.hash(data: Array(secret.utf8)))
    }

    /// True when `candidate` is the secret; takes as long whichever bytes differ.
    public func matches(_ candidate: some StringProtocol) -> Bool {
        ConstantTime.equal(digest, Array(SHA256.hash(data: Array(candidate.utf8))))
    }
}

/// Comparisons whose duration does not depend on where the inputs differ.
public enum ConstantTime {
    /// True when `a` and `b` hold the same bytes; for equal lengths every byte is looked at.
    public static func equal(_ a: [UInt8], _ b: [UInt8]) -> Bool {
        guard a.count == b.count else { return false }
        var difference: UInt8 = 0
        for index in 0..<a.count { difference |= a[index] ^ b[index] }
        return difference == 0
    }
}
