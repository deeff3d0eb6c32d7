/// A quick "certainly not in the set" for the word tables matching consults for every word of every
/// message (abbreviations, stop words, phrase heads, cue words, place names). Most words are in none of
/// them, and a Bloom-style bit test over FNV-1a is several times cheaper than hashing the string for a
/// dictionary; a word whose bit is set is then looked up as before.
struct WordFilter: Sendable {
    private var bits: [UInt64]
    private let mask: UInt64

    /// A filter over `words` with 2^`log2Bits` bits.
    init(_ words: some Sequence<String>, log2Bits: Int = 14) {
        bits = [UInt64](repeating: 0, count: (1 << log2Bits) / 64)
        mask = UInt64((1 << log2Bits) - 1)
        for word in words {
            let hash = Self.hash(word)
            for bit in [hash & mask, (hash >> 32) & mask] { bits[Int(bit >> 6)] |= 1 << (bit & 63) }
        }
    }

    /// False when `word` is certainly not one of the filter's words.
    @inline(__always)
    func mayContain(_ word: String) -> Bool {
        let hash = Self.hash(word)
        let first = hash & mask, second = (hash >> 32) & mask
        return bits[Int(first >> 6)] & (1 << (first & 63)) != 0 && bits[Int(second >> 6)] & (1 << (second & 63)) != 0
    }

    @inline(__always)
    static func hash(_ word: String) -> UInt64 {
        var hash: UInt64 = 0xcbf2_9ce4_8422_2325
        for byte in word.utf8 {
            hash ^= UInt64(byte)
            hash &*= 0x100_0000_01b3
        }
        return hash ^ (hash >> 29)
    }
}
