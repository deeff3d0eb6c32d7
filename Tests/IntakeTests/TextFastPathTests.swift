@testable import IntakeModel
import Foundation
import Testing

/// The ASCII fast paths of text normalization must give exactly what the general Unicode paths give.
@Suite("TextFastPathTests")
struct TextFastPathTests {
    static let alphabet: [Character] = ["a", "B", "z", "7", " ", " ", "\n", "\n", ".", ",", "!", "\t", "\r", "-", "é"]

    /// Random texts over an alphabet dense in spaces and newlines, from a fixed seed so failures repeat.
    static func texts(count: Int) -> [String] {
        var generator = SplitMix64(seed: 0x1708)
        return (0..<count).map { _ in
            String((0..<Int(generator.next() % 24)).map { _ in alphabet[Int(generator.next() % UInt64(alphabet.count))] })
        }
    }

    @Test func fastBodyNormalizationMatchesTheGeneralPath() {
        for text in Self.texts(count: 20_000) {
            #expect(BodyText.normalize(text) == BodyText.normalizeInFull(text), "\(text.debugDescription)")
        }
    }

    @Test func fastMatchKeyMatchesTheGeneralPath() {
        for text in Self.texts(count: 20_000) {
            #expect(MatchText.key(text) == MatchText.keyInFull(text), "\(text.debugDescription)")
        }
    }

    @Test func fastTrimmingMatchesTheGeneralPath() {
        for text in Self.texts(count: 20_000) + ["\r\n", "a\r\n", "\u{00A0}a\u{2003}", "a\u{0301}", "\u{0600}1", "\u{1F}x\u{7F}"] {
            #expect(text.trimmed == text.trimmedInFull, "\(text.debugDescription)")
            #expect(text.dropFirst(0).trimmed == text.trimmedInFull, "\(text.debugDescription)")
        }
    }

    @Test func fastBlankCheckMatchesTheGeneralPath() {
        let unusual = ["", " \u{0301}", "\u{3000}\u{00A0}", "\u{0600}1", "\r\n", " \u{200D}a", "\u{1F}", "\u{85}"]
        for text in Self.texts(count: 20_000) + unusual {
            #expect(text.isBlank == text.allSatisfy(\.isWhitespace), "\(text.debugDescription)")
            #expect(text.dropFirst(0).isBlank == text.allSatisfy(\.isWhitespace), "\(text.debugDescription)")
        }
    }

    /// What the format styles alone make of a time (the path every unusual shape takes).
    static func parsedByFormatStyles(_ text: String) -> Date? {
        for style in [Date.ISO8601FormatStyle.iso8601, Date.ISO8601FormatStyle(includingFractionalSeconds: true)] {
            if let date = try? style.parse(text) { return date }
        }
        return nil
    }

    @Test(arguments: [
        "2026-04-07T09:30:00Z", "2026-04-07T09:30:00.123Z", "2026-04-07T09:30:00.5Z", "2026-04-07T16:30:00+07:00",
        "2026-04-07T02:30:00-07:00", "2026-04-07T09:30:00.123456Z", "1999-12-28T23:59:59Z", "2026-02-28T00:00:00+09:30",
    ])
    func fastTimestampParsingMatchesTheFormatStyles(text: String) throws {
        let fast = try #require(Timestamp.parseCommon(text))
        let general = try #require(Self.parsedByFormatStyles(text))
        #expect(abs(fast.timeIntervalSince1970 - general.timeIntervalSince1970) < 0.000_001)
    }

    /// Shapes the fast path does not take: each gets the format styles' answer, whatever it is.
    @Test(arguments: [
        "2026-02-30T09:30:00Z", "2026-04-31T09:30:00Z", "2026-13-07T09:30:00Z", "2026-04-07T24:00:00Z", "2026-04-07 09:30:00Z",
        "2026-04-07T09:30:00", "2026-04-07T09:30:00.Z", "2026-04-07T09:30:00+0700", "2026-04-07t09:30:00z", "yesterday", "",
        "2026-04-07T09:30:00Zjunk", "+2026-04-07T09:30:00Z", "1999-12-31T23:59:59Z",
    ])
    func unusualTimestampsGetTheFormatStylesAnswer(text: String) {
        #expect(Timestamp.parseCommon(text) == nil)
        #expect(Timestamp.parse(text) == Self.parsedByFormatStyles(text))
    }
}
