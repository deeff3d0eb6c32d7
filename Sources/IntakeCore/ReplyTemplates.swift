import Foundation
import IntakeModel
import IntakeStorage

/// The language of replies to citizens: Bahasa Indonesia unless a channel says `language: en`.
public enum ReplyLanguage: String, Sendable {
    /// Bahasa Indonesia, the default.
    case indonesian = "id"
    /// English (`language: en`).
    case english = "en"

    /// The channel's `language`; anything but `en` is Bahasa Indonesia.
    public init(code: String) {
        self = code.lowercased() == "en" ? .english : .indonesian
    }
}

/// The built-in reply texts and the `{{placeholder}}` rendering that custom templates use too.
///
/// Placeholders: `{{tracking_number}}` (the report's number; for a duplicate the earlier one), `{{channel}}`
/// (the channel id), `{{campaign}}` (empty without one), `{{status}}` (a status answer's words),
/// `{{number}}` (what the citizen typed after `CEK`) and `{{status_hint}}` (how the recipient can follow the
/// report: `statusHint(_:_:tracking:)`, with a leading space, or empty). Every built-in text fits one SMS (160 GSM-7
/// characters) with any number a citizen can type (`StatusQuestion` keeps it short).
public enum ReplyTemplates {
    /// The built-in text of `kind` in `language`, before rendering.
    public static func builtIn(_ kind: ReplyKind, _ language: ReplyLanguage) -> String {
        switch (kind, language) {
        case (.accepted, .indonesian):
            "LAPOR!: Laporan Anda diterima dengan nomor {{tracking_number}}.{{status_hint}}"
        case (.accepted, .english):
            "LAPOR!: Your report was received, tracking number {{tracking_number}}.{{status_hint}}"
        case (.duplicate, .indonesian):
            "LAPOR!: Laporan ini sudah kami terima dengan nomor {{tracking_number}}.{{status_hint}}"
        case (.duplicate, .english):
            "LAPOR!: We already received this report, tracking number {{tracking_number}}.{{status_hint}}"
        case (.status, .indonesian):
            "LAPOR!: Status laporan {{tracking_number}}: {{status}}."
        case (.status, .english):
            "LAPOR!: Report {{tracking_number}}: {{status}}."
        case (.notFound, .indonesian):
            "LAPOR!: Laporan dengan nomor {{number}} tidak ditemukan. Periksa kembali nomor pelacakan Anda (LPR-XXXX-XXXX)."
        case (.notFound, .english):
            "LAPOR!: No report has the number {{number}}. Please check your tracking number (LPR-XXXX-XXXX)."
        case (.mistyped, .indonesian):
            "LAPOR!: Nomor {{number}} tidak valid, mungkin salah ketik. Periksa kembali lalu kirim CEK LPR-XXXX-XXXX"
        case (.mistyped, .english):
            "LAPOR!: {{number}} is not a valid tracking number, perhaps a typo. Please check it and send CEK LPR-XXXX-XXXX"
        case (.howToAsk, .indonesian):
            "LAPOR!: Untuk cek status laporan, kirim CEK diikuti nomor pelacakan, contoh: CEK LPR-XXXX-XXXX"
        case (.howToAsk, .english):
            "LAPOR!: To check a report's status, send CEK and its tracking number, for example: CEK LPR-XXXX-XXXX"
        case (.instructions, .indonesian):
            "LAPOR!: Tulis laporan Anda di sini (boleh dengan foto, dokumen, lokasi). Anda akan menerima nomor pelacakan; cek status: CEK LPR-XXXX-XXXX"
        case (.instructions, .english):
            "LAPOR!: Write your report here (photos, documents, location welcome). You get a tracking number; check status: CEK LPR-XXXX-XXXX"
        }
    }

    /// How the recipient of an acknowledgment asks for the report's status, for `{{status_hint}}`.
    public enum StatusHint: Sendable, Equatable {
        /// By replying `CEK <number>`: the channel that carries the reply answers status questions (SMS, WhatsApp).
        case reply
        /// On the web form's status page (`url` is the page with the number filled in): the reply arrives
        /// where status questions are not taken (email).
        case page(url: String)
        /// No way the gateway can offer.
        case none
    }

    /// The text of `hint` in `language`, a sentence with a leading space (empty for `.none`), for `tracking`.
    public static func statusHint(_ hint: StatusHint, _ language: ReplyLanguage, tracking: String) -> String {
        switch (hint, language) {
        case (.reply, .indonesian): " Cek status: balas CEK \(tracking)"
        case (.reply, .english): " For its status reply CEK \(tracking)"
        case (.page(let url), .indonesian): " Cek status: \(url)"
        case (.page(let url), .english): " For its status see \(url)"
        case (.none, _): ""
        }
    }

    /// What a complaint's routing state means to the citizen, for `{{status}}`.
    public static func statusWords(_ state: RoutingState, _ language: ReplyLanguage) -> String {
        switch (state, language) {
        case (.received, .indonesian): "diterima, sedang diproses"
        case (.received, .english): "received, being processed"
        case (.queued, .indonesian): "tercatat, menunggu diteruskan ke instansi berwenang"
        case (.queued, .english): "recorded, waiting to be forwarded to the responsible agency"
        case (.handedOff, .indonesian): "sudah diteruskan ke instansi berwenang untuk ditindaklanjuti"
        case (.handedOff, .english): "forwarded to the responsible agency for follow-up"
        }
    }

    /// `template` with each `{{name}}` replaced by `values[name]` in one pass (a value is never rendered
    /// again); unknown placeholders stay as written.
    public static func render(_ template: String, _ values: [String: String]) -> String {
        var output = ""
        var rest = template[...]
        while let open = rest.range(of: "{{") {
            output += rest[..<open.lowerBound]
            guard let close = rest[open.upperBound...].range(of: "}}") else {
                rest = rest[open.lowerBound...]
                break
            }
            let name = rest[open.upperBound..<close.lowerBound].trimmingCharacters(in: .whitespaces)
            output += values[name] ?? String(rest[open.lowerBound..<close.upperBound])
            rest = rest[close.upperBound...]
        }
        return output + rest
    }
}
