import Foundation

/// Makes committed transactions durable: one `fdatasync` of the write-ahead log covers every commit
/// before it.
///
/// The writer commits with `synchronous=NORMAL` (the log is written, not yet flushed), then calls `flush`
/// once per batch before it tells anyone their write is done, which is what `synchronous=FULL` would do
/// at every commit. It runs on the writer's own thread: a flush here takes about 0.1 ms, and the requests
/// that arrive meanwhile simply join the next batch, so a thread of its own only added two wake-ups per
/// batch.
final class WALFlush {
    private var descriptor: Int32 = -1
    private let walPath: String

    init(walPath: String) {
        self.walPath = walPath
    }

    deinit {
        if descriptor >= 0 { close(descriptor) }
    }

    /// fdatasync of the current WAL file; nil when it is on disk.
    ///
    /// A failure is final for the process (`Database` refuses every later write): after a failed fdatasync
    /// the kernel may have dropped the dirty pages, and SQLite's WAL frames are checksummed in a chain, so
    /// a lost frame makes recovery discard every later one. Acknowledging anything after that would be a
    /// lie; the operator must restart (as PostgreSQL panics).
    /// The log is reopened when SQLite replaced it (the last connection of another process closed and
    /// deleted it).
    func flush() -> (any Error)? {
        var current = stat()
        guard stat(walPath, &current) == 0 else {
            return StorageError.io("cannot find the write-ahead log \(walPath): errno \(errno)")
        }
        var open = stat()
        if descriptor < 0 || fstat(descriptor, &open) != 0 || open.st_ino != current.st_ino {
            if descriptor >= 0 { close(descriptor) }
            descriptor = Glibc.open(walPath, O_RDWR | O_CLOEXEC)
            guard descriptor >= 0 else { return StorageError.io("cannot open the write-ahead log \(walPath): errno \(errno)") }
            // A new log file is only durable once the directory entry naming it is.
            guard Directory.sync((walPath as NSString).deletingLastPathComponent) else {
                return StorageError.io("fsync of the storage directory failed: errno \(errno)")
            }
        }
        guard fdatasync(descriptor) == 0 else {
            return StorageError.io("fdatasync of the write-ahead log failed: errno \(errno)")
        }
        return nil
    }
}

/// Flushing directory entries, which a file's own fsync does not cover.
enum Directory {
    /// fsync of the directory at `path`; false when it failed.
    @discardableResult
    static func sync(_ path: String) -> Bool {
        let descriptor = open(path, O_RDONLY | O_DIRECTORY | O_CLOEXEC)
        guard descriptor >= 0 else { return false }
        defer { close(descriptor) }
        return fsync(descriptor) == 0
    }
}
