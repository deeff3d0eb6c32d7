import EmailAdapter
import Foundation
import IntakeMIME
import IntakeModel
import Testing

/// A property-based fuzz run of the MIME parser: seeded mutations of every fixture under `fixtures/email/` (bit
/// flips, inserted and deleted bytes, truncation, duplicated and removed boundaries, overlong headers, random
/// charsets, malformed encoded words and RFC 2231 parameters, NUL bytes, base64/QP garbage, mixed line endings,
/// spliced fixtures) and generated deep nesting. Every case must return or throw its typed error, quickly: a crash
/// kills the test process, a hang shows as a case over its time bound.
///
/// Replay: `INTAKE_FUZZ_SEED=<seed> swift test --filter MIMEFuzzTests` runs the same cases; a failure names its
/// seed, case number, fixture and mutations, and `INTAKE_FUZZ_CASE=<n>` runs that case alone.
@Suite("MIMEFuzzTests")
struct MIMEFuzzTests {
    static let defaultSeed: UInt64 = 0x1A7A_4E18_2026_1204
    /// Cases per fixture; the 400 KiB attachment fixture gets a tenth of them, to stay well inside the time budget.
    static let casesPerFixture = 180
    /// Far longer than any case takes in a debug build (the slowest, a spliced 400 KiB message, takes under a
    /// second even on a busy machine); a case over it is a hang or a blow-up worse than linear.
    static let caseBound = Duration.seconds(10)

    static var seed: UInt64 {
        ProcessInfo.processInfo.environment["INTAKE_FUZZ_SEED"].flatMap { UInt64($0, radix: $0.hasPrefix("0x") ? 16 : 10) ?? UInt64($0.dropFirst(2), radix: 16) }
            ?? defaultSeed
    }

    static let channel = ChannelConfig(id: "mail", type: EmailAdapter.type, settings: ["secret": "fuzz"], burstSeconds: 0)

    /// Every file under `fixtures/email/` (and `mime/`), by relative name.
    static func fixtures() throws -> [(name: String, bytes: [UInt8])] {
        let root = Fixtures.url("email")
        let names = try FileManager.default.subpathsOfDirectory(atPath: root.path).filter { $0.hasSuffix(".eml") || $0.hasSuffix(".bin") }.sorted()
        return try names.map { ($0, Array(try Data(contentsOf: root.appendingPathComponent($0)))) }
    }

    /// Parses `raw` every way intake does; returns how long it took. Throwing a typed error is a pass.
    @discardableResult
    static func exercise(_ raw: [UInt8]) -> Duration {
        let started = ContinuousClock.now
        if let mime = try? MIMEMessage(parsing: raw) {
            for part in mime.parts { _ = part.text() }
            _ = mime.text()
            _ = mime.header("Content-Type")
        }
        switch Result(catching: { () throws(AdapterError) in try EmailParser.message(raw: raw, channel: channel) }) {
        case .success(.complaint(let message)):
            #expect(!message.text.isEmpty && !message.externalID.isEmpty, "a complaint always has text and an id")
        case .success(.ignored), .failure:
            break
        }
        return ContinuousClock.now - started
    }

    @Test("seeded mutations of every email fixture parse or fail with a typed error, never crash or hang")
    func mutatedFixtures() throws {
        let fixtures = try Self.fixtures()
        #expect(fixtures.count >= 15, "the fixtures were found")
        let seed = Self.seed
        let only = ProcessInfo.processInfo.environment["INTAKE_FUZZ_CASE"].flatMap(Int.init)
        print("MIMEFuzzTests: seed 0x\(String(seed, radix: 16)) (INTAKE_FUZZ_SEED replays it)")
        var caseNumber = 0
        var slowest = Duration.zero
        var parsing = Duration.zero
        let started = ContinuousClock.now
        var ran = 0
        for (index, fixture) in fixtures.enumerated() {
            let count = fixture.bytes.count > 100_000 ? Self.casesPerFixture / 10 : Self.casesPerFixture
            for _ in 0..<count {
                defer { caseNumber += 1 }
                if let only, only != caseNumber { continue }
                // Each case has its own generator, derived from the run's seed and its number, so it replays alone.
                var random = SplitMix64(seed: seed ^ (UInt64(caseNumber) &* 0x2545_F491_4F6C_DD1D))
                let other = fixtures[(index + Int.random(in: 1..<fixtures.count, using: &random)) % fixtures.count].bytes
                var bytes = fixture.bytes
                var applied: [MIMEMutation] = []
                for _ in 0..<Int.random(in: 1...3, using: &random) {
                    let mutation = MIMEMutation.allCases.randomElement(using: &random)!
                    bytes = mutation.apply(to: bytes, other: other, using: &random)
                    applied.append(mutation)
                }
                let spent = Self.exercise(bytes)
                slowest = max(slowest, spent)
                parsing += spent
                ran += 1
                #expect(spent < Self.caseBound, "seed 0x\(String(seed, radix: 16)) case \(caseNumber) (\(fixture.name), \(applied.map(\.rawValue))) took \(spent)")
            }
        }
        print("MIMEFuzzTests: \(ran) mutated cases in \(ContinuousClock.now - started) (parsing \(parsing)), slowest \(slowest)")
        #expect(only != nil || ran >= 3_000, "a few thousand cases ran: \(ran)")
    }

    @Test("deep nesting is bounded by the parser, never a stack overflow", arguments: [1, 31, 32, 33, 64, 65, 200, 5_000, 60_000])
    func deepNesting(depth: Int) {
        for asMessages in [false, true] {
            for closed in [true, false] {
                let raw = MIMEMutation.deepNesting(depth: depth, asMessages: asMessages, closed: closed)
                let spent = Self.exercise(raw)
                #expect(spent < Self.caseBound, "depth \(depth) messages \(asMessages) closed \(closed) took \(spent)")
                let parsed = Result { () throws(MIMEError) in try MIMEMessage(parsing: raw) }
                if depth > 64 {
                    #expect(throws: MIMEError.tooManyContainers(limit: 64)) { try parsed.get() }
                } else {
                    #expect(throws: Never.self) { try parsed.get() }
                }
            }
        }
    }

    @Test("deeply nested comments and groups in address headers do not overflow the stack")
    func nestedComments() {
        for header in ["From: " + String(repeating: "(", count: 100_000) + "a@b.example",
                       "From: " + String(repeating: "a:", count: 50_000) + "b@c.example;",
                       "Subject: " + String(repeating: "=?utf-8?Q?(?=", count: 20_000)] {
            let spent = Self.exercise(Array("\(header)\r\nMessage-ID: <n@x>\r\n\r\nIsi surat.\r\n".utf8))
            #expect(spent < Self.caseBound, "\(header.prefix(20))… took \(spent)")
        }
    }

    @Test("shallow nesting still reaches the letter at the bottom")
    func shallowNestingKeepsTheText() throws {
        let outcome = try EmailParser.message(raw: MIMEMutation.deepNesting(depth: 20, asMessages: false, closed: true), channel: Self.channel)
        guard case .complaint(let message) = outcome else { Issue.record("not a complaint: \(outcome)"); return }
        #expect(message.text == "Jalan rusak di dasar.")
    }
}
