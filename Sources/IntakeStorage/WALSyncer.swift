import Foundation

/// Makes committed transactions durable off the writer thread.
///
/// The writer commits with `synchronous=NORMAL` (the WAL is written, not yet flushed) and hands the
/// batch's completions here; one `fdatasync` of the WAL then covers every commit that finished before it
/// started. Meanwhile the writer already runs the next batch, so the disk flush and the CPU work overlap
/// instead of taking turns. No completion runs before the flush that covers it returned: a caller is
/// only told "done" once its commit is on disk, exactly as with `synchronous=FULL`.
final class WALSyncer: @unchecked Sendable {
    // Safe: `descriptor` and `failure` are only touched by the flush thread's handler (and by `stop`,
    // after that thread has finished).
    private var descriptor: Int32 = -1
    /// Set by the first failed flush and never cleared: after a failed fdatasync the kernel may have
    /// dropped the dirty pages, and SQLite's WAL frames are checksummed in a chain, so a lost frame makes
    /// recovery discard every later one. Acknowledging anything after that would be a lie; the operator
    /// must restart (as PostgreSQL panics).
    private var failure: (any Error)?
    private let walPath: String
    private var thread: BatchingThread<((any Error)?) -> Void>!

    init(walPath: String) {
        self.walPath = walPath
        thread = BatchingThread(name: "intake-walsync", maxBatch: .max) { [unowned self] completions in
            let error = flush()
            for complete in completions { complete(error) }
        }
    }

    /// Queues completions of transactions that have committed; they run after the next flush.
    func enqueue(_ completions: [((any Error)?) -> Void]) {
        if !thread.submit(completions) {
            for complete in completions { complete(StorageError.closed) }
        }
    }

    /// Flushes what is queued, runs its completions, and ends the thread.
    func stop() {
        thread.stop()
        if descriptor >= 0 {
            close(descriptor)
            descriptor = -1
        }
    }

    /// fdatasync of the current WAL file; reopened when SQLite replaced it (last connection of another
    /// process closed and deleted it).
    private func flush() -> (any Error)? {
        if let failure { return failure }
        let error = flushOnce()
        failure = error
        return error
    }

    private func flushOnce() -> (any Error)? {
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
