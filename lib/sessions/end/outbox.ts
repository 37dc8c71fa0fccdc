import { randomUUID } from 'node:crypto';
import type { DatabaseSync } from 'node:sqlite';

/**
 * The WorkOS outbox: sessions locked out here whose end WorkOS has not confirmed yet (it failed, or did not answer
 * in time). The worker (confirmer.ts) asks WorkOS again, with backoff and jitter, until it confirms or answers 404.
 * Entries are claimed with a lease, so several processes (or instances, with the Redis outbox) can drain one outbox
 * without asking WorkOS twice at once, and one that crashes mid-way gives its entries back when the lease ends.
 * IMPORTANT: WorkOS needs the raw session id, which is never stored: entries hold it sealed (iron seal with
 * WORKOS_COOKIE_PASSWORD), like the session cookie itself.
 */

export interface NewOutboxEntry {
  sessionHash: string;
  sealedSessionId: string;
  userId: string;
  reason: string;
  lastError: string | null;
}

export interface OutboxEntry extends NewOutboxEntry {
  enqueuedAt: number;
  attempts: number;
  nextAttemptAt: number;
}

/** An entry this worker holds until `leaseUntil`; only the holder may settle it. */
export interface ClaimedEntry extends OutboxEntry {
  leaseToken: string;
}

export interface OutboxStats {
  pending: number;
  oldestEnqueuedAt: number | null;
  mostAttempts: number;
}

/** What a drain does with a claimed entry before asking WorkOS (see layeredOutbox). */
export type Triage = 'attempt' | 'confirmed_elsewhere' | 'postponed';

export interface WorkosOutbox {
  readonly kind: 'sqlite' | 'redis';
  /**
   * Queues a session, due at `dueAt` (default: at once). A session already queued keeps its place, attempts and
   * first error.
   */
  add(entry: NewOutboxEntry, options?: { dueAt?: number }): Promise<void>;
  has(sessionHash: string): Promise<boolean>;
  /** Removes a session (WorkOS confirmed it through another path). */
  remove(sessionHash: string): Promise<void>;
  /** Up to `limit` due entries, leased to the caller until `now + leaseMs`. */
  claim(now: number, limit: number, leaseMs: number): Promise<ClaimedEntry[]>;
  /** WorkOS confirmed: the entry goes. False when the lease was lost meanwhile. */
  settle(entry: ClaimedEntry): Promise<boolean>;
  /** WorkOS failed again: try at `nextAttemptAt`. False when the lease was lost meanwhile (nothing changed). */
  retryLater(entry: ClaimedEntry, nextAttemptAt: number, error: string): Promise<boolean>;
  /** Optional: decides, before WorkOS is asked, whether this claimed entry is this drain's to attempt now. */
  triage?(entry: ClaimedEntry, now: number): Promise<Triage>;
  /** Session hashes of the user's queued entries (the security page says "WorkOS has not confirmed yet"). */
  pendingFor(userId: string): Promise<Set<string>>;
  stats(): Promise<OutboxStats>;
}

interface Row {
  session_hash: string;
  sealed_session_id: string;
  user_id: string;
  reason: string;
  enqueued_at: number;
  attempts: number;
  next_attempt_at: number;
  last_error: string | null;
  lease_token: string | null;
}

function entryOf(row: Row): OutboxEntry {
  return {
    sessionHash: row.session_hash,
    sealedSessionId: row.sealed_session_id,
    userId: row.user_id,
    reason: row.reason,
    enqueuedAt: Number(row.enqueued_at),
    attempts: Number(row.attempts),
    nextAttemptAt: Number(row.next_attempt_at),
    lastError: row.last_error,
  };
}

/** This instance's outbox: it can also put a claimed entry back for later without counting an attempt. */
export interface LocalOutbox extends WorkosOutbox {
  postpone(entry: ClaimedEntry, until: number): Promise<void>;
}

