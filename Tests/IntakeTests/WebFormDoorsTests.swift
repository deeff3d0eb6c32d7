import Foundation
import IntakeHTTPClient
import IntakeModel
import Testing
import WebFormAdapter

/// What the pages answer besides the form itself: HEAD like GET, the contact promise only for the routes
/// that exist, and a printed receipt that says where to check.
@Suite("Web form doors", .serialized)
struct WebFormDoorsTests {
    static func send(_ gateway: RunningGateway, _ method: String, _ path: String) async throws -> HTTPClientResponse {
        try await gateway.client.send(HTTPClientRequest(method: method, url: gateway.baseURL + path))
    }

    @Test("HEAD on the pages answers like GET without a body")
    func headAnswersLikeGet() async throws {
        try await RunningGateway.with(channels: WebFormPageTests.channels) { gateway in
            let stored = try await WebFormTests.post(gateway, fields: WebFormTests.fields(token: WebFormTests.token()))
            let number = try #require(stored.json["tracking_number"] as? String)
            try await eventually { try await WebFormTests.complaints(gateway).count == 1 }
            for path in ["/lapor", "/lapor/mudik", "/lapor/terima?nomor=\(number)", "/lapor/status", "/lapor/status?nomor=\(number)", "/lapor/tidak-ada"] {
                let get = try await Self.send(gateway, "GET", path)
                let head = try await Self.send(gateway, "HEAD", path)
                #expect(head.status == get.status, "\(path)")
                #expect(head.header("Content-Type") == get.header("Content-Type"), "\(path)")
                #expect(head.header("Cache-Control") == "no-store", "\(path)")
                #expect(head.body.isEmpty && !get.body.isEmpty, "\(path)")
            }
            #expect(try await Self.send(gateway, "HEAD", "/lapor").status == 200)
        }
    }

    static let routes: [(smtp: Bool, sms: Bool, intro: String)] = [
        (true, true, "Boleh diisi salah satu agar kami dapat mengirim nomor pelacakan dan kabar laporan Anda."),
        (true, false, "Kabar laporan hanya dikirim lewat email"),
        (false, true, "Kabar laporan hanya dikirim lewat SMS"),
        (false, false, "Formulir ini tidak mengirim kabar ke telepon atau email."),
    ]

    @Test("the form promises news only by the routes the channel has, and says a named report's contact reaches the agency", arguments: routes)
    func contactPromiseFollowsTheRoutes(_ example: (smtp: Bool, sms: Bool, intro: String)) async throws {
        let channels = ContactReplyTests.channels(smtpURL: example.smtp ? "smtp://127.0.0.1:9" : nil, smsAPI: example.sms ? "http://127.0.0.1:9" : nil)
        try await RunningGateway.with(channels: channels) { gateway in
            let blank = try await Self.send(gateway, "GET", "/lapor").text
            let refused = try await WebFormTests.post(gateway, "/lapor", fields: WebFormTests.fields(token: WebFormTests.token(), ["body": ""])).text
            for html in [blank, refused] {
                let intro = WebFormPageTests.element("contact-intro", in: html) ?? ""
                #expect(intro.hasPrefix(example.intro), "\(intro)")
                #expect(WebFormPageTests.element("contact-named", in: html)?.contains("dapat dilihat oleh instansi") == true)
            }
            #expect(blank.contains("<legend>\(example.smtp || example.sms ? "Kontak untuk kabar laporan" : "Kontak") <span"))
        }
    }

    @Test("the receipt says in words where to check the status, so a printed one does too")
    func receiptNamesTheStatusPage() async throws {
        try await RunningGateway.with(channels: WebFormPageTests.channels, publicURL: "https://lapor.example.go.id") { gateway in
            let stored = try await WebFormTests.post(gateway, fields: WebFormTests.fields(token: WebFormTests.token()))
            let number = try #require(stored.json["tracking_number"] as? String)
            try await eventually { try await WebFormTests.complaints(gateway).count == 1 }
            let receipt = try await Self.send(gateway, "GET", "/lapor/terima?nomor=\(number)").text
            #expect(WebFormPageTests.element("status-at", in: receipt)
                == "Cek status kapan saja di https://lapor.example.go.id/lapor/status dengan nomor pelacakan di atas.")
            let english = try await Self.send(gateway, "GET", "/lapor/terima?nomor=\(number)&lang=en").text
            #expect(english.contains("Check the status at any time at https://lapor.example.go.id/lapor/status"))
        }
    }
}
