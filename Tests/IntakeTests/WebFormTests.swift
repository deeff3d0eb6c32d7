import AdapterRegistry
import Foundation
import IntakeConfig
import IntakeHTTPClient
import IntakeModel
import Testing
import WebFormAdapter

/// The web form's backend (`type: webform`): tokens, submissions by the page and by apps, validation in the
/// citizen's language, bots, attachments checked by their bytes, anonymity and the rate limit.
/// Serialized: each test (and each parameterized case) runs a gateway of its own, and twenty at once would
/// crowd the descriptors below 1024 that the IMAP tests running beside them need (libetpan's select()).
@Suite("Web form", .serialized)
struct WebFormTests {
    static let secret = "form-secret-0b7c55e1"
    static let appKey = "app-key-93d1f2aa"
    /// A JPEG's first bytes: what the media sniffer recognizes as a photo.
    static let jpeg: [UInt8] = [0xFF, 0xD8, 0xFF, 0xE0, 0x00, 0x10] + Array("JFIF".utf8) + [UInt8](repeating: 0x42, count: 200)
    static let body = "Jalan di depan pasar Kecamatan Cibeunying berlubang besar sejak dua minggu."

    static let channels = [
        ChannelConfig(id: "form", type: WebFormAdapter.type, maxBodyBytes: 1 << 20,
                      settings: ["secret": secret, "attachment_max_bytes": "65536"], burstSeconds: 0),
        ChannelConfig(id: "app", type: WebFormAdapter.type, maxBodyBytes: 1 << 20,
                      settings: ["secret": secret, "app_key": appKey, "submissions_per_minute": "30"], burstSeconds: 0, language: "en"),
    ]

    /// A token as if channel `channel`'s form was rendered `age` seconds ago: tests never wait for the minimum fill time.
    static func token(age: TimeInterval = 60, secret: String = secret, channel: String = "form") -> String {
        FormToken.issue(now: Date().addingTimeInterval(-age)).encoded(secret: secret, channel: channel)
    }

    /// A valid report's fields with `token`, changed by `changes` (an empty value removes the field).
    static func fields(token: String, _ changes: [String: String] = [:]) -> [(String, String)] {
        var fields = ["title": "Jalan berlubang", "body": body, "kind": "complaint", "form_token": token, "website": ""]
        for (name, value) in changes { fields[name] = value.isEmpty ? nil : value }
        return fields.sorted { $0.key < $1.key }.map { ($0.key, $0.value) }
    }

    /// A `multipart/form-data` body of `fields` and files under `attachments`.
    static func multipart(_ fields: [(String, String)], files: [(name: String, bytes: [UInt8])] = []) -> (body: [UInt8], type: String) {
        let boundary = "----intake\(UInt32.random(in: 0...UInt32.max))"
        var body: [UInt8] = []
        for (name, value) in fields {
            body += Array("--\(boundary)\r\nContent-Disposition: form-data; name=\"\(name)\"\r\n\r\n\(value)\r\n".utf8)
        }
        for file in files {
            body += Array("--\(boundary)\r\nContent-Disposition: form-data; name=\"attachments\"; filename=\"\(file.name)\"\r\nContent-Type: image/jpeg\r\n\r\n".utf8)
            body += file.bytes + Array("\r\n".utf8)
        }
        body += Array("--\(boundary)--\r\n".utf8)
        return (body, "multipart/form-data; boundary=\(boundary)")
    }

    static func post(
        _ gateway: RunningGateway, _ path: String = "/api/v1/reports", fields: [(String, String)],
        files: [(name: String, bytes: [UInt8])] = [], headers: [(name: String, value: String)] = []
    ) async throws -> HTTPClientResponse {
        let form = multipart(fields, files: files)
        return try await gateway.client.send(HTTPClientRequest(
            method: "POST", url: gateway.baseURL + path, headers: headers + [("Content-Type", form.type)], body: form.body
        ))
    }

    static func complaints(_ gateway: RunningGateway) async throws -> [[String: Any]] {
        try await gateway.get("/api/v1/complaints").json["items"] as? [[String: Any]] ?? []
    }

