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
            let data = try JSONEncoder().encode(credentials)
            guard FileManager.default.createFile(atPath: path, contents: data, attributes: [.posixPermissions: 0o600]) else {
                throw CommandFailure("cannot write \(path)", exitCode: .temporaryFailure)
            }
        } catch let failure as CommandFailure {
            throw failure
        } catch {
            throw CommandFailure("cannot write \(path): \(error.localizedDescription)", exitCode: .temporaryFailure)
        }
        FileHandle.standardOutput.write(Data("""
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
