import Crypto
import Dispatch
import Foundation
import IntakeModel

/// Attachment bytes on disk under their SHA-256 (`attachments/ab/abcdef…`): the same photo sent by forty
/// citizens is stored once, and a file's name can never point at other bytes.
public struct AttachmentStore: Sendable {
    public let directory: String
    let disk: Disk

    public init(directory: String) {
        self.init(directory: directory, disk: .posix)
    }

    init(directory: String, disk: Disk) {
        self.directory = directory
        self.disk = disk
    }

    /// Writes the bytes durably and describes them; a media reference is described as pending, its bytes
    /// to be fetched later. Runs on a Dispatch thread: file I/O blocks.
    ///
    /// Returns only once the file, the directory it was renamed into and every directory created for it
    /// are flushed: the journal row that names the file is acknowledged right after, and after a power cut
    /// the name must still lead to the bytes.
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
        // A reference has no bytes yet: journaled as pending, fetched by the media service after the answer.
        if let reference = attachment.reference {
            return Attachment(pending: reference, fileName: attachment.fileName, mediaType: attachment.mediaType)
        }
        if let spooled = attachment.spooled { return try take(spooled, attachment) }
        let digest = Hex.string(SHA256.hash(data: attachment.bytes))
        let target = path(forSHA256: digest)
        let folder = (target as NSString).deletingLastPathComponent
        if !FileManager.default.fileExists(atPath: target) {
            try disk.makeDirectories(folder)
            let temporary = "\(target).\(UUID().uuidString).tmp"
            try disk.writeAndSync(attachment.bytes, to: temporary)
            guard rename(temporary, target) == 0 else {
                let reason = String(cString: strerror(errno))
                unlink(temporary)
                throw StorageError.io("cannot move attachment into place: \(target): \(reason)")
            }
            try disk.syncDirectory(folder)
        }
        return Attachment(fileName: attachment.fileName, mediaType: attachment.mediaType, size: attachment.bytes.count, sha256: digest)
    }
}

extension AttachmentStore {
    /// Moves a streamed upload's spool file into place (flushed first, then the folder it is renamed into),
    /// or removes it when the same bytes are stored already. The digest is the one computed as it arrived.
    private func take(_ spooled: SpooledFile, _ attachment: InboundAttachment) throws -> Attachment {
        let target = path(forSHA256: spooled.sha256)
        let folder = (target as NSString).deletingLastPathComponent
        if FileManager.default.fileExists(atPath: target) {
            unlink(spooled.path)
        } else {
            try disk.makeDirectories(folder)
            try disk.syncFile(spooled.path)
            guard rename(spooled.path, target) == 0 else {
                throw StorageError.io("cannot move spooled upload into place: \(target): \(String(cString: strerror(errno)))")
            }
            try disk.syncDirectory(folder)
        }
        return Attachment(fileName: attachment.fileName, mediaType: attachment.mediaType, size: spooled.size, sha256: spooled.sha256)
    }
}

/// The file-system calls that make an attachment durable, each checked; tests wrap them to see which ran.
struct Disk: Sendable {
    /// fsync of a directory, so the entries in it survive a power cut.
    var syncDirectory: @Sendable (String) throws -> Void

    static let posix = Disk { path in
        guard Directory.sync(path) else { throw StorageError.io("fsync of directory \(path) failed: \(String(cString: strerror(errno)))") }
    }

    /// Creates `path` and any missing parents; each new directory's entry is flushed in its parent.
    func makeDirectories(_ path: String) throws {
        var missing: [String] = []
        var current = path
        var isDirectory: ObjCBool = false
        while !FileManager.default.fileExists(atPath: current, isDirectory: &isDirectory) {
            missing.append(current)
            let parent = (current as NSString).deletingLastPathComponent
            if parent.isEmpty || parent == current {
                isDirectory = true  // the working directory, or /, exists
                break
            }
            current = parent
        }
        guard isDirectory.boolValue else { throw StorageError.io("cannot store attachments: \(current) is not a directory") }
        for directory in missing.reversed() {
            if mkdir(directory, 0o755) != 0 && errno != EEXIST {
                throw StorageError.io("cannot create \(directory): \(String(cString: strerror(errno)))")
            }
            let parent = (directory as NSString).deletingLastPathComponent
            try syncDirectory(parent.isEmpty ? "." : parent)
        }
    }

    /// Flushes an existing file's bytes to disk.
    func syncFile(_ path: String) throws {
        let descriptor = open(path, O_RDONLY | O_CLOEXEC)
        guard descriptor >= 0 else { throw StorageError.io("cannot open \(path): \(String(cString: strerror(errno)))") }
        defer { close(descriptor) }
        guard fsync(descriptor) == 0 else { throw StorageError.io("fsync of \(path) failed: \(String(cString: strerror(errno)))") }
    }

    /// Writes a new file and flushes it to disk.
    func writeAndSync(_ bytes: Data, to path: String) throws {
        let descriptor = open(path, O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, 0o644)
        guard descriptor >= 0 else { throw StorageError.io("cannot create \(path): \(String(cString: strerror(errno)))") }
        var failure: String?
        bytes.withUnsafeBytes { buffer in
            var offset = 0
            while offset < buffer.count {
                let written = write(descriptor, buffer.baseAddress! + offset, buffer.count - offset)
                if written < 0 {
                    if errno == EINTR { continue }
                    failure = "cannot write \(path): \(String(cString: strerror(errno)))"
                    return
                }
                offset += written
            }
        }
        if failure == nil && fsync(descriptor) != 0 { failure = "fsync of \(path) failed: \(String(cString: strerror(errno)))" }
        if close(descriptor) != 0 && failure == nil { failure = "cannot close \(path): \(String(cString: strerror(errno)))" }
        if let failure {
            unlink(path)
            throw StorageError.io(failure)
        }
    }
}
