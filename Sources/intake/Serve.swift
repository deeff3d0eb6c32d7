import ArgumentParser
import Foundation
import IntakeServer

/// `intake serve`: run the gateway until SIGTERM.
struct Serve: AsyncParsableCommand {
    static let configuration = CommandConfiguration(abstract: "Run the gateway: webhooks, pollers, the API.")

    @OptionGroup var storage: StorageOptions

    @Option(name: .long, help: "Port to listen on (overrides server.port).")
    var port: Int?

    @Flag(name: .long, help: "Benchmark baseline: answer every webhook with a bare 200 and do nothing else.")
    var bare = false

    func run() async throws {
        try await failing {
            var config = try storage.load()
            if let port {
                guard (0...65535).contains(port) else { throw CommandFailure("--port must be 0...65535", exitCode: .usage) }
                if config.server.publicURL == "http://localhost:\(config.server.port)" {
                    config.server.publicURL = "http://localhost:\(port)"
                }
                config.server.port = port
            }
            let logger = Logs.bootstrap(level: config.log.level)
            let server = try openGateway(config, logger: logger)
            logger.info("starting", metadata: [
                "host": "\(config.server.host)", "port": "\(config.server.port)", "storage": "\(config.storage.path)",
                "channels": "\(config.channels.map(\.id).joined(separator: ","))", "bare": "\(bare)",
            ])
            try await server.run(bare: bare) { port in
                logger.info("listening", metadata: ["port": "\(port)"])
            }
        }
    }
}

/// `intake check-config F`: validate a configuration file and say what is wrong, by key path and line.
struct CheckConfig: AsyncParsableCommand {
    static let configuration = CommandConfiguration(commandName: "check-config", abstract: "Validate a configuration file.")

    @Argument(help: "The YAML configuration file.")
    var file: String

    func run() async throws {
        try await failing {
            let config = try StorageOptions.parse(["--config", file]).load()
            print("\(file): OK (\(config.channels.count) channel\(config.channels.count == 1 ? "" : "s"): \(config.channels.map { "\($0.id) [\($0.type)]" }.joined(separator: ", ")))")
        }
    }
}