    static func errors(_ response: HTTPClientResponse) -> [String: String] {
        response.json["errors"] as? [String: String] ?? [:]
    }

    @Test("a form with a photo gets a tracking number and one complaint holding the photo")
    func validSubmissionWithPhoto() async throws {
        try await RunningGateway.with(channels: Self.channels) { gateway in
            let answer = try await Self.post(gateway, fields: Self.fields(token: Self.token()), files: [("foto jalan.jpg", Self.jpeg)])
            #expect(answer.status == 200, "\(answer.text)")
            let number = try #require(answer.json["tracking_number"] as? String)
            #expect(TrackingNumber(parsing: number) != nil)
            #expect(answer.json["duplicate"] as? Bool == false)
            try await eventually { try await Self.complaints(gateway).count == 1 }
            let stored = try await gateway.get("/api/v1/complaints/\(number)").json
            let attachments = stored["attachments"] as? [[String: Any]] ?? []
            #expect(attachments.count == 1)
            #expect(attachments.first?["media_type"] as? String == "image/jpeg")
            #expect(attachments.first?["file_name"] as? String == "foto jalan.jpg")
        }
    }

    @Test("the same form sent twice is one complaint with one tracking number")
    func doubleSubmitIsOneComplaint() async throws {
        try await RunningGateway.with(channels: Self.channels) { gateway in
            let fields = Self.fields(token: Self.token())
            let first = try await Self.post(gateway, fields: fields)
            let second = try await Self.post(gateway, fields: fields)
            #expect(first.status == 200 && second.status == 200)
            #expect(first.json["tracking_number"] as? String == second.json["tracking_number"] as? String)
            #expect(second.json["duplicate"] as? Bool == true)
            // A fresh form is a new report.
            let third = try await Self.post(gateway, fields: Self.fields(token: Self.token(), ["body": Self.body + " Mohon segera."]))
            #expect(third.json["tracking_number"] as? String != first.json["tracking_number"] as? String)
            try await eventually { try await Self.complaints(gateway).count == 2 }
        }
    }

    static let badTokens: [(String, String?, String)] = [
        ("missing", nil, "Formulir tidak lengkap. Muat ulang halaman lalu kirim lagi."),
        ("forged", WebFormTests.token(secret: "another-secret"), "Formulir tidak sah. Muat ulang halaman lalu kirim lagi."),
        ("garbage", "bukan-token", "Formulir tidak sah. Muat ulang halaman lalu kirim lagi."),
        ("expired", WebFormTests.token(age: 25 * 3600), "Formulir sudah kedaluwarsa. Muat ulang halaman lalu kirim lagi."),
    ]

    @Test("a missing, forged or expired form token is refused 403 and stores nothing", arguments: badTokens)
    func badTokenIsRefused(_ example: (String, String?, String)) async throws {
        try await RunningGateway.with(channels: Self.channels) { gateway in
            let fields = Self.fields(token: example.1 ?? "", [:])
            let answer = try await Self.post(gateway, fields: fields)
            #expect(answer.status == 403, "\(example.0): \(answer.text)")
            #expect(Self.errors(answer) == ["form_token": example.2])
            #expect(try await Self.complaints(gateway).isEmpty)
        }
    }

    @Test("a form sent faster than a person fills it in is refused, and the page may send it again later")
    func tooFastIsRefused() async throws {
        try await RunningGateway.with(channels: Self.channels) { gateway in
            let token = Self.token(age: 0)
            let answer = try await Self.post(gateway, "/lapor", fields: Self.fields(token: token))
            #expect(answer.status == 422)
            // The page's refusal is the form again, in HTML, with the same token (old enough by the next try).
            #expect(answer.text.contains("Formulir dikirim terlalu cepat."))
            #expect(answer.text.contains("value=\"\(token)\""))
            let metrics = String(decoding: try await gateway.get("/metrics").body, as: UTF8.self)
            #expect(metrics.contains(#"reason="too_fast""#))
            #expect(try await Self.complaints(gateway).isEmpty)
        }
    }

