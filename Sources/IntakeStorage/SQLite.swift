import CSQLite
import Foundation
import IntakeModel

/// A failed SQLite call, with SQLite's own message and the statement that failed.
public struct SQLiteError: Error, CustomStringConvertible, Equatable {
    /// SQLite's primary result code (`SQLITE_CONSTRAINT` is 19, `SQLITE_BUSY` 5).
    public var code: Int32
    public var message: String
    public var sql: String?

    public var description: String {
        sql.map { "SQLite error \(code): \(message) (in: \($0.prefix(80)))" } ?? "SQLite error \(code): \(message)"
    }

    /// A UNIQUE, PRIMARY KEY or CHECK constraint refused the write.
    public var isConstraintViolation: Bool { code & 0xff == SQLITE_CONSTRAINT }

    /// A row with the same primary key exists.
    public var isPrimaryKeyViolation: Bool { code == SQLITE_CONSTRAINT | (6 << 8) }  // SQLITE_CONSTRAINT_PRIMARYKEY, a macro Swift cannot import
}

/// A value bound to or read from a statement.
public enum SQLValue: Sendable, Equatable {
    case null
    case integer(Int64)
    case real(Double)
    case text(String)
    case blob([UInt8])
}

/// One SQLite connection. Not thread-safe by design: each connection belongs to exactly one
/// `DatabaseThread`, which is the only code that ever calls it.
public final class Connection {
    private let handle: OpaquePointer
    private var statements: [StatementKey: Statement] = [:]
    /// Maps journal ids to tracking numbers; `Database` sets the installation's key when it opens.
    public internal(set) var trackingNumbers = TrackingNumberCodec(key: 0)
    /// Memory changes tied to the open write transaction (`onRollback`, `afterCommit`).
    var effects = TransactionEffects()
    /// The next journal id on this (the writer's) connection; 0 until the first insert reads it.
    var journalSequence: Int64 = 0

    /// Opens (creating if needed) the database at `path` in serialized-off, no-mutex mode: the owning thread is the lock.
    public init(path: String, readOnly: Bool = false) throws(SQLiteError) {
        _ = Self.libraryConfigured
        var pointer: OpaquePointer?
        let flags = (readOnly ? SQLITE_OPEN_READONLY : SQLITE_OPEN_READWRITE | SQLITE_OPEN_CREATE) | SQLITE_OPEN_NOMUTEX
        let status = sqlite3_open_v2(path, &pointer, flags, nil)
        guard status == SQLITE_OK, let pointer else {
            let message = pointer.map { String(cString: sqlite3_errmsg($0)) } ?? "cannot open"
            if let pointer { sqlite3_close_v2(pointer) }
            throw SQLiteError(code: status, message: "\(message): \(path)", sql: nil)
        }
        handle = pointer
        sqlite3_extended_result_codes(handle, 1)
        // Another process (intake ingest, intake replay) may hold the write lock for a moment.
        sqlite3_busy_timeout(handle, 5_000)
    }

    /// Process-wide settings, applied once before the first connection initializes the library.
    private static let libraryConfigured: Void = {
        _ = intake_sqlite3_disable_memory_statistics()
    }()

    deinit {
        statements.removeAll()
        sqlite3_wal_hook(handle, nil, nil)
        sqlite3_close_v2(handle)
    }

    /// Runs one or more statements that return no rows (schema changes, pragmas, BEGIN/COMMIT).
    /// A single statement is prepared once and cached: savepoints run for every message.
    public func execute(_ sql: String) throws(SQLiteError) {
        if !sql.utf8.contains(UInt8(ascii: ";")) {
            try prepare(sql).run([])
            return
        }
        var errorMessage: UnsafeMutablePointer<CChar>?
        let status = sqlite3_exec(handle, sql, nil, nil, &errorMessage)
        if status != SQLITE_OK {
            let message = errorMessage.map { String(cString: $0) } ?? lastMessage
            sqlite3_free(errorMessage)
            throw SQLiteError(code: status, message: message, sql: sql)
        }
    }

