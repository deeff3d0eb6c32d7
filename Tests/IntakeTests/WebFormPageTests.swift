import Foundation
import IntakeHTTPClient
import IntakeModel
@testable import IntakeServer
import Testing
import WebFormAdapter

/// The citizen's pages: the form in both languages, a refused submission shown again in HTML, the receipt and
/// the status page (never anything personal), the place suggestions, and nothing loaded from the internet.
/// Serialized like `WebFormTests`: each test runs a gateway of its own.
@Suite("Web form pages", .serialized)
struct WebFormPageTests {
    static let secret = WebFormTests.secret
    static let channels = [
        ChannelConfig(id: "form", type: WebFormAdapter.type, maxBodyBytes: 1 << 20,
                      settings: ["secret": secret, "attachment_max_bytes": "65536", "attachments_max_bytes": "131072"], burstSeconds: 0),
        ChannelConfig(id: "mudik", type: WebFormAdapter.type, maxBodyBytes: 1 << 20, settings: ["secret": secret], burstSeconds: 0),
        ChannelConfig(id: "app", type: WebFormAdapter.type, maxBodyBytes: 1 << 20,
                      settings: ["secret": secret, "app_key": WebFormTests.appKey], burstSeconds: 0),
    ]
    static let fieldNames = FormView.fields

    static func page(_ gateway: RunningGateway, _ path: String, headers: [(name: String, value: String)] = []) async throws -> HTTPClientResponse {
        try await gateway.client.send(HTTPClientRequest(url: gateway.baseURL + path, headers: headers))
    }

    /// The value of the first `name="<name>" value="…"` input of `html`.
    static func inputValue(_ name: String, in html: String) -> String? {
        guard let start = html.range(of: "name=\"\(name)\" value=\"") else { return nil }
        return String(html[start.upperBound...].prefix { $0 != "\"" })
    }

    /// The text of the element whose id is `id` (up to its first `<`).
    static func element(_ id: String, in html: String) -> String? {
        guard let start = html.range(of: "id=\"\(id)\""), let close = html[start.upperBound...].firstIndex(of: ">") else { return nil }
        return String(html[html.index(after: close)...].prefix { $0 != "<" })
    }

    /// Absolute URLs to anywhere: the pages load nothing from the internet.
    static func externalReferences(_ html: String) -> [String] {
        ["http://", "https://", "//cdn", "src=\"//", "href=\"//"].filter { html.contains($0) }
    }

    static let languages: [(query: String, acceptLanguage: String?, lang: String, title: String, submit: String)] = [
        ("", nil, "id", "Judul Laporan", "Kirim Laporan"),
        ("?lang=en", nil, "en", "Report title", "Send report"),
        ("", "en-US,en;q=0.9", "en", "Report title", "Send report"),
        ("?lang=id", "en-US", "id", "Judul Laporan", "Kirim Laporan"),
    ]