/** The shared outbox (Redis): it can also say what became of a session it was given. */
export interface SharedOutbox extends WorkosOutbox {
  /** `settled`: WorkOS confirmed it (a tombstone, kept for days); `unknown`: never queued there, or lost. */
  status(sessionHash: string): Promise<'queued' | 'settled' | 'unknown'>;
}

/** The outbox in the embedded database (table `workos_outbox`, lib/db/schema.ts). Safe across processes. */
export function createSqliteOutbox(db: DatabaseSync, { now = Date.now }: { now?: () => number } = {}): LocalOutbox {
  const add = db.prepare(
    `INSERT INTO workos_outbox (session_hash, sealed_session_id, user_id, reason, enqueued_at, attempts, next_attempt_at, last_error)
     VALUES (?, ?, ?, ?, ?, 0, ?, ?)
     ON CONFLICT (session_hash) DO NOTHING`,
  );
  const claimOne = db.prepare(
    `UPDATE workos_outbox SET lease_token = ?, lease_until = ?
      WHERE session_hash = ? AND next_attempt_at <= ? AND lease_until <= ?
      RETURNING *`,
  );
  const due = db.prepare(
    `SELECT session_hash FROM workos_outbox WHERE next_attempt_at <= ? AND lease_until <= ?
      ORDER BY next_attempt_at LIMIT ?`,
  );
  return {
    kind: 'sqlite',
    async add(entry, options) {
      const t = now();
      add.run(entry.sessionHash, entry.sealedSessionId, entry.userId, entry.reason, t, options?.dueAt ?? t, entry.lastError);
    },
    async has(sessionHash) {
      return db.prepare('SELECT 1 FROM workos_outbox WHERE session_hash = ?').get(sessionHash) !== undefined;
    },
    async remove(sessionHash) {
      db.prepare('DELETE FROM workos_outbox WHERE session_hash = ?').run(sessionHash);
    },
    async claim(at, limit, leaseMs) {
      const claimed: ClaimedEntry[] = [];
      // Each row is taken by a conditional UPDATE, so two processes never hold the same entry.
      for (const { session_hash } of due.all(at, at, limit) as { session_hash: string }[]) {
        const token = randomUUID();
        const row = claimOne.get(token, at + leaseMs, session_hash, at, at) as Row | undefined;
        if (row) claimed.push({ ...entryOf(row), leaseToken: token });
      }
      return claimed;
    },
    async settle(entry) {
      const result = db
        .prepare('DELETE FROM workos_outbox WHERE session_hash = ? AND lease_token = ?')
        .run(entry.sessionHash, entry.leaseToken);
      return Number(result.changes) === 1;
    },
    async retryLater(entry, nextAttemptAt, error) {
      const result = db
        .prepare(
          `UPDATE workos_outbox SET attempts = attempts + 1, next_attempt_at = ?, last_error = ?, lease_token = NULL, lease_until = 0
            WHERE session_hash = ? AND lease_token = ?`,
        )
        .run(nextAttemptAt, error.slice(0, 500), entry.sessionHash, entry.leaseToken);
      return Number(result.changes) === 1;
    },
    async postpone(entry, until) {
      db.prepare(
        `UPDATE workos_outbox SET next_attempt_at = ?, lease_token = NULL, lease_until = 0 WHERE session_hash = ? AND lease_token = ?`,
      ).run(until, entry.sessionHash, entry.leaseToken);
    },
    async pendingFor(userId) {
      const rows = db.prepare('SELECT session_hash FROM workos_outbox WHERE user_id = ?').all(userId) as { session_hash: string }[];
      return new Set(rows.map((r) => r.session_hash));
    },
    async stats() {
      const row = db
        .prepare('SELECT COUNT(*) AS n, MIN(enqueued_at) AS oldest, MAX(attempts) AS most FROM workos_outbox')
        .get() as { n: number; oldest: number | null; most: number | null };
      return { pending: Number(row.n), oldestEnqueuedAt: row.oldest === null ? null : Number(row.oldest), mostAttempts: Number(row.most ?? 0) };
    },
  };
}

