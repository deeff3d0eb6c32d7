import Foundation

extension Connection {
    /// The versions of this build's migrations that the database has not recorded as applied, for
    /// `/readyz`: empty once the schema is complete (a database a newer build migrated further also counts).
    public func pendingMigrations() throws(SQLiteError) -> [Int] {
        let applied = Set(try query("SELECT version FROM schema_migrations").compactMap { $0.int(0) }.map(Int.init))
        return Schema.migrations.map(\.version).filter { !applied.contains($0) }
    }
}