    @Test("a filled honeypot is refused 400 with a generic message and counted as honeypot")
    func honeypotIsRefused() async throws {
        try await RunningGateway.with(channels: Self.channels) { gateway in
            let answer = try await Self.post(gateway, fields: Self.fields(token: Self.token(), ["website": "http://spam.example"]))
            #expect(answer.status == 400)
            #expect(answer.json["error"] as? String == "Permintaan tidak dapat diproses.")
            let metrics = String(decoding: try await gateway.get("/metrics").body, as: UTF8.self)
            #expect(metrics.contains(#"intake_requests_rejected_total{channel="form",reason="honeypot"} 1"#))
            #expect(try await Self.complaints(gateway).isEmpty)
        }
    }

    static let invalidFields: [([String: String], [String: String], [String: String])] = [
        (["title": "", "body": ""], ["title": "Wajib diisi.", "body": "Wajib diisi."], ["title": "This field is required.", "body": "This field is required."]),
        (["body": "terlalu pendek"], ["body": "Paling sedikit 20 karakter."], ["body": "At least 20 characters."]),
        (["title": String(repeating: "j", count: 201)], ["title": "Paling banyak 200 karakter."], ["title": "At most 200 characters."]),
        (["incident_date": "kemarin"], ["incident_date": "Tanggal harus berformat TTTT-BB-HH."], ["incident_date": "The date must be written as YYYY-MM-DD."]),
        (["incident_date": "2999-01-01"], ["incident_date": "Tanggal kejadian tidak boleh di masa depan."], ["incident_date": "The date of the incident cannot be in the future."]),
        (["kind": "pujian"], ["kind": "Pilih salah satu: pengaduan, aspirasi, atau permintaan informasi."], ["kind": "Choose one of: complaint, aspiration, request for information."]),
        (["anonymous": "mungkin"], ["anonymous": "Isian ini hanya boleh ya atau tidak."], ["anonymous": "This field can only be yes or no."]),
        (["contact_phone": "12ab"], ["contact_phone": "Nomor telepon tidak valid."], ["contact_phone": "This is not a valid phone number."]),
        (["contact_email": "bukan email"], ["contact_email": "Alamat email tidak valid."], ["contact_email": "This is not a valid email address."]),
    ]

    @Test("each invalid field is named with a message in Indonesian, or English with Accept-Language: en", arguments: invalidFields)
    func validationNamesFields(_ example: ([String: String], [String: String], [String: String])) async throws {
        try await RunningGateway.with(channels: Self.channels) { gateway in
            let indonesian = try await Self.post(gateway, fields: Self.fields(token: Self.token(), example.0))
            #expect(indonesian.status == 422)
            #expect(Self.errors(indonesian) == example.1)
            let english = try await Self.post(gateway, fields: Self.fields(token: Self.token(), example.0), headers: [("Accept-Language", "en-US,en;q=0.9")])
            #expect(Self.errors(english) == example.2)
            #expect(try await Self.complaints(gateway).isEmpty)
        }
    }

    @Test("files are judged by their bytes: a program or a text named .jpg is refused by its index")
    func disguisedFilesAreRefused() async throws {
        try await RunningGateway.with(channels: Self.channels) { gateway in
            let program = Array("MZ".utf8) + [UInt8](repeating: 0x90, count: 64)
            let text = Array("ini bukan foto".utf8)
            let answer = try await Self.post(gateway, fields: Self.fields(token: Self.token()), files: [("ok.jpg", Self.jpeg), ("foto.jpg", program), ("foto2.jpg", text)])
            #expect(answer.status == 422)
            let refusal = "Jenis berkas tidak diterima: hanya foto, PDF, atau video."
            #expect(Self.errors(answer) == ["attachments[1]": refusal, "attachments[2]": refusal])
            let large = try await Self.post(gateway, fields: Self.fields(token: Self.token()), files: [("besar.jpg", Self.jpeg + [UInt8](repeating: 0, count: 70_000))])
            #expect(Self.errors(large) == ["attachments[0]": "Berkas lebih besar dari batas 64 KB."])
            #expect(try await Self.complaints(gateway).isEmpty)
        }
    }

