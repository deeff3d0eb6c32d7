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
}
