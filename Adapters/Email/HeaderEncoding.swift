import Foundation

/// Writing header values and bodies the way RFC 2045 and 2047 want them on the wire: 7-bit, lines of at
/// most 78 characters, non-ASCII text as encoded words or quoted-printable.
enum HeaderEncoding {
    /// Raw UTF-8 bytes per encoded word: 39 bytes are 52 base64 characters, so `=?UTF-8?B?…?=` is 64 long
    /// and fits a line after `Subject: `.
    static let bytesPerWord = 39

    /// `text` as a header value starting `offset` characters into its line: printable ASCII as it is (folded
    /// at spaces when long), anything else as RFC 2047 `B` encoded words that never split a character.
    static func encodedWords(_ text: String, offset: Int) -> String {
        if text.unicodeScalars.allSatisfy({ $0.value >= 0x20 && $0.value < 0x7F }) { return fold(text, offset: offset) }
        var words: [String] = []
        var chunk: [UInt8] = []
        for character in text {
            let bytes = Array(String(character).utf8)
            if !chunk.isEmpty, chunk.count + bytes.count > bytesPerWord {
                words.append(word(chunk))
                chunk = []
            }
            chunk += bytes
        }
        if !chunk.isEmpty { words.append(word(chunk)) }
        // Whitespace between adjacent encoded words is dropped when decoding (RFC 2047 6.2), so folding here is free.
        return words.joined(separator: "\r\n ")
    }

    private static func word(_ bytes: [UInt8]) -> String {
        "=?UTF-8?B?\(Data(bytes).base64EncodedString())?="
    }

    /// Printable ASCII folded at spaces so no line passes 78 characters (a word longer than that stays whole).
    static func fold(_ text: String, offset: Int) -> String {
        guard offset + text.count > 78 else { return text }
        var lines: [String] = []
        var line = ""
        var width = offset
        for word in text.split(separator: " ", omittingEmptySubsequences: false) {
            if !line.isEmpty, width + 1 + word.count > 78 {
                lines.append(line)
                line = String(word)
                width = 1 + word.count
            } else {
                width += (line.isEmpty && lines.isEmpty ? 0 : 1) + word.count
                line += (line.isEmpty && lines.isEmpty ? "" : " ") + word
            }
        }
        lines.append(line)
        return lines.joined(separator: "\r\n ")
    }

    /// A display name: as it is when it is plain words, a quoted string for ASCII with specials, encoded words
    /// for anything else.
    static func phrase(_ name: String) -> String {
        let scalars = name.unicodeScalars
        guard scalars.allSatisfy({ $0.value >= 0x20 && $0.value < 0x7F }) else { return encodedWords(name, offset: "From: ".count) }
        let atext = CharacterSet.alphanumerics.union(CharacterSet(charactersIn: "!#$%&'*+-/=?^_`{|}~ "))
        if scalars.allSatisfy({ $0.isASCII && atext.contains($0) }) { return name }
        return "\"" + name.replacingOccurrences(of: "\\", with: "\\\\").replacingOccurrences(of: "\"", with: "\\\"") + "\""
    }

    /// `text` as a quoted-printable body (RFC 2045 6.7): CRLF line breaks, soft breaks keeping every line at
    /// most 76 characters, spaces at the end of a line and every byte outside printable ASCII as `=XX`.
    static func quotedPrintable(_ text: String) -> String {
        let lines = text.replacingOccurrences(of: "\r\n", with: "\n").split(separator: "\n", omittingEmptySubsequences: false)
        return lines.map { encodeLine(Array($0.utf8)) }.joined(separator: "\r\n")
    }

    private static func encodeLine(_ bytes: [UInt8]) -> String {
        var output = ""
        var width = 0
        for (index, byte) in bytes.enumerated() {
            let literal = (byte >= 33 && byte <= 126 && byte != UInt8(ascii: "="))
                || ((byte == 0x20 || byte == 0x09) && index < bytes.count - 1)
            let token = literal ? String(UnicodeScalar(byte)) : String(format: "=%02X", byte)
            if width + token.count > 75 {
                output += "=\r\n"
                width = 0
            }
            output += token
            width += token.count
        }
        return output
    }
}
