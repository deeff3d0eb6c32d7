import AdapterRegistry
import ArgumentParser
import Foundation
import IntakeConfig
import IntakeModel
import IntakeServer
import Logging

/// `intake`: the SP4N-LAPOR! multichannel intake gateway.
@main
struct Intake: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "intake",
        abstract: "Multichannel intake gateway for SP4N-LAPOR! complaints.",
        subcommands: [Serve.self, CheckConfig.self, Complaints.self, Replay.self, Ingest.self, IngestEmail.self, Dedup.self, Handoff.self, EmailBench.self]
    )
}

/// Options every command that opens storage shares.
struct StorageOptions: ParsableArguments {
    @Option(name: .long, help: "YAML configuration file. Without it, the embedded default is used.")
    var config: String?

    @Option(name: .long, help: "Data directory (overrides storage.path).")
    var data: String?

    /// The configuration from `--config`, or the embedded default, with `--data` applied.
    func load() throws -> GatewayConfig {
        var loaded: GatewayConfig
        if let config {
            do {
                loaded = try ConfigLoader.load(contentsOf: config, families: AdapterRegistry.families, environment: ProcessInfo.processInfo.environment)
            } catch {
                throw CommandFailure(error.description, exitCode: .config)
            }
        } else {
            let credentials = try EmbeddedCredentials.loadOrCreate(in: data ?? StorageSettings.defaultPath)
            loaded = GatewayConfig.embeddedDefault(genericSecret: credentials.genericSecret, adminToken: credentials.adminToken)
        }
        if let data { loaded.storage.path = data }
        return loaded
    }
}

/// sysexits(3) codes, which MTAs and shells understand.
enum ExitStatus: Int32 {
    case usage = 64
    case dataError = 65
    case noInput = 66
    case noUser = 67
    case software = 70
    case cantCreate = 73
    case ioError = 74
    case temporaryFailure = 75
    case config = 78
}

/// A failure that ends a command with a message on stderr and a sysexits code.
struct CommandFailure: Error, CustomStringConvertible {
    var description: String
    var exitCode: ExitStatus

    init(_ description: String, exitCode: ExitStatus) {
        self.description = description
        self.exitCode = exitCode
    }
}

extension ParsableCommand {
    /// Runs `body`, turning a `CommandFailure` into its message and exit code.
    func failing(_ body: () async throws -> Void) async throws {
        do {
            try await body()
        } catch let failure as CommandFailure {
            FileHandle.standardError.write(Data("intake: \(failure.description)\n".utf8))
            throw ExitCode(failure.exitCode.rawValue)
        } catch let exit as ExitCode {
            throw exit
        } catch {
            // Anything else (storage, a port already in use) is a failure the caller may retry.
            FileHandle.standardError.write(Data("intake: \(error)\n".utf8))
            throw ExitCode(ExitStatus.temporaryFailure.rawValue)
        }
    }
}

/// Logs go to stderr as text; the level comes from `log.level`.
enum Logs {
    static func bootstrap(level: String) -> Logger {
        LoggingSystem.bootstrap { label in
            var handler = StreamLogHandler.standardError(label: label)
            handler.logLevel = Logger.Level(rawValue: level) ?? .info
            return handler
        }
        var logger = Logger(label: "intake")
        logger.logLevel = Logger.Level(rawValue: level) ?? .info
        return logger
    }
}
