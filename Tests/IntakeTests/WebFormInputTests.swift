import AdapterRegistry
import Foundation
import IntakeConfig
import IntakeHTTPClient
import IntakeModel
import Testing
import WebFormAdapter

/// How the web form reads what is sent: JSON members by their JSON type, mistyped members as field
/// problems, file names as browsers send them, and the number of files.
/// Serialized, as `WebFormTests`: each case runs a gateway of its own.
@Suite("Web form input", .serialized)
struct WebFormInputTests {
    /// A JSON report: the valid fields with `members` (raw JSON values by name) replacing or adding to them.
    static func json(_ members: [String: String]) -> [UInt8] {
        var raw = ["form_token": "\"\(WebFormTests.token())\"", "title": "\"Jalan berlubang\"", "body": "\"\(WebFormTests.body)\""]
        raw.merge(members) { _, new in new }
        return Array(("{" + raw.map { "\"\($0.key)\": \($0.value)" }.joined(separator: ", ") + "}").utf8)
    }

    static func postJSON(_ gateway: RunningGateway, _ body: [UInt8], language: String = "id") async throws -> HTTPClientResponse {
        try await gateway.client.send(HTTPClientRequest(
            method: "POST", url: gateway.baseURL + "/api/v1/reports",
            headers: [("Content-Type", "application/json"), ("Accept-Language", language)], body: body
        ))
    }

    /// A member as sent, the stored complaint's field and the value it must have.
    struct Stored: CustomTestStringConvertible, Sendable {
        var name: String
        var json: String
        var field: String
        var value: String
        var testDescription: String { "\(name): \(json) → \(field) \(value)" }
    }

    static let stored: [Stored] = [
        Stored(name: "title", json: "1", field: "title", value: "1"),
        Stored(name: "title", json: "0", field: "title", value: "0"),
        Stored(name: "title", json: "-2.5", field: "title", value: "-2.5"),
        Stored(name: "category", json: "6281234567890", field: "category", value: "6281234567890"),
        Stored(name: "location", json: "1e3", field: "location", value: "1000"),
        Stored(name: "title", json: "true", field: "title", value: "true"),
        Stored(name: "anonymous", json: "true", field: "anonymous", value: "true"),
        Stored(name: "anonymous", json: "1", field: "anonymous", value: "true"),
        Stored(name: "anonymous", json: "false", field: "anonymous", value: "false"),
        Stored(name: "confidential", json: "0", field: "confidential", value: "false"),
    ]

    @Test("a JSON number is stored as its digits and only true/false are booleans", arguments: stored)
    func jsonValuesKeepTheirType(_ example: Stored) async throws {
        try await RunningGateway.with(channels: WebFormTests.channels) { gateway in
            let answer = try await Self.postJSON(gateway, Self.json([example.name: example.json]))
            #expect(answer.status == 200, "\(answer.text)")
            let number = try #require(answer.json["tracking_number"] as? String)
            var complaint: [String: Any] = [:]
            try await eventually {
                let found = try await gateway.get("/api/v1/complaints/\(number)")
                complaint = found.json
                return found.status == 200
            }
            if ["anonymous", "confidential"].contains(example.field) {
                #expect(complaint[example.field] as? Bool == (example.value == "true"), "\(complaint)")
            } else {
                #expect(complaint[example.field] as? String == example.value, "\(complaint)")
            }
        }
    }

