import ArgumentParser
import Foundation
import IntakeConfig
import IntakeCore
import IntakeHTTPClient

/// `intake ingest-email --channel ID [FILE]`: one raw email from a file or stdin (a Postfix `pipe`) handed to
/// the running server's ingest route, as `intake ingest` does, with the exit codes an MTA acts on: 0 stored,
/// duplicate or deliberately ignored (an auto-reply, a bounce); 75 no server answered or storage is
/// unavailable (the MTA retries); 65 bytes that are not an email at all, which are first kept under
/// `<storage>/quarantine/email/` so nothing is lost. Other refusals keep `intake ingest`'s codes.
struct IngestEmail: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "ingest-email",
        abstract: "Hand one raw email (file or stdin) to the running server; exit codes for an MTA pipe."
    )

    @OptionGroup var storage: StorageOptions
    @Option(help: "The email-inbound channel the message belongs to.") var channel: String
    @Argument(help: "The message file; stdin when omitted.") var file: String?
    @Option(name: .long, help: "The port the server listens on (overrides server.port).") var port: Int?
    @Option(name: .long, help: "Seconds to wait for the server's answer.") var timeout: Int = 30

    func run() async throws {
        try await failing {
            let config = try storage.load()
            let raw = try readMessage()
            let (response, url) = try await IngestEndpoint.push(
                raw, contentType: "message/rfc822", channel: channel, config: config, port: port, timeout: timeout
            )
            do {
                let lines = try IngestAnswer.receipts(from: response, url: url)
                print(lines.isEmpty ? "ignored" : lines.joined(separator: "\n"))
            } catch let failure as CommandFailure where failure.exitCode == .dataError {
                try quarantine(raw, in: config.storage.path, because: failure)
            }
        }
    }

    /// Keeps refused bytes as `<storage>/quarantine/email/<time>-<pid>.eml`, then fails with 65; when they
    /// cannot be kept, fails with 75 instead so the MTA keeps them and retries.
    private func quarantine(_ raw: [UInt8], in storagePath: String, because failure: CommandFailure) throws -> Never {
        let kept: String
        do {
            kept = try Quarantine(storagePath: storagePath, kind: "email").keep(raw, label: "pid\(ProcessInfo.processInfo.processIdentifier)")
        } catch {
            throw CommandFailure("\(failure.description); and it could not be quarantined: \(error)", exitCode: .temporaryFailure)
        }
        throw CommandFailure("\(failure.description) (kept as \(kept))", exitCode: .dataError)
    }

    private func readMessage() throws -> [UInt8] {
        guard let file else { return Array(FileHandle.standardInput.readDataToEndOfFile()) }
        guard let data = FileManager.default.contents(atPath: file) else { throw CommandFailure("cannot read \(file)", exitCode: .noInput) }
        return Array(data)
    }
}
