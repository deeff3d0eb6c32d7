import Foundation
import GenericAdapter

/// The built `intake` executable, run as a separate process: what an operator, an MTA or a crash sees.
enum IntakeBinary {
    /// `.build/<triple>/debug/intake`, beside the test bundle; `swift build --build-tests` builds both.
    static var path: String {
        Bundle.module.bundleURL.deletingLastPathComponent().appendingPathComponent("intake").path
    }

    /// Writes a configuration with one generic channel (and any extra YAML) into `directory`; `port` sets
    /// `server.port` (where `intake ingest` looks for the server).
    static func writeConfig(in directory: TemporaryDirectory, extraChannels: String = "", port: Int? = nil) throws -> String {
        let path = directory.appending("intake.yaml")
        let yaml = """
            server:
              host: 127.0.0.1
              public_url: http://127.0.0.1\(port.map { "\n  port: \($0)" } ?? "")
            storage:
              path: \(directory.appending("data"))
            admin_token: \(RunningGateway.adminToken)
            log:
              level: info
            channels:
              - id: generic
                type: generic
                secret: \(RunningGateway.secret)
            \(extraChannels)
            """
        try yaml.write(toFile: path, atomically: true, encoding: .utf8)
        return path
    }

    /// Runs `intake <arguments>` to completion (bounded by `timeout`), feeding `input` on stdin.
    static func run(_ arguments: [String], input: [UInt8] = [], timeout: Duration = .seconds(60)) throws -> (status: Int32, stdout: String, stderr: String) {
        let run = try SpawnedProcess.runBlocking([path] + arguments, input: input, timeout: timeout)
        // A signal (or the deadline's SIGKILL) shows as 128 + the signal, as a shell reports it.
        return (run.status ?? 128 + (run.signal ?? SIGKILL), run.stdout, run.stderr)
    }
}

extension IntakeBinary {
    /// `run` on a thread of its own: waiting for the child must not hold one of the few threads of Swift's
    /// cooperative pool, which an in-process gateway (that the child may be talking to) needs to answer.
    static func run(_ arguments: [String], input: [UInt8] = [], timeout: Duration = .seconds(60)) async throws -> (status: Int32, stdout: String, stderr: String) {
        try await offThePool { try run(arguments, input: input, timeout: timeout) }
    }
}

/// Runs blocking work (waiting for a child process) on a new thread and awaits it without blocking the pool.
func offThePool<T: Sendable>(_ work: @escaping @Sendable () throws -> T) async throws -> T {
    try await withCheckedThrowingContinuation { continuation in
        Thread { continuation.resume(with: Result { try work() }) }.start()
    }
}

/// `intake serve` running as a child process on a port it picked, with its log in a file (a
/// `SpawnedProcess`: a clean signal mask, no inherited descriptors, reaped by `waitpid`).
final class ServerProcess: Sendable {
    let process: SpawnedProcess
    let logPath: String
    let port: Int

    /// Starts `intake serve --config <config> --port 0` and waits (bounded) until it logs its port.
    init(config: String, logPath: String) throws {
        self.logPath = logPath
        FileManager.default.createFile(atPath: logPath, contents: nil)
        process = try SpawnedProcess([IntakeBinary.path, "serve", "--config", config, "--port", "0"], log: logPath)
        for _ in 0..<400 {
            if let port = Self.listeningPort(in: logPath) {
                self.port = port
                return
            }
            guard process.isRunning else { break }
            usleep(25_000)
        }
        process.kill()
        throw ServerProcessError(message: "intake serve did not start; log:\n\((try? String(contentsOfFile: logPath, encoding: .utf8)) ?? "")")
    }

    /// The same, waited for off the cooperative pool.
    static func start(config: String, logPath: String) async throws -> ServerProcess {
        try await offThePool { try ServerProcess(config: config, logPath: logPath) }
    }

    var log: String { (try? String(contentsOfFile: logPath, encoding: .utf8)) ?? "" }

    /// SIGKILL: no shutdown code runs, exactly like a power cut for the process.
    func kill() {
        process.kill()
    }

    /// SIGTERM and wait (bounded, 10 s); returns the exit status, or nil if it had to be killed.
    func terminate() -> Int32? {
        process.stop(grace: .seconds(10))
    }

    /// `terminate` waited for off the cooperative pool: a drain of several seconds must not hold one of its threads.
    func terminated() async -> Int32? {
        (try? await offThePool { self.terminate() }) ?? nil
    }

    private static func listeningPort(in logPath: String) -> Int? {
        let log = (try? String(contentsOfFile: logPath, encoding: .utf8)) ?? ""
        for line in log.split(separator: "\n") where line.hasSuffix("listening") {
            if let range = line.range(of: "port=") {
                return Int(line[range.upperBound...].prefix { $0.isNumber })
            }
        }
        return nil
    }
}

struct ServerProcessError: Error, CustomStringConvertible {
    var message: String
    var description: String { message }
}
