import Foundation
import IntakeMIME

/// A real SMTP server on 127.0.0.1 (PyPI `aiosmtpd` in `.venv`, run by `scripts/smtp_sink.py`) that keeps
/// every message it accepts as a file, so tests read exactly what the gateway submitted.
final class SMTPSink: Sendable {
    /// One accepted message: the envelope and the bytes of DATA.
    struct Received: Sendable {
        var mailFrom: String
        var recipients: [String]
        var raw: [UInt8]

        /// The message parsed by the gateway's own MIME parser (libetpan).
        func parsed() throws -> MIMEMessage { try MIMEMessage(parsing: raw) }

        /// The raw header block as text, for checks on exact header lines.
        var headerText: String {
            let text = String(decoding: raw, as: UTF8.self)
            return String(text[..<(text.range(of: "\r\n\r\n")?.lowerBound ?? text.endIndex)])
        }
    }

    let port: Int
    let directory: TemporaryDirectory
    private let process: SpawnedProcess

    /// `smtp://127.0.0.1:<port>`.
    var url: String { "smtp://127.0.0.1:\(port)" }

    /// Starts the sink on `port` (a free one unless given), refusing RCPT TO the local parts in `reject` with
    /// 550; waits (bounded) until it listens.
    static func start(port: Int? = nil, reject: [String] = []) async throws -> SMTPSink {
        if let port { return try await offThePool { try SMTPSink(port: port, reject: reject) } }
        // A port picked free may be taken by another test before the sink binds it: then another one (3 tries).
        var attempt = 0
        while true {
            attempt += 1
            let picked = try FreePort.pick()
            do {
                return try await offThePool { try SMTPSink(port: picked, reject: reject) }
            } catch let error as ServerProcessError where attempt < 3 && error.message.lowercased().contains("address already in use") {
                continue
            }
        }
    }

    private init(port: Int, reject: [String]) throws {
        self.port = port
        directory = try TemporaryDirectory("intake-smtp-sink")
        let python = ProviderSigning.root.appendingPathComponent(".venv/bin/python")
        guard FileManager.default.isExecutableFile(atPath: python.path) else {
            throw ProviderSigning.Unavailable(description: "\(python.path) is missing: run `make venv`, which installs aiosmtpd")
        }
        let log = directory.appending("sink.log")
        process = try SpawnedProcess(
            [python.path, ProviderSigning.root.appendingPathComponent("scripts/smtp_sink.py").path, "--port", "\(port)", "--dir", directory.path]
                + reject.flatMap { ["--reject", $0] },
            log: log
        )
        for _ in 0..<400 where !FileManager.default.fileExists(atPath: directory.appending("ready")) && process.isRunning {
            usleep(25_000)
        }
        guard FileManager.default.fileExists(atPath: directory.appending("ready")) else {
            stopProcess()
            let output = (try? String(contentsOfFile: log, encoding: .utf8)) ?? ""
            directory.remove()
            throw ServerProcessError(message: "the SMTP sink did not start on port \(port): \(output)")
        }
    }

    /// The messages received so far, in arrival order.
    func messages() -> [Received] {
        let names = (try? FileManager.default.contentsOfDirectory(atPath: directory.path)) ?? []
        let numbers = names.compactMap { $0.hasSuffix(".json") ? Int($0.dropLast(5)) : nil }.sorted()
        return numbers.compactMap { number in
            guard let meta = FileManager.default.contents(atPath: directory.appending("\(number).json")),
                  let envelope = try? JSONSerialization.jsonObject(with: meta) as? [String: Any],
                  let raw = FileManager.default.contents(atPath: directory.appending("\(number).eml")) else { return nil }
            return Received(
                mailFrom: envelope["mail_from"] as? String ?? "", recipients: envelope["rcpt_tos"] as? [String] ?? [], raw: Array(raw)
            )
        }
    }

    /// Waits (bounded) until at least `count` messages arrived; returns them all.
    @discardableResult
    func waitForMessages(_ count: Int, timeout: Duration = .seconds(20)) async throws -> [Received] {
        try await waitUntil(timeout: timeout) { self.messages().count >= count }
        return messages()
    }

    /// SIGTERM, a bounded wait, SIGKILL if need be (`SpawnedProcess.stop`); then the files go.
    func stop() {
        stopProcess()
        directory.remove()
    }

    private func stopProcess() {
        process.stop()
    }
}
