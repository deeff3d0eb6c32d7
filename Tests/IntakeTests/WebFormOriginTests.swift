import Foundation
import IntakeHTTPClient
import IntakeModel
import Testing
import WebFormAdapter

/// Reports only from the gateway's own pages: a page POST from another site is refused, a form's token
/// is good for its own channel only, and apps (the JSON API) are not asked where they come from.
@Suite("Web form origin", .serialized)
struct WebFormOriginTests {
    static let channels = WebFormTests.channels + [
        ChannelConfig(id: "mudik", type: WebFormAdapter.type, settings: ["secret": WebFormTests.secret], burstSeconds: 0),
    ]

    static let origins: [(headers: [(String, String)], status: Int)] = [
        ([("Origin", "https://evil.example")], 403),
        ([("Origin", "https://lapor.example.go.id.evil.example")], 403),
        ([("Sec-Fetch-Site", "cross-site")], 403),
        ([("Origin", "null"), ("Sec-Fetch-Site", "cross-site")], 403),
        ([("Origin", "https://lapor.example.go.id")], 303),
        ([("Origin", "null"), ("Sec-Fetch-Site", "same-origin")], 303),
        ([], 303),
    ]

    @Test("a page POST from another site is refused 403 with the page's message; the gateway's own origin passes", arguments: origins)
    func crossSitePagePostsAreRefused(_ example: (headers: [(String, String)], status: Int)) async throws {
        try await RunningGateway.with(channels: Self.channels) { gateway in
            let headers = example.headers.map { (name: $0.0, value: $0.1) }
            let answer = try await WebFormTests.post(gateway, "/lapor", fields: WebFormTests.fields(token: WebFormTests.token()), headers: headers)
            #expect(answer.status == example.status, "\(example.headers): \(answer.text)")
            if example.status == 403 {
                #expect(answer.text.contains("Laporan hanya dapat dikirim dari formulir di situs ini."))
                #expect(try await WebFormTests.complaints(gateway).isEmpty)
            }
        }
    }

    @Test("the request's own host is the gateway's origin too, and the JSON API ignores Origin")
    func ownHostAndAppsPass() async throws {
        try await RunningGateway.with(channels: Self.channels) { gateway in
            let own = try await WebFormTests.post(gateway, "/lapor/mudik", fields: WebFormTests.fields(token: WebFormTests.token(channel: "mudik")),
                                                  headers: [(name: "Origin", value: gateway.baseURL)])
            #expect(own.status == 303, "\(own.text)")
            let app = try await WebFormTests.post(gateway, fields: WebFormTests.fields(token: WebFormTests.token()),
                                                  headers: [(name: "Origin", value: "https://evil.example"), (name: "Sec-Fetch-Site", value: "cross-site")])
            #expect(app.status == 200, "\(app.text)")
        }
    }

    @Test("a token issued for one form is refused by another, even with the same secret")
    func tokenIsBoundToItsChannel() async throws {
        try await RunningGateway.with(channels: Self.channels) { gateway in
            let elsewhere = try await WebFormTests.post(gateway, "/lapor", fields: WebFormTests.fields(token: WebFormTests.token(channel: "mudik")))
            #expect(elsewhere.status == 403)
            #expect(elsewhere.text.contains("Formulir tidak sah."))
            let api = try await WebFormTests.post(gateway, fields: WebFormTests.fields(token: WebFormTests.token(channel: "mudik")))
            #expect(api.status == 403)
            #expect(try await WebFormTests.complaints(gateway).isEmpty)
        }
    }
}
