import type { DatabaseSync, StatementSync } from 'node:sqlite';
import type {
  BackendHealth,
  BackendListener,
  RevocationBackend,
  RevocationReason,
  RevocationRecord,
  RevocationSource,
  ActorType,
  UserRevocation,
} from './types';

export interface SqliteBackendOptions {
  db: DatabaseSync;
  /** User-wide revocations are kept this long (session rows carry their own `expires_at`). */
  retentionMs: number;
  /**
   * How often to look for rows written by OTHER processes sharing the file. In-process revocations reach the
   * mirror at once; this only bounds cross-process delay. 0 disables polling (single process).
   */
  pollIntervalMs?: number;
  purgeIntervalMs?: number;
  now?: () => number;
}

interface RevocationRow {
  rid: number;
  session_hash: string;
  user_id: string;
  revoked_at: number;
  expires_at: number;
  actor_type: string;
  actor_id: string | null;
  actor_session_hash: string | null;
  reason: string;
  source: string;
}

interface UserRow {
  rid: number;
  user_id: string;
  revoked_at: number;
  reason: string;
  source: string;
}

const BATCH = 1000;

/**
 * Revocations in the embedded database. Delivery to other processes on the same file is by polling for rows
 * whose rowid is above the last one seen: an indexed range scan that returns nothing almost always.
 * IMPORTANT: purging never deletes the row with the highest rowid, so SQLite never hands out a rowid at or
 * below one a poller has already passed (without AUTOINCREMENT it reuses max(rowid)+1).
 */
export interface SqliteBackend extends RevocationBackend {
  /** Look for other processes' rows now (tests, and the registry after a wake-up). */
  pollNow(): void;
  /** Delete expired rows now. */
  purgeNow(): void;
}

export function createSqliteBackend(options: SqliteBackendOptions): SqliteBackend {
  const { db } = options;
  const now = options.now ?? Date.now;
  let listener: BackendListener | null = null;
  let lastRevocation = 0;
  let lastUser = 0;
  let pollTimer: ReturnType<typeof setInterval> | null = null;
  let purgeTimer: ReturnType<typeof setInterval> | null = null;
  let lastError: string | null = null;
  let closed = false;

  const statements = {
    insert: db.prepare(
      `INSERT INTO revocations (session_hash, user_id, revoked_at, expires_at, actor_type, actor_id,
         actor_session_hash, reason, source)
       VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?) ON CONFLICT (session_hash) DO NOTHING`,
    ),
    insertUser: db.prepare(
      `INSERT INTO revoked_users (user_id, revoked_at, reason, source) VALUES (?, ?, ?, ?)
       ON CONFLICT (user_id) DO NOTHING`,
    ),
    newRevocations: db.prepare(
      `SELECT rowid AS rid, * FROM revocations WHERE rowid > ? AND expires_at > ? ORDER BY rowid LIMIT ${BATCH}`,
    ),
    maxRevocation: db.prepare(`SELECT coalesce(max(rowid), 0) AS rid FROM revocations`),
    newUsers: db.prepare(
      `SELECT rowid AS rid, * FROM revoked_users WHERE rowid > ? AND revoked_at > ? ORDER BY rowid LIMIT ${BATCH}`,
    ),
    maxUser: db.prepare(`SELECT coalesce(max(rowid), 0) AS rid FROM revoked_users`),
    purge: db.prepare(
      `DELETE FROM revocations WHERE expires_at <= ? AND rowid < (SELECT max(rowid) FROM revocations)`,
    ),
    purgeUsers: db.prepare(
      `DELETE FROM revoked_users WHERE revoked_at <= ? AND rowid < (SELECT max(rowid) FROM revoked_users)`,
    ),
  } satisfies Record<string, StatementSync>;

  const toRecord = (row: RevocationRow): RevocationRecord => ({
    sessionHash: row.session_hash,
    userId: row.user_id,
    revokedAt: row.revoked_at,
    expiresAt: row.expires_at,
    reason: row.reason as RevocationReason,
    source: row.source as RevocationSource,
    actor: { type: row.actor_type as ActorType, id: row.actor_id, sessionHash: row.actor_session_hash },
    note: null,
  });

  /** Delivers every row above the cursors; the registry ignores ones it already holds. */
  const drain = (): void => {
    if (!listener) return;
    const t = now();
    for (;;) {
      const rows = statements.newRevocations.all(lastRevocation, t) as unknown as RevocationRow[];
      for (const row of rows) {
        lastRevocation = row.rid;
        listener.onRecord(toRecord(row));
      }
      if (rows.length < BATCH) break;
    }
    // Rows skipped as expired still move the cursor on.
    lastRevocation = Math.max(lastRevocation, (statements.maxRevocation.get() as { rid: number }).rid);
    const userFloor = t - options.retentionMs;
    for (;;) {
      const rows = statements.newUsers.all(lastUser, userFloor) as unknown as UserRow[];
      for (const row of rows) {
        lastUser = row.rid;
        listener.onUserRevoked({
          userId: row.user_id,
          revokedAt: row.revoked_at,
          reason: row.reason as RevocationReason,
          source: row.source as RevocationSource,
        });
      }
      if (rows.length < BATCH) break;
    }
    lastUser = Math.max(lastUser, (statements.maxUser.get() as { rid: number }).rid);
  };

  const guarded = (what: string, fn: () => void) => () => {
    if (closed) return;
    try {
      fn();
      if (lastError) {
        lastError = null;
        listener?.onStatus?.({ backend: 'sqlite', status: 'ok' });
      }
    } catch (error) {
      lastError = `${what} failed: ${error instanceof Error ? error.message : String(error)}`;
      listener?.onStatus?.({ backend: 'sqlite', status: 'degraded', detail: lastError });
    }
  };

  const purge = (): void => {
    const t = now();
    statements.purge.run(t);
    statements.purgeUsers.run(t - options.retentionMs);
  };

  return {
    kind: 'sqlite',

    async start(l) {
      listener = l;
      drain(); // full load: the cursors start at 0
      const pollMs = options.pollIntervalMs ?? 500;
      if (pollMs > 0) {
        pollTimer = setInterval(guarded('poll', drain), pollMs);
        pollTimer.unref?.();
      }
      purgeTimer = setInterval(guarded('purge', purge), options.purgeIntervalMs ?? 10 * 60_000);
      purgeTimer.unref?.();
    },

    async persist(record) {
      statements.insert.run(
        record.sessionHash,
        record.userId,
        record.revokedAt,
        record.expiresAt,
        record.actor.type,
        record.actor.id,
        record.actor.sessionHash,
        record.reason,
        record.source,
      );
    },

    async persistUser(revocation: UserRevocation) {
      statements.insertUser.run(revocation.userId, revocation.revokedAt, revocation.reason, revocation.source);
    },

    health(): BackendHealth {
      return lastError ? { backend: 'sqlite', status: 'degraded', detail: lastError } : { backend: 'sqlite', status: 'ok' };
    },

    async close() {
      closed = true;
      if (pollTimer) clearInterval(pollTimer);
      if (purgeTimer) clearInterval(purgeTimer);
      listener = null;
    },

    pollNow: drain,
    purgeNow: purge,
  };
}