    /// A prepared statement for `sql`, cached per connection so hot statements are compiled once.
    public func prepare(_ sql: String) throws(SQLiteError) -> Statement {
        if let cached = statements[StatementKey(sql)] {
            cached.reset()
            return cached
        }
        var pointer: OpaquePointer?
        let status = sqlite3_prepare_v3(handle, sql, -1, UInt32(SQLITE_PREPARE_PERSISTENT), &pointer, nil)
        guard status == SQLITE_OK, let pointer else {
            throw SQLiteError(code: status, message: lastMessage, sql: sql)
        }
        let statement = Statement(handle: pointer, connection: self, sql: sql)
        statements[StatementKey(sql)] = statement
        return statement
    }

    /// Runs `sql` with `values` and returns every row.
    @discardableResult
    public func query(_ sql: String, _ values: [SQLValue] = []) throws(SQLiteError) -> [Row] {
        let statement = try prepare(sql)
        defer { statement.reset() }
        try statement.bind(values)
        var rows: [Row] = []
        while try statement.step() { rows.append(statement.row()) }
        return rows
    }

    /// The rowid of the last INSERT on this connection.
    public var lastInsertRowID: Int64 { sqlite3_last_insert_rowid(handle) }

    /// True inside an explicit transaction; false in autocommit mode (including after SQLite rolled back).
    public var isInTransaction: Bool { sqlite3_get_autocommit(handle) == 0 }

    /// Rows changed by the last INSERT, UPDATE or DELETE.
    public var changes: Int { Int(sqlite3_changes(handle)) }

    /// Frames in the write-ahead log after this connection's last commit; kept once `trackWAL` ran.
    private(set) var walFrames = 0

    /// Keeps `walFrames` current. SQLite then no longer checkpoints by itself after commits (its automatic
    /// checkpoint is the same hook): whoever calls this owns checkpointing.
    func trackWAL() {
        sqlite3_wal_hook(handle, { context, _, _, frames in
            Unmanaged<Connection>.fromOpaque(context!).takeUnretainedValue().walFrames = Int(frames)
            return SQLITE_OK
        }, Unmanaged.passUnretained(self).toOpaque())
    }

    /// A passive checkpoint: copies what it can from the write-ahead log into the database file without
    /// waiting for readers or the writer, then syncs the file, and updates `walFrames`. SQLite restarts the
    /// log once every frame is copied and no reader still needs it.
    func checkpoint() throws(SQLiteError) {
        var frames: Int32 = 0
        let status = sqlite3_wal_checkpoint_v2(handle, nil, SQLITE_CHECKPOINT_PASSIVE, &frames, nil)
        guard status == SQLITE_OK else { throw SQLiteError(code: status, message: lastMessage, sql: "checkpoint") }
        walFrames = Int(frames)
    }

    fileprivate var lastMessage: String { String(cString: sqlite3_errmsg(handle)) }
}

/// A statement cache key that hashes the SQL's length and first 64 bytes only: the writer looks up a few
/// statements of several hundred bytes for every message, and hashing all of them cost more than the lookup.
/// Equality still compares the whole text.
private struct StatementKey: Hashable {
    let sql: String

    init(_ sql: String) {
        self.sql = sql
    }

    func hash(into hasher: inout Hasher) {
        var sql = self.sql
        sql.withUTF8 { utf8 in
            hasher.combine(utf8.count)
            hasher.combine(bytes: UnsafeRawBufferPointer(UnsafeBufferPointer(rebasing: utf8.prefix(64))))
        }
    }
}

/// A compiled statement, owned and cached by its connection.
public final class Statement {
    private let handle: OpaquePointer
    private unowned let connection: Connection
    private let sql: String

    fileprivate init(handle: OpaquePointer, connection: Connection, sql: String) {
        self.handle = handle
        self.connection = connection
        self.sql = sql
    }

    deinit { sqlite3_finalize(handle) }

    /// Binds `values` to parameters 1...n.
    public func bind(_ values: [SQLValue]) throws(SQLiteError) {
        for (offset, value) in values.enumerated() {
            let index = Int32(offset + 1)
            let status: Int32
            switch value {
            case .null: status = sqlite3_bind_null(handle, index)
            case .integer(let number): status = sqlite3_bind_int64(handle, index, number)
            case .real(let number): status = sqlite3_bind_double(handle, index, number)
            case .text(let text):
                var text = text
                status = text.withUTF8 { buffer in
                    buffer.withMemoryRebound(to: CChar.self) {
                        intake_sqlite3_bind_text_transient(handle, index, $0.baseAddress, Int32($0.count))
                    }
                }
            case .blob(let bytes):
                status = bytes.withUnsafeBytes { intake_sqlite3_bind_blob_transient(handle, index, $0.baseAddress, Int32($0.count)) }
            }
            guard status == SQLITE_OK else { throw SQLiteError(code: status, message: connection.lastMessage, sql: sql) }
        }
    }

