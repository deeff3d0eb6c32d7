import Foundation
import IntakeModel
import Testing

/// Who sent a message: phone numbers, email addresses and handles normalized so one person is one reporter,
/// and redacted so logs never carry the full address.
@Suite struct ReporterTests {
    /// One row of `fixtures/phone/e164-cases.json`, whose expected values Google's libphonenumber computed.
    struct PhoneCase: Decodable, Sendable, CustomTestStringConvertible {
        let input: String
        let expected: String?

        var testDescription: String { "\"\(input)\" → \(expected ?? "nil")" }
    }

    private struct PhoneCaseFile: Decodable {
        let source: String
        let cases: [PhoneCase]
    }

    static func phoneCases() throws -> [PhoneCase] {
        try JSONDecoder().decode(PhoneCaseFile.self, from: Fixtures.data("phone/e164-cases.json")).cases
    }

    @Test(arguments: try phoneCases())
    func phoneNumberNormalizesAsLibphonenumberDoes(_ row: PhoneCase) {
        #expect(PhoneNumber.e164(row.input) == row.expected)
        #expect(Reporter(kind: .phone, raw: row.input)?.address == row.expected)
    }

    @Test func oracleTableCoversValidAndInvalidNumbers() throws {
        let rows = try Self.phoneCases()
        #expect(rows.count >= 120)
        #expect(rows.filter { $0.expected == nil }.count >= 15)
        #expect(Set(rows.map(\.input)).count == rows.count)
    }

    @Test func leading62WithoutPlusIsTakenAsTheCountryCode() {
        // Deliberately unlike libphonenumber, which reads 62831587758 as the national number 0628 3158 7758
        // (+6262831587758): SMS aggregators send sender numbers as 62…, so the gateway reads +62 831-587-758.
        // The generator leaves such ambiguous rows out of the oracle table.
        #expect(PhoneNumber.e164("62831587758") == "+62831587758")
        #expect(PhoneNumber.e164("62 812 1635 17") == "+62812163517")
        #expect(PhoneNumber.e164("6281234567890") == "+6281234567890")
    }

    @Test func numbersWithoutCountryCodeTakeTheConfiguredOne() {
        // A channel serving Malaysia-based migrant workers: a local number is read as +60.
        #expect(PhoneNumber.e164("012-345 6789", defaultCountryCode: "60") == "+60123456789")
        #expect(PhoneNumber.e164("+62 812-3456-7890", defaultCountryCode: "60") == "+6281234567890")
    }

    static let emails: [(String, String?)] = [
        ("Budi@Example.CO.ID", "budi@example.co.id"),
        ("Name <Budi@Example.CO.ID>", "budi@example.co.id"),
        ("\"Santoso, Budi\" <Budi.Santoso@Gmail.com>", "budi.santoso@gmail.com"),
        ("  siti.rahma+lapor@yahoo.co.id  ", "siti.rahma+lapor@yahoo.co.id"),
        ("<warga@desa-sukamaju.id>", "warga@desa-sukamaju.id"),
        ("", nil),
        ("budi", nil),
        ("budi@", nil),
        ("@example.co.id", nil),
        ("budi@localhost", nil),
        ("budi@.example.id", nil),
        ("budi@example.", nil),
        ("budi santoso@example.id", nil),
        ("budi@@example.id", nil),
        ("budi@example.id@other.id", nil),
        ("Name <>", nil),
    ]

    @Test(arguments: emails)
    func emailAddressIsLowerCasedAndUnwrapped(_ raw: String, _ normalized: String?) {
        #expect(EmailAddress.normalize(raw) == normalized)
        #expect(Reporter(kind: .email, raw: raw)?.address == normalized)
    }

    static let handles: [(String, String?)] = [
        ("@Lapor1708", "lapor1708"),
        ("Lapor1708", "lapor1708"),
        ("  @MudikLAPOR ", "mudiklapor"),
        ("@", nil),
        ("", nil),
        ("@Warga Sleman", nil),
    ]

    @Test(arguments: handles)
    func socialHandleLosesAtSignAndCase(_ raw: String, _ normalized: String?) {
        #expect(Reporter(kind: .social, raw: raw)?.address == normalized)
    }

    /// An address as a channel carrying any kind gives it, and the reporter it must become.
    struct Inference: Sendable, CustomTestStringConvertible {
        let raw: String
        let kind: ReporterKind
        let address: String

        var testDescription: String { "\"\(raw)\" → \(kind)" }
    }

