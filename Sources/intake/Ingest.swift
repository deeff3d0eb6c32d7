import ArgumentParser
import Foundation
import IntakeConfig
import IntakeHTTPClient

/// `intake ingest`: hand one message pushed by a local program (an MTA pipe, a script) to the running
/// server, so it meets the same dedup index and backlog as webhook traffic. It never opens the database.
///
/// It reads the configuration only for where the server listens (`server.host`/`server.port`, or `--port`)
/// and the admin token, then posts the message to `POST /api/v1/ingest/{channel}`. Exit codes follow
/// sysexits(3) so an MTA knows what to do: 0 stored, 64 the channel takes no pushed messages, 65 the message
/// is malformed or too large (bounce), 66 the --file cannot be read, 67 no such channel, 75 no server
/// answered or storage is unavailable (defer and retry), 78 bad configuration or a token the server refuses.
struct Ingest: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        abstract: "Hand one pushed message to the running server and print its tracking number."
    )

    @OptionGroup var storage: StorageOptions
    @Option(help: "The channel the message belongs to.") var channel: String
    @Option(help: "Read the message from this file instead of stdin.") var file: String?
    @Option(name: .long, help: "The port the server listens on (overrides server.port, as `serve --port` does).")
    var port: Int?
    @Option(name: .long, help: "Seconds to wait for the server's answer.") var timeout: Int = 30

    func run() async throws {
        try await failing {
            let (response, url) = try await IngestEndpoint.push(
                try readMessage(), contentType: "application/octet-stream", channel: channel,
                config: try storage.load(), port: port, timeout: timeout
            )
            for line in try IngestAnswer.receipts(from: response, url: url) { print(line) }
        }
    }

    private func readMessage() throws -> [UInt8] {
        guard let file else { return Array(FileHandle.standardInput.readDataToEndOfFile()) }
        guard let data = FileManager.default.contents(atPath: file) else { throw CommandFailure("cannot read \(file)", exitCode: .noInput) }
        return Array(data)
    }
}

/// Where `intake ingest` finds the server: the configured address, with a wildcard bind address replaced by
/// the loopback address of the same family.
struct IngestEndpoint {
    var host: String
    var port: Int

    init(server: ServerSettings, port: Int?) {
        switch server.host {
        case "0.0.0.0", "": host = "127.0.0.1"
        case "::", "[::]": host = "[::1]"
        case let literal where literal.contains(":") && !literal.hasPrefix("["): host = "[\(literal)]"
        default: host = server.host
        }
        self.port = port ?? server.port
    }

    /// POSTs `raw` to the running server's ingest endpoint for `channel` with the admin token; the answer
    /// and the URL asked. No answer at all is a temporary failure (exit 75), so an MTA retries.
    static func push(
        _ raw: [UInt8], contentType: String, channel: String, config: GatewayConfig, port: Int?, timeout: Int
    ) async throws -> (HTTPClientResponse, String) {
        guard let token = config.adminToken else {
            throw CommandFailure("admin_token is not set: the server takes pushed messages only with it", exitCode: .config)
        }
        let url = IngestEndpoint(server: config.server, port: port).url(channel: channel)
        let request = HTTPClientRequest(
            method: "POST", url: url, headers: [("Authorization", "Bearer \(token)"), ("Content-Type", contentType)],
            body: raw, timeout: .seconds(max(1, timeout))
        )
        do {
            return (try await HTTPClient().send(request), url)
        } catch {
            throw CommandFailure("no server answered at \(url): \(error)", exitCode: .temporaryFailure)
        }
    }

    func url(channel: String) -> String {
        var allowed = CharacterSet.urlPathAllowed
        allowed.remove("/")
        let encoded = channel.addingPercentEncoding(withAllowedCharacters: allowed) ?? channel
        return "http://\(host):\(port)/api/v1/ingest/\(encoded)"
    }
}

/// The server's answer to a pushed message, read as `intake ingest` prints it or the exit code it means.
enum IngestAnswer {
    /// `LPR-XXXX-XXXX[ duplicate]` per message, or the failure with its sysexits code.
    static func receipts(from response: HTTPClientResponse, url: String) throws -> [String] {
        let object = (try? JSONSerialization.jsonObject(with: Data(response.body))) as? [String: Any]
        let reason = (object?["error"] as? String) ?? "HTTP \(response.status)"
        switch response.status {
        case 200..<300:
            guard let receipts = object?["receipts"] as? [[String: Any]] else {
                throw CommandFailure("the server at \(url) answered without receipts", exitCode: .software)
            }
            return receipts.compactMap { receipt in
                (receipt["tracking_number"] as? String).map { "\($0)\(receipt["duplicate"] as? Bool == true ? " duplicate" : "")" }
            }
        case 400, 413, 422:
            throw CommandFailure("message refused: \(reason)", exitCode: .dataError)
        // Only the ingest route's own 404 names a channel; a bare 404 is some other server on that port.
        case 404 where object?["error"] != nil:
            throw CommandFailure(reason, exitCode: .noUser)
        case 404:
            throw CommandFailure("\(url) is not an intake server's ingest endpoint: check server.port", exitCode: .config)
        case 405:
            throw CommandFailure(reason, exitCode: .usage)
        case 401, 403:
            throw CommandFailure("the server refused the admin token (\(reason)): is this the configuration it runs with?", exitCode: .config)
        case 408, 429, 500...:
            throw CommandFailure("message not stored: \(reason)", exitCode: .temporaryFailure)
        default:
            throw CommandFailure("unexpected answer from \(url): \(reason)", exitCode: .software)
        }
    }
}
