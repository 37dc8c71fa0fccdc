import type { DatabaseSync } from 'node:sqlite';

/**
 * The embedded database's tables. Session ids are NEVER stored raw: every `*_session_hash` column holds
 * `hashSessionId(id)` from lib/security/hash.ts. Statements are idempotent; add new ones at the end.
 */
const statements = [
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
  // Revocations waiting to be published to Redis while it is unreachable (lib/revocation/redis-store.ts).
  `CREATE TABLE IF NOT EXISTS revocation_outbox (
     id INTEGER PRIMARY KEY AUTOINCREMENT,
     payload TEXT NOT NULL,
     created_at INTEGER NOT NULL
   )`,
];

export function migrate(db: DatabaseSync): void {
  for (const sql of statements) db.exec(sql);
}
