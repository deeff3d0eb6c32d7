/// The number a citizen gets back and quotes later, such as `LPR-7K3M-9QX2`.
///
/// Seven random symbols from Crockford's base-32 alphabet (no I, L, O or U, so nothing reads as a
/// digit) and one Luhn mod 32 check symbol, which catches every single mistyped symbol and most swaps
/// of two neighbours: a citizen retyping the number into an SMS gets "not found" rather than someone
/// else's complaint.
public struct TrackingNumber: Hashable, Sendable, Codable, CustomStringConvertible, Comparable {
    /// The eight symbols without prefix or dashes.
    public let symbols: String

    /// The alphabet as ASCII bytes; a number is made for every journal entry, so this stays off `Character`.
    static let alphabet: [UInt8] = Array("0123456789ABCDEFGHJKMNPQRSTVWXYZ".utf8)
    /// Each byte's value in the alphabet, or 0xff for a byte outside it.
    static let values: [UInt8] = {
        var values = [UInt8](repeating: 0xff, count: 256)
        for (value, symbol) in alphabet.enumerated() { values[Int(symbol)] = UInt8(value) }
        return values
    }()
    static let prefix = "LPR"
    static let payloadLength = 7

    /// A fresh random number; uniqueness is enforced by storage, which draws again on collision.
    public static func random<G: RandomNumberGenerator>(using generator: inout G) -> TrackingNumber {
        var payload: UInt64 = 0
        for _ in 0..<payloadLength {
            payload = payload * 32 + UInt64(generator.next(upperBound: UInt8(alphabet.count)))
        }
        return TrackingNumber(payload: payload)
    }

    /// The number whose seven payload symbols spell `payload` (below 32^7) in base 32.
    public init(payload: UInt64) {
        precondition(payload < Self.payloadSpace, "tracking number payload out of range")
        self.init(validatedSymbols: String(unsafeUninitializedCapacity: Self.payloadLength + 1) { symbols in
            var rest = payload
            for index in stride(from: Self.payloadLength - 1, through: 0, by: -1) {
                symbols[index] = Self.alphabet[Int(rest % 32)]
                rest /= 32
            }
            symbols[Self.payloadLength] = Self.checkSymbol(for: UnsafeBufferPointer(rebasing: symbols[..<Self.payloadLength]))
            return Self.payloadLength + 1
        })
    }

    /// The seven payload symbols as a number below 32^7.
    public var payload: UInt64 {
        symbols.utf8.prefix(Self.payloadLength).reduce(0) { $0 * 32 + UInt64(Self.values[Int($1)]) }
    }

    /// How many distinct numbers there are: 32^7 = 2^35.
    public static let payloadSpace: UInt64 = 1 << 35

    /// A fresh random number from the system's generator.
    public static func random() -> TrackingNumber {
        var generator = SystemRandomNumberGenerator()
        return random(using: &generator)
    }

    /// Reads a number as a citizen may type it: any case, with or without `LPR` and dashes or spaces,
    /// `O` for zero and `I`/`L` for one. Returns nil when the symbols or the check symbol are wrong.
    public init?(parsing text: String) {
        var cleaned = text.uppercased().filter { !$0.isWhitespace && $0 != "-" }
        // Only a prefix in front of eight more symbols: "LPR…" alone may be a payload typed with L for 1.
        if cleaned.count == Self.prefix.count + Self.payloadLength + 1 && cleaned.hasPrefix(Self.prefix) {
            cleaned.removeFirst(Self.prefix.count)
        }
        let symbols = cleaned.utf8.map { symbol -> UInt8 in
            switch symbol {
            case UInt8(ascii: "O"): UInt8(ascii: "0")
            case UInt8(ascii: "I"), UInt8(ascii: "L"): UInt8(ascii: "1")
            default: symbol
            }
        }
        guard symbols.count == Self.payloadLength + 1,
              symbols.allSatisfy({ Self.values[Int($0)] != 0xff }),
              symbols.withUnsafeBufferPointer({ Self.checkSymbol(for: UnsafeBufferPointer(rebasing: $0.dropLast())) }) == symbols.last
        else { return nil }
        self.init(validatedSymbols: String(decoding: symbols, as: UTF8.self))
    }

    private init(validatedSymbols: String) {
        self.symbols = validatedSymbols
    }

    /// The form shown to citizens and used in the API: `LPR-XXXX-XXXX`.
    public var description: String {
        // Built from bytes: every webhook answer carries one.
        String(unsafeUninitializedCapacity: 13) { text in
            var position = 0
            for byte in Self.prefix.utf8 {
                text[position] = byte
                position += 1
            }
            for (index, byte) in symbols.utf8.enumerated() {
                if index % 4 == 0 {
                    text[position] = UInt8(ascii: "-")
                    position += 1
                }
                text[position] = byte
                position += 1
            }
            return position
        }
    }

    public static func < (lhs: TrackingNumber, rhs: TrackingNumber) -> Bool { lhs.symbols < rhs.symbols }

    public init(from decoder: any Decoder) throws {
        let container = try decoder.singleValueContainer()
        let text = try container.decode(String.self)
        guard let number = TrackingNumber(parsing: text) else {
            throw DecodingError.dataCorruptedError(in: container, debugDescription: "not a tracking number: \(text)")
        }
        self = number
    }

    public func encode(to encoder: any Encoder) throws {
        var container = encoder.singleValueContainer()
        try container.encode(description)
    }

    /// Luhn mod N over the alphabet: doubling every second symbol from the right.
    static func checkSymbol(for payload: UnsafeBufferPointer<UInt8>) -> UInt8 {
        let base = alphabet.count
        var sum = 0
        var factor = 2
        for symbol in payload.reversed() {
            let value = Int(values[Int(symbol)]) * factor
            sum += value / base + value % base
            factor = factor == 2 ? 1 : 2
        }
        return alphabet[(base - sum % base) % base]
    }
}
