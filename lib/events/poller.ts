import type { DatabaseSync } from 'node:sqlite';
import type { ListedEvent } from '@/lib/workos/core';
import type { WorkosEvent } from '@/lib/workos/types';
import { TimerLoop } from './loop';
import type { ProcessOutcome } from './process-event';

/**
 * Events API sync: one loop per server process asks WorkOS for new events after a persisted cursor and hands each
 * one, in order, to processEvent (the same once-only path as webhooks, through the event ledger).
 *
 * - The cursor (`cursors` row `workos_events`) moves past an event once the ledger holds it: processed, parked,
 *   ignored, or kept (with its payload) for another try that the ledger's retrier (retrier.ts) owns. So an event
 *   whose handling fails — an outage, for however long — never holds later ones up, and is never dropped.
 * - Each event is mapped on its own: a malformed one is parked with its reason and passed.
 * - With no cursor yet, the first start begins at "now" (`range_start`) instead of replaying WorkOS's 30 days of
 *   history: those revocations predate this deployment and the sessions they name are long gone or already
 *   refused at refresh. That starting point is persisted at once, so events between polls are never skipped.
 */

export const CURSOR_NAME = 'workos_events';

export interface EventsSource {
  listEvents(opts: { events: string[]; after?: string; rangeStart?: string; limit?: number }): Promise<{
    data: ListedEvent[];
    after: string | null;
  }>;
}

export type Cursor = { after: string } | { rangeStart: string };

export interface PollerOptions {
  db: DatabaseSync;
  source: EventsSource;
  process(event: WorkosEvent): Promise<ProcessOutcome>;
  /** Sets aside an event that could not even be read, with its reason (it never holds later events up). */
  park(event: { id: string; type: string; payload: string }, reason: string): void;
  events: readonly string[];
  /**
   * False while this instance cannot act on events (it has never loaded the revocation set): the round is skipped
   * rather than failing every event it reads.
   */
  canProcess?: () => Promise<boolean>;
  intervalMs: number;
  /** Upper bound for the backoff after consecutive errors. */
  maxBackoffMs?: number;
  pageSize?: number;
  now?: () => number;
  random?: () => number;
  log?: (level: 'info' | 'warn' | 'error', message: string, detail?: Record<string, unknown>) => void;
}

export function readCursor(db: DatabaseSync): Cursor | null {
  const row = db.prepare('SELECT value FROM cursors WHERE name = ?').get(CURSOR_NAME) as { value: string | null } | undefined;
  if (!row?.value) return null;
  try {
    const parsed = JSON.parse(row.value) as Partial<{ after: unknown; rangeStart: unknown }>;
    if (typeof parsed.after === 'string' && parsed.after) return { after: parsed.after };
    if (typeof parsed.rangeStart === 'string' && parsed.rangeStart) return { rangeStart: parsed.rangeStart };
  } catch {
    // An unreadable cursor is treated as none.
  }
  return null;
}

export function writeCursor(db: DatabaseSync, cursor: Cursor, now: number): void {
  db.prepare(
    `INSERT INTO cursors (name, value, updated_at) VALUES (?, ?, ?)
     ON CONFLICT(name) DO UPDATE SET value = excluded.value, updated_at = excluded.updated_at`,
  ).run(CURSOR_NAME, JSON.stringify(cursor), now);
}

/** Delay before the next poll: the interval when healthy; exponential with "equal jitter" after failures. */
export function nextDelay(intervalMs: number, failures: number, maxBackoffMs: number, random: () => number): number {
  if (failures <= 0) return intervalMs;
  const ceiling = Math.min(maxBackoffMs, intervalMs * 2 ** Math.min(failures, 20));
  const half = ceiling / 2;
  return Math.round(half + random() * half);
}

export class EventsPoller {
  private readonly options: Required<Omit<PollerOptions, 'log' | 'canProcess'>> & Pick<PollerOptions, 'log' | 'canProcess'>;
  private readonly loop = new TimerLoop(() => this.tick());
  private failures = 0;

  constructor(options: PollerOptions) {
    this.options = {
      maxBackoffMs: Math.max(options.intervalMs, 60_000),
      pageSize: 100,
      now: Date.now,
      random: Math.random,
      ...options,
    };
  }

  get consecutiveFailures(): number {
    return this.failures;
  }

  /** Starts polling at once, then every interval (backing off after errors). Idempotent. */
  start(): void {
    this.loop.start();
  }

  /** Stops scheduling and waits for a poll in progress to finish. */
  stop(): Promise<void> {
    return this.loop.stop();
  }

  /** One poll; resolves with the delay before the next. */
  private async tick(): Promise<number> {
    if (this.options.canProcess && !(await this.options.canProcess().catch(() => false))) {
      return this.options.intervalMs;
    }
    try {
      await this.pollOnce();
      this.failures = 0;
    } catch (error) {
      this.failures++;
      this.options.log?.('warn', 'events poll failed; backing off', {
        failures: this.failures,
        error: error instanceof Error ? error.message : String(error),
      });
    }
    return nextDelay(this.options.intervalMs, this.failures, this.options.maxBackoffMs, this.options.random);
  }

  /**
   * One round: fetch pages after the cursor until WorkOS has nothing newer, handing every event to the ledger in
   * order. Resolves with the number of events passed; rejects when WorkOS cannot be read (the cursor stays).
   */
  async pollOnce(): Promise<number> {
    const { db, source, events, pageSize, now } = this.options;
    let cursor = readCursor(db);
    if (!cursor) {
      cursor = { rangeStart: new Date(now()).toISOString() };
      writeCursor(db, cursor, now());
    }
    let seen = 0;
    // Bounded so one round cannot spin forever against a misbehaving API; the next round carries on.
    // A round in progress finishes its current page when stop() is called.
    for (let page = 0; page < 50 && !(page > 0 && this.loop.stopRequested); page++) {
      const result = await source.listEvents({
        events: [...events],
        limit: pageSize,
        ...('after' in cursor ? { after: cursor.after } : { rangeStart: cursor.rangeStart }),
      });
      for (const listed of result.data) {
        const id = listed.ok ? listed.event.id : listed.id;
        await this.settle(listed);
        seen++;
        cursor = { after: id };
        writeCursor(db, cursor, now());
      }
      // The last event's id is the cursor for the next page (WorkOS's list_metadata.after names the same event).
      if (result.data.length < pageSize) break;
    }
    return seen;
  }

  /** Resolves once the ledger holds the event (processed, parked, ignored, duplicate, or kept for a retry). */
  private async settle(listed: ListedEvent): Promise<void> {
    if (!listed.ok) {
      this.options.park({ id: listed.id, type: listed.type, payload: listed.payload }, `could not be read: ${listed.reason}`);
      this.options.log?.('error', 'parked an event that could not be read', { eventId: listed.id, type: listed.type, reason: listed.reason });
      return;
    }
    const outcome = await this.options.process(listed.event);
    if (outcome.status === 'pending') {
      this.options.log?.('warn', 'passed an event the ledger keeps for another try', { eventId: listed.event.id, why: outcome.reason });
    }
  }
}