    @Test("two anonymous citizens helped from one phone with the same text are two complaints; a double submit is still one")
    func anonymousReportsAreNeverMerged() async throws {
        try await RunningGateway.with(channels: Self.channels) { gateway in
            let shared = ["anonymous": "on", "contact_phone": "0812 3456 7890"]
            let firstToken = Self.token()
            let first = try await Self.post(gateway, fields: Self.fields(token: firstToken, shared))
            let second = try await Self.post(gateway, fields: Self.fields(token: Self.token(), shared.merging(["confidential": "on"]) { $1 }))
            #expect(first.status == 200 && second.status == 200)
            #expect(first.json["tracking_number"] as? String != second.json["tracking_number"] as? String)
            #expect(second.json["duplicate"] as? Bool == false)
            let again = try await Self.post(gateway, fields: Self.fields(token: firstToken, shared))
            #expect(again.json["tracking_number"] as? String == first.json["tracking_number"] as? String)
            #expect(again.json["duplicate"] as? Bool == true)
            try await eventually { try await Self.complaints(gateway).count == 2 }
            let confidential = try await gateway.get("/api/v1/complaints/\(second.json["tracking_number"] as? String ?? "")").json
            #expect(confidential["anonymous"] as? Bool == true)
            #expect(confidential["confidential"] as? Bool == true)
        }
    }

    @Test("an anonymous resend of a named report's text by the same contact is a complaint of its own, kept anonymous")
    func anonymousResendIsNotMergedIntoNamedReport() async throws {
        try await RunningGateway.with(channels: Self.channels) { gateway in
            let contact = ["contact_email": "ani@example.id"]
            let named = try await Self.post(gateway, fields: Self.fields(token: Self.token(), contact))
            let anonymous = try await Self.post(gateway, fields: Self.fields(token: Self.token(), contact.merging(["anonymous": "on"]) { $1 }))
            #expect(named.status == 200 && anonymous.status == 200)
            #expect(anonymous.json["duplicate"] as? Bool == false)
            let number = try #require(anonymous.json["tracking_number"] as? String)
            #expect(number != named.json["tracking_number"] as? String)
            try await eventually { try await Self.complaints(gateway).count == 2 }
            #expect(try await gateway.get("/api/v1/complaints/\(number)").json["anonymous"] as? Bool == true)
            let namedAgain = try await Self.post(gateway, fields: Self.fields(token: Self.token(), contact))
            #expect(namedAgain.json["tracking_number"] as? String == named.json["tracking_number"] as? String, "named resends still merge")
        }
    }

    @Test("an anonymous report reaches the routing core without its contact, a confidential one marked confidential")
    func handoffCarriesNoIdentity() async throws {
        let standIn = try RoutingCoreStandIn(secret: HandoffRelayTests.secret)
        defer { standIn.stop() }
        standIn.listen()
        try await RunningGateway.with(channels: Self.channels, routing: HandoffRelayTests.routing(standIn), handoffPolicy: HandoffRelayTests.policy) { gateway in
            let fields = Self.fields(token: Self.token(), ["anonymous": "on", "confidential": "on", "contact_phone": "0812-3456-7890", "contact_email": "ani@example.id"])
            #expect(try await Self.post(gateway, fields: fields).status == 200)
            let arrived = try await standIn.waitUntil { received in received.contains { $0.answered == 200 } }
            #expect(arrived)
            let delivered = try #require(standIn.received.first { $0.answered == 200 })
            #expect(delivered.complaint["anonymous"] as? Bool == true)
            #expect(delivered.complaint["confidential"] as? Bool == true)
            for secret in ["81234567890", "ani@example.id", "form-"] {
                #expect(!delivered.bodyText.contains(secret), "the handoff must not carry \(secret)")
            }
        }
    }

