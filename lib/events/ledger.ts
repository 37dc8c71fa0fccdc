import { randomUUID } from 'node:crypto';
import type { DatabaseSync } from 'node:sqlite';

/**
 * The event ledger (table `event_ledger`): every WorkOS event the app acts on, whichever way it came (webhook or
 * Events API), with where it stands. It makes processing once-only, retried, and never wedged:
 *   processing  claimed by one worker until its lease ends (a crashed worker's claim is taken over after it);
 *   retry       acting failed; tried again from `next_attempt_at` (exponential backoff);
 *   processed   done;
 *   parked      malformed, or failed `maxAttempts` times: set aside with its reason and payload (dead letter),
 *               visible to operators and replayable — later events are not held up by it.
 * `payload` holds the event SEALED (lib/security/aead: it names sessions, addresses, devices) and only while it may be
 * needed again: it is dropped once the event is processed.
 * A failure that says nothing about the event (WorkOS or Redis unreachable, the registry not loaded yet) is
 * TRANSIENT: it is retried (backoff capped at 5 minutes) for about a day before it is parked — an outage must not
 * turn a password reset or an ended membership into a parked event that nobody acts on.
 */

export type LedgerStatus = 'processing' | 'retry' | 'processed' | 'parked';
export type EventChannel = 'webhook' | 'events';

export interface LedgerRow {
  event_id: string;
  event_type: string;
  status: LedgerStatus;
  channel: string;
  attempts: number;
  claim_token: string | null;
  claimed_at: number | null;
  next_attempt_at: number | null;
  updated_at: number;
  last_error: string | null;
  payload: string | null;
}

export type Claim =
  | { kind: 'claimed'; token: string; attempt: number }
  /** Done already (processed or parked): acknowledge. */
  | { kind: 'done'; status: 'processed' | 'parked' }
  /** Another worker holds it, or it is backing off: not yet, and not past it. */
  | { kind: 'busy'; retryAfterMs: number };

/** How long a claim is held before another worker may take it over (its worker crashed mid-way). */
export const CLAIM_LEASE_MS = 60_000;
export const MAX_ATTEMPTS = 5;
/** About a day of retries at the 5-minute cap. */
export const MAX_TRANSIENT_ATTEMPTS = 300;

/** Attempt n (1-based) failed: wait 2ⁿ seconds, capped at 5 minutes. */
export function retryDelayMs(attempt: number): number {
  return Math.min(300_000, 1_000 * 2 ** Math.min(attempt, 20));
}

export function readLedger(db: DatabaseSync, eventId: string): LedgerRow | null {
  return (db.prepare('SELECT * FROM event_ledger WHERE event_id = ?').get(eventId) as LedgerRow | undefined) ?? null;
}

/**
 * Takes the event for this worker, or says why not. `honorBackoff: false` lets a webhook redelivery (itself spaced
 * by WorkOS) try an event that is backing off. Every transition is one conditional write: two workers never both win.
 */
