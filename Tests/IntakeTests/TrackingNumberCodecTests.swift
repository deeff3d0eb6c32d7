import IntakeModel
import Testing

/// Tracking numbers derived from journal ids: a bijection that hides the sequence.
@Suite("TrackingNumberCodecTests")
struct TrackingNumberCodecTests {
    @Test(arguments: [UInt64(0), 1, 0x1708, .max])
    func everyIDMapsToANumberThatMapsBack(key: UInt64) {
        let codec = TrackingNumberCodec(key: key)
        let ids: [Int64] = Array(1...20_000) + [Int64(TrackingNumber.payloadSpace - 1), Int64(TrackingNumber.payloadSpace / 2)]
        var seen = Set<TrackingNumber>()
        for id in ids {
            let number = codec.number(for: id)
            #expect(codec.journalID(for: number) == id)
            #expect(TrackingNumber(parsing: number.description) == number)
            seen.insert(number)
        }
        #expect(seen.count == ids.count, "distinct ids must give distinct numbers")
    }

    @Test func differentInstallationsNumberTheSameIDDifferently() {
        let first = TrackingNumberCodec(key: 1), second = TrackingNumberCodec(key: 2)
        let same = (1...1_000).filter { first.number(for: Int64($0)) == second.number(for: Int64($0)) }
        #expect(same.count <= 1)
    }

    @Test func neighbouringIDsGetUnrelatedNumbers() {
        let codec = TrackingNumberCodec(key: 0xC0FFEE)
        var sharedLeadingSymbols = 0
        for id in Int64(1)...5_000 {
            let a = codec.number(for: id).symbols, b = codec.number(for: id + 1).symbols
            if a.prefix(3) == b.prefix(3) { sharedLeadingSymbols += 1 }
        }
        // Unrelated numbers share their first three symbols with probability 1/32768.
        #expect(sharedLeadingSymbols <= 3)
    }

    @Test func payloadRoundTripsThroughSymbols() {
        for payload in [UInt64(0), 1, 31, 32, 1 << 20, TrackingNumber.payloadSpace - 1] {
            #expect(TrackingNumber(payload: payload).payload == payload)
        }
        #expect(TrackingNumber(payload: 0).description == "LPR-0000-0000")
    }
}