    @Test("JSON from an app is accepted with its app key, refused without it, and answered in the channel's English")
    func appKeyIsRequiredWhenSet() async throws {
        try await RunningGateway.with(channels: Self.channels) { gateway in
            let tokenAnswer = try await gateway.client.send(HTTPClientRequest(
                url: gateway.baseURL + "/api/v1/reports/token?channel=app", headers: [(WebFormAdapter.appKeyHeader, Self.appKey)]
            ))
            #expect(tokenAnswer.status == 200)
            #expect(tokenAnswer.json["form_token"] is String && tokenAnswer.json["min_fill_seconds"] as? Int == 3)
            var object: [String: Any] = ["title": "Lampu jalan mati", "body": Self.body, "anonymous": true, "form_token": Self.token(channel: "app")]
            func send(_ key: String?) async throws -> HTTPClientResponse {
                var headers = [("Content-Type", "application/json")]
                if let key { headers.append((WebFormAdapter.appKeyHeader, key)) }
                return try await gateway.client.send(HTTPClientRequest(
                    method: "POST", url: gateway.baseURL + "/api/v1/reports?channel=app", headers: headers,
                    body: Array(try JSONSerialization.data(withJSONObject: object))
                ))
            }
            #expect(try await send(nil).status == 403)
            #expect(try await send("wrong-key").status == 403)
            let accepted = try await send(Self.appKey)
            #expect(accepted.status == 200, "\(accepted.text)")
            object["body"] = "pendek"
            object["form_token"] = Self.token(channel: "app")
            #expect(Self.errors(try await send(Self.appKey)) == ["body": "At least 20 characters."])
        }
    }

    @Test("the page's form is answered 303 to its receipt page")
    func pageRedirectsToReceipt() async throws {
        try await RunningGateway.with(channels: Self.channels) { gateway in
            let answer = try await Self.post(gateway, "/lapor", fields: Self.fields(token: Self.token()))
            #expect(answer.status == 303)
            let location = try #require(answer.header("Location"))
            #expect(location.hasPrefix("/lapor/terima?nomor=LPR-"))
            // A channel with an app key is for apps: its page door asks for the key too, so it cannot be walked around.
            let keyless = try await Self.post(gateway, "/lapor/app", fields: Self.fields(token: Self.token()))
            #expect(keyless.status == 403)
            let keyed = try await Self.post(gateway, "/lapor/app", fields: Self.fields(token: Self.token(channel: "app")), headers: [(WebFormAdapter.appKeyHeader, Self.appKey)])
            #expect(keyed.status == 303)
        }
    }

    @Test("submissions past the per-address limit are refused 429 with Retry-After")
    func rateLimit() async throws {
        try await RunningGateway.with(channels: Self.channels) { gateway in
            // The `form` channel allows the default 10 submissions a minute per address; refused ones count too.
            for _ in 0..<10 {
                let answer = try await Self.post(gateway, "/lapor", fields: Self.fields(token: Self.token(), ["body": ""]))
                #expect(answer.status == 422)
            }
            let limited = try await Self.post(gateway, "/lapor", fields: Self.fields(token: Self.token()))
            #expect(limited.status == 429)
            let wait = Int(limited.header("Retry-After") ?? "") ?? 0
            #expect((1...60).contains(wait))
            let metrics = String(decoding: try await gateway.get("/metrics").body, as: UTF8.self)
            #expect(metrics.contains(#"intake_requests_rejected_total{channel="form",reason="rate_limited"} 1"#))
            // Another channel keeps its own count.
            let other = try await Self.post(gateway, "/api/v1/reports?channel=app", fields: Self.fields(token: Self.token(channel: "app")), headers: [(WebFormAdapter.appKeyHeader, Self.appKey)])
            #expect(other.status == 200)
        }
    }
}

/// The form token by itself: what it proves, and what it refuses without a server.
@Suite("Form token")
struct FormTokenTests {
    static let secret = "token-secret-4e2a"

