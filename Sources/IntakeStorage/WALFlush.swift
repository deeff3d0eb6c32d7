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
    /// The inode `descriptor` has open.
    private var openInode: UInt64 = 0
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
    /// lie; the operator must restart (as PostgreSQL panics). The log is reopened when SQLite replaced it
    /// (the last connection of another process closed and deleted it).
    func flush() -> (any Error)? {
        guard let current = InodeNumber.of(walPath) else {
            return StorageError.io("cannot find the write-ahead log \(walPath): errno \(errno)")
        }
        if descriptor < 0 || openInode != current {
            if descriptor >= 0 { close(descriptor) }
            descriptor = Glibc.open(walPath, O_RDWR | O_CLOEXEC)
            guard descriptor >= 0 else { return StorageError.io("cannot open the write-ahead log \(walPath): errno \(errno)") }
            var opened = stat()
            guard fstat(descriptor, &opened) == 0 else {
                return StorageError.io("cannot read the write-ahead log \(walPath): errno \(errno)")
            }
            openInode = UInt64(opened.st_ino)
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

/// The inode number at a path, read without reading the file's timestamps.
///
/// Since Linux 6.13 (multigrain timestamps) reading a file's change time makes its next write record a
/// fine-grained new one, so a `stat` of the log before every flush made every write dirty the inode and
/// every `fdatasync` write it too: a third device wait per flush and about 15 µs more kernel time.
/// `statx` asking for the inode number only reads no timestamp. It is looked up at run time because
/// Swift's Glibc module does not declare it; without it (an old libc) `stat` does the same job.
enum InodeNumber {
    private typealias StatX = @convention(c) (Int32, UnsafePointer<CChar>, Int32, UInt32, UnsafeMutableRawPointer) -> Int32
    // dlsym with a null handle is RTLD_DEFAULT: the process's own symbols, libc included.
    private static let statx: StatX? = dlsym(nil, "statx").map { unsafeBitCast($0, to: StatX.self) }
    /// `STATX_INO`, and where `stx_ino` sits in the kernel's 256-byte `struct statx`.
    private static let inoMask: UInt32 = 0x100
    private static let inoOffset = 32

    static func of(_ path: String) -> UInt64? {
        if let statx {
            let found: UInt64?? = withUnsafeTemporaryAllocation(byteCount: 256, alignment: 8) { buffer in
                let status = statx(AT_FDCWD, path, 0, inoMask, buffer.baseAddress!)
                if status == 0 && buffer.load(as: UInt32.self) & inoMask != 0 {
                    return .some(buffer.load(fromByteOffset: inoOffset, as: UInt64.self))
                }
                return status != 0 && errno != ENOSYS ? .some(nil) : nil
            }
            if let found { return found }
        }
        var status = stat()
        return stat(path, &status) == 0 ? UInt64(status.st_ino) : nil
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
