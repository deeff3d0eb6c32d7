import Foundation

/// One numbered schema change. Never edit one that has shipped: add the next number instead.
public struct Migration: Sendable {
    public var version: Int
    public var name: String
    public var sql: String
}

/// Applies numbered migrations in order, each in its own transaction, recording what ran.
enum Migrations {
    static func apply(_ migrations: [Migration], to connection: Connection) throws(SQLiteError) {
        try connection.execute("""
            CREATE TABLE IF NOT EXISTS schema_migrations (
                version INTEGER PRIMARY KEY,
                name TEXT NOT NULL,
                applied_at REAL NOT NULL
            )
            """)
        for migration in migrations.sorted(by: { $0.version < $1.version }) {
            // Checked inside the write lock: two processes starting together must not both apply it.
            try connection.execute("BEGIN IMMEDIATE")
            do {
                let applied = try !connection.query(
                    "SELECT 1 FROM schema_migrations WHERE version = ?", [.integer(Int64(migration.version))]
                ).isEmpty
                if !applied {
                    try connection.execute(migration.sql)
                    try connection.query(
                        "INSERT INTO schema_migrations (version, name, applied_at) VALUES (?, ?, ?)",
                        [.integer(Int64(migration.version)), .text(migration.name), .real(Date().timeIntervalSince1970)]
                    )
                }
                try connection.execute("COMMIT")
            } catch {
                try? connection.execute("ROLLBACK")
                throw error
            }
        }
    }
}

