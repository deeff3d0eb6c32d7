import Foundation
import IntakeModel
import Testing
import WebFormAdapter

/// The citizen's page in a real headless Chromium (Debian's `chromium` and `chromium-driver`, PyPI `selenium`
/// in `.venv`), driven by `scripts/browser/webform.py` against an in-process gateway: what a citizen sees, typed
/// and clicked, and what the gateway stored from it. Serialized: each test runs a browser of its own.
@Suite("Web form in a browser", .serialized)
struct WebFormBrowserTests {
    /// The first webform channel serves `/lapor`. No minimum fill time: a script fills the form in well under
    /// the three seconds a person needs (that rule has its own tests in `WebFormTests`).
    static let channels = [
        ChannelConfig(id: "form", type: WebFormAdapter.type, maxBodyBytes: 8 << 20,
                      settings: ["secret": "browser-form-secret", "min_fill_seconds": "0"], burstSeconds: 0),
    ]

    struct Failed: Error, CustomStringConvertible {
        let description: String
    }

    /// Runs one scenario of `scripts/browser/webform.py` off the cooperative pool and returns what it printed.
    static func browse(_ scenario: String, gateway: RunningGateway, arguments: [String] = []) async throws -> [String: Any] {
        let root = ProviderSigning.root
        let python = root.appendingPathComponent(".venv/bin/python").path
        guard FileManager.default.isExecutableFile(atPath: python) else {
            throw Failed(description: "\(python) is missing: run `make test`, which installs selenium into .venv")
        }
        let script = root.appendingPathComponent("scripts/browser/webform.py").path
        let run = try await offThePool {
            try SpawnedProcess.runBlocking([python, script, scenario, "--base", gateway.baseURL] + arguments, timeout: .seconds(120))
        }
        let printed = run.stdout.split(separator: "\n").last.map(String.init) ?? ""
        guard let object = try? JSONSerialization.jsonObject(with: Data(printed.utf8)) as? [String: Any] else {
            throw Failed(description: "webform.py \(scenario) printed no result (exit \(run.status.map(String.init) ?? "signal")): \(run.stdout)\n\(run.stderr.suffix(3000))")
        }
        guard run.status == 0 else { throw Failed(description: "webform.py \(scenario) failed: \(printed)") }
        return object
    }

    static var photo: String { Fixtures.url("media/photo.jpg").path }

    @Test("a citizen fills in the form, attaches a photo, submits and reads the tracking number; the complaint holds what was typed")
    func fillAttachSubmit() async throws {
        try await RunningGateway.with(channels: Self.channels) { gateway in
            let result = try await Self.browse("submit", gateway: gateway, arguments: ["--photo", Self.photo])
            let shown = try #require(result["tracking_number"] as? String)
            let number = try #require(TrackingNumber(parsing: shown), "the receipt shows \(shown)")
            #expect((result["url"] as? String)?.contains("/lapor/terima") == true)
            #expect(result["print_button_shown"] as? Bool == true, "the receipt's script reveals its print button")
            try await eventually { try await gateway.get("/api/v1/complaints/\(number)").status == 200 }
            let complaint = try await gateway.get("/api/v1/complaints/\(number)").json
            #expect(complaint["title"] as? String == "Jalan berlubang di depan SDN 3 Coblong")
            #expect((complaint["body"] as? String)?.hasPrefix("Sejak dua minggu jalan di depan SDN 3 Coblong") == true)
            #expect(complaint["incident_date"] as? String == "2026-11-30")
            #expect((complaint["location"] as? String)?.contains("Kota Bandung") == true)
            #expect(complaint["agency"] as? String == "Dinas Pekerjaan Umum")
            #expect(complaint["category"] as? String == "Infrastruktur")
            #expect(complaint["kind"] as? String == "complaint")
            #expect((complaint["reporter"] as? [String: Any])?["address"] as? String == "warga@example.org")
            let attachments = complaint["attachments"] as? [[String: Any]] ?? []
            #expect(attachments.count == 1)
            #expect(attachments.first?["media_type"] as? String == "image/jpeg")
            #expect(attachments.first?["file_name"] as? String == "photo.jpg")
        }
    }

