import Foundation
import IntakeHTTPClient
import IntakeModel
import Testing
import WebFormAdapter

/// `docs/openapi.yaml` against the live gateway: every status it documents for the web form's API is provoked
/// on a real server, and each answer (status, content type, body, required headers) is checked against the
/// document's schema for that operation and status by `scripts/openapi_check.py` (PyPI `jsonschema` and
/// `openapi-spec-validator` in `.venv`), which also validates the document itself and fails on any
/// documented status left unobserved.
@Suite("OpenAPI document", .serialized)
struct OpenAPITests {
    /// `form` takes at most 4 KiB; `app` asks for its key.
    static let channels = [
        ChannelConfig(id: "form", type: WebFormAdapter.type, maxBodyBytes: 4096, settings: ["secret": WebFormTests.secret], burstSeconds: 0),
        ChannelConfig(id: "app", type: WebFormAdapter.type, settings: ["secret": WebFormTests.secret, "app_key": WebFormTests.appKey], burstSeconds: 0),
    ]

    /// One answer as the checker reads it.
    struct Observation {
        var method: String
        var path: String
        var response: HTTPClientResponse

        var json: [String: Any] {
            [
                "method": method, "path": path, "status": response.status, "content_type": response.header("Content-Type") ?? "",
                "headers": Dictionary(response.headers.map { ($0.name.lowercased(), $0.value) }, uniquingKeysWith: { first, _ in first }),
                "body": String(decoding: response.body, as: UTF8.self),
            ]
        }
    }

    /// Collects the answers to requests against one gateway.
    final class Recorder {
        let gateway: RunningGateway
        var observations: [Observation] = []

        init(_ gateway: RunningGateway) { self.gateway = gateway }

        @discardableResult
        func send(_ method: String, _ path: String, headers: [(name: String, value: String)] = [], body: [UInt8] = []) async throws -> HTTPClientResponse {
            let response = try await gateway.client.send(HTTPClientRequest(method: method, url: gateway.baseURL + path, headers: headers, body: body))
            observations.append(Observation(method: method, path: path, response: response))
            return response
        }

        @discardableResult
        func form(_ fields: [(String, String)], path: String = "/api/v1/reports", files: [(name: String, bytes: [UInt8])] = [],
                  headers: [(name: String, value: String)] = []) async throws -> HTTPClientResponse {
            let form = WebFormTests.multipart(fields, files: files)
            return try await send("POST", path, headers: headers + [("Content-Type", form.type)], body: form.body)
        }

        @discardableResult
        func json(_ object: [String: Any], path: String = "/api/v1/reports") async throws -> HTTPClientResponse {
            try await send("POST", path, headers: [("Content-Type", "application/json")], body: Array(try JSONSerialization.data(withJSONObject: object)))
        }
    }

    /// Runs the checker over `observations`; its output lines (problems) and whether it passed.
    static func check(_ observations: [Observation], document: String = "docs/openapi.yaml") async throws -> (passed: Bool, output: String) {
        let root = ProviderSigning.root
        let python = root.appendingPathComponent(".venv/bin/python").path
        guard FileManager.default.isExecutableFile(atPath: python) else {
            throw ProviderSigning.Unavailable(description: "\(python) is missing: run `make venv`")
        }
        let input = try JSONSerialization.data(withJSONObject: ["observations": observations.map(\.json)])
        let run = try await SpawnedProcess.run(
            [python, root.appendingPathComponent("scripts/openapi_check.py").path, root.appendingPathComponent(document).path], input: Array(input)
        )
        return (run.status == 0, run.stdout + run.stderr)
    }

    @Test("every documented status of the web form's API is provoked live and each answer matches its schema")
    func liveAnswersMatchTheDocument() async throws {
        try await RunningGateway.with(channels: Self.channels) { gateway in
            let recorder = Recorder(gateway)
            #expect(try await recorder.send("GET", "/api/v1/reports/token").status == 200)
            #expect(try await recorder.send("GET", "/api/v1/reports/token?channel=tidak-ada").status == 404)
            #expect(try await recorder.send("GET", "/api/v1/reports/token?channel=app").status == 403)
            try await Self.provokeSubmissions(recorder)
            // Storage failing for good: nothing is acknowledged.
            gateway.server.database.injectFlushFailure()
            let failed = try await gateway.client.send(HTTPClientRequest(
                method: "POST", url: gateway.baseURL + "/api/v1/reports?channel=app",
                headers: [("Content-Type", "application/json"), (WebFormAdapter.appKeyHeader, WebFormTests.appKey)],
                body: Array(try JSONSerialization.data(withJSONObject: ["form_token": WebFormTests.token(channel: "app"), "title": "Banjir", "body": WebFormTests.body]))
            ))
            recorder.observations.append(Observation(method: "POST", path: "/api/v1/reports?channel=app", response: failed))
            #expect(failed.status == 503)

            let result = try await Self.check(recorder.observations)
            #expect(result.passed, "\(result.output)")
        }
    }

