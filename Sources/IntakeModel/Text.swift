import Foundation

/// Cleans citizen text for storage and display without changing what it says.
public enum BodyText {
    /// Unicode NFC, no control characters, `\n` line ends, runs of spaces folded, at most one blank line in a row.
    public static func normalize(_ text: String) -> String {
        // Most messages are plain ASCII that is already clean; checking that is one pass over the bytes.
        if isCleanASCII(text) { return text }
        return normalizeInFull(text)
    }

    /// The general path, for any Unicode text.
    static func normalizeInFull(_ text: String) -> String {
        let composed = text.precomposedStringWithCanonicalMapping
            .replacingOccurrences(of: "\r\n", with: "\n")
            .replacingOccurrences(of: "\r", with: "\n")
        var lines: [String] = []
        var blankRun = 0
        for line in composed.split(separator: "\n", omittingEmptySubsequences: false) {
            let cleaned = foldSpaces(line)
            if cleaned.isEmpty {
                blankRun += 1
                if blankRun > 1 || lines.isEmpty { continue }
            } else {
                blankRun = 0
            }
            lines.append(cleaned)
        }
        while lines.last?.isEmpty == true { lines.removeLast() }
        return lines.joined(separator: "\n")
    }

    /// True when `text` is printable ASCII and newlines that `normalize` would leave exactly as they are.
    static func isCleanASCII(_ text: String) -> Bool {
        // As if preceded by a blank line, so a leading newline or space fails the check.
        var previous: UInt8 = UInt8(ascii: "\n")
        var newlineRun = 2
        for byte in text.utf8 {
            switch byte {
            case UInt8(ascii: "\n"):
                if previous == UInt8(ascii: " ") { return false }
                newlineRun += 1
                if newlineRun > 2 { return false }
            case UInt8(ascii: " "):
                if previous == UInt8(ascii: " ") || previous == UInt8(ascii: "\n") { return false }
                newlineRun = 0
            case 0x21...0x7e:
                newlineRun = 0
            default:
                return false
            }
            previous = byte
        }
        // No leading newline, nothing trailing, and not empty (an empty text normalizes to itself anyway).
        return previous != UInt8(ascii: " ") && previous != UInt8(ascii: "\n") || text.isEmpty
    }

    /// Invisible characters that carry meaning: the zero-width joiner and non-joiner hold emoji sequences
    /// (👨‍👩‍👧) and some scripts together.
    static let keptFormatScalars: Set<UInt32> = [0x200C, 0x200D]

    private static func foldSpaces(_ line: Substring) -> String {
        var result = ""
        result.reserveCapacity(line.utf8.count)
        var pendingSpace = false
        for scalar in line.unicodeScalars {
            if scalar.properties.isWhitespace {
                pendingSpace = !result.isEmpty
            } else if scalar.properties.generalCategory == .control
                        || (scalar.properties.generalCategory == .format && !Self.keptFormatScalars.contains(scalar.value)) {
                continue
            } else {
                if pendingSpace { result.unicodeScalars.append(" ") }
                pendingSpace = false
                result.unicodeScalars.append(scalar)
            }
        }
        return result
    }
}

/// The key under which two texts count as "the same" for exact deduplication.
public enum MatchText {
    /// Lower case, accents removed, every run of non-alphanumerics one space: `"Jalan RUSAK!!  di Sleman."`
    /// and `"jalan rusak di sleman"` share a key.
    public static func key(_ text: String) -> String {
        if let key = asciiKey(text) { return key }
        return keyInFull(text)
    }

    /// The general path, for any Unicode text.
    static func keyInFull(_ text: String) -> String {
        let folded = text.folding(options: [.caseInsensitive, .diacriticInsensitive, .widthInsensitive], locale: nil)
        var key = ""
        key.reserveCapacity(folded.utf8.count)
        var pendingSpace = false
        for scalar in folded.unicodeScalars {
            if scalar.properties.isAlphabetic || scalar.properties.numericType != nil {
                if pendingSpace { key.unicodeScalars.append(" ") }
                pendingSpace = false
                key.unicodeScalars.append(scalar)
            } else {
                pendingSpace = !key.isEmpty
            }
        }
        return key
    }

    /// The same key for pure-ASCII text, without Foundation's folding: letters lower-cased, digits kept.
    static func asciiKey(_ text: String) -> String? {
        var key: [UInt8] = []
        key.reserveCapacity(text.utf8.count)
        var pendingSpace = false
        for byte in text.utf8 {
            guard byte < 0x80 else { return nil }
            let lowered = byte.asciiLowercased
            if (UInt8(ascii: "a")...UInt8(ascii: "z")).contains(lowered) || lowered.isASCIIDigit {
                if pendingSpace { key.append(UInt8(ascii: " ")) }
                pendingSpace = false
                key.append(lowered)
            } else {
                pendingSpace = !key.isEmpty
            }
        }
        return String(decoding: key, as: UTF8.self)
    }
}

extension StringProtocol {
    /// The text without leading and trailing white space (newlines included). Native Swift: Foundation's
    /// `trimmingCharacters(in:)` bridges through CFString on Linux and showed up on every request.
    public var trimmed: String {
        // Most texts begin and end with a visible ASCII character: an ASCII byte is a whole scalar, so it is
        // then the first (last) character's first scalar, and nothing is trimmed.
        let text = String(self)  // free for a String
        if let first = text.utf8.first, let last = text.utf8.last, first.isASCIIVisible, last.isASCIIVisible { return text }
        return text.trimmedInFull
    }

    /// `trimmed` over characters, for every text.
    var trimmedInFull: String {
        guard let first = firstIndex(where: { !$0.isWhitespace }), let last = lastIndex(where: { !$0.isWhitespace }) else { return "" }
        return String(self[first...last])
    }

    /// True when the text has nothing but white space.
    public var isBlank: Bool {
        // A visible ASCII byte is a character that is not white space: most texts answer at their first byte
        // without Unicode property lookups for every character.
        // (An ASCII byte always begins a character of its own after white space.)
        if String(self).utf8.contains(where: \.isASCIIVisible) { return false }
        return allSatisfy(\.isWhitespace)
    }
}

extension UInt8 {
    /// An ASCII digit, `0`–`9`.
    public var isASCIIDigit: Bool { self >= UInt8(ascii: "0") && self <= UInt8(ascii: "9") }

    /// An ASCII character that is neither white space nor a control: `!` through `~`.
    public var isASCIIVisible: Bool { self > 0x20 && self < 0x7f }

    /// `A`–`Z` lower-cased; every other byte as it is.
    public var asciiLowercased: UInt8 { self >= UInt8(ascii: "A") && self <= UInt8(ascii: "Z") ? self + 32 : self }
}
