import Foundation

/// A bound on how deep libetpan will recurse into a message, found without parsing it.
extension EtpanParser {
    /// How many `Content-Type` fields in `raw` declare a container (`multipart/…` or `message/…`), counting at most
    /// `limit`. Every line that looks like such a field counts, wherever it is (a body line too), so this is an upper
    /// bound: each level of nesting needs one declaration (a `multipart/digest` makes its parts messages by default,
    /// so at most two levels per declaration), and libetpan recurses once per level.
    static func containerDeclarations(in raw: ArraySlice<UInt8>, upTo limit: Int) -> Int {
        raw.withUnsafeBufferPointer { buffer in
            guard let base = buffer.baseAddress else { return 0 }
            var count = 0
            var index = 0
            // A line starts after LF, and after CR too: libetpan takes a bare CR for a line end, and more line
            // starts only make the bound looser. memchr keeps the scan cheap even in a debug build.
            var nextLF = -1, nextCR = -1
            while index < buffer.count, count < limit {
                if buffer[index] | 0x20 == UInt8(ascii: "c"), isContainerField(buffer, at: index) { count += 1 }
                if nextLF < index { nextLF = position(of: 0x0A, in: base, from: index, count: buffer.count) }
                if nextCR < index { nextCR = position(of: 0x0D, in: base, from: index, count: buffer.count) }
                index = min(nextLF, nextCR) + 1
            }
            return count
        }
    }

    /// The index of the first `byte` at or after `start`, or `count` when there is none.
    private static func position(of byte: UInt8, in base: UnsafePointer<UInt8>, from start: Int, count: Int) -> Int {
        guard let found = memchr(base + start, Int32(byte), count - start) else { return count }
        return base.distance(to: found.assumingMemoryBound(to: UInt8.self))
    }

    /// Whether the line at `start` is `Content-Type` (any case, blanks allowed before the colon as RFC 822 did)
    /// whose value, after blanks and folding, starts with `multipart/` or `message/`.
    private static func isContainerField(_ buffer: UnsafeBufferPointer<UInt8>, at start: Int) -> Bool {
        guard matches(buffer, at: start, lowercase: contentType) else { return false }
        var index = start + contentType.count
        while index < buffer.count, buffer[index] == 0x20 || buffer[index] == 0x09 { index += 1 }
        guard index < buffer.count, buffer[index] == UInt8(ascii: ":") else { return false }
        index += 1
        while index < buffer.count, [0x20, 0x09, 0x0D, 0x0A].contains(buffer[index]) { index += 1 }
        return matches(buffer, at: index, lowercase: multipart) || matches(buffer, at: index, lowercase: message)
    }

    /// Whether `buffer` at `start` holds `word` (lower-case ASCII), compared without regard to case.
    private static func matches(_ buffer: UnsafeBufferPointer<UInt8>, at start: Int, lowercase word: [UInt8]) -> Bool {
        guard buffer.count - start >= word.count else { return false }
        for (offset, expected) in word.enumerated() where buffer[start + offset] | 0x20 != expected {
            return false
        }
        return true
    }

    private static let contentType = Array("content-type".utf8)
    private static let multipart = Array("multipart/".utf8)
    private static let message = Array("message/".utf8)
}
