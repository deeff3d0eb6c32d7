import Foundation
import IntakeConfig
import IntakeHTTPClient
import IntakeModel
import Logging
import Synchronization
import Testing

/// Logs never carry secrets, full phone numbers or email addresses, even at the most verbose level.
@Suite("Log privacy", .timeLimit(.minutes(1)))
struct LogPrivacyTests {
    /// Keeps every record a logger writes, with its metadata rendered as text.
    final class Recorder: Sendable {
        let lines = Mutex<[String]>([])

        func handler(label: String) -> RecordingHandler { RecordingHandler(recorder: self) }
    }

    struct RecordingHandler: LogHandler {
        let recorder: Recorder
        var metadata: Logger.Metadata = [:]
        var logLevel: Logger.Level = .trace

        subscript(metadataKey key: String) -> Logger.Metadata.Value? {
            get { metadata[key] }
            set { metadata[key] = newValue }
        }

        func log(level: Logger.Level, message: Logger.Message, metadata explicit: Logger.Metadata?, source: String,
                 file: String, function: String, line: UInt) {
            let all = metadata.merging(explicit ?? [:]) { _, new in new }
            recorder.lines.withLock { $0.append("\(message) \(all)") }
        }
    }

    @Test func aTraceLevelRunLogsNoSecretTokenPhoneNumberOrEmail() async throws {
        let recorder = Recorder()
        var logger = Logger(label: "intake-privacy") { recorder.handler(label: $0) }
        logger.logLevel = .trace
        let routingSecret = "routing-secret-9e1f44ab"
        try await RunningGateway.with(
            routing: RoutingSettings(url: "http://127.0.0.1:9/events", secret: routingSecret, timeoutSeconds: 1),
            logger: logger
        ) { gateway async throws in
            let phone = try await gateway.postMessage(["id": "priv-1", "from": "0812-3456-7890", "text": "Jalan rusak di Kec. Depok"])
            let email = try await gateway.postMessage(["id": "priv-2", "from": "warga.depok@example.co.id", "text": "Sampah menumpuk di pasar"])
            let forged = try await gateway.postWebhook("generic", body: Array(#"{"id":"priv-3","from":"081234567890","text":"x"}"#.utf8), secret: "wrong")
            let statuses: [Int] = [phone.status, email.status, forged.status]
            #expect(statuses == [200, 200, 403])
        }
        let lines = recorder.lines.withLock { $0 }
        #expect(lines.contains { $0.contains("starting") || $0.contains("Starting") }, "the run was logged at all")
        for forbidden in [RunningGateway.secret, RunningGateway.adminToken, routingSecret, "81234567890", "warga.depok@example.co.id"] {
            #expect(!lines.contains { $0.contains(forbidden) }, "no log line contains \(forbidden.prefix(6))…")
        }
    }
}
