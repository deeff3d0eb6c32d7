import Foundation
import IntakeModel
import Testing

/// Form bodies and queries as SMS providers send them, decoded best-effort.
@Suite struct FormFieldsTests {
    struct Case: Sendable, CustomTestStringConvertible {
        var name: String
        var body: String
        var fields: [String]
        var testDescription: String { name }
    }

    static let cases: [Case] = [
        Case(name: "plain pairs in order", body: "From=%2B6281234567890&Body=Jalan+rusak&To=1708",
             fields: ["From=+6281234567890", "Body=Jalan rusak", "To=1708"]),
        Case(name: "UTF-8 escapes", body: "Body=Jembatan%20ambruk%20%E2%80%94%20tolong", fields: ["Body=Jembatan ambruk — tolong"]),
        Case(name: "a stray percent stays", body: "Body=diskon+50%+palsu&x=%zz", fields: ["Body=diskon 50% palsu", "x=%zz"]),
        Case(name: "a name without a value and empty pairs", body: "&&flag&Body=&", fields: ["flag=", "Body="]),
        Case(name: "bytes that are not UTF-8", body: "Body=caf%E9", fields: ["Body=caf\u{FFFD}"]),
        Case(name: "a truncated escape at the end", body: "Body=ok%2", fields: ["Body=ok%2"]),
        Case(name: "an equals sign inside the value", body: "q=a%3Db=c", fields: ["q=a=b=c"]),
    ]

    @Test(arguments: cases)
    func decodes(_ example: Case) {
        let decoded = FormFields.decode(Array(example.body.utf8)).map { "\($0.name)=\($0.value)" }
        #expect(decoded == example.fields)
    }

    @Test("a query is read after the first ? and before the fragment")
    func query() {
        let fields = FormFields.query(of: "https://lapor.example.go.id/webhooks/sms?msisdn=6281&text=Halo+Pak#frag")
        #expect(fields.map(\.name) == ["msisdn", "text"] && fields.map(\.value) == ["6281", "Halo Pak"])
    }

    @Test("encoding then decoding gives the fields back")
    func roundTrip() {
        let fields = [(name: "to", value: "+62 812-3456"), (name: "text", value: "Nomor: LPR-7K3M-9QX2 & terima kasih ✓")]
        let decoded = FormFields.decode(FormFields.encode(fields))
        #expect(decoded.map(\.name) == fields.map(\.name) && decoded.map(\.value) == fields.map(\.value))
    }
}
