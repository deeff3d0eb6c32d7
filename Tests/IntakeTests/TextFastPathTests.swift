@testable import IntakeModel
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
}
