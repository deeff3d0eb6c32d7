import Foundation

/// Signs webhook requests with the providers' own libraries (PyPI `twilio`, `vonage`), which `make test`
/// installs into `.venv`, through the scripts in `scripts/sign/`. Without the venv the tests fail, saying so.
enum ProviderSigning {
    struct Unavailable: Error, CustomStringConvertible {
        let description: String
    }

    /// The checkout: this file is `Tests/IntakeTests/Support/ProviderSigning.swift`.
    static let root = URL(fileURLWithPath: #filePath)
        .deletingLastPathComponent().deletingLastPathComponent().deletingLastPathComponent().deletingLastPathComponent()

    /// `X-Twilio-Signature` for `body` posted to `url`, by `twilio.request_validator.RequestValidator`.
    static func twilioSignature(authToken: String, url: String, body: [UInt8]) async throws -> String {
        try await run("twilio_sign.py", arguments: [authToken, url], input: body)
    }

    /// `parameters` with `timestamp` (now unless given) and `sig` added, signed by the vonage SDK.
    static func vonageSigned(_ parameters: [String: String], secret: String, method: String, timestamp: Int? = nil) async throws -> [String: String] {
        let input = try JSONSerialization.data(withJSONObject: parameters, options: [.sortedKeys])
        let output = try await run("vonage_sign.py", arguments: [secret, method] + (timestamp.map { [String($0)] } ?? []), input: Array(input))
        guard let signed = try JSONSerialization.jsonObject(with: Data(output.utf8)) as? [String: String] else {
            throw Unavailable(description: "vonage_sign.py printed no JSON object: \(output)")
        }
        return signed
    }

    static func run(_ script: String, arguments: [String], input: [UInt8]) async throws -> String {
        let python = root.appendingPathComponent(".venv/bin/python")
        guard FileManager.default.isExecutableFile(atPath: python.path) else {
            throw Unavailable(description: "\(python.path) is missing: run `make test`, which creates .venv with the providers' signing libraries")
        }
        let run = try await SpawnedProcess.run([python.path, root.appendingPathComponent("scripts/sign/\(script)").path] + arguments, input: input)
        guard run.status == 0 else {
            throw Unavailable(description: "\(script) failed (\(run.stderr)): run `make test` to (re)install .venv")
        }
        let output = run.stdout
        return output.trimmingCharacters(in: .whitespacesAndNewlines)
    }
}
