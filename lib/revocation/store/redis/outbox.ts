import type { DatabaseSync } from 'node:sqlite';
import { parseJson, parsePayload, type Payload } from '../codec';
import type { Retention } from '../retention';
import type { SharedRevocations } from './shared';

const BATCH = 500;

export interface OutboxHooks {
  /** A write to Redis failed; the revocation stays queued. */
  onWriteFailed(error: unknown): void;
  /** The queued count may have changed. */
  onChange(): void;
  log(level: 'error', message: string): void;
}

/**
 * Revocations on their way to Redis, in the instance's own SQLite table (`revocation_outbox`): written there
 * first (durable before anything else happens), removed once Redis has them. If Redis is unreachable the
 * revocation stays queued and is sent again — by this process or the next one on the same database.
 */
export class RevocationOutbox {
  /** Entries waiting in the table. */
  pending: number;
  private readonly db: DatabaseSync;
  private readonly shared: SharedRevocations;
  private readonly retention: Retention;
  private readonly hooks: OutboxHooks;
  /** Entries being written by `send`: a flush running meanwhile leaves them alone. */
  private readonly inFlight = new Set<number>();
  private flushing: Promise<void> | null = null;

  constructor(db: DatabaseSync, shared: SharedRevocations, retention: Retention, hooks: OutboxHooks) {
    this.db = db;
    this.shared = shared;
    this.retention = retention;
    this.hooks = hooks;
    this.pending = this.count();
  }

  /** Queues the payload durably; returns its entry for `send`. */
  enqueue(payload: Payload): number {
    const result = this.db
      .prepare('INSERT INTO revocation_outbox (payload, created_at) VALUES (?, ?)')
      .run(JSON.stringify(payload), Date.now());
    this.pending++;
    return Number(result.lastInsertRowid);
  }

  /** Writes a queued entry to Redis now; on failure it stays queued. Never throws. */
  async send(id: number, payload: Payload): Promise<void> {
    this.inFlight.add(id);
    try {
      await this.shared.write(payload);
      this.dequeue(id);
    } catch (error) {
      this.hooks.onWriteFailed(error);
    } finally {
      this.inFlight.delete(id);
      this.hooks.onChange();
    }
  }

  /** Sends every queued entry to Redis, oldest first; stops (rejects) at the first failure. One run at a time. */
  flush(): Promise<void> {
    if (this.flushing) return this.flushing;
    // Assigned before `run` can settle (it may finish synchronously when the outbox is empty).
    const flushing: Promise<void> = this.run().finally(() => {
      if (this.flushing === flushing) this.flushing = null;
    });
    this.flushing = flushing;
    return flushing;
  }

  isFlushing(): boolean {
    return this.flushing !== null;
  }

  private async run(): Promise<void> {
    const select = this.db.prepare('SELECT id, payload FROM revocation_outbox WHERE id > ? ORDER BY id LIMIT ?');
    let after = 0;
    for (;;) {
      const batch = select.all(after, BATCH) as { id: number; payload: string }[];
      if (batch.length === 0) break;
      for (const row of batch) {
        after = Number(row.id);
        if (this.inFlight.has(after)) continue;
        const payload = parsePayload(parseJson(row.payload), this.retention);
        if (payload) await this.shared.write(payload);
        else this.hooks.log('error', `dropping unreadable outbox entry ${after}`);
        this.dequeue(after);
      }
    }
    this.pending = this.count();
  }

  private dequeue(id: number): void {
    const result = this.db.prepare('DELETE FROM revocation_outbox WHERE id = ?').run(id);
    if (Number(result.changes) > 0) this.pending = Math.max(0, this.pending - 1);
  }

  private count(): number {
    const row = this.db.prepare('SELECT COUNT(*) AS n FROM revocation_outbox').get() as { n: number } | undefined;
    return Number(row?.n ?? 0);
  }
}