export function claimEvent(
  db: DatabaseSync,
  event: { id: string; type: string; payload: string | null },
  channel: EventChannel,
  now: number,
  { honorBackoff = true }: { honorBackoff?: boolean } = {},
): Claim {
  const token = `${process.pid}:${randomUUID()}`;
  const inserted = db
    .prepare(
      `INSERT OR IGNORE INTO event_ledger (event_id, event_type, status, channel, attempts, claim_token, claimed_at, updated_at, payload)
       VALUES (?, ?, 'processing', ?, 1, ?, ?, ?, ?)`,
    )
    .run(event.id, event.type, channel, token, now, now, event.payload);
  if (Number(inserted.changes) === 1) return { kind: 'claimed', token, attempt: 1 };

  const row = readLedger(db, event.id);
  if (!row) return { kind: 'busy', retryAfterMs: 1_000 };
  if (row.status === 'processed' || row.status === 'parked') return { kind: 'done', status: row.status };
  if (row.status === 'processing' && Number(row.claimed_at) > now - CLAIM_LEASE_MS) {
    return { kind: 'busy', retryAfterMs: Number(row.claimed_at) + CLAIM_LEASE_MS - now };
  }
  if (row.status === 'retry' && honorBackoff && Number(row.next_attempt_at) > now) {
    return { kind: 'busy', retryAfterMs: Number(row.next_attempt_at) - now };
  }
  const taken = db
    .prepare(
      `UPDATE event_ledger
          SET status = 'processing', channel = ?, attempts = attempts + 1, claim_token = ?, claimed_at = ?, updated_at = ?,
              payload = coalesce(payload, ?)
        WHERE event_id = ?
          AND ((status = 'processing' AND claimed_at <= ?) OR (status = 'retry' AND (? = 0 OR next_attempt_at <= ?)))
        RETURNING attempts`,
    )
    .get(channel, token, now, now, event.payload, event.id, now - CLAIM_LEASE_MS, honorBackoff ? 1 : 0, now) as
    | { attempts: number }
    | undefined;
  return taken ? { kind: 'claimed', token, attempt: Number(taken.attempts) } : { kind: 'busy', retryAfterMs: 1_000 };
}

/** Acting succeeded. False when the claim was taken over meanwhile (the taker finishes it). */
export function completeEvent(db: DatabaseSync, eventId: string, token: string, now: number): boolean {
  const done = db
    .prepare(
      `UPDATE event_ledger SET status = 'processed', claim_token = NULL, updated_at = ?, last_error = NULL, payload = NULL
        WHERE event_id = ? AND claim_token = ?`,
    )
    .run(now, eventId, token);
  return Number(done.changes) === 1;
}

/** Acting failed: retry later, or park after the last attempt. Returns the new status (null: claim lost). */
export function failEvent(
  db: DatabaseSync,
  eventId: string,
  token: string,
  error: string,
  now: number,
  { maxAttempts = MAX_ATTEMPTS, transient = false }: { maxAttempts?: number; transient?: boolean } = {},
): { status: 'retry'; retryAfterMs: number } | { status: 'parked' } | null {
  const row = db.prepare('SELECT attempts FROM event_ledger WHERE event_id = ? AND claim_token = ?').get(eventId, token) as
    | { attempts: number }
    | undefined;
  if (!row) return null;
  const attempts = Number(row.attempts);
  if (attempts >= (transient ? Math.max(maxAttempts, MAX_TRANSIENT_ATTEMPTS) : maxAttempts)) {
    parkClaimed(db, eventId, token, `failed ${attempts} times: ${error}`, now);
    return { status: 'parked' };
  }
  const delay = retryDelayMs(attempts);
  db.prepare(
    `UPDATE event_ledger SET status = 'retry', claim_token = NULL, next_attempt_at = ?, updated_at = ?, last_error = ?
      WHERE event_id = ? AND claim_token = ?`,
  ).run(now + delay, now, error.slice(0, 1_000), eventId, token);
  return { status: 'retry', retryAfterMs: delay };
}

function parkClaimed(db: DatabaseSync, eventId: string, token: string, reason: string, now: number): void {
  db.prepare(
    `UPDATE event_ledger SET status = 'parked', claim_token = NULL, updated_at = ?, last_error = ?
      WHERE event_id = ? AND claim_token = ?`,
  ).run(now, reason.slice(0, 1_000), eventId, token);
}

/** Sets aside an event that can never be acted on (malformed), with its reason and whatever payload there is. */
export function parkEvent(
  db: DatabaseSync,
  event: { id: string; type: string; payload: string | null },
  channel: EventChannel,
  reason: string,
  now: number,
): void {
  db.prepare(
    `INSERT INTO event_ledger (event_id, event_type, status, channel, attempts, updated_at, last_error, payload)
     VALUES (?, ?, 'parked', ?, 0, ?, ?, ?)
     ON CONFLICT (event_id) DO UPDATE SET status = 'parked', claim_token = NULL, updated_at = excluded.updated_at,
       last_error = excluded.last_error, payload = coalesce(event_ledger.payload, excluded.payload)
     WHERE event_ledger.status <> 'processed'`,
  ).run(event.id, event.type, channel, now, reason.slice(0, 1_000), event.payload);
}

