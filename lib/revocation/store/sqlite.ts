import type { DatabaseSync, StatementSync } from 'node:sqlite';
import type { BackendListener, HealthPhase, RevocationBackend, UserRevocation } from '../types';
import { healthOf } from './health';
import { createRetention } from './retention';
import * as rows from './rows';

export interface SqliteBackendOptions {
  db: DatabaseSync;
  /** The retention (store/retention.ts): only for user revocations stored before they carried an expiry. */
  retentionMs: number;
  /**
   * How often to look for rows written by OTHER processes sharing the file. In-process revocations reach the
   * mirror at once; this only bounds cross-process delay. 0 disables polling (single process).
   */
  pollIntervalMs?: number;
  purgeIntervalMs?: number;
  now?: () => number;
}

/** A poller's position in one table: the highest rowid it has passed. */
interface Cursor {
  after: number;
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
  const revocationCursor: Cursor = { after: 0 };
  const userCursor: Cursor = { after: 0 };
  let pollTimer: ReturnType<typeof setInterval> | null = null;
  let purgeTimer: ReturnType<typeof setInterval> | null = null;
  let phase: HealthPhase = { phase: 'serving' };
  let closed = false;
  rows.giveUserRevocationsAnExpiry(db, createRetention(options.retentionMs));

  const statements = {
    insert: db.prepare(rows.upsertRevocationSql(true)),
    insertUser: db.prepare(rows.upsertUserSql(true)),
    newRevocations: db.prepare(
      `SELECT rowid AS rid, * FROM revocations WHERE rowid > ? AND rowid <= ? AND expires_at > ?
       ORDER BY rowid LIMIT ${BATCH}`,
    ),
    maxRevocation: db.prepare(`SELECT coalesce(max(rowid), 0) AS rid FROM revocations`),
    newUsers: db.prepare(
      `SELECT rowid AS rid, * FROM revoked_users WHERE rowid > ? AND rowid <= ? AND expires_at > ?
       ORDER BY rowid LIMIT ${BATCH}`,
    ),
    maxUser: db.prepare(`SELECT coalesce(max(rowid), 0) AS rid FROM revoked_users`),
    purge: db.prepare(
      `DELETE FROM revocations WHERE expires_at <= ? AND rowid < (SELECT max(rowid) FROM revocations)`,
    ),
    purgeUsers: db.prepare(
      `DELETE FROM revoked_users WHERE expires_at <= ? AND rowid < (SELECT max(rowid) FROM revoked_users)`,
    ),
  } satisfies Record<string, StatementSync>;

  /**
   * Hands each row of one table above the cursor and still live (`select`'s third parameter) to `deliver`, a batch
   * at a time; the cursor passes a row before it is delivered.
   *
   * IMPORTANT: the upper bound (max rowid) is read FIRST and only rows up to it are read, and the cursor moves to
   * exactly that bound. Reading rows first and max(rowid) afterwards (two separate autocommit reads) would skip for
   * good a row another process commits in between. A row committed after the bound was read gets a higher rowid
   * (writers are serialized and the highest row is never purged), so the next poll finds it.
   */
  const drainTable = <Row>(
    cursor: Cursor,
    select: StatementSync,
    max: StatementSync,
    liveAfter: number,
    deliver: (row: Row) => void,
  ): void => {
    const bound = (max.get() as { rid: number }).rid;
    if (bound <= cursor.after) return;
    for (;;) {
      const batch = select.all(cursor.after, bound, liveAfter) as unknown as (Row & { rid: number })[];
      for (const row of batch) {
        cursor.after = row.rid;
        deliver(row);
      }
      if (batch.length < BATCH) break;
    }
    // Rows skipped as expired still move the cursor on, but never past what was read.
    cursor.after = Math.max(cursor.after, bound);
  };

  /** Delivers every row above the cursors; the registry ignores ones it already holds. */
  const drain = (): void => {
    const l = listener;
    if (!l) return;
    const t = now();
    drainTable<rows.RevocationRow>(revocationCursor, statements.newRevocations, statements.maxRevocation, t, (row) =>
      l.onRecord(rows.recordFromRow(row)),
    );
    drainTable<rows.UserRow>(userCursor, statements.newUsers, statements.maxUser, t, (row) =>
      l.onUserRevoked(rows.userRevocationFromRow(row)),
    );
  };

  const enter = (next: HealthPhase): void => {
    phase = next;
    listener?.onStatus?.(healthOf('sqlite', phase));
  };

  const guarded = (what: string, fn: () => void) => () => {
    if (closed) return;
    try {
      fn();
      if (phase.phase === 'failing') enter({ phase: 'serving' });
    } catch (error) {
      enter({ phase: 'failing', error: `${what} failed: ${error instanceof Error ? error.message : String(error)}` });
    }
  };

  const purge = (): void => {
    const t = now();
    statements.purge.run(t);
    statements.purgeUsers.run(t);
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
      statements.insert.run(...rows.revocationValues(record));
    },

    async persistUser(revocation: UserRevocation) {
      statements.insertUser.run(...rows.userRevocationValues(revocation));
    },

    // The file is the set: loaded in full at start.
    knowsRevocations: () => true,

    health: () => healthOf('sqlite', phase),

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
