import Foundation
import IntakeModel
import Testing
import WebFormAdapter

/// One language rule for the citizen's pages and the web form's answers: `?lang=`, else the browser's first
/// `Accept-Language` tag, else the channel's `language`.
@Suite("Citizen language", .serialized)
struct CitizenLanguageTests {
    @Test("the query wins, then the browser's first tag, then the channel", arguments: [
        (String?.none, String?.none, "id", CitizenLanguage.indonesian),
        (nil, nil, "en", .english),
        (nil, "en-GB,en;q=0.8", "id", .english),
        (nil, "id-ID,en;q=0.5", "en", .indonesian),
        (nil, "in", "en", .indonesian),
        (nil, "fr-FR,en;q=0.5", "id", .indonesian),
        (nil, "fr-FR", "en-US", .english),
        ("en", "id-ID", "id", .english),
        ("ID", "en-GB", "en", .indonesian),
        ("de", "en", "id", .english),
    ])
    func rule(query: String?, acceptLanguage: String?, channel: String, expected: CitizenLanguage) {
        #expect(CitizenLanguage.of(query: query, acceptLanguage: acceptLanguage, channelLanguage: channel) == expected)
    }

    @Test("a form posted from the English page is answered in English whatever the browser says")
    func adapterFollowsThePageChoice() async throws {
        try await RunningGateway.with(channels: WebFormTests.channels) { gateway in
            let fields = WebFormTests.fields(token: WebFormTests.token(), ["body": ""])
            let english = try await WebFormTests.post(gateway, "/api/v1/reports?lang=en", fields: fields, headers: [("Accept-Language", "id-ID")])
            #expect(english.status == 422)
            #expect(WebFormTests.errors(english)["body"] == "This field is required.", "\(english.text)")
            let indonesian = try await WebFormTests.post(gateway, fields: fields, headers: [("Accept-Language", "id-ID")])
            #expect(WebFormTests.errors(indonesian)["body"] == "Wajib diisi.", "\(indonesian.text)")
        }
    }
}
