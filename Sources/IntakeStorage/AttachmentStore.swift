import Crypto
import Dispatch
import Foundation
import IntakeModel

/// Attachment bytes on disk under their SHA-256 (`attachments/ab/abcdef…`): the same photo sent by forty
/// citizens is stored once, and a file's name can never point at other bytes.
public struct AttachmentStore: Sendable {
    public let directory: String

    public init(directory: String) {
        self.directory = directory
    }

    /// Writes the bytes durably (temporary file, fsync, rename, fsync of the folder) and describes them.
    /// Runs on a Dispatch thread: file I/O blocks.
    public func store(_ attachments: [InboundAttachment]) async throws -> [Attachment] {
        guard !attachments.isEmpty else { return [] }
        return try await withCheckedThrowingContinuation { continuation in
            DispatchQueue.global().async {
                continuation.resume(with: Result { try attachments.map(storeNow) })
            }
        }
    }

    /// Where the bytes with this digest live.
    public func path(forSHA256 digest: String) -> String {
        "\(directory)/\(digest.prefix(2))/\(digest)"
    }

    /// The stored bytes, if present.
    public func bytes(forSHA256 digest: String) -> Data? {
        FileManager.default.contents(atPath: path(forSHA256: digest))
    }

    private func storeNow(_ attachment: InboundAttachment) throws -> Attachment {
        let digest = Hex.string(SHA256.hash(data: attachment.bytes))
        let target = path(forSHA256: digest)
        let folder = (target as NSString).deletingLastPathComponent
        if !FileManager.default.fileExists(atPath: target) {
            try FileManager.default.createDirectory(atPath: folder, withIntermediateDirectories: true)
            let temporary = "\(target).\(UUID().uuidString).tmp"
            guard FileManager.default.createFile(atPath: temporary, contents: nil) else {
                throw StorageError.io("cannot create \(temporary)")
            }
            let handle = try FileHandle(forWritingTo: URL(fileURLWithPath: temporary))
            try handle.write(contentsOf: attachment.bytes)
            try handle.synchronize()
            try handle.close()
            guard rename(temporary, target) == 0 else { throw StorageError.io("cannot move attachment into place: \(target)") }
            let folderDescriptor = open(folder, O_RDONLY)
            if folderDescriptor >= 0 {
                fsync(folderDescriptor)
                close(folderDescriptor)
            }
        }
        return Attachment(fileName: attachment.fileName, mediaType: attachment.mediaType, size: attachment.bytes.count, sha256: digest)
    }
}