    @Test("an empty body is answered with the error next to the field, linked from the summary, the typed title kept")
    func emptyBodyShowsErrorNextToField() async throws {
        try await RunningGateway.with(channels: Self.channels) { gateway in
            let result = try await Self.browse("invalid", gateway: gateway)
            #expect(result["summary_links"] as? [String] == ["body"])
            #expect((result["body_error"] as? String)?.isEmpty == false)
            #expect(result["body_invalid"] as? String == "true")
            #expect((result["body_describedby"] as? String)?.split(separator: " ").contains("body-error") == true)
            #expect(result["body_error_next_to_field"] as? Bool == true)
            #expect(result["title_kept"] as? String == "Jalan berlubang di depan SDN 3 Coblong")
            // Following the summary's link by keyboard puts the cursor in the field.
            #expect(result["focus_after_link"] as? String == "body")
            let items = try await gateway.get("/api/v1/complaints").json["items"] as? [Any]
            #expect(items?.isEmpty == true, "nothing is stored from a refused form")
        }
    }

    @Test("with JavaScript disabled the form still submits, with its photo, and shows the tracking number")
    func worksWithoutJavaScript() async throws {
        try await RunningGateway.with(channels: Self.channels) { gateway in
            let result = try await Self.browse("nojs", gateway: gateway, arguments: ["--photo", Self.photo])
            // The print button is revealed by the receipt's own script: hidden here, the page's scripts did not run.
            #expect(result["print_button_shown"] as? Bool == false)
            let shown = try #require(result["tracking_number"] as? String)
            let number = try #require(TrackingNumber(parsing: shown))
            try await eventually { try await gateway.get("/api/v1/complaints/\(number)").status == 200 }
            let attachments = try await gateway.get("/api/v1/complaints/\(number)").json["attachments"] as? [[String: Any]] ?? []
            #expect(attachments.count == 1)
        }
    }

    @Test("axe-core finds no serious or critical WCAG 2.1 A/AA violation on the form, its errors, the receipt and the status page")
    func accessibility() async throws {
        try await RunningGateway.with(channels: Self.channels) { gateway in
            let result = try await Self.browse("axe", gateway: gateway)
            let pages = try #require(result["pages"] as? [String: [[String: Any]]])
            #expect(Set(pages.keys) == ["form", "form_en", "errors", "receipt", "status"])
            for (page, violations) in pages.sorted(by: { $0.key < $1.key }) {
                let serious = violations.filter { ["serious", "critical"].contains($0["impact"] as? String ?? "") }
                #expect(serious.isEmpty, "\(page): \(serious)")
            }
        }
    }

    @Test("screenshots at phone and desktop width are full pages of the form, its errors and the receipt")
    func screenshots() async throws {
        let directory = try TemporaryDirectory("intake-screens")
        defer { directory.remove() }
        try await RunningGateway.with(channels: Self.channels) { gateway in
            let result = try await Self.browse("screenshots", gateway: gateway, arguments: ["--out", directory.path])
            let written = result["written"] as? [String] ?? []
            #expect(written.count == 6)
            for name in written {
                let bytes = try #require(FileManager.default.contents(atPath: directory.appending(name)))
                let size = try #require(Self.pngSize(Array(bytes)), "\(name) is not a PNG")
                #expect(size.width == (name.contains("phone") ? 390 : 1280), "\(name): \(size)")
                #expect(size.height >= 400)
            }
        }
    }

    /// A PNG's width and height from its IHDR chunk.
    static func pngSize(_ bytes: [UInt8]) -> (width: Int, height: Int)? {
        guard bytes.count > 24, bytes[0..<8] == [0x89, 0x50, 0x4E, 0x47, 0x0D, 0x0A, 0x1A, 0x0A] else { return nil }
        let be = { (at: Int) in bytes[at..<(at + 4)].reduce(0) { $0 << 8 | Int($1) } }
        return (be(16), be(20))
    }
}
