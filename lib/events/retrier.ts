import type { DatabaseSync } from 'node:sqlite';
import { listedEvent, type SdkEvent } from '@/lib/workos/core';
import type { WorkosEvent } from '@/lib/workos/types';
import { dueForRetry, parkEvent, type EventChannel } from './ledger';
import { TimerLoop } from './loop';
import type { ProcessOutcome } from './process-event';

/**
 * Gives every event the ledger holds for a retry its next attempt, from the payload the ledger kept: neither channel
 * waits for a failing event (the poller passes it, the webhook answers 500 and WorkOS redelivers when it will), and
 * none is dropped. One loop per server process; the ledger's claims keep two processes from acting at once.
 */

export interface RetrierOptions {
  db: DatabaseSync;
  /** Opens a payload as the ledger sealed it; null when it cannot be (another key, altered). */
  open(sealed: string): string | null;
  process(event: WorkosEvent, channel: EventChannel): Promise<ProcessOutcome>;
  /** False while this instance cannot act on events (it has never loaded the revocation set). */
  canProcess?: () => Promise<boolean>;
  intervalMs: number;
  batchSize?: number;
  now?: () => number;
  log?: (level: 'info' | 'warn' | 'error', message: string, detail?: Record<string, unknown>) => void;
}

/** The event a ledger payload holds, or why it cannot be read. */
export function eventFromPayload(
  text: string,
  fallback: { id: string; type: string },
): { ok: true; event: WorkosEvent } | { ok: false; type: string; reason: string } {
  try {
    const listed = listedEvent(JSON.parse(text) as SdkEvent);
    return listed.ok ? listed : { ok: false, type: listed.type, reason: listed.reason };
  } catch (error) {
    return { ok: false, type: fallback.type, reason: error instanceof Error ? error.message : String(error) };
  }
}

export const UNOPENABLE = 'its kept payload cannot be opened (sealed under another WORKOS_COOKIE_PASSWORD?)';

export class LedgerRetrier {
  private readonly loop = new TimerLoop(() =>
    this.runOnce()
      .catch((error: unknown) => this.options.log?.('error', 'ledger retry pass failed', { error: error instanceof Error ? error.message : String(error) }))
      .then(() => this.options.intervalMs),
  );

  constructor(private readonly options: RetrierOptions) {}

  /** One pass over what is due; resolves with how many events were given another try. */
  async runOnce(): Promise<number> {
    const { db, open, process, now = Date.now, batchSize = 20, log } = this.options;
    if (this.options.canProcess && !(await this.options.canProcess().catch(() => false))) return 0;
    let tried = 0;
    for (const due of dueForRetry(db, now(), batchSize)) {
      const text = due.payload === null ? null : open(due.payload);
      if (text === null) {
        const reason = due.payload === null ? 'nothing was kept to retry it with' : UNOPENABLE;
        parkEvent(db, { id: due.eventId, type: due.type, payload: due.payload }, due.channel, reason, now());
        log?.('error', 'parked an event the ledger cannot retry', { eventId: due.eventId, type: due.type, reason });
        continue;
      }
      const read = eventFromPayload(text, { id: due.eventId, type: due.type });
      if (!read.ok) {
        parkEvent(db, { id: due.eventId, type: read.type, payload: due.payload }, due.channel, `could not be read: ${read.reason}`, now());
        continue;
      }
      await process(read.event, due.channel);
      tried++;
    }
    return tried;
  }

  /** Runs a pass at once, then every interval. Idempotent. */
  start(): void {
    this.loop.start();
  }

  /** Stops scheduling and waits for a pass in progress to finish. */
  stop(): Promise<void> {
    return this.loop.stop();
  }
}