    @Test("a token round-trips, and changing any byte of it is caught as forged or malformed")
    func tamperingIsCaught() throws {
        let now = Date()
        let token = FormToken.issue(now: now.addingTimeInterval(-10))
        let text = token.encoded(secret: Self.secret, channel: "form")
        #expect(try FormToken.decode(text, secret: Self.secret, channel: "form") == token)
        #expect(token.idHex.count == 32)
        var bytes = Array(text.utf8)
        for index in bytes.indices {
            let original = bytes[index]
            bytes[index] = original == UInt8(ascii: "A") ? UInt8(ascii: "B") : UInt8(ascii: "A")
            #expect(throws: FormTokenError.self) { try FormToken.decode(String(decoding: bytes, as: UTF8.self), secret: Self.secret, channel: "form") }
            bytes[index] = original
        }
        #expect(throws: FormTokenError.forged) { try FormToken.decode(text, secret: "other", channel: "form") }
        #expect(throws: FormTokenError.forged, "another channel's form, same secret") { try FormToken.decode(text, secret: Self.secret, channel: "mudik") }
    }

    @Test("age decides: too young, fresh, expired, or issued in the future", arguments: [
        (0, FormTokenError?.some(.tooFast)), (2, .tooFast), (3, nil), (24 * 3600, nil), (24 * 3600 + 1, .expired), (-3600, .forged),
    ])
    func ageIsChecked(_ example: (Int, FormTokenError?)) {
        let now = Date(timeIntervalSince1970: 1_800_000_000)
        let token = FormToken.issue(now: now.addingTimeInterval(TimeInterval(-example.0)))
        let outcome = Result { () throws(FormTokenError) in try token.check(now: now, minFillSeconds: 3) }
        switch (outcome, example.1) {
        case (.success, nil): break
        case (.failure(let error), let expected?): #expect(error == expected)
        default: Issue.record("age \(example.0): \(outcome), expected \(String(describing: example.1))")
        }
    }

    @Test("the adapter alone: files within the per-file limit but over the per-report limit are refused as a whole")
    func totalAttachmentLimit() throws {
        let channel = ChannelConfig(id: "small", type: WebFormAdapter.type, settings: ["secret": Self.secret, "attachments_max_bytes": "500"])
        let adapter = WebFormAdapter(channel: channel)
        let form = WebFormTests.multipart(
            WebFormTests.fields(token: FormToken.issue(now: Date().addingTimeInterval(-60)).encoded(secret: Self.secret, channel: "small")),
            files: [("a.jpg", WebFormTests.jpeg), ("b.jpg", WebFormTests.jpeg), ("c.jpg", WebFormTests.jpeg)]
        )
        let request = WebhookRequest(
            method: "POST", publicURL: "https://lapor.example.go.id/api/v1/reports",
            headers: HeaderFields([("Content-Type", form.type), ("Accept-Language", "en")]), body: form.body
        )
        do {
            _ = try adapter.receive(request)
            Issue.record("three photos over 500 bytes together were accepted")
        } catch {
            guard case .refused(let reason, let response) = error else { Issue.record("refused otherwise: \(error)"); return }
            #expect(reason == "validation" && response.status == 422)
            let errors = (try? JSONSerialization.jsonObject(with: Data(response.body)) as? [String: Any])?["errors"] as? [String: String]
            #expect(errors == ["attachments": "The attachments together exceed the limit of 500 B."])
        }
    }

    @Test("a webform channel loads from YAML with its secret from the environment")
    func configurationLoads() throws {
        let yaml = """
            channels:
              - id: lapor
                type: webform
                max_body_bytes: 52428800
                secret: env:FORM_SECRET
                app_key: env:FORM_APP_KEY
                min_fill_seconds: 5
                attachment_max_bytes: 10485760
                attachments_max_bytes: 26214400
            """
        let config = try ConfigLoader.parse(
            yaml: yaml, source: "test.yaml", families: AdapterRegistry.families,
            environment: ["FORM_SECRET": "s3cret-value", "FORM_APP_KEY": "k3y-value"]
        )
        let channel = try #require(config.channels.first)
        #expect(channel.type == WebFormAdapter.type && channel.maxBodyBytes == 52_428_800)
        #expect(channel.settings["secret"] == "s3cret-value" && channel.settings["app_key"] == "k3y-value")
        #expect(channel.settings["min_fill_seconds"] == "5")
    }
}
