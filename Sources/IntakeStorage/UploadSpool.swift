import Crypto
import Foundation
import IntakeModel
import Synchronization

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
/// bytes kept for the check by magic numbers. Written by one request at a time, from whichever thread its
/// blocking writes run on (never the cooperative pool), hence Sendable through a Mutex.
public final class SpoolWriter: Sendable {
    private struct State {
        var descriptor: Int32
        var hasher = SHA256()
        var size = 0
        var head: [UInt8] = []
    }

    /// Where the file is.
    public let path: String
    private let state: Mutex<State>

    init(path: String, descriptor: Int32) {
        self.path = path
        state = Mutex(State(descriptor: descriptor))
    }

    deinit {
        state.withLock { if $0.descriptor >= 0 { close($0.descriptor) } }
    }

    /// Appends `bytes` (to the page cache; the attachment store flushes the file before it is named).
    public func write(_ bytes: ArraySlice<UInt8>) throws {
        try state.withLock { state in
            if state.head.count < SpooledFile.headBytes { state.head += bytes.prefix(SpooledFile.headBytes - state.head.count) }
            state.size += bytes.count
            try bytes.withUnsafeBufferPointer { buffer in
                state.hasher.update(bufferPointer: UnsafeRawBufferPointer(buffer))
                var offset = 0
                while offset < buffer.count {
                    let written = Foundation.write(state.descriptor, buffer.baseAddress! + offset, buffer.count - offset)
                    if written < 0 {
                        if errno == EINTR { continue }
                        throw StorageError.io("cannot write spool file \(path): \(String(cString: strerror(errno)))")
                    }
                    offset += written
                }
            }
        }
    }

    /// Closes the file and describes it.
    public func finish() throws -> SpooledFile {
        try state.withLock { state in
            let closed = close(state.descriptor)
            state.descriptor = -1
            guard closed == 0 else { throw StorageError.io("cannot close spool file \(path): \(String(cString: strerror(errno)))") }
            return SpooledFile(path: path, sha256: Hex.string(state.hasher.finalize()), size: state.size, head: state.head)
        }
    }
}