    @Test("the form has every field with its label, a valid token and a hidden honeypot, in the language asked for", arguments: languages)
    func formRendersEveryField(_ example: (query: String, acceptLanguage: String?, lang: String, title: String, submit: String)) async throws {
        try await RunningGateway.with(channels: Self.channels) { gateway in
            let answer = try await Self.page(gateway, "/lapor" + example.query, headers: example.acceptLanguage.map { [("Accept-Language", $0)] } ?? [])
            let html = answer.text
            #expect(answer.status == 200)
            #expect(answer.header("Content-Type")?.hasPrefix("text/html") == true)
            #expect(html.contains("<html lang=\"\(example.lang)\">"))
            for name in Self.fieldNames {
                #expect(html.contains("id=\"\(name)\" name=\"\(name)\""), "\(name) input")
                #expect(html.contains("<label for=\"\(name)\""), "\(name) label")
            }
            #expect(html.contains(">\(example.title) <span class=\"req\">"))
            #expect(html.contains("id=\"submit\">\(example.submit)</button>"))
            #expect(html.contains("id=\"lang-switch\" href=\"/lapor?lang=\(example.lang == "id" ? "en" : "id")\""))
            #expect(html.contains("action=\"/lapor?lang=\(example.lang)\""))
            #expect(html.components(separatedBy: "<h1").count == 2)
            #expect(html.contains("<main"))
            #expect(html.contains("type=\"file\" id=\"attachments\" name=\"attachments\" multiple"))
            #expect(html.contains("64 KB") && html.contains("128 KB"), "the channel's limits in words")
            let token = try #require(Self.inputValue("form_token", in: html))
            #expect((try? FormToken.decode(token, secret: Self.secret, channel: "form")) != nil)
            #expect(html.contains("<div class=\"hp\" aria-hidden=\"true\">"))
            #expect(html.contains("id=\"website\" name=\"website\" value=\"\" tabindex=\"-1\" autocomplete=\"off\""))
            #expect(html.contains("<option value=\"Kota Bandung, Jawa Barat\">"), "regencies suggested without JavaScript")
            #expect(!html.contains("<option value=\"Coblong"), "districts are not inlined")
            #expect(html.utf8.count < 60_000, "a light page: \(html.utf8.count) bytes")
            #expect(Self.externalReferences(html).isEmpty)
            for pair in Self.colourPairs { #expect(html.contains("#" + pair.text) && html.contains("#" + pair.background), "\(pair.what)") }
        }
    }

    @Test("a second webform channel has its own page; unknown and app-only channels are 404 pages")
    func pagesPerChannel() async throws {
        try await RunningGateway.with(channels: Self.channels) { gateway in
            let second = try await Self.page(gateway, "/lapor/mudik")
            #expect(second.status == 200)
            #expect(second.text.contains("action=\"/lapor/mudik?lang=id\""))
            #expect(second.text.contains("id=\"lang-switch\" href=\"/lapor/mudik?lang=en\""))
            for path in ["/lapor/tidak-ada", "/lapor/app"] {
                let missing = try await Self.page(gateway, path)
                #expect(missing.status == 404, "\(path)")
                #expect(missing.text.contains("Formulir ini tidak ada."))
                #expect(missing.header("Content-Type")?.hasPrefix("text/html") == true)
            }
        }
    }

    static let emptyBody: [(lang: String, message: String, filesLost: String)] = [
        ("id", "Wajib diisi.", "pilih berkasnya lagi"),
        ("en", "This field is required.", "choose them again"),
    ]

    @Test("a report without its text comes back 422 as the form, the message next to the field and the title kept", arguments: emptyBody)
    func emptyBodyRendersErrors(_ example: (lang: String, message: String, filesLost: String)) async throws {
        try await RunningGateway.with(channels: Self.channels) { gateway in
            let token = WebFormTests.token()
            let fields = WebFormTests.fields(token: token, ["body": "", "title": "Lampu jalan <mati> & gelap", "contact_email": "warga@contoh.id",
                                                            "anonymous": "on", "kind": "aspiration"])
            let answer = try await WebFormTests.post(gateway, "/lapor?lang=\(example.lang)", fields: fields, files: [("foto.jpg", WebFormTests.jpeg)])
            let html = answer.text
            #expect(answer.status == 422)
            #expect(answer.header("Content-Type")?.hasPrefix("text/html") == true)
            #expect(html.contains("<div id=\"error-summary\" role=\"alert\" tabindex=\"-1\""))
            #expect(html.contains("<a href=\"#body\">"))
            #expect(html.components(separatedBy: "<a href=\"#").count == 2, "one link: only the body is wrong")
            #expect(html.contains("aria-describedby=\"body-hint body-error\" aria-invalid=\"true\"></textarea>\n<p class=\"error\" id=\"body-error\">\(example.message)</p>"))
            #expect(html.contains("value=\"Lampu jalan &lt;mati&gt; &amp; gelap\""), "the typed title kept, escaped")
            #expect(html.contains("value=\"warga@contoh.id\""))
            #expect(html.contains("name=\"anonymous\" value=\"on\" checked"))
            #expect(html.contains("<option value=\"aspiration\" selected>"))
            #expect(html.contains(example.filesLost), "the summary says the files must be chosen again")
            #expect(Self.inputValue("form_token", in: html) == token, "the same form keeps its token: a resend is one report")
            #expect(Self.externalReferences(html).isEmpty)
            #expect(try await WebFormTests.complaints(gateway).isEmpty)
        }
    }

    @Test("a forged token comes back 403 as the form with a fresh token; a bot's honeypot gets a page that says nothing")
    func tokenAndHoneypotPages() async throws {
        try await RunningGateway.with(channels: Self.channels) { gateway in
            let forged = WebFormTests.token(secret: "another-secret")
            let answer = try await WebFormTests.post(gateway, "/lapor?lang=id", fields: WebFormTests.fields(token: forged))
            #expect(answer.status == 403)
            #expect(answer.text.contains("Formulir tidak sah."))
            #expect(answer.text.contains("value=\"Jalan berlubang\""))
            let fresh = try #require(Self.inputValue("form_token", in: answer.text))
            #expect(fresh != forged && (try? FormToken.decode(fresh, secret: Self.secret, channel: "form")) != nil)
            let bot = try await WebFormTests.post(gateway, "/lapor", fields: WebFormTests.fields(token: WebFormTests.token(), ["website": "http://spam"]))
            #expect(bot.status == 400)
            #expect(bot.text.contains("Permintaan tidak dapat diproses."))
            #expect(!bot.text.contains("website"))
        }
    }

    @Test("the API stays JSON while the page's refusals are HTML")
    func apiStaysJSON() async throws {
        try await RunningGateway.with(channels: Self.channels) { gateway in
            let answer = try await WebFormTests.post(gateway, fields: WebFormTests.fields(token: WebFormTests.token(), ["body": ""]))
            #expect(answer.status == 422)
            #expect(WebFormTests.errors(answer) == ["body": "Wajib diisi."])
        }
    }

    @Test("a good report 303s to a receipt with the number, its time and status, and nothing personal")
    func receiptShowsNoPersonalData() async throws {
        try await RunningGateway.with(channels: Self.channels) { gateway in
            let fields = WebFormTests.fields(token: WebFormTests.token(), ["contact_phone": "081234567890", "contact_email": "rahasia@contoh.id"])
            let answer = try await WebFormTests.post(gateway, "/lapor?lang=en", fields: fields)
            #expect(answer.status == 303)
            let location = try #require(answer.header("Location"))
            #expect(location.hasSuffix("&lang=en"))
            let number = try #require(location.split(separator: "=").dropFirst().first?.split(separator: "&").first.map(String.init))
            let receipt = try await Self.page(gateway, location)
            let html = receipt.text
            #expect(receipt.status == 200)
            #expect(Self.element("tracking-number", in: html) == number)
            #expect(html.contains("<html lang=\"en\">"))
            #expect(html.contains("<time datetime=\"") && html.contains("WIB</time>"))
            #expect(html.contains("href=\"/lapor/status?nomor=\(number)&amp;lang=en\""))
            #expect(html.contains("@media print"))
            #expect(html.contains("id=\"print\" hidden>") && html.contains("[hidden]{display:none!important}"), "print button only with JavaScript")
            for secret in ["Jalan berlubang", "Kecamatan Cibeunying", "081234567890", "6281234567890", "rahasia@contoh.id", "rahasia"] {
                #expect(!html.contains(secret), "\(secret) on the receipt")
            }
            // The receipt names its own status page in words (for paper); nothing else is absolute.
            #expect(Self.externalReferences(html.replacingOccurrences(of: "https://lapor.example.go.id/lapor/status ", with: "")).isEmpty)
        }
    }

    @Test("the receipt of an unknown or malformed number says so in the citizen's language")
    func receiptOfUnknownNumber() async throws {
        try await RunningGateway.with(channels: Self.channels) { gateway in
            let unknown = try await gateway.server.gateway.database.read { $0.trackingNumbers.number(for: 999_999) }
            let missing = try await Self.page(gateway, "/lapor/terima?nomor=\(unknown)")
            #expect(missing.status == 404)
            #expect(missing.text.contains("tidak ditemukan"))
            let malformed = try await Self.page(gateway, "/lapor/terima?nomor=LPR-XXXX&lang=en")
            #expect(malformed.status == 400)
            #expect(malformed.text.contains("not a valid tracking number"))
            #expect(!malformed.text.contains("id=\"tracking-number\""))
        }
    }

    @Test("the status page answers a real number with its status, a mistyped one as mistyped, an unknown one as not found")
    func statusPage() async throws {
        try await RunningGateway.with(channels: Self.channels) { gateway in
            let stored = try await WebFormTests.post(gateway, fields: WebFormTests.fields(token: WebFormTests.token(), ["contact_phone": "081234567890"]))
            let number = try #require(stored.json["tracking_number"] as? String)
            let database = gateway.server.gateway.database
            let journaled = try await database.read { try $0.journalCounts().values.reduce(0, +) }
            let blank = try await Self.page(gateway, "/lapor/status")
            #expect(blank.status == 200)
            #expect(blank.text.contains("id=\"nomor\" name=\"nomor\" value=\"\""))
            #expect(!blank.text.contains("id=\"status-answer\""))

            let known = try await Self.page(gateway, "/lapor/status?nomor=\(number.lowercased())")
            #expect(known.status == 200)
            let words = try #require(Self.element("status-answer", in: known.text))
            #expect(words.hasPrefix("Laporan \(number): "))
            #expect(!known.text.contains("Jalan berlubang") && !known.text.contains("081234567890"))

            var typo = Array(number)
            typo[typo.count - 1] = typo.last == "A" ? "B" : "A"
            let mistyped = try await Self.page(gateway, "/lapor/status?nomor=\(String(typo))&lang=en")
            #expect(mistyped.status == 400)
            #expect(Self.element("status-answer", in: mistyped.text)?.contains("not a valid tracking number") == true)
            #expect(mistyped.text.contains("aria-invalid=\"true\""))

            let unknownNumber = try await gateway.server.gateway.database.read { $0.trackingNumbers.number(for: 999_999) }
            let unknown = try await Self.page(gateway, "/lapor/status?nomor=\(unknownNumber)")
            #expect(unknown.status == 404)
            #expect(Self.element("status-answer", in: unknown.text)?.contains("tidak ditemukan") == true)
            for html in [blank.text, known.text, mistyped.text, unknown.text] { #expect(Self.externalReferences(html).isEmpty) }
            let after = try await database.read { try $0.journalCounts().values.reduce(0, +) }
            #expect(after == journaled, "a web status lookup is not a message: nothing journaled")
        }
    }

    @Test("status lookups past the per-address limit are refused 429")
    func statusLookupsAreLimited() async throws {
        try await RunningGateway.with(channels: Self.channels) { gateway in
            for _ in 0..<FormPageRoutes.lookupsPerMinute {
                #expect(try await Self.page(gateway, "/lapor/status?nomor=LPR-AAAA-AAAA").status == 400)
            }
            let limited = try await Self.page(gateway, "/lapor/status?nomor=LPR-AAAA-AAAA")
            #expect(limited.status == 429)
            #expect(limited.header("Retry-After") != nil)
        }
    }

    @Test("a page submission past the rate limit comes back as the form, 429, saying how long to wait")
    func pageRateLimit() async throws {
        try await RunningGateway.with(channels: Self.channels) { gateway in
            for _ in 0..<WebFormRoutes.defaultPerMinute {
                _ = try await WebFormTests.post(gateway, "/lapor", fields: WebFormTests.fields(token: WebFormTests.token(), ["body": ""]))
            }
            let limited = try await WebFormTests.post(gateway, "/lapor?lang=en", fields: WebFormTests.fields(token: WebFormTests.token()))
            #expect(limited.status == 429)
            #expect(limited.header("Retry-After") != nil)
            #expect(limited.text.contains("Too many reports from your address."))
            #expect(limited.text.contains("id=\"error-summary\""))
        }
    }

    static let suggestions: [(query: String, expected: String)] = [
        ("coblong", "Coblong, Kota Bandung, Jawa Barat"),
        ("Coblong, Kota Band", "Coblong, Kota Bandung, Jawa Barat"),
        ("sleman", "Kabupaten Sleman, DI Yogyakarta"),
    ]

    @Test("the location field's suggestions come from the gazetteer as JSON", arguments: suggestions)
    func placeSuggestions(_ example: (query: String, expected: String)) async throws {
        try await RunningGateway.with(channels: Self.channels) { gateway in
            let query = example.query.addingPercentEncoding(withAllowedCharacters: .alphanumerics) ?? ""
            let answer = try await Self.page(gateway, "/lapor/wilayah?q=\(query)")
            #expect(answer.status == 200)
            let names = (answer.json["items"] as? [[String: String]] ?? []).compactMap { $0["name"] }
            #expect(names.contains(example.expected), "\(names)")
            #expect(names.count <= Wilayah.suggestionLimit)
        }
    }

    @Test("a one-letter place query suggests nothing rather than half the country")
    func shortPlaceQuery() async throws {
        try await RunningGateway.with(channels: Self.channels) { gateway in
            let answer = try await Self.page(gateway, "/lapor/wilayah?q=k")
            #expect(answer.status == 200)
            #expect((answer.json["items"] as? [Any])?.isEmpty == true)
        }
    }

    @Test("a page submission larger than the channel allows comes back 413 as the form, saying what was lost")
    func tooLargeRendersForm() async throws {
        let channels = [ChannelConfig(id: "kecil", type: WebFormAdapter.type, maxBodyBytes: 4096, settings: ["secret": Self.secret], burstSeconds: 0)]
        try await RunningGateway.with(channels: channels) { gateway in
            let photo = WebFormTests.jpeg + [UInt8](repeating: 0x42, count: 8192)
            let answer = try await WebFormTests.post(gateway, "/lapor?lang=en", fields: WebFormTests.fields(token: WebFormTests.token()), files: [("besar.jpg", photo)])
            #expect(answer.status == 413)
            #expect(answer.header("Content-Type")?.hasPrefix("text/html") == true)
            #expect(answer.text.contains("id=\"error-summary\""))
            #expect(answer.text.contains("The report is too large: at most 4 KB including attachments."))
            #expect(answer.text.contains("Back button"))
            let token = try #require(Self.inputValue("form_token", in: answer.text))
            #expect((try? FormToken.decode(token, secret: Self.secret, channel: "kecil")) != nil)
        }
    }

    /// Text colour on its background, as the stylesheet pairs them: body text, hints, errors, links, buttons.
    static let colourPairs: [(what: String, text: String, background: String)] = [
        ("body text", "1a1a1a", "fff"), ("hints", "4a4a4a", "fff"), ("errors", "b00020", "fff"),
        ("links", "0b4f8a", "fff"), ("buttons and header", "fff", "0b4f8a"), ("answer box", "1a1a1a", "eef4fa"),
        ("footer on page", "4a4a4a", "f4f5f7"), ("button hover", "fff", "083a66"),
    ]

    /// WCAG 2.1 relative luminance of `#rrggbb` or `#rgb`.
    static func luminance(_ hex: String) -> Double {
        let full = hex.count == 3 ? hex.map { "\($0)\($0)" }.joined() : hex
        let value = Int(full, radix: 16) ?? 0
        let channels = [value >> 16 & 0xff, value >> 8 & 0xff, value & 0xff].map { Double($0) / 255 }
        let linear = channels.map { $0 <= 0.03928 ? $0 / 12.92 : pow(($0 + 0.055) / 1.055, 2.4) }
        return 0.2126 * linear[0] + 0.7152 * linear[1] + 0.0722 * linear[2]
    }

    @Test("every text colour the stylesheet uses has at least 4.5:1 contrast on its background", arguments: colourPairs)
    func contrast(_ pair: (what: String, text: String, background: String)) {
        let (a, b) = (Self.luminance(pair.text), Self.luminance(pair.background))
        let ratio = (max(a, b) + 0.05) / (min(a, b) + 0.05)
        #expect(ratio >= 4.5, "\(pair.what): \(ratio)")
    }

    @Test("a template missing from the directory stops the start")
    func missingTemplateIsAStartError() throws {
        let directory = try TemporaryDirectory("intake-templates")
        defer { directory.remove() }
        let url = URL(fileURLWithPath: directory.path)
        for name in FormPages.templateNames where name != "receipt" {
            try "{{lang}}".write(to: url.appendingPathComponent(name + ".mustache"), atomically: true, encoding: .utf8)
        }
        #expect(throws: PageTemplateError.self) { try FormPages.load(directory: url) }
        #expect(Set(PageText.indonesian.keys) == Set(PageText.english.keys), "one table per language, the same keys")
    }
}
