import Foundation

/// Hostile variations of a real message: what a broken client, a truncated transfer or an attacker sends.
enum MIMEMutation: String, CaseIterable, Sendable {
    case bitFlips, insertBytes, deleteBytes, truncate, duplicateBoundary, removeBoundary, overlongHeader
    case randomCharset, malformedEncodedWord, malformedRFC2231, nulBytes, transferEncodingGarbage, lineEndings, splice

    /// `raw` changed by this mutation; `other` is another fixture, for splicing.
    func apply(to raw: [UInt8], other: [UInt8], using random: inout SplitMix64) -> [UInt8] {
        var bytes = raw
        switch self {
        case .bitFlips:
            for _ in 0..<Int.random(in: 1...16, using: &random) where !bytes.isEmpty {
                bytes[Int.random(in: 0..<bytes.count, using: &random)] ^= UInt8(1) << UInt8.random(in: 0...7, using: &random)
            }
        case .insertBytes:
            let junk = (0..<Int.random(in: 1...64, using: &random)).map { _ in UInt8.random(in: 0...255, using: &random) }
            bytes.insert(contentsOf: junk, at: Int.random(in: 0...bytes.count, using: &random))
        case .deleteBytes:
            guard !bytes.isEmpty else { break }
            let start = Int.random(in: 0..<bytes.count, using: &random)
            bytes.removeSubrange(start..<min(bytes.count, start + Int.random(in: 1...256, using: &random)))
        case .truncate:
            bytes = Array(bytes.prefix(Int.random(in: 0...bytes.count, using: &random)))
        case .duplicateBoundary, .removeBoundary:
            bytes = Self.editBoundaryLines(bytes, duplicate: self == .duplicateBoundary, using: &random)
        case .overlongHeader:
            let name = ["Subject", "From", "Content-Type", "X-Long", "Message-ID"].randomElement(using: &random)!
            let filler = [UInt8](repeating: UInt8(ascii: ["a", " ", "=", ";"].randomElement(using: &random)!), count: Int.random(in: 1_000...64_000, using: &random))
            bytes = Array("\(name): ".utf8) + filler + Array("\r\n".utf8) + bytes
        case .randomCharset:
            bytes = Self.replacingCharsets(bytes, using: &random)
        case .malformedEncodedWord:
            let word = Self.malformedWords.randomElement(using: &random)!
            let header = ["Subject", "From"].randomElement(using: &random)!
            bytes = Array("\(header): \(word)\r\n".utf8) + bytes
        case .malformedRFC2231:
            bytes = Self.insertingPart(Self.malformedDispositions.randomElement(using: &random)!, into: bytes)
        case .nulBytes:
            for _ in 0..<Int.random(in: 1...8, using: &random) {
                bytes.insert(0, at: Int.random(in: 0...bytes.count, using: &random))
            }
        case .transferEncodingGarbage:
            let encoding = ["base64", "quoted-printable", "BASE64", "x-uuencode", "8bit"].randomElement(using: &random)!
            let body = (0..<Int.random(in: 0...512, using: &random)).map { _ in Self.garbageAlphabet.randomElement(using: &random)! }
            bytes = Self.insertingPart("Content-Type: text/plain; charset=utf-8\r\nContent-Transfer-Encoding: \(encoding)\r\n\r\n"
                + String(decoding: body, as: UTF8.self), into: bytes)
        case .lineEndings:
            let ending: [UInt8] = [[13, 10], [13], [10], [10, 13]].randomElement(using: &random)!
            bytes = bytes.split(separator: 10, omittingEmptySubsequences: false).map { Array($0.filter { $0 != 13 }) }.joined(separator: ending).map { $0 }
        case .splice:
            let cut = Int.random(in: 0...bytes.count, using: &random)
            let from = Int.random(in: 0...other.count, using: &random)
            bytes = Array(bytes.prefix(cut)) + other.suffix(from: from)
        }
        return bytes
    }

    /// A multipart tree `depth` levels deep (each level a multipart holding the next), optionally unclosed, or
    /// message/rfc822 nested in itself `depth` times.
    static func deepNesting(depth: Int, asMessages: Bool, closed: Bool) -> [UInt8] {
        var text = "From: Rudi <rudi@example.id>\r\nSubject: dalam\r\nMessage-ID: <deep-\(depth)@example.id>\r\nMIME-Version: 1.0\r\n"
        if asMessages {
            for level in 0..<depth { text += "Content-Type: message/rfc822\r\n\r\nSubject: level \(level)\r\n" }
            text += "Content-Type: text/plain\r\n\r\nJalan rusak di dasar.\r\n"
            return Array(text.utf8)
        }
        for level in 0..<depth {
            text += "Content-Type: multipart/mixed; boundary=\"b\(level)\"\r\n\r\n--b\(level)\r\n"
        }
        text += "Content-Type: text/plain\r\n\r\nJalan rusak di dasar.\r\n"
        if closed {
            for level in (0..<depth).reversed() { text += "--b\(level)--\r\n" }
        }
        return Array(text.utf8)
    }

