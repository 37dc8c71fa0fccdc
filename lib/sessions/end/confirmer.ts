import { WorkosError } from '@/lib/workos/types';
import type { ClaimedEntry, OutboxEntry, WorkosOutbox } from './outbox';

/**
 * Drains the WorkOS outbox: asks WorkOS to end each queued session again until it confirms (or answers 404: it is
 * over there), with exponential backoff and jitter between attempts. Runs in every server process; entries are
 * leased, so processes (and instances sharing a Redis outbox) never ask twice at once, and a process that dies
 * mid-way gives its entries back when the lease ends. Survives restarts: the outbox is durable.
 * IMPORTANT: entries are claimed ONE at a time, each just before its attempt: a lease covers one WorkOS call (at
 * most REVOKE_TIMEOUT_MS), never a whole batch of them, so no entry's lease runs out while it waits its turn.
 */

export interface ConfirmerDeps {
  outboxes: WorkosOutbox[];
  /** Throws a WorkosError; kind `not_found` when WorkOS no longer knows the session. */
  revokeAtWorkos(sessionId: string): Promise<void>;
  unsealSessionId(sealed: string): Promise<string>;
  /**
   * Makes sure the session is locked out here before WorkOS is asked (safe to repeat): the outbox entry is written
   * before the registry's, so a crash between the two must not leave a session served here.
   */
  lockOut?(sessionId: string, entry: OutboxEntry): Promise<void>;
  /** WorkOS confirmed: e.g. mark the activity line. Failures are logged, never retried. */
  onConfirmed(entry: OutboxEntry, at: number): Promise<void>;
  intervalMs?: number;
  leaseMs?: number;
  batchSize?: number;
  baseBackoffMs?: number;
  maxBackoffMs?: number;
  now?: () => number;
  random?: () => number;
  log?: (level: 'info' | 'warn' | 'error', message: string) => void;
}

export interface OutboxConfirmer {
  /** One pass over the due entries; resolves with how many were confirmed and how many failed again. */
  runOnce(): Promise<{ confirmed: number; failed: number }>;
  start(): void;
  /** Run soon (something was just queued). */
  kick(): void;
  stop(): Promise<void>;
}

/** Attempt n (1-based) waits base·2^(n-1), capped, then "equal jitter": half fixed, half random. */
export function backoffMs(attempt: number, baseMs: number, maxMs: number, random: () => number): number {
  const ceiling = Math.min(maxMs, baseMs * 2 ** Math.min(Math.max(0, attempt - 1), 30));
  return Math.round(ceiling / 2 + (random() * ceiling) / 2);
}

function describe(error: unknown): string {
  if (error instanceof WorkosError) return `${error.kind}${error.status ? ` (${error.status})` : ''}`;
  return error instanceof Error ? error.message : String(error);
}

export function createOutboxConfirmer(deps: ConfirmerDeps): OutboxConfirmer {
  const now = deps.now ?? Date.now;
  const random = deps.random ?? Math.random;
  const intervalMs = deps.intervalMs ?? 2_000;
  const leaseMs = deps.leaseMs ?? 60_000;
  const batchSize = deps.batchSize ?? 20;
  const baseBackoffMs = deps.baseBackoffMs ?? 1_000;
  const maxBackoffMs = deps.maxBackoffMs ?? 300_000;
  const log = deps.log ?? ((level, message) => console[level](`[workos-outbox] ${message}`));
  let timer: ReturnType<typeof setTimeout> | null = null;
  let running: Promise<unknown> | null = null;
  let stopped = true;

  async function confirmed(outbox: WorkosOutbox, entry: ClaimedEntry, how: string): Promise<void> {
    if (!(await outbox.settle(entry))) return;
    const at = now();
    log('info', `WorkOS confirmed the end of session ${entry.sessionHash} ${how}`);
    await deps.onConfirmed(entry, at).catch((error: unknown) => log('error', `recording the confirmation failed: ${describe(error)}`));
  }

  async function attempt(outbox: WorkosOutbox, entry: ClaimedEntry): Promise<boolean> {
    try {
      const sessionId = await deps.unsealSessionId(entry.sealedSessionId);
      await deps.lockOut?.(sessionId, entry);
      try {
        await deps.revokeAtWorkos(sessionId);
      } catch (error) {
        if (!(error instanceof WorkosError && error.kind === 'not_found')) throw error;
      }
    } catch (error) {
      const next = now() + backoffMs(entry.attempts + 1, baseBackoffMs, maxBackoffMs, random);
      if (await outbox.retryLater(entry, next, describe(error))) {
        log('warn', `WorkOS still has not confirmed the end of session ${entry.sessionHash} (attempt ${entry.attempts + 1}: ${describe(error)}); next try at ${new Date(next).toISOString()}`);
      } else {
        log('warn', `lost the lease on session ${entry.sessionHash} while asking WorkOS; its new holder carries on`);
      }
      return false;
    }
    await confirmed(outbox, entry, `after ${entry.attempts + 1} attempt(s)`);
    return true;
  }

  async function runOnce(): Promise<{ confirmed: number; failed: number }> {
    let done = 0;
    let failed = 0;
    for (const outbox of deps.outboxes) {
      for (let taken = 0; taken < batchSize; taken++) {
        let entry: ClaimedEntry | undefined;
        try {
          [entry] = await outbox.claim(now(), 1, leaseMs);
        } catch (error) {
          log('warn', `the ${outbox.kind} outbox could not be read: ${describe(error)}`);
          break;
        }
        if (!entry) break;
        const triage = outbox.triage ? await outbox.triage(entry, now()).catch(() => 'attempt' as const) : 'attempt';
        if (triage === 'postponed') continue;
        if (triage === 'confirmed_elsewhere') {
          await confirmed(outbox, entry, 'through another instance').catch(() => {});
          done++;
          continue;
        }
        if (await attempt(outbox, entry).catch(() => false)) done++;
        else failed++;
      }
    }
    return { confirmed: done, failed };
  }

  function schedule(delayMs: number): void {
    if (stopped) return;
    if (timer) clearTimeout(timer);
    timer = setTimeout(() => {
      timer = null;
      running = runOnce()
        .catch((error: unknown) => log('error', `outbox pass failed: ${describe(error)}`))
        .finally(() => {
          running = null;
          schedule(intervalMs);
        });
    }, delayMs);
    timer.unref?.();
  }

  return {
    runOnce,
    start() {
      if (!stopped) return;
      stopped = false;
      schedule(0);
    },
    kick() {
      if (!stopped && !running) schedule(50);
    },
    async stop() {
      stopped = true;
      if (timer) clearTimeout(timer);
      timer = null;
      await running;
    },
  };
}
