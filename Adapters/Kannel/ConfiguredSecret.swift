import Crypto

/// A configured secret (a password, a shared token) to compare with what a request brings, in constant
/// time: both sides are hashed first, so neither the secret's bytes nor its length show in the timing.
struct ConfiguredSecret: Sendable {
    private let digest: [UInt8]

    init(_ secret: String) {
        digest = Array(SHA256.hash(data: Array(secret.utf8)))
    }

    /// True when `candidate` is the secret; takes as long whichever bytes differ.
    func matches(_ candidate: some StringProtocol) -> Bool {
        let given = Array(SHA256.hash(data: Array(candidate.utf8)))
        var difference: UInt8 = 0
        for index in 0..<digest.count { difference |= digest[index] ^ given[index] }
        return difference == 0
    }
}