/// The schema, as the list of migrations that builds it.
enum Schema {
    static let migrations: [Migration] = [
        Migration(version: 1, name: "journal, complaints, outbox, cursors", sql: """
            CREATE TABLE settings (
                name TEXT PRIMARY KEY,
                value TEXT NOT NULL
            );

            -- Tracking numbers are not stored: each is a keyed permutation of its journal id (TrackingNumberCodec).
            CREATE TABLE journal (
                id INTEGER PRIMARY KEY,
                channel_id TEXT NOT NULL,
                channel_type TEXT NOT NULL,
                external_id TEXT NOT NULL,
                received_at REAL NOT NULL,
                raw BLOB NOT NULL,
                message TEXT NOT NULL,
                state TEXT NOT NULL CHECK (state IN ('pending', 'processed', 'duplicate', 'failed')),
                complaint_id TEXT,
                error TEXT,
                attempts INTEGER NOT NULL DEFAULT 0
            );
            CREATE INDEX journal_unfinished ON journal (id) WHERE state IN ('pending', 'failed');

            CREATE TABLE complaints (
                seq INTEGER PRIMARY KEY,
                id TEXT NOT NULL UNIQUE,
                journal_id INTEGER NOT NULL UNIQUE REFERENCES journal (id),
                channel_id TEXT NOT NULL,
                external_id TEXT NOT NULL,
                received_at REAL NOT NULL,
                reporter_kind TEXT NOT NULL,
                reporter_address TEXT NOT NULL,
                match_hash INTEGER NOT NULL,
                match_key TEXT NOT NULL,
                campaign TEXT,
                cluster_id TEXT,
                status TEXT NOT NULL,
                document TEXT NOT NULL
            );
            CREATE UNIQUE INDEX complaints_external ON complaints (channel_id, external_id);
            CREATE INDEX complaints_reporter_text ON complaints (reporter_address, match_hash, received_at);
            CREATE INDEX complaints_received ON complaints (received_at);
            CREATE INDEX complaints_campaign ON complaints (campaign, seq) WHERE campaign IS NOT NULL;

            -- Provider ids of messages merged into an earlier complaint: written only on a merge, so a resend
            -- of such a message still finds its complaint after the text window has passed.
            CREATE TABLE merged_external_ids (
                channel_id TEXT NOT NULL,
                external_id TEXT NOT NULL,
                complaint_id TEXT NOT NULL,
                PRIMARY KEY (channel_id, external_id)
            ) WITHOUT ROWID;

            -- Keyed by the complaint's journal id: an integer rowid, so queueing appends and needs no index.
            CREATE TABLE outbox (
                journal_id INTEGER PRIMARY KEY,
                enqueued_at REAL NOT NULL,
                attempts INTEGER NOT NULL DEFAULT 0,
                next_attempt_at REAL NOT NULL,
                delivered_at REAL,
                last_error TEXT
            );
            CREATE INDEX outbox_due ON outbox (next_attempt_at) WHERE delivered_at IS NULL;

            CREATE TABLE cursors (
                channel_id TEXT PRIMARY KEY,
                cursor TEXT NOT NULL,
                updated_at REAL NOT NULL
            );
            """),
        Migration(version: 2, name: "near-duplicate features, merge decisions, undo log", sql: """
            -- What the near-duplicate index compares, one row per complaint, written with it: a restart reloads
            -- these instead of re-reading every text. Keyed by the complaint's journal id.
            CREATE TABLE dedup_features (
                journal_id INTEGER PRIMARY KEY,
                received_at REAL NOT NULL,
                cluster_root INTEGER NOT NULL,
                identities BLOB NOT NULL,
                tokens BLOB NOT NULL,
                places TEXT NOT NULL
            );

            -- Why a message was merged into an earlier complaint, for operators.
            ALTER TABLE journal ADD COLUMN dedup_score REAL;
            ALTER TABLE journal ADD COLUMN dedup_reason TEXT;
            CREATE INDEX journal_complaint ON journal (complaint_id) WHERE state = 'duplicate';

            -- Every operator undo of a merge or a cluster, as it happened.
            CREATE TABLE dedup_undos (
                id INTEGER PRIMARY KEY,
                action TEXT NOT NULL CHECK (action IN ('unmerge', 'uncluster')),
                complaint_id TEXT NOT NULL,
                journal_id INTEGER,
                new_complaint_id TEXT,
                previous_cluster_id TEXT,
                note TEXT,
                undone_at REAL NOT NULL
            );
            """),
        Migration(version: 3, name: "handoff events replace the outbox", sql: """
            -- What the routing core is told, in the order it happened: one row per event, written in the transaction
            -- that made it happen. AUTOINCREMENT: an id (the Idempotency-Key) is never handed out twice, even after
            -- the newest rows were deleted.
            CREATE TABLE handoff_events (
                id INTEGER PRIMARY KEY AUTOINCREMENT,
                complaint_id TEXT NOT NULL,
                type TEXT NOT NULL CHECK (type IN ('complaint.created', 'complaint.updated', 'complaint.clustered')),
                created_at REAL NOT NULL,
                attempts INTEGER NOT NULL DEFAULT 0,
                next_attempt_at REAL NOT NULL,
                delivered_at REAL,
                dead_at REAL,
                last_status INTEGER,
                last_error TEXT
            );
            -- Pending events in order (the relay's scan), and each complaint's events (order per complaint).
            CREATE INDEX handoff_pending ON handoff_events (id) WHERE delivered_at IS NULL AND dead_at IS NULL;
            CREATE INDEX handoff_complaint ON handoff_events (complaint_id, id);

            -- Complaints still waiting in the outbox become their created events, oldest first.
            INSERT INTO handoff_events (complaint_id, type, created_at, attempts, next_attempt_at, last_error)
                SELECT c.id, 'complaint.created', o.enqueued_at, o.attempts, o.next_attempt_at, o.last_error
                FROM outbox o JOIN complaints c ON c.journal_id = o.journal_id
                WHERE o.delivered_at IS NULL ORDER BY o.journal_id;
            DROP TABLE outbox;
            """),
        Migration(version: 4, name: "reply outbox", sql: """
            -- Replies to citizens (tracking numbers, status answers), written in the transaction that journals the
            -- message they answer and sent by the reply service; `inline` ones went out in the webhook's answer.
            -- The idempotency key (channel and provider message id) keeps a provider's retry from replying twice.
            CREATE TABLE replies (
                id INTEGER PRIMARY KEY AUTOINCREMENT,
                channel_id TEXT NOT NULL,
                journal_id INTEGER NOT NULL,
                complaint_id TEXT,
                recipient TEXT NOT NULL,
                recipient_kind TEXT NOT NULL,
                in_reply_to TEXT,
                text TEXT NOT NULL,
                kind TEXT NOT NULL,
                idempotency_key TEXT NOT NULL UNIQUE,
                status TEXT NOT NULL CHECK (status IN ('pending', 'sent', 'failed', 'inline')),
                attempts INTEGER NOT NULL DEFAULT 0,
                next_attempt_at REAL NOT NULL,
                last_error TEXT,
                provider_message_id TEXT,
                delivery_status TEXT,
                delivery_error TEXT,
                delivery_updated_at REAL,
                created_at REAL NOT NULL,
                sent_at REAL
            );
            CREATE INDEX replies_due ON replies (channel_id, next_attempt_at) WHERE status = 'pending';
            CREATE INDEX replies_status ON replies (status, id);
            CREATE INDEX replies_provider ON replies (provider_message_id) WHERE provider_message_id IS NOT NULL;
            """),
        Migration(version: 5, name: "media references fetched after the answer", sql: """
            -- One row per attachment that came as a reference, written with its journal row. `position` is the
            -- attachment's index in the entry (and in its complaint). While any row of an entry is pending, its
            -- complaint's created event is not recorded: the handoff waits for the media or the deadline.
            CREATE TABLE media_fetches (
                id INTEGER PRIMARY KEY,
                journal_id INTEGER NOT NULL,
                position INTEGER NOT NULL,
                channel_id TEXT NOT NULL,
                location TEXT NOT NULL,
                credentials TEXT NOT NULL,
                file_name TEXT NOT NULL,
                media_type TEXT NOT NULL,
                expires_at REAL,
                received_at REAL NOT NULL,
                state TEXT NOT NULL DEFAULT 'pending' CHECK (state IN ('pending', 'stored', 'unavailable')),
                attempts INTEGER NOT NULL DEFAULT 0,
                next_attempt_at REAL NOT NULL,
                last_error TEXT,
                size INTEGER,
                sha256 TEXT,
                stored_media_type TEXT,
                reason TEXT,
                finished_at REAL,
                UNIQUE (journal_id, position)
            );
            CREATE INDEX media_fetches_pending ON media_fetches (next_attempt_at) WHERE state = 'pending';
            """),
        Migration(version: 6, name: "message parts, reporter bursts", sql: """
            -- Parts of split messages (a concatenated SMS), each also a journal row. A group is named by the journal
            -- row of its first part to arrive (group_id), whose tracking number every part is answered with. Rows
            -- of joined groups stay a day so a provider's redelivery of a part is recognized.
            CREATE TABLE message_parts (
                journal_id INTEGER PRIMARY KEY,
                group_id INTEGER NOT NULL,
                channel_id TEXT NOT NULL,
                reporter TEXT NOT NULL,
                reference TEXT NOT NULL,
                part_index INTEGER NOT NULL,
                total INTEGER NOT NULL,
                external_id TEXT NOT NULL,
                expires_at REAL NOT NULL,
                joined_at REAL
            );
            CREATE INDEX message_parts_reference ON message_parts (channel_id, reporter, reference) WHERE joined_at IS NULL;
            CREATE INDEX message_parts_external ON message_parts (channel_id, external_id);
            CREATE INDEX message_parts_group ON message_parts (group_id);
            CREATE INDEX message_parts_waiting ON message_parts (expires_at) WHERE joined_at IS NULL;
            CREATE INDEX message_parts_joined ON message_parts (joined_at) WHERE joined_at IS NOT NULL;

            -- Each reporter's last message per channel and the complaint it went to: a message within the
            -- channel's burst_seconds of it joins that complaint.
            CREATE TABLE reporter_bursts (
                channel_id TEXT NOT NULL,
                reporter TEXT NOT NULL,
                complaint_id TEXT NOT NULL,
                last_at REAL NOT NULL,
                PRIMARY KEY (channel_id, reporter)
            ) WITHOUT ROWID;
            """),
        Migration(version: 9, name: "email replies: suppressed replies, thread and tracking number", sql: """
            -- Replies may be `suppressed` (an address nobody reads, or over the channel's replies per address per
            -- hour; the reason is in last_error), and keep what an email reply needs: the tracking number for its
            -- subject, the answered mail's subject and References. SQLite cannot change a CHECK in place, so the
            -- table is copied.
            CREATE TABLE replies_v9 (
                id INTEGER PRIMARY KEY AUTOINCREMENT,
                channel_id TEXT NOT NULL,
                journal_id INTEGER NOT NULL,
                complaint_id TEXT,
                recipient TEXT NOT NULL,
                recipient_kind TEXT NOT NULL,
                in_reply_to TEXT,
                text TEXT NOT NULL,
                kind TEXT NOT NULL,
                idempotency_key TEXT NOT NULL UNIQUE,
                status TEXT NOT NULL CHECK (status IN ('pending', 'sent', 'failed', 'inline', 'suppressed')),
                attempts INTEGER NOT NULL DEFAULT 0,
                next_attempt_at REAL NOT NULL,
                last_error TEXT,
                provider_message_id TEXT,
                delivery_status TEXT,
                delivery_error TEXT,
                delivery_updated_at REAL,
                created_at REAL NOT NULL,
                sent_at REAL,
                tracking_number TEXT,
                subject TEXT,
                thread_references TEXT
            );
            INSERT INTO replies_v9 (id, channel_id, journal_id, complaint_id, recipient, recipient_kind, in_reply_to, text, kind,
                                    idempotency_key, status, attempts, next_attempt_at, last_error, provider_message_id,
                                    delivery_status, delivery_error, delivery_updated_at, created_at, sent_at)
                SELECT id, channel_id, journal_id, complaint_id, recipient, recipient_kind, in_reply_to, text, kind,
                       idempotency_key, status, attempts, next_attempt_at, last_error, provider_message_id,
                       delivery_status, delivery_error, delivery_updated_at, created_at, sent_at
                FROM replies;
            DROP TABLE replies;
            ALTER TABLE replies_v9 RENAME TO replies;
            CREATE INDEX replies_due ON replies (channel_id, next_attempt_at) WHERE status = 'pending';
            CREATE INDEX replies_status ON replies (status, id);
            CREATE INDEX replies_provider ON replies (provider_message_id) WHERE provider_message_id IS NOT NULL;
            -- Counting one address's recent replies for replies_per_address_per_hour.
            CREATE INDEX replies_recipient ON replies (channel_id, recipient, created_at);
            """),
        Migration(version: 11, name: "replies carried for another channel: their language", sql: """
            -- A reply one channel sends for another (a web form's contact acknowledged by a mailbox's SMTP) is in
            -- the citizen's language, which may not be the sending channel's; NULL: the sending channel's.
            ALTER TABLE replies ADD COLUMN language TEXT;
            """),
        Migration(version: 12, name: "journal entries by provider message id", sql: """
            -- A poller that reads posts again (a restarted burst) drops those already journaled: found by this index.
            CREATE INDEX journal_external ON journal (channel_id, external_id);
            """),
        Migration(version: 13, name: "near-duplicate features: the reading they were computed by", sql: """
            -- FeatureExtractor.version of the reading that computed a row's features; rows of an older reading
            -- are computed again from their complaint's text when the index loads.
            ALTER TABLE dedup_features ADD COLUMN version INTEGER NOT NULL DEFAULT 1;
            """),
    ]
}