    /// 200 (new, then the same token again as JSON: duplicate), 400, 403 (token, app key), 404, 413, 422, 429.
    static func provokeSubmissions(_ recorder: Recorder) async throws {
        let token = WebFormTests.token()
        let first = try await recorder.form(WebFormTests.fields(token: token, ["anonymous": "on"]), files: [("foto.jpg", WebFormTests.jpeg)])
        #expect(first.status == 200 && first.json["duplicate"] as? Bool == false)
        let again = try await recorder.json(["form_token": token, "title": "Jalan berlubang", "body": WebFormTests.body, "anonymous": true])
        #expect(again.status == 200 && again.json["duplicate"] as? Bool == true)
        #expect(again.json["tracking_number"] as? String == first.json["tracking_number"] as? String)
        #expect(try await recorder.form(WebFormTests.fields(token: WebFormTests.token(), ["body": "pendek", "incident_date": "2099-01-01"])).status == 422)
        #expect(try await recorder.json(["form_token": WebFormTests.token(), "title": ["a": 1], "body": WebFormTests.body]).status == 422)
        #expect(try await recorder.form(WebFormTests.fields(token: WebFormTests.token(secret: "palsu"))).status == 403)
        #expect(try await recorder.form(WebFormTests.fields(token: WebFormTests.token(), ["website": "http://spam.example"])).status == 400)
        #expect(try await recorder.send("POST", "/api/v1/reports", headers: [("Content-Type", "application/json")], body: Array("[1, 2]".utf8)).status == 400)
        #expect(try await recorder.form(WebFormTests.fields(token: WebFormTests.token()), files: [("besar.jpg", WebFormTests.jpeg + [UInt8](repeating: 7, count: 8192))]).status == 413)
        #expect(try await recorder.form(WebFormTests.fields(token: WebFormTests.token()), path: "/api/v1/reports?channel=tidak-ada").status == 404)
        #expect(try await recorder.json(["form_token": WebFormTests.token(), "title": "Banjir", "body": WebFormTests.body], path: "/api/v1/reports?channel=app").status == 403)
        // Nine submissions so far on `form`; the default limit is ten a minute per address, refused ones included.
        var limited: HTTPClientResponse?
        for _ in 0..<12 where limited == nil {
            let answer = try await recorder.form(WebFormTests.fields(token: WebFormTests.token(), ["body": ""]))
            if answer.status == 429 { limited = answer }
        }
        #expect(limited?.header("Retry-After") != nil)
    }

    @Test("the checker is real: a wrong field name, a wrong type, an undocumented status or an unobserved one fails it")
    func checkerCatchesMistakes() async throws {
        func observation(_ status: Int, _ body: String, path: String = "/api/v1/reports", headers: [(name: String, value: String)] = []) -> Observation {
            Observation(method: "POST", path: path, response: HTTPClientResponse(
                status: status, headers: [("Content-Type", "application/json; charset=utf-8")] + headers, body: Array(body.utf8)
            ))
        }
        let cases: [(Observation, String)] = [
            (observation(200, #"{"tracking_numbr":"LPR-7K3M-9QX2","duplicate":false}"#), "tracking_numbr"),
            (observation(200, #"{"tracking_number":"LPR-7K3M-9QX2","duplicate":"no"}"#), "duplicate"),
            (observation(422, #"{"errors":{"judul":"Wajib diisi."}}"#), "judul"),
            (observation(429, #"{"error":"pelan-pelan"}"#), "Retry-After"),
            (observation(418, #"{"error":"teko"}"#), "418"),
        ]
        for (wrong, word) in cases {
            let result = try await Self.check([wrong])
            #expect(!result.passed)
            #expect(result.output.contains(word), "\(word): \(result.output)")
        }
        // Right answers, but most documented statuses never observed.
        let partial = try await Self.check([observation(200, #"{"tracking_number":"LPR-7K3M-9QX2","duplicate":false}"#)])
        #expect(!partial.passed && partial.output.contains("POST /api/v1/reports -> 413: documented but never observed"), "\(partial.output)")
    }
}
