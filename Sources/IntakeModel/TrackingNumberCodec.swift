/// Turns journal entry ids into tracking numbers and back.
///
/// A keyed permutation (a four-round Feistel network over 36 bits, cycle-walked into the 35-bit payload
/// space) maps each id to a number: unique by construction, so storage needs no index to keep numbers
/// apart, and a lookup inverts the permutation instead of searching. Consecutive ids give unrelated
/// numbers, and without the installation's key nobody can derive a neighbour's number from their own.
public struct TrackingNumberCodec: Sendable, Equatable {
    private let roundKeys: [UInt64]

    private static let halfBits: UInt64 = 18
    private static let halfMask: UInt64 = (1 << halfBits) - 1

    /// A codec for the installation key `key` (kept in storage, drawn once at creation).
    public init(key: UInt64) {
        var state = key
        roundKeys = (0..<4).map { _ in
            state = Self.mix(state &+ 0x9E37_79B9_7F4A_7C15)
            return state
        }
    }

    /// The tracking number of journal entry `journalID` (1 ..< 2^35).
    public func number(for journalID: Int64) -> TrackingNumber {
        precondition(journalID >= 0 && UInt64(journalID) < TrackingNumber.payloadSpace, "journal id out of range")
        var value = UInt64(journalID)
        repeat { value = encrypt(value) } while value >= TrackingNumber.payloadSpace
        return TrackingNumber(payload: value)
    }

    /// The journal entry a tracking number belongs to.
    public func journalID(for number: TrackingNumber) -> Int64 {
        var value = number.payload
        repeat { value = decrypt(value) } while value >= TrackingNumber.payloadSpace
        return Int64(value)
    }

    private func encrypt(_ value: UInt64) -> UInt64 {
        var left = value >> Self.halfBits, right = value & Self.halfMask
        for key in roundKeys {
            (left, right) = (right, left ^ round(right, key))
        }
        return left << Self.halfBits | right
    }

    private func decrypt(_ value: UInt64) -> UInt64 {
        var left = value >> Self.halfBits, right = value & Self.halfMask
        for key in roundKeys.reversed() {
            (left, right) = (right ^ round(left, key), left)
        }
        return left << Self.halfBits | right
    }

    private func round(_ half: UInt64, _ key: UInt64) -> UInt64 {
        Self.mix(half ^ key) & Self.halfMask
    }

    /// SplitMix64's finalizer: every input bit affects every output bit.
    private static func mix(_ value: UInt64) -> UInt64 {
        var z = value
        z = (z ^ (z >> 30)) &* 0xBF58_476D_1CE4_E5B9
        z = (z ^ (z >> 27)) &* 0x94D0_49BB_1331_11EB
        return z ^ (z >> 31)
    }
}
