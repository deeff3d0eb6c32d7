import Foundation
import IntakeMIME
import IntakeModel

/// The text a citizen wrote: `text/plain` preferred, HTML made readable, quoted earlier mail and the
/// signature cut (the raw message, journaled beside it, keeps them).
enum EmailBody {
    /// The body text of `mime`, trimmed; empty when it has no textual body.
    static func text(of mime: MIMEMessage) -> String {
        let bodies = mime.parts.filter { !$0.isAttachment && $0.fileName == nil }
        let full: String
        if let plain = bodies.first(where: { $0.mediaType == "text/plain" })?.text() {
            full = plain
        } else if let html = bodies.first(where: { $0.mediaType == "text/html" })?.text() {
            full = HTMLText.readable(html)
        } else {
            return ""
        }
        let cut = withoutQuotes(full).trimmed
        // A mail that is all quote (a bare forward of a reply) keeps its whole text rather than none.
        return cut.isEmpty ? full.trimmed : cut
    }

    /// `text` without `>` quoted lines, and without everything from an attribution line (`On … wrote:`,
    /// `Pada … menulis:`), an `-----Original Message-----` separator or the `-- ` signature delimiter on.
    /// A forwarded message (`---------- Forwarded message ----------`) is the letter itself and stays.
    static func withoutQuotes(_ text: String) -> String {
        var kept: [Substring] = []
        let lines = text.split(separator: "\n", omittingEmptySubsequences: false)
        for (index, line) in lines.enumerated() {
            let trimmed = line.trimmed
            if line == "-- " || line == "--" || line == "-- \r" { break }
            if isSeparator(trimmed) { break }
            if isAttribution(trimmed) { break }
            // Gmail and Outlook wrap a long attribution: `On Mon, … <a@b>` then `wrote:` on the next line.
            if index + 1 < lines.count, isAttribution(trimmed + " " + lines[index + 1].trimmed),
               trimmed.lowercased().hasPrefix("on ") || trimmed.lowercased().hasPrefix("pada ") {
                break
            }
            if trimmed.hasPrefix(">") { continue }
            kept.append(line)
        }
        return kept.joined(separator: "\n")
    }

    private static func isAttribution(_ line: String) -> Bool {
        let lower = line.lowercased()
        return (lower.hasPrefix("on ") && lower.hasSuffix("wrote:"))
            || (lower.hasPrefix("pada ") && lower.hasSuffix("menulis:"))
    }

    private static func isSeparator(_ line: String) -> Bool {
        let lower = line.lowercased()
        return lower.hasPrefix("-----original message-----") || lower.hasPrefix("-----pesan asli-----")
            || lower.hasPrefix("-----pesan semula-----")
    }
}

/// HTML to readable plain text: tags dropped, block ends as line breaks, entities decoded, script and
/// style contents removed, runs of blank space collapsed.
enum HTMLText {
    private static let blockTags: Set<String> = [
        "br", "p", "/p", "div", "/div", "li", "/li", "tr", "/tr", "h1", "h2", "h3", "h4", "h5", "h6",
        "/h1", "/h2", "/h3", "/h4", "/h5", "/h6", "blockquote", "/blockquote", "table", "/table", "hr",
    ]

    /// `html` as text a person would read.
    static func readable(_ html: String) -> String {
        var output = ""
        var index = html.startIndex
        var skipUntil: String?
        while index < html.endIndex {
            let character = html[index]
            guard character == "<" else {
                if skipUntil == nil { output.append(character) }
                index = html.index(after: index)
                continue
            }
            guard let close = html[index...].firstIndex(of: ">") else { break }
            let tag = tagName(html[html.index(after: index)..<close])
            index = html.index(after: close)
            if let waiting = skipUntil {
                if tag == waiting { skipUntil = nil }
                continue
            }
            if tag == "script" || tag == "style" || tag == "head" { skipUntil = "/" + tag; continue }
            if blockTags.contains(tag) { output.append("\n") }
        }
        return tidy(decodeEntities(output))
    }

    /// `p`, `/p`, `br` from the inside of a tag; `!--` for comments.
    private static func tagName(_ inside: Substring) -> String {
        var rest = inside.drop { $0.isWhitespace }
        let closing = rest.first == "/"
        if closing { rest = rest.dropFirst() }
        let name = rest.prefix { $0.isLetter || $0.isNumber || $0 == "!" || $0 == "-" }
        return (closing ? "/" : "") + name.lowercased()
    }

    /// Collapses spaces within lines and blank-line runs to one blank line.
    private static func tidy(_ text: String) -> String {
        var lines: [String] = []
        for raw in text.split(separator: "\n", omittingEmptySubsequences: false) {
            let words = raw.split { $0 == " " || $0 == "\t" || $0 == "\r" || $0 == "\u{00A0}" }
            let line = words.joined(separator: " ")
            if line.isEmpty, lines.last?.isEmpty ?? true { continue }
            lines.append(line)
        }
        return lines.joined(separator: "\n").trimmed
    }

    private static let named: [String: Character] = [
        "amp": "&", "lt": "<", "gt": ">", "quot": "\"", "apos": "'", "nbsp": " ", "ndash": "–", "mdash": "—",
        "hellip": "…", "laquo": "«", "raquo": "»", "copy": "©", "rsquo": "’", "lsquo": "‘", "ldquo": "“", "rdquo": "”",
    ]

    /// `&amp;`, `&#233;`, `&#xE9;` and the common named entities decoded; unknown ones left as written.
    static func decodeEntities(_ text: String) -> String {
        guard text.contains("&") else { return text }
        var output = ""
        var index = text.startIndex
        while index < text.endIndex {
            let character = text[index]
            if character == "&", let semicolon = text[index...].prefix(12).firstIndex(of: ";") {
                let entity = text[text.index(after: index)..<semicolon]
                if let decoded = decode(entity) {
                    output.append(decoded)
                    index = text.index(after: semicolon)
                    continue
                }
            }
            output.append(character)
            index = text.index(after: index)
        }
        return output
    }

    private static func decode(_ entity: Substring) -> Character? {
        if entity.hasPrefix("#x") || entity.hasPrefix("#X") {
            return UInt32(entity.dropFirst(2), radix: 16).flatMap(Unicode.Scalar.init).map(Character.init)
        }
        if entity.hasPrefix("#") {
            return UInt32(entity.dropFirst()).flatMap(Unicode.Scalar.init).map(Character.init)
        }
        return named[entity.lowercased()]
    }
}
