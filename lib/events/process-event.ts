import type { DatabaseSync } from 'node:sqlite';
import type { SecretBox } from '@/lib/security/aead';
import { RegistryNotReadyError } from '@/lib/revocation/registry';
import { WorkosError, type WorkosEvent } from '@/lib/workos/types';
import { actOn, isHandledEvent, MalformedEventError, NotRecordedError, type ActionDeps } from './actions';
import { claimEvent, completeEvent, failEvent, MAX_ATTEMPTS, parkEvent, type EventChannel } from './ledger';

export type { EventChannel } from './ledger';
export { HANDLED_EVENTS, isHandledEvent } from './actions';

/**
 * What the app does with a WorkOS event, whichever way it arrived (signed webhook or Events API). Both share the
 * event ledger (ledger.ts), so an event delivered twice — or by both channels — is acted on once.
 *
 * IMPORTANT invariants:
 * - Events are only ever ADDITIVE for revocation (actions.ts).
 * - Ending sessions goes through lib/sessions/end: WorkOS first, and what WorkOS does not confirm is locked out here
 *   and owed to WorkOS through the outbox — so an event is done once its sessions are locked out, not held up
 *   until WorkOS answers.
 * - An event that cannot succeed never holds later ones up: malformed ones are parked at once, failing ones are
 *   retried with backoff and parked after MAX_ATTEMPTS, with the reason; both stay replayable.
 */

export type ProcessOutcome =
  /** Acted on (or deliberately nothing to do for a handled type). */
  | { status: 'processed'; type: string }
  /** Already processed or parked, by this or the other channel. */
  | { status: 'duplicate'; type: string }
  /** A type the app does not handle: acknowledged, not recorded. */
  | { status: 'ignored'; type: string }
  /** Set aside for operators (malformed, or failed too often): acknowledged, never holds later events up. */
  | { status: 'parked'; type: string; reason: string }
  /** Not done: another worker holds it, or acting failed and it is retried after `retryAfterMs`. */
  | { status: 'pending'; type: string; retryAfterMs: number; reason: 'in_progress' | 'failed' };

/** Everything processing touches, injected so tests run against fakes and a throwaway database. */
export interface ProcessDeps extends ActionDeps {
  db: DatabaseSync;
  /** Seals what the ledger keeps of an event (it names sessions, addresses and devices). */
  box: SecretBox;
  maxAttempts?: number;
  now?: () => number;
  log?: (message: string, detail?: Record<string, unknown>) => void;
}

/** The event as it came, kept (sealed) with the ledger entry so it can be replayed. */
export function payloadOf(event: WorkosEvent): string {
  return JSON.stringify({ id: event.id, event: event.event, createdAt: event.createdAt.toISOString(), data: event.data });
}

// Claims in flight in this process: a concurrent duplicate waits for the first attempt's outcome instead of
// answering before it is known.
const inflightKey = Symbol.for('soe.events.inflight');
type InflightHolder = { [inflightKey]?: Map<string, Promise<ProcessOutcome>> };
function inflight(): Map<string, Promise<ProcessOutcome>> {
  const holder = globalThis as InflightHolder;
  return (holder[inflightKey] ??= new Map());
}

/**
 * A failure that says nothing about the event itself: an outage of WorkOS (or of our access to it: a key being
 * rotated) or of this instance's stores. WorkOS refusing the request itself (invalid, not found) is not one.
 */
function isTransient(error: unknown): boolean {
  if (error instanceof WorkosError) return ['timeout', 'unavailable', 'unauthorized'].includes(error.kind);
  return error instanceof RegistryNotReadyError || error instanceof NotRecordedError;
}

function describe(error: unknown): string {
  return error instanceof Error ? error.message : String(error);
}

/**
 * Acts on one event at most once and says where it stands. Never throws for a failure to act: the ledger keeps it
 * for a retry (or parks it), and the outcome tells the channel whether to acknowledge it.
 * `honorBackoff: false` (webhooks) tries an event that is backing off: a redelivery is spaced by WorkOS already.
 */
export async function processEvent(
  event: WorkosEvent,
  channel: EventChannel,
  deps: ProcessDeps,
  { honorBackoff = channel === 'events' }: { honorBackoff?: boolean } = {},
): Promise<ProcessOutcome> {
  if (!isHandledEvent(event.event)) return { status: 'ignored', type: event.event };
  const running = inflight().get(event.id);
  if (running) {
    const first = await running;
    return first.status === 'processed' ? { status: 'duplicate', type: event.event } : first;
  }
  const attempt = processClaimed(event, channel, deps, honorBackoff);
  inflight().set(event.id, attempt);
  try {
    return await attempt;
  } finally {
    inflight().delete(event.id);
  }
}

async function processClaimed(
  event: WorkosEvent,
  channel: EventChannel,
  deps: ProcessDeps,
  honorBackoff: boolean,
): Promise<ProcessOutcome> {
  const now = deps.now ?? Date.now;
  const type = event.event;
  const claim = claimEvent(deps.db, { id: event.id, type, payload: deps.box.seal(payloadOf(event)) }, channel, now(), { honorBackoff });
  if (claim.kind === 'done') return { status: 'duplicate', type };
  if (claim.kind === 'busy') return { status: 'pending', type, retryAfterMs: claim.retryAfterMs, reason: 'in_progress' };

  try {
    await actOn(event, channel, deps);
  } catch (error) {
    if (error instanceof MalformedEventError) {
      parkEvent(deps.db, { id: event.id, type, payload: deps.box.seal(payloadOf(event)) }, channel, error.message, now());
      deps.log?.('parked a malformed event', { eventId: event.id, type, reason: error.message });
      return { status: 'parked', type, reason: error.message };
    }
    const result = failEvent(deps.db, event.id, claim.token, describe(error), now(), {
      maxAttempts: deps.maxAttempts ?? MAX_ATTEMPTS,
      transient: isTransient(error),
    });
    if (result?.status === 'parked') {
      deps.log?.('parked an event that kept failing', { eventId: event.id, type, attempts: claim.attempt, error: describe(error) });
      return { status: 'parked', type, reason: describe(error) };
    }
    deps.log?.('acting on an event failed; it will be retried', { eventId: event.id, type, attempt: claim.attempt, error: describe(error) });
    return { status: 'pending', type, retryAfterMs: result?.retryAfterMs ?? 1_000, reason: 'failed' };
  }
  if (!completeEvent(deps.db, event.id, claim.token, now())) {
    deps.log?.('event claim was taken over while acting on it; the new holder finishes it', { eventId: event.id, type });
  }
  return { status: 'processed', type };
}
