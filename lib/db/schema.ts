import type { DatabaseSync } from 'node:sqlite';

/** A column added to a table that existing databases already have (SQLite has no ADD COLUMN IF NOT EXISTS). */
interface AddColumn {
  table: string;
  column: string;
  definition: string;
  /** Run once, when the column is added: fills it for the rows already there. */
  backfill?: string;
}

/**
 * The embedded database's tables. Session ids are NEVER stored raw: every `*_session_hash` column holds
 * `hashSessionId(id)` from lib/security/hash.ts. Steps are idempotent; add new ones at the end.
 */
const statements: (string | AddColumn)[] = [
  // Revocation registry (lib/revocation): one row per revoked session.
  `CREATE TABLE IF NOT EXISTS revocations (
     session_hash TEXT PRIMARY KEY,
     user_id TEXT NOT NULL,
     revoked_at INTEGER NOT NULL,          -- ms since epoch
     expires_at INTEGER NOT NULL,          -- ms; kept at least as long as a token of the session can be valid
     actor_type TEXT NOT NULL,             -- user | admin | system | workos
     actor_id TEXT,                        -- user id of the actor, when a person
     actor_session_hash TEXT,
     reason TEXT NOT NULL,
     source TEXT NOT NULL                  -- action | admin | webhook | events | refresh | policy
   )`,
  `CREATE INDEX IF NOT EXISTS revocations_expires ON revocations (expires_at)`,
  `CREATE INDEX IF NOT EXISTS revocations_user ON revocations (user_id)`,
  // Users whose every session is locked out (deleted users).
  `CREATE TABLE IF NOT EXISTS revoked_users (
     user_id TEXT PRIMARY KEY,
     revoked_at INTEGER NOT NULL,
     reason TEXT NOT NULL,
     source TEXT NOT NULL
   )`,
  // Last request seen per session (written by the proxy at most once a minute).
  `CREATE TABLE IF NOT EXISTS session_activity (
     session_hash TEXT PRIMARY KEY,
     user_id TEXT NOT NULL,
     last_active_at INTEGER NOT NULL,
     ip_address TEXT,
     user_agent TEXT
   )`,
  `CREATE INDEX IF NOT EXISTS session_activity_user ON session_activity (user_id)`,
  // Security activity / audit trail.
  `CREATE TABLE IF NOT EXISTS audit_log (
     id INTEGER PRIMARY KEY AUTOINCREMENT,
     at INTEGER NOT NULL,
     user_id TEXT NOT NULL,                -- whose account the entry belongs to
     kind TEXT NOT NULL,                   -- sign_in | session_revoked | user_locked | password_changed | ...
     actor_type TEXT NOT NULL,             -- user | admin | system | workos
     actor_id TEXT,
     actor_session_hash TEXT,
     actor_label TEXT,                     -- e.g. "Chrome on macOS"
     target_session_hash TEXT,
     target_label TEXT,                    -- e.g. "Safari on iOS"
     reason TEXT,
     ip_address TEXT,
     flagged INTEGER NOT NULL DEFAULT 0,
     details TEXT                          -- JSON
   )`,
  `CREATE INDEX IF NOT EXISTS audit_log_user_at ON audit_log (user_id, at DESC)`,
  // Once-only processing of WorkOS events (webhooks and Events API share it).
  `CREATE TABLE IF NOT EXISTS processed_events (
     event_id TEXT PRIMARY KEY,
     event_type TEXT NOT NULL,
     source TEXT NOT NULL,                 -- webhook | events
     processed_at INTEGER NOT NULL
   )`,
  // Cursors (Events API poller).
  `CREATE TABLE IF NOT EXISTS cursors (
     name TEXT PRIMARY KEY,
     value TEXT,
     updated_at INTEGER NOT NULL
   )`,
  // Devices and addresses seen per user, for "new device / new IP" hints.
  `CREATE TABLE IF NOT EXISTS known_devices (
     user_id TEXT NOT NULL,
     kind TEXT NOT NULL,                   -- ip | device
     value TEXT NOT NULL,
     first_seen_at INTEGER NOT NULL,
     PRIMARY KEY (user_id, kind, value)
   )`,
  // Revocations waiting to be published to Redis while it is unreachable (lib/revocation/store/redis/outbox.ts).
  `CREATE TABLE IF NOT EXISTS revocation_outbox (
     id INTEGER PRIMARY KEY AUTOINCREMENT,
     payload TEXT NOT NULL,
     created_at INTEGER NOT NULL
   )`,
  // Sessions locked out here whose end WorkOS has not confirmed yet (lib/sessions/end/outbox.ts), retried until it
  // does. The raw session id is needed to ask WorkOS: it is kept SEALED (iron, WORKOS_COOKIE_PASSWORD), never raw.
  `CREATE TABLE IF NOT EXISTS workos_outbox (
     session_hash TEXT PRIMARY KEY,
     sealed_session_id TEXT NOT NULL,
     user_id TEXT NOT NULL,
     reason TEXT NOT NULL,
     enqueued_at INTEGER NOT NULL,
     attempts INTEGER NOT NULL DEFAULT 0,
     next_attempt_at INTEGER NOT NULL,
     last_error TEXT,
     lease_token TEXT,                     -- the worker holding it, until lease_until (ms)
     lease_until INTEGER NOT NULL DEFAULT 0
   )`,
  `CREATE INDEX IF NOT EXISTS workos_outbox_due ON workos_outbox (next_attempt_at)`,
  `CREATE INDEX IF NOT EXISTS workos_outbox_user ON workos_outbox (user_id)`,
  // WorkOS events acted on, by either channel (lib/events/ledger.ts): once-only, retried, or parked with a reason.
  `CREATE TABLE IF NOT EXISTS event_ledger (
     event_id TEXT PRIMARY KEY,
     event_type TEXT NOT NULL,
     status TEXT NOT NULL,                 -- processing | retry | processed | parked
     channel TEXT NOT NULL,                -- webhook | events
     attempts INTEGER NOT NULL DEFAULT 0,
     claim_token TEXT,
     claimed_at INTEGER,                   -- ms; the claim's lease starts here
     next_attempt_at INTEGER,              -- ms; when a retry is due
     updated_at INTEGER NOT NULL,
     last_error TEXT,                      -- why it failed or was parked
     payload TEXT                          -- the event as received, for replay
   )`,
  `CREATE INDEX IF NOT EXISTS event_ledger_status ON event_ledger (status, updated_at)`,
  // processed_events (its predecessor) is carried over once.
  `INSERT OR IGNORE INTO event_ledger (event_id, event_type, status, channel, attempts, updated_at)
     SELECT event_id, event_type, 'processed', source, 1, processed_at FROM processed_events WHERE source NOT LIKE 'pending:%'`,
  `DELETE FROM processed_events`,
  // The organization an audit entry belongs to (the session's, the administrator's, the event's), so that an
  // administrator is shown only their organization's entries. NULL for user-level entries (a password change, a
  // deleted account) and for entries written before this column existed: neither is shown to any administrator.
  {
    table: 'audit_log',
    column: 'organization_id',
    definition: 'TEXT',
    // Entries of administrators and of membership events carried their organization in `details` already.
    backfill: `UPDATE audit_log SET organization_id = json_extract(details, '$.organizationId')
                WHERE json_valid(details) AND json_type(details, '$.organizationId') = 'text'`,
  },
  `CREATE INDEX IF NOT EXISTS audit_log_user_organization_at ON audit_log (user_id, organization_id, at DESC)`,
  // When the user last signed in from a known device or address (lib/audit): personal data is purged by this.
  {
    table: 'known_devices',
    column: 'last_seen_at',
    definition: 'INTEGER',
    backfill: 'UPDATE known_devices SET last_seen_at = first_seen_at WHERE last_seen_at IS NULL',
  },
  // The purge of personal data past its retention (lib/privacy/retention.ts).
  `CREATE INDEX IF NOT EXISTS audit_log_at ON audit_log (at)`,
  `CREATE INDEX IF NOT EXISTS session_activity_last_active ON session_activity (last_active_at)`,
  `CREATE INDEX IF NOT EXISTS known_devices_last_seen ON known_devices (last_seen_at)`,
  // A user revocation carries its own expiry (lib/revocation/store/retention.ts). Rows from before get theirs from
  // the revocation store when it starts: only it knows the configured retention.
  { table: 'revoked_users', column: 'expires_at', definition: 'INTEGER' },
  // The user's answer to "Was this you?" about a flagged sign-in (lib/sessions/was-this-you): never asked again.
  `CREATE TABLE IF NOT EXISTS sign_in_answers (
     user_id TEXT NOT NULL,
     session_hash TEXT NOT NULL,           -- the sign-in's session
     answer TEXT NOT NULL,                 -- confirmed | disowned
     answered_at INTEGER NOT NULL,
     PRIMARY KEY (user_id, session_hash)
   )`,
  `CREATE INDEX IF NOT EXISTS sign_in_answers_answered ON sign_in_answers (answered_at)`,
  // A revoked session's open page said it was told (lib/revocation/receipts): shown with the revocation's audit line.
  `CREATE TABLE IF NOT EXISTS revocation_receipts (
     session_hash TEXT PRIMARY KEY,
     user_id TEXT NOT NULL,
     revoked_at INTEGER NOT NULL,          -- ms; the revocation's time
     told_at INTEGER NOT NULL              -- ms; when its page's word came
   )`,
  `CREATE INDEX IF NOT EXISTS revocation_receipts_told ON revocation_receipts (told_at)`,
];

function hasColumn(db: DatabaseSync, table: string, column: string): boolean {
  return db.prepare('SELECT 1 FROM pragma_table_info(?) WHERE name = ?').get(table, column) !== undefined;
}

function addColumn(db: DatabaseSync, step: AddColumn): void {
  // IMMEDIATE: two processes opening the same file at once must not both see the column missing and both add it.
  db.exec('BEGIN IMMEDIATE');
  try {
    if (!hasColumn(db, step.table, step.column)) {
      db.exec(`ALTER TABLE ${step.table} ADD COLUMN ${step.column} ${step.definition}`);
      if (step.backfill) db.exec(step.backfill);
    }
    db.exec('COMMIT');
  } catch (error) {
    db.exec('ROLLBACK');
    throw error;
  }
}

export function migrate(db: DatabaseSync): void {
  for (const step of statements) {
    if (typeof step === 'string') db.exec(step);
    else addColumn(db, step);
  }
}