/**
 * With several instances (REDIS_URL). Every owed end is written to BOTH outboxes:
 *   - the shared one, so whichever instance is up asks WorkOS (an instance gone for good leaves nothing owed);
 *   - this instance's own, as its journal: Redis may restart empty, fail over to a replica that is behind, or be
 *     unreachable when the end is recorded, and an owed end must survive all of these.
 * The journal is drained by `triage` first: an entry the shared outbox still holds is postponed (no second caller
 * at WorkOS); one it settled is confirmed here too (this instance marks its own activity line); one it does not
 * know (lost, or never reached it) is given to it again. Only while Redis is unreachable does this instance ask
 * WorkOS for its journal's entries itself. A settled entry that Redis forgot costs one more, harmless, WorkOS call.
 */
export function layeredOutbox(
  shared: SharedOutbox,
  local: LocalOutbox,
  log: (message: string) => void,
  { recheckMs = 10_000, now = Date.now }: { recheckMs?: number; now?: () => number } = {},
): { outbox: WorkosOutbox; drained: WorkosOutbox[] } {
  const quiet = <T>(fallback: T) => () => fallback;
  const outbox: WorkosOutbox = {
    kind: shared.kind,
    async add(entry) {
      let mirrored = true;
      try {
        await shared.add(entry);
      } catch (error) {
        mirrored = false;
        log(`shared outbox unwritable, this instance asks WorkOS itself: ${error instanceof Error ? error.message : String(error)}`);
      }
      await local.add(entry, mirrored ? { dueAt: now() + recheckMs } : undefined);
    },
    async has(sessionHash) {
      if (await local.has(sessionHash)) return true;
      return shared.has(sessionHash).catch(quiet(false));
    },
    async remove(sessionHash) {
      await Promise.allSettled([shared.remove(sessionHash), local.remove(sessionHash)]);
    },
    claim: (at, limit, leaseMs) => shared.claim(at, limit, leaseMs),
    settle: (entry) => shared.settle(entry),
    retryLater: (entry, next, error) => shared.retryLater(entry, next, error),
    async pendingFor(userId) {
      const [mine, theirs] = await Promise.all([local.pendingFor(userId), shared.pendingFor(userId).catch(quiet(new Set<string>()))]);
      return new Set([...mine, ...theirs]);
    },
    async stats() {
      const [a, b] = await Promise.all([local.stats(), shared.stats().catch(quiet({ pending: 0, oldestEnqueuedAt: null, mostAttempts: 0 }))]);
      const oldest = [a.oldestEnqueuedAt, b.oldestEnqueuedAt].filter((v): v is number => v !== null);
      return {
        pending: Math.max(a.pending, b.pending),
        oldestEnqueuedAt: oldest.length ? Math.min(...oldest) : null,
        mostAttempts: Math.max(a.mostAttempts, b.mostAttempts),
      };
    },
  };
  const sharedDrain: WorkosOutbox = {
    ...shared,
    async settle(entry) {
      const settled = await shared.settle(entry);
      if (settled) await local.remove(entry.sessionHash).catch(quiet(undefined));
      return settled;
    },
  };
  const journal: WorkosOutbox = {
    ...local,
    async triage(entry, at) {
      let state: 'queued' | 'settled' | 'unknown';
      try {
        state = await shared.status(entry.sessionHash);
      } catch {
        return 'attempt';
      }
      if (state === 'settled') return 'confirmed_elsewhere';
      if (state === 'unknown') {
        const { sessionHash, sealedSessionId, userId, reason, lastError } = entry;
        try {
          await shared.add({ sessionHash, sealedSessionId, userId, reason, lastError });
          log(`session ${entry.sessionHash} was owed to WorkOS but missing from the shared outbox: queued there again`);
        } catch {
          return 'attempt';
        }
      }
      await local.postpone(entry, at + recheckMs);
      return 'postponed';
    },
  };
  return { outbox, drained: [sharedDrain, journal] };
}
