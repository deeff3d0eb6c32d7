/// Changes to memory that must share a write transaction's fate: undone when it (or the savepoint they
/// were made in) rolls back, and announced only once it is committed and flushed.
///
/// In-memory state (the near-duplicate index, the backlog's reporter map) is read by later messages of the
/// same transaction, so it changes at once on the writer thread; what it changed is undone here when the
/// transaction does not commit. What others may see (the processing service's queue, a waiting long poll)
/// is told only after the flush, through `afterCommit`.
struct TransactionEffects {
    private var undos: [() -> Void] = []
    private var announcements: [() -> Void] = []
    /// Where each open savepoint started, innermost last.
    private var marks: [(undos: Int, announcements: Int)] = []

    mutating func onRollback(_ undo: @escaping () -> Void) { undos.append(undo) }
    mutating func afterCommit(_ announce: @escaping () -> Void) { announcements.append(announce) }

    mutating func beginSavepoint() { marks.append((undos.count, announcements.count)) }

    /// The savepoint's effects now belong to the enclosing one (or to the transaction).
    mutating func releaseSavepoint() { _ = marks.popLast() }

    /// Undoes what the innermost savepoint changed, newest first, and drops what it meant to announce.
    mutating func rollBackSavepoint() {
        guard let mark = marks.popLast() else { return }
        undo(from: mark.undos)
        announcements.removeSubrange(mark.announcements...)
    }

    /// The transaction committed and reached the disk: returns what to announce, and forgets the undos.
    mutating func committed() -> [() -> Void] {
        defer { reset() }
        return announcements
    }

    /// The transaction rolled back: undoes everything, newest first.
    mutating func rolledBack() {
        undo(from: 0)
        reset()
    }

    /// The commit's durability is unknown (its flush failed): nothing is undone, since the rows may be on
    /// disk, and nothing is announced, since they may not. Storage refuses every write after this.
    mutating func abandoned() { reset() }

    private mutating func undo(from start: Int) {
        for undo in undos[start...].reversed() { undo() }
        undos.removeSubrange(start...)
    }

    private mutating func reset() {
        undos.removeAll(keepingCapacity: true)
        announcements.removeAll(keepingCapacity: true)
        marks.removeAll()
    }
}