    static let inferred: [Inference] = [
        Inference(raw: "@Lapor1708", kind: .social, address: "lapor1708"),
        Inference(raw: "Budi@Example.CO.ID", kind: .email, address: "budi@example.co.id"),
        Inference(raw: "Budi Santoso <budi@example.co.id>", kind: .email, address: "budi@example.co.id"),
        Inference(raw: "0812-3456-7890", kind: .phone, address: "+6281234567890"),
        Inference(raw: "+62 857 1234 5678", kind: .phone, address: "+6285712345678"),
        Inference(raw: "(021) 2345 6789", kind: .phone, address: "+622123456789"),
        Inference(raw: "  0895 1234 56789 ", kind: .phone, address: "+62895123456789"),
        Inference(raw: "web-session-9f2c41", kind: .web, address: "web-session-9f2c41"),
        Inference(raw: "  akun 88231 ", kind: .web, address: "akun 88231"),
    ]

    @Test(arguments: inferred)
    func reporterKindIsInferredFromTheAddress(_ row: Inference) throws {
        let reporter = try #require(Reporter(inferringFrom: row.raw, name: "  Budi Santoso "))
        #expect(reporter.kind == row.kind)
        #expect(reporter.address == row.address)
        #expect(reporter.name == "Budi Santoso")
    }

    @Test(arguments: ["", "   ", "budi@", "@", "@two words", "0812-345", "+62 812 3456 7890 1234 5"])
    func addressThatLooksLikeAKindButIsNotValidMakesNoReporter(_ raw: String) {
        #expect(Reporter(inferringFrom: raw) == nil)
    }

    @Test func blankNameIsDropped() {
        #expect(Reporter(kind: .phone, raw: "081234567890", name: "   ")?.name == nil)
        #expect(Reporter(kind: .phone, raw: "081234567890")?.name == nil)
    }

    /// Addresses of every kind, short and long, as normalization leaves them.
    static let reporters: [Reporter] = [
        Reporter(kind: .phone, address: "+6281234567890"),
        Reporter(kind: .phone, address: "+622123456789"),
        Reporter(kind: .phone, address: "+6227451234"),
        Reporter(kind: .phone, address: "+14155552671"),
        Reporter(kind: .email, address: "budi.santoso@gmail.com"),
        Reporter(kind: .email, address: "b@x.id"),
        Reporter(kind: .email, address: "dewi.lestari88@yahoo.co.id"),
        Reporter(kind: .social, address: "lapor1708"),
        Reporter(kind: .social, address: "jk"),
        Reporter(kind: .social, address: "abc"),
        Reporter(kind: .web, address: "web-session-9f2c41"),
        Reporter(kind: .web, address: "7"),
    ]

    @Test(arguments: reporters)
    func redactedAddressNeverShowsTheWholeAddress(_ reporter: Reporter) {
        let redacted = reporter.redactedAddress
        #expect(!redacted.contains(reporter.address), "\(redacted)")
        #expect(redacted.contains("*"))
    }

    @Test func redactedPhoneHidesAtLeastHalfTheNumber() throws {
        let rows = try Self.phoneCases().compactMap(\.expected) + ["+62812345", "+628123456"]
        for address in Set(rows) {
            let redacted = Array(Reporter(kind: .phone, address: address).redactedAddress)
            let digits = Array(address)
            #expect(redacted.count == digits.count)
            let shown = redacted.filter { $0 != "*" }.count
            #expect(shown * 2 <= digits.count, "\(String(redacted)) shows too much of \(address)")
            // What is shown is the number's own beginning (country, operator) and, for full numbers, its last two digits.
            let head = redacted.prefix { $0 != "*" }
            #expect(Array(head) == Array(digits.prefix(head.count)))
            #expect(head.count <= 5)
            if digits.count >= 10 { #expect(redacted.suffix(2) == digits.suffix(2)) }
        }
    }

    @Test func redactedEmailMasksTheLocalPartAndKeepsTheDomain() {
        let redacted = Reporter(kind: .email, address: "budi.santoso@gmail.com").redactedAddress
        #expect(redacted.hasSuffix("@gmail.com"))
        #expect(!redacted.contains("budi.santoso"))
        #expect(!redacted.contains("udi"))
    }

    @Test func jsonListsNameEvenWhenAbsent() throws {
        let data = try ComplaintCoding.encoder().encode(Reporter(kind: .social, address: "lapor1708"))
        #expect(String(decoding: data, as: UTF8.self) == #"{"address":"lapor1708","kind":"social","name":null}"#)
        let reporter = Reporter(kind: .email, address: "budi@example.co.id", name: "Budi")
        #expect(try ComplaintCoding.decoder().decode(Reporter.self, from: ComplaintCoding.encoder().encode(reporter)) == reporter)
    }
}