    /// Advances to the next row; false when done.
    public func step() throws(SQLiteError) -> Bool {
        switch sqlite3_step(handle) {
        case SQLITE_ROW: return true
        case SQLITE_DONE: return false
        case let status: throw SQLiteError(code: status, message: connection.lastMessage, sql: sql)
        }
    }

    /// Runs to completion, ignoring rows: for INSERT, UPDATE and DELETE.
    public func run(_ values: [SQLValue]) throws(SQLiteError) {
        defer { reset() }
        try bind(values)
        while try step() {}
    }

    /// Copies the current row out of SQLite's buffers.
    public func row() -> Row {
        let count = sqlite3_column_count(handle)
        var values: [SQLValue] = []
        values.reserveCapacity(Int(count))
        for column in 0..<count {
            switch sqlite3_column_type(handle, column) {
            case SQLITE_INTEGER: values.append(.integer(sqlite3_column_int64(handle, column)))
            case SQLITE_FLOAT: values.append(.real(sqlite3_column_double(handle, column)))
            case SQLITE_TEXT:
                // By length, not up to the first NUL: a citizen's text may contain one.
                let length = Int(sqlite3_column_bytes(handle, column))
                let text = sqlite3_column_text(handle, column)
                values.append(.text(text.map { String(decoding: UnsafeBufferPointer(start: $0, count: length), as: UTF8.self) } ?? ""))
            case SQLITE_BLOB:
                let length = Int(sqlite3_column_bytes(handle, column))
                if let bytes = sqlite3_column_blob(handle, column), length > 0 {
                    values.append(.blob(Array(UnsafeRawBufferPointer(start: bytes, count: length))))
                } else {
                    values.append(.blob([]))
                }
            default: values.append(.null)
            }
        }
        return Row(values: values)
    }

    /// Clears bindings and rewinds, ready for the next use.
    public func reset() {
        sqlite3_reset(handle)
        sqlite3_clear_bindings(handle)
    }
}

/// One result row, read by column position.
public struct Row: Sendable {
    public var values: [SQLValue]

    public subscript(_ index: Int) -> SQLValue { values[index] }

    public func int(_ index: Int) -> Int64? {
        if case .integer(let value) = values[index] { return value }
        return nil
    }

    public func double(_ index: Int) -> Double? {
        switch values[index] {
        case .real(let value): value
        case .integer(let value): Double(value)
        default: nil
        }
    }

    public func string(_ index: Int) -> String? {
        if case .text(let value) = values[index] { return value }
        return nil
    }

    public func bytes(_ index: Int) -> [UInt8]? {
        switch values[index] {
        case .blob(let value): value
        case .text(let value): Array(value.utf8)
        default: nil
        }
    }
}

extension Connection {
    /// Runs `body` inside a savepoint: on error everything it wrote is rolled back and the error rethrown.
    /// Memory changes registered inside it with `onRollback` are undone with it.
    public func withSavepoint<T>(_ name: String, _ body: () throws -> T) throws -> T {
        try execute("SAVEPOINT \(name)")
        effects.beginSavepoint()
        do {
            let value = try body()
            try execute("RELEASE \(name)")
            effects.releaseSavepoint()
            return value
        } catch {
            try? execute("ROLLBACK TO \(name)")
            try? execute("RELEASE \(name)")
            effects.rollBackSavepoint()
            throw error
        }
    }

    /// Undoes an in-memory change made on the writer thread if the enclosing savepoint or transaction
    /// rolls back, so memory only ever reflects what committed.
    public func onRollback(_ undo: @escaping () -> Void) { effects.onRollback(undo) }

    /// Runs `announce` on the writer thread once the enclosing transaction has committed and its flush has
    /// returned; never if it rolls back. For telling other threads about rows they may now read.
    public func afterCommit(_ announce: @escaping () -> Void) { effects.afterCommit(announce) }
}