    static let malformedWords = [
        "=?utf-8?B?", "=?utf-8?Q?=E2=80?=", "=?utf-8?B?!!!!?=", "=?utf-8?X?abc?=", "=??B?YWJj?=", "=?utf-8??abc?=",
        "=?utf-8*id*x?Q?a?=", "=?no-such-charset?Q?=FF=FE?=", "=?utf-8?B?YWJj", "=?=?=?=?", "=?utf-8?Q?" + String(repeating: "=", count: 4096) + "?=",
        String(repeating: "=?utf-8?B?YQ==?= ", count: 2000), "=?utf-16?B?2D3eAA==?=", "=?utf-7?Q?+AGEAYgBj-?=", "\"=?utf-8?q?a?=\" <x@y",
        "=?iso-2022-jp?B?GyRCJCIbKEI=?=", "=?utf-8?Q?_?= =?utf-8?Q?__?=", "<@>", "\"\" <>", "a@b, , ,, <c@d>", "(((((((comment", "=?ucs-4?B?AAAA/w==?=",
    ]

    static let malformedDispositions = [
        "Content-Type: application/pdf\r\nContent-Disposition: attachment; filename*0*=utf-8''%E2%80; filename*1*=%ZZ\r\n\r\nx",
        "Content-Type: application/pdf\r\nContent-Disposition: attachment; filename*=''\r\n\r\nx",
        "Content-Type: application/pdf\r\nContent-Disposition: attachment; filename*99999999999999999999=a\r\n\r\nx",
        "Content-Type: application/pdf\r\nContent-Disposition: attachment; filename*=no-such'xx'%41%4\r\n\r\nx",
        "Content-Type: application/pdf\r\nContent-Disposition: attachment; filename*-1*=a; filename**=b; filename*0=\r\n\r\nx",
        "Content-Type: application/pdf; name*=utf-8''%00%00\r\nContent-Disposition: inline; filename=\"=?utf-8?B?Li4vLi4v?=\"\r\n\r\nx",
        "Content-Type: application/pdf\r\nContent-Disposition: attachment; " + (0..<300).map { "filename*\($0)*=%41" }.joined(separator: "; ") + "\r\n\r\nx",
        "Content-Type: text/plain; charset*=utf-8''%FF\r\nContent-Disposition: ;;;;;=\r\n\r\nx",
        "Content-Type: /\r\nContent-Disposition: attachment; filename=\"\r\n\r\nx",
    ]

    static let garbageAlphabet: [UInt8] = Array("ABCxyz0189+/=\r\n \t=3D=ZZ=\r\n-_.~!\u{7F}".utf8) + [0, 0xFF, 0x80]

    static let charsets = ["", "utf-7", "utf-16", "utf-32", "ucs-4", "iso-2022-jp", "x-unknown", "\"", "utf-8\"; x=\"", "ISO-8859-99",
                           "windows-1252", "../../etc", String(repeating: "x", count: 5000), "gb18030", "ebcdic-us", "UTF-8*", "%", "cp1252'en'"]

    /// Every `charset=` value replaced by a random name.
    static func replacingCharsets(_ bytes: [UInt8], using random: inout SplitMix64) -> [UInt8] {
        let text = String(decoding: bytes, as: UTF8.self)
        var pieces = text.components(separatedBy: "charset=")
        guard pieces.count > 1 else { return Array("Content-Type: text/plain; charset=\(charsets.randomElement(using: &random)!)\r\n".utf8) + bytes }
        for index in 1..<pieces.count {
            let rest = pieces[index].drop { $0 != ";" && $0 != "\r" && $0 != "\n" }
            pieces[index] = charsets.randomElement(using: &random)! + rest
        }
        return Array(pieces.joined(separator: "charset=").utf8)
    }

    /// `part` placed after the first boundary line of `bytes`, or as the whole body when it has none.
    static func insertingPart(_ part: String, into bytes: [UInt8]) -> [UInt8] {
        let text = String(decoding: bytes, as: UTF8.self)
        let lines = text.components(separatedBy: "\n")
        if let index = lines.firstIndex(where: { $0.hasPrefix("--") && !$0.hasPrefix("-- ") && $0.count > 3 }) {
            var copy = lines
            copy.insert(part.replacingOccurrences(of: "\r\n", with: "\n") + "\n" + lines[index], at: index + 1)
            return Array(copy.joined(separator: "\n").utf8)
        }
        return Array(("From: a@b.example\r\nMIME-Version: 1.0\r\n" + part).utf8)
    }

    /// One boundary line (`--…`) duplicated or removed.
    static func editBoundaryLines(_ bytes: [UInt8], duplicate: Bool, using random: inout SplitMix64) -> [UInt8] {
        var lines = bytes.split(separator: 10, omittingEmptySubsequences: false).map(Array.init)
        let boundaries = lines.indices.filter { lines[$0].starts(with: [45, 45]) }
        guard let index = boundaries.randomElement(using: &random) else { return bytes }
        if duplicate { lines.insert(lines[index], at: index) } else { lines.remove(at: index) }
        return Array(lines.joined(separator: [10]))
    }
}