export interface ParkedEvent {
  eventId: string;
  type: string;
  attempts: number;
  reason: string | null;
  parkedAt: number;
  replayable: boolean;
}

export function listParked(db: DatabaseSync, limit = 50): ParkedEvent[] {
  const rows = db
    .prepare(`SELECT * FROM event_ledger WHERE status = 'parked' ORDER BY updated_at DESC LIMIT ?`)
    .all(limit) as unknown as LedgerRow[];
  return rows.map((row) => ({
    eventId: row.event_id,
    type: row.event_type,
    attempts: Number(row.attempts),
    reason: row.last_error,
    parkedAt: Number(row.updated_at),
    replayable: row.payload !== null,
  }));
}

/** Counts by status, for operators. */
export function ledgerCounts(db: DatabaseSync): Record<LedgerStatus, number> {
  const counts: Record<LedgerStatus, number> = { processing: 0, retry: 0, processed: 0, parked: 0 };
  for (const row of db.prepare('SELECT status, COUNT(*) AS n FROM event_ledger GROUP BY status').all() as { status: LedgerStatus; n: number }[]) {
    counts[row.status] = Number(row.n);
  }
  return counts;
}

/** Takes a parked (or retrying) event back for one more try: its payload, or null when there is nothing to replay. */
export function unparkForReplay(db: DatabaseSync, eventId: string, now: number): string | null {
  const row = db
    .prepare(
      `UPDATE event_ledger SET status = 'retry', attempts = 0, next_attempt_at = 0, updated_at = ?
        WHERE event_id = ? AND status IN ('parked', 'retry') AND payload IS NOT NULL
        RETURNING payload`,
    )
    .get(now, eventId) as { payload: string } | undefined;
  return row?.payload ?? null;
}

export interface DueEvent {
  eventId: string;
  type: string;
  channel: EventChannel;
  /** Sealed, as kept; null only for rows written before payloads were kept. */
  payload: string | null;
}

/**
 * Events the retrier owes another try: a retry that is due, or a claim whose worker died (its lease is over). The
 * channels never wait for these: the ledger holds them, with their payload, until they are processed or parked.
 */
export function dueForRetry(db: DatabaseSync, now: number, limit: number): DueEvent[] {
  const rows = db
    .prepare(
      `SELECT event_id, event_type, channel, payload FROM event_ledger
        WHERE (status = 'retry' AND next_attempt_at <= ?) OR (status = 'processing' AND claimed_at <= ?)
        ORDER BY coalesce(next_attempt_at, claimed_at) LIMIT ?`,
    )
    .all(now, now - CLAIM_LEASE_MS, limit) as { event_id: string; event_type: string; channel: string; payload: string | null }[];
  return rows.map((row) => ({
    eventId: row.event_id,
    type: row.event_type,
    channel: row.channel === 'webhook' ? 'webhook' : 'events',
    payload: row.payload,
  }));
}

export interface RetryingEvent {
  eventId: string;
  type: string;
  attempts: number;
  lastError: string | null;
  nextAttemptAt: number | null;
}

/** Events waiting for another try, for operators (an outage shows here before anything is parked). */
export function listRetrying(db: DatabaseSync, limit = 50): RetryingEvent[] {
  const rows = db
    .prepare(`SELECT * FROM event_ledger WHERE status = 'retry' ORDER BY next_attempt_at LIMIT ?`)
    .all(limit) as unknown as LedgerRow[];
  return rows.map((row) => ({
    eventId: row.event_id,
    type: row.event_type,
    attempts: Number(row.attempts),
    lastError: row.last_error,
    nextAttemptAt: row.next_attempt_at === null ? null : Number(row.next_attempt_at),
  }));
}

export function isProcessed(db: DatabaseSync, eventId: string): boolean {
  return readLedger(db, eventId)?.status === 'processed';
}
