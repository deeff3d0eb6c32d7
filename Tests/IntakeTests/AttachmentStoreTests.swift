import Foundation
import IntakeModel
@testable import IntakeStorage
import Synchronization
import Testing

/// Attachment bytes on disk: stored once under their SHA-256, and durable (file and every directory made
/// for it flushed) before the journal row that names them is acknowledged.
@Suite("Attachment store", .timeLimit(.minutes(1)))
struct AttachmentStoreTests {
    @Test func sameBytesTwiceAreStoredOnceUnderTheirSHA256() async throws {
        let directory = try TemporaryDirectory("attachments")
        defer { directory.remove() }
        let store = AttachmentStore(directory: directory.appending("attachments"))
        var bytes = Data("JFIF foto jalan berlubang di Jl. Kaliurang km 7".utf8)
        bytes.append(contentsOf: (0..<4096).map { UInt8(truncatingIfNeeded: $0 &* 31) })
        let photo = InboundAttachment(fileName: "IMG_0001.jpg", mediaType: "image/jpeg", bytes: bytes)
        let samePhotoRenamed = InboundAttachment(fileName: "lubang.jpg", mediaType: "image/jpeg", bytes: bytes)

        let first = try await store.store([photo, samePhotoRenamed])
        let second = try await store.store([photo])

        let oracleInput = directory.appending("oracle-input")
        try bytes.write(to: URL(fileURLWithPath: oracleInput))
        let expectedDigest = try sha256sum(oracleInput)
        for attachment in first + second {
            #expect(attachment.sha256 == expectedDigest)
            #expect(attachment.size == bytes.count)
        }
        #expect(first.map(\.fileName) == ["IMG_0001.jpg", "lubang.jpg"])
        let expectedPath = directory.appending("attachments/\(expectedDigest.prefix(2))/\(expectedDigest)")
        #expect(store.path(forSHA256: expectedDigest) == expectedPath)
        #expect(FileManager.default.contents(atPath: expectedPath) == bytes)
        #expect(store.bytes(forSHA256: expectedDigest) == bytes)
        #expect(try regularFiles(under: directory.appending("attachments")) == [expectedPath])
    }

    @Test func differentBytesGetDifferentFiles() async throws {
        let directory = try TemporaryDirectory("attachments")
        defer { directory.remove() }
        let store = AttachmentStore(directory: directory.appending("attachments"))
        let letters = ["surat-1.pdf": Data("%PDF-1.4 surat pertama".utf8), "surat-2.pdf": Data("%PDF-1.4 surat kedua".utf8)]
        let stored = try await store.store(letters.sorted { $0.key < $1.key }.map {
            InboundAttachment(fileName: $0.key, mediaType: "application/pdf", bytes: $0.value)
        })
        #expect(Set(stored.map(\.sha256)).count == 2)
        for attachment in stored {
            #expect(store.bytes(forSHA256: attachment.sha256) == letters[attachment.fileName])
        }
        #expect(try regularFiles(under: directory.appending("attachments")).count == 2)
    }

    @Test func anAttachmentIsFlushedWithEveryDirectoryCreatedForIt() async throws {
        let directory = try TemporaryDirectory("attachments")
        defer { directory.remove() }
        let synced = Mutex<[String]>([])
        let disk = Disk { path in
            try Disk.posix.syncDirectory(path)
            synced.withLock { $0.append(path) }
        }
        let root = directory.appending("data/attachments")
        let store = AttachmentStore(directory: root, disk: disk)
        let photo = InboundAttachment(fileName: "jalan.jpg", mediaType: "image/jpeg", bytes: Data(repeating: 0xFF, count: 4096))

        let stored = try await store.store([photo])

        let file = store.path(forSHA256: stored[0].sha256)
        let folder = (file as NSString).deletingLastPathComponent
        #expect(FileManager.default.contents(atPath: file) == photo.bytes)
        // Each new directory's entry lives in its parent; the file's entry lives in its folder.
        #expect(Set(synced.withLock { $0 }) == [directory.path, directory.appending("data"), root, folder])
        #expect(synced.withLock { $0.last } == folder, "the folder is flushed after the rename")

        synced.withLock { $0.removeAll() }
        _ = try await store.store([photo])
        #expect(synced.withLock { $0 }.isEmpty, "bytes already stored are not written again")
    }

    @Test func anAttachmentThatCannotBeStoredFailsLoudlyAndLeavesNothingBehind() async throws {
        let directory = try TemporaryDirectory("attachments")
        defer { directory.remove() }
        // A file where the attachment folder should be: every step after it must fail, and say so.
        FileManager.default.createFile(atPath: directory.appending("attachments"), contents: Data("not a folder".utf8))
        let store = AttachmentStore(directory: directory.appending("attachments"))
        let photo = InboundAttachment(fileName: "a.jpg", mediaType: "image/jpeg", bytes: Data([1, 2, 3]))

        await #expect(throws: StorageError.self) { try await store.store([photo]) }
        #expect(try FileManager.default.contentsOfDirectory(atPath: directory.path) == ["attachments"])
    }
}
