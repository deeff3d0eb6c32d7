import Foundation

/// The GSM 03.38 default alphabet, in which one SMS carries 160 characters: counting, transliterating
/// what it lacks, and shortening a reply to fit one message.
///
/// A text with a single character outside the alphabet is sent as UCS-2 by the operator, which holds only
/// 70 characters, so a reply meant for one SMS would arrive as three. Replies to SMS channels are therefore
/// transliterated first (curly quotes to straight ones, `ā` to `a`), then kept within the limit.
public enum GSM7 {
    /// The characters of one SMS in the default alphabet.
    public static let singleMessageLimit = 160

    /// The basic table (one septet each), without the escape code.
    static let basic: Set<Character> = Set(
        "@£$¥èéùìòÇ\nØø\rÅåΔ_ΦΓΛΩΠΨΣΘΞÆæßÉ !\"#¤%&'()*+,-./0123456789:;<=>?¡ABCDEFGHIJKLMNOPQRSTUVWXYZÄÖÑÜ§¿abcdefghijklmnopqrstuvwxyzäöñüà"
    )
    /// The extension table: each costs an escape and itself, two septets.
    static let extended: Set<Character> = Set("^{}\\[~]|€\u{0C}")

    /// Look-alikes outside the alphabet and what is sent instead.
    static let replacements: [Character: String] = [
        "‘": "'", "’": "'", "‚": "'", "‛": "'", "′": "'", "`": "'", "´": "'",
        "“": "\"", "”": "\"", "„": "\"", "″": "\"", "«": "\"", "»": "\"",
        "–": "-", "—": "-", "―": "-", "−": "-", "‐": "-", "‑": "-", "•": "-", "·": "-",
        "…": "...", "\t": " ", "\u{00A0}": " ", "\u{2009}": " ", "\u{202F}": " ", "\u{200B}": "",
        "\r\n": "\n", "°": "o", "×": "x", "÷": "/", "©": "(c)", "®": "(R)", "™": "TM",
    ]

    /// How many septets `character` costs: 1, 2 for the extension table, nil when it is not in the alphabet.
    /// Septets of `text` when it is ASCII of the alphabet alone; nil otherwise (then the full rules apply).
    static func asciiUnits(_ text: String) -> Int? {
        var total = 0
        for byte in text.utf8 {
            let cost = asciiCosts[Int(byte & 0x7f)]
            guard byte < 0x80, cost > 0 else { return nil }
            total += Int(cost)
        }
        return total
    }

    /// Each ASCII byte's cost in septets (0: outside the alphabet or needing the full rules, such as `\r\n`).
    private static let asciiCosts: [UInt8] = (0..<128).map { value in
        let scalar = Unicode.Scalar(UInt8(value))
        guard scalar != "\r" else { return 0 }
        return UInt8(cost(of: Character(scalar)) ?? 0)
    }

    public static func cost(of character: Character) -> Int? {
        if basic.contains(character) { return 1 }
        if extended.contains(character) { return 2 }
        return nil
    }

    /// How many septets `text` costs, counting each extension character as 2; nil when something in it is
    /// outside the alphabet.
    public static func units(_ text: String) -> Int? {
        var total = 0
        for character in text {
            guard let cost = cost(of: character) else { return nil }
            total += cost
        }
        return total
    }

    /// `text` in the alphabet alone: look-alikes replaced, accents the alphabet lacks dropped, anything
    /// else (emoji, other scripts) as `?`.
    public static func transliterate(_ text: String) -> String {
        var output = ""
        output.reserveCapacity(text.utf8.count)
        for character in text.precomposedStringWithCanonicalMapping {
            if cost(of: character) != nil {
                output.append(character)
            } else if let replacement = replacements[character] {
                output += replacement
            } else if let base = baseLetter(of: character) {
                output.append(base)
            } else {
                output.append("?")
            }
        }
        return output
    }

    /// The character without its accents, when that is in the alphabet (`ā` → `a`, `Ş` → `S`).
    private static func baseLetter(of character: Character) -> Character? {
        guard let first = String(character).decomposedStringWithCanonicalMapping.unicodeScalars.first else { return nil }
        let base = Character(first)
        return first.properties.isAlphabetic && cost(of: base) == 1 ? base : nil
    }

    /// `text` transliterated and, when longer than `limit` septets, cut at a word boundary with `...`
    /// appended; never splits an extension character's pair.
    public static func fit(_ text: String, limit: Int = singleMessageLimit) -> String {
        // A reply is rendered for every message: plain ASCII that fits (the built-in texts) needs no more.
        if let units = asciiUnits(text), units <= limit { return text }
        let clean = transliterate(text)
        guard let total = units(clean), total > limit else { return clean }
        let room = max(0, limit - 3)
        var used = 0
        var cut = clean.startIndex
        var lastSpace: String.Index?
        for index in clean.indices {
            let cost = cost(of: clean[index]) ?? 1
            guard used + cost <= room else { break }
            used += cost
            cut = clean.index(after: index)
            if clean[index] == " " { lastSpace = index }
        }
        // Prefer a word boundary unless it throws away more than a quarter of the message.
        if let lastSpace, clean.distance(from: lastSpace, to: cut) < limit / 4 { cut = lastSpace }
        let head = clean[..<cut].trimmingCharacters(in: CharacterSet(charactersIn: " ,;:-\n"))
        return head + "..."
    }
}