    static let mistyped: [(name: String, json: String)] = [
        ("title", #"{"a": 1}"#), ("body", "[1, 2]"), ("anonymous", "{}"), ("contact_email", #"["ani@example.id"]"#),
    ]

    @Test("an object or an array where text belongs is that field's problem, 422 in the citizen's language", arguments: mistyped)
    func mistypedMemberIsAFieldProblem(_ example: (name: String, json: String)) async throws {
        try await RunningGateway.with(channels: WebFormTests.channels) { gateway in
            let indonesian = try await Self.postJSON(gateway, Self.json([example.name: example.json]))
            #expect(indonesian.status == 422, "\(indonesian.text)")
            #expect(WebFormTests.errors(indonesian) == [example.name: "Isian ini harus berupa teks, angka, atau ya/tidak."])
            let english = try await Self.postJSON(gateway, Self.json([example.name: example.json]), language: "en-US,en;q=0.9")
            #expect(english.status == 422)
            #expect(WebFormTests.errors(english) == [example.name: "This field must be text, a number, or true/false."])
            #expect(try await WebFormTests.complaints(gateway).isEmpty)
        }
    }

    @Test("a member the form does not know is ignored whatever its type")
    func unknownMemberIsIgnored() async throws {
        try await RunningGateway.with(channels: WebFormTests.channels) { gateway in
            let answer = try await Self.postJSON(gateway, Self.json(["device": #"{"os": "android", "version": 14}"#]))
            #expect(answer.status == 200, "\(answer.text)")
        }
    }

    @Test("a browser's Windows path and a name with nothing left are stored as a base name, never empty")
    func browserFileNamesAreStored() async throws {
        try await RunningGateway.with(channels: WebFormTests.channels) { gateway in
            let files = [(#"C:\fakepath\lubang jalan.jpg"#, WebFormTests.jpeg), (#"..\..\"#, WebFormTests.jpeg), ("bukti%22A%22.jpg", WebFormTests.jpeg)]
            let answer = try await WebFormTests.post(gateway, fields: WebFormTests.fields(token: WebFormTests.token()), files: files)
            #expect(answer.status == 200, "\(answer.text)")
            let number = try #require(answer.json["tracking_number"] as? String)
            var names: [String] = []
            try await eventually {
                let found = try await gateway.get("/api/v1/complaints/\(number)")
                names = (found.json["attachments"] as? [[String: Any]] ?? []).compactMap { $0["file_name"] as? String }
                return found.status == 200
            }
            // A name with nothing left is numbered, and like every stored name takes the extension of its bytes.
            #expect(names == ["lubang jalan.jpg", "lampiran-2.jpg", "buktiA.jpg"])
        }
    }

    /// Files sent, the channel's `attachments_max_count` (nil: the default 10), and the answer.
    struct FileCount: CustomTestStringConvertible, Sendable {
        var files: Int
        var setting: String?
        var status: Int
        var errors: [String: String]
        var testDescription: String { "\(files) files, attachments_max_count \(setting ?? "default")" }
    }

    static let fileCounts: [FileCount] = [
        FileCount(files: 10, setting: nil, status: 200, errors: [:]),
        FileCount(files: 11, setting: nil, status: 422, errors: ["attachments": "Paling banyak 10 berkas."]),
        // More parts than the 64 a form could have in all before files were counted apart.
        FileCount(files: 70, setting: nil, status: 422, errors: ["attachments": "Paling banyak 10 berkas."]),
        FileCount(files: 3, setting: "3", status: 200, errors: [:]),
        FileCount(files: 4, setting: "3", status: 422, errors: ["attachments": "Paling banyak 3 berkas."]),
        FileCount(files: 256, setting: "256", status: 200, errors: [:]),
    ]

    @Test("more files than the channel takes is a problem of the attachments field, whatever the number of parts", arguments: fileCounts)
    func tooManyFilesIsAFieldProblem(_ example: FileCount) async throws {
        var settings = ["secret": WebFormTests.secret]
        settings["attachments_max_count"] = example.setting
        let channel = ChannelConfig(id: "form", type: WebFormAdapter.type, maxBodyBytes: 1 << 20, settings: settings, burstSeconds: 0)
        try await RunningGateway.with(channels: [channel]) { gateway in
            let files = (0..<example.files).map { ("foto-\($0).jpg", WebFormTests.jpeg) }
            let answer = try await WebFormTests.post(gateway, fields: WebFormTests.fields(token: WebFormTests.token()), files: files)
            #expect(answer.status == example.status, "\(answer.text)")
            #expect(WebFormTests.errors(answer) == example.errors)
        }
    }

    @Test("the page answers too many files with the form again, what was typed kept and the limit next to the files")
    func tooManyFilesKeepsWhatWasTyped() async throws {
        try await RunningGateway.with(channels: WebFormTests.channels) { gateway in
            let title = "Lampu jalan padam di Gang Melati"
            let files = (0..<55).map { ("foto-\($0).jpg", WebFormTests.jpeg) }
            let answer = try await WebFormTests.post(gateway, "/lapor", fields: WebFormTests.fields(token: WebFormTests.token(), ["title": title]), files: files)
            #expect(answer.status == 422)
            #expect(answer.text.contains("Paling banyak 10 berkas."))
            #expect(answer.text.contains("value=\"\(title)\""))
            #expect(answer.text.contains(WebFormTests.body))
            let english = try await WebFormTests.post(gateway, "/lapor?lang=en", fields: WebFormTests.fields(token: WebFormTests.token()), files: files)
            #expect(english.text.contains("At most 10 files."))
        }
    }

    @Test("attachments_max_count must be a whole number from 1 to 256", arguments: ["0", "257", "banyak", "2.5"])
    func badFileCountIsRefusedAtLoad(_ value: String) {
        let yaml = "channels:\n  - id: form\n    type: webform\n    secret: s\n    attachments_max_count: '\(value)'\n"
        do {
            _ = try ConfigLoader.parse(yaml: yaml, source: "test.yaml", families: AdapterRegistry.families, environment: [:])
            Issue.record("accepted attachments_max_count \(value)")
        } catch {
            #expect(error.issues.map(\.keyPath) == ["channels[0].attachments_max_count"])
        }
    }

    @Test("attachments_max_count loads as a channel setting")
    func fileCountLoads() throws {
        let yaml = "channels:\n  - id: form\n    type: webform\n    secret: s\n    attachments_max_count: 25\n"
        let config = try ConfigLoader.parse(yaml: yaml, source: "test.yaml", families: AdapterRegistry.families, environment: [:])
        #expect(config.channels.first?.settings["attachments_max_count"] == "25")
    }
}
