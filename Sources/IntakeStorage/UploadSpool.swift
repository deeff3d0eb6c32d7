import Crypto
import Foundation
import IntakeModel

/// Where streamed uploads wait (`<storage>/spool/`) between their arrival and the attachment store, which
/// moves each kept file into its content-addressed place. It lives beside `attachments/` on the same file
/// system, so that move is a rename. Files of a request that ends without keeping them are removed then;
/// files a crash left behind are removed by `sweep` at the next start.
public struct UploadSpool: Sendable {
    /// `<storage>/spool`.
    public let directory: String

    /// The spool of the storage directory `storagePath`.
    public init(storagePath: String) {
        directory = (storagePath as NSString).appendingPathComponent("spool")
    }

    /// Removes every file in the spool, creating it if missing; returns how many were removed. Only at start,
    /// before any request can be writing one.
    @discardableResult
    public func sweep() throws -> Int {
        let manager = FileManager.default
        try manager.createDirectory(atPath: directory, withIntermediateDirectories: true)
        var removed = 0
        for name in try manager.contentsOfDirectory(atPath: directory) {
            if unlink("\(directory)/\(name)") == 0 { removed += 1 }
        }
        return removed
    }

    /// A new, empty spool file.
    public func create() throws -> SpoolWriter {
        let path = "\(directory)/\(UUID().uuidString).part"
        let descriptor = open(path, O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, 0o600)
        guard descriptor >= 0 else { throw StorageError.io("cannot create spool file \(path): \(String(cString: strerror(errno)))") }
        return SpoolWriter(path: path, descriptor: descriptor)
    }

    /// Removes spool files (those the attachment store moved are gone already).
    public static func remove(_ paths: [String]) {
        for path in paths { unlink(path) }
    }
}

/// One spool file being written as its part arrives: hashed (SHA-256) and counted on the way, its first
/// bytes kept for the check by magic numbers. Owned by the one request task that writes it.
public final class SpoolWriter {
    /// Where the file is.
    public let path: String
    private var descriptor: Int32
    private var hasher = SHA256()
    private var size = 0
    private var head: [UInt8] = []

    init(path: String, descriptor: Int32) {
        self.path = path
        self.descriptor = descriptor
    }

    deinit {
        if descriptor >= 0 { close(descriptor) }
    }

    /// Appends `bytes` (to the page cache; the attachment store flushes the file before it is named).
    public func write(_ bytes: ArraySlice<UInt8>) throws {
        if head.count < SpooledFile.headBytes { head += bytes.prefix(SpooledFile.headBytes - head.count) }
        size += bytes.count
        try bytes.withUnsafeBufferPointer { buffer in
            hasher.update(bufferPointer: UnsafeRawBufferPointer(buffer))
            var offset = 0
            while offset < buffer.count {
                let written = Foundation.write(descriptor, buffer.baseAddress! + offset, buffer.count - offset)
                if written < 0 {
                    if errno == EINTR { continue }
                    throw StorageError.io("cannot write spool file \(path): \(String(cString: strerror(errno)))")
                }
                offset += written
            }
        }
    }

    /// Closes the file and describes it.
    public func finish() throws -> SpooledFile {
        let closed = close(descriptor)
        descriptor = -1
        guard closed == 0 else { throw StorageError.io("cannot close spool file \(path): \(String(cString: strerror(errno)))") }
        return SpooledFile(path: path, sha256: Hex.string(hasher.finalize()), size: size, head: head)
    }
}
