import Foundation
import IntakeModel

/// The generic channel secret and admin token of the embedded default configuration: drawn on first
/// start, kept in the data directory (mode 0600) so restarts keep working, and printed only that once.
struct EmbeddedCredentials: Codable {
    var genericSecret: String
    var adminToken: String

    enum CodingKeys: String, CodingKey {
        case genericSecret = "generic_secret"
        case adminToken = "admin_token"
    }

    static let fileName = "embedded-credentials.json"

    static func loadOrCreate(in directory: String) throws -> EmbeddedCredentials {
        let path = (directory as NSString).appendingPathComponent(fileName)
        if let data = FileManager.default.contents(atPath: path) {
            do {
                return try JSONDecoder().decode(EmbeddedCredentials.self, from: data)
            } catch {
                throw CommandFailure("\(path) is unreadable; delete it to draw new credentials", exitCode: .config)
            }
        }
        let credentials = EmbeddedCredentials(genericSecret: randomToken(), adminToken: randomToken())
        do {
            try FileManager.default.createDirectory(atPath: directory, withIntermediateDirectories: true)
        } catch {
            throw CommandFailure("cannot create \(directory): \(error.localizedDescription)", exitCode: .temporaryFailure)
        }
        // Created exclusively with mode 0600 from the start, and flushed: the secrets must neither be
        // readable by others for a moment nor be lost after they were shown.
        let descriptor = open(path, O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, 0o600)
        guard descriptor >= 0 else {
            if errno == EEXIST { return try loadOrCreate(in: directory) }
            throw CommandFailure("cannot write \(path): errno \(errno)", exitCode: .temporaryFailure)
        }
        let data = try JSONEncoder().encode(credentials)
        let written = data.withUnsafeBytes { write(descriptor, $0.baseAddress, $0.count) }
        let synced = fsync(descriptor) == 0
        close(descriptor)
        guard written == data.count, synced else {
            try? FileManager.default.removeItem(atPath: path)
            throw CommandFailure("cannot write \(path)", exitCode: .temporaryFailure)
        }
        // On stderr, so it never mixes into a command's output (`complaints list` JSON, `ingest` numbers).
        FileHandle.standardError.write(Data("""
            intake: no --config given, running the embedded default configuration.
              channel 'generic' secret: \(credentials.genericSecret)
              admin token:              \(credentials.adminToken)
            Both are stored in \(path) and will not be printed again.

            """.utf8))
        return credentials
    }

    private static func randomToken() -> String {
        var generator = SystemRandomNumberGenerator()
        return Hex.string((0..<24).map { _ in generator.next() as UInt8 })
    }
}
