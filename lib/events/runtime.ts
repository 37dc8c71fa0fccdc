import 'server-only';
import { recordAudit, recordSignIn } from '@/lib/audit';
import { getDb } from '@/lib/db';
import { getEnv } from '@/lib/env';
import { secretBox, type SecretBox } from '@/lib/security/aead';
import { getRevocationRegistry } from '@/lib/revocation';
import { describeDevice } from '@/lib/sessions/device';
import { endSessions, endUser } from '@/lib/sessions/end';
import { forgetSessionListing } from '@/lib/sessions/listing';
import { listActiveSessions, listEvents, type WorkosEvent } from '@/lib/workos/client';
import { ledgerCounts, listParked, listRetrying, parkEvent, unparkForReplay } from './ledger';
import { EventsPoller } from './poller';
import { eventFromPayload, LedgerRetrier, UNOPENABLE } from './retrier';
import { HANDLED_EVENTS, processEvent, type EventChannel, type ProcessDeps, type ProcessOutcome } from './process-event';

/** The app's real dependencies for lib/events, and the process-wide Events API poller. */

function getProcessDeps(): ProcessDeps {
  const env = getEnv();
  return {
    db: getDb(),
    sessions: { end: endSessions, endUser },
    workos: { listActiveSessions },
    audit: {
      record: recordAudit,
      // A new session (session.created): the user's pages list afresh. Revocations reach the cache by the registry.
      recordSignIn: async (input) => {
        forgetSessionListing(input.userId);
        return recordSignIn(input);
      },
    },
    describeDevice: (userAgent) => describeDevice(userAgent).label,
    revokeSessionsOnPasswordChange: env.REVOKE_SESSIONS_ON_PASSWORD_CHANGE,
    box: ledgerBox(),
    log: (message, detail) => log('warn', message, detail),
  };
}

function ledgerBox(): SecretBox {
  return secretBox(getEnv().WORKOS_COOKIE_PASSWORD, 'event-ledger/v1');
}

/** Sets aside an event that can never be acted on as it came (unreadable, malformed), sealed, for operators. */
export function parkUnusableEvent(event: { id: string; type: string; payload: string }, channel: EventChannel, reason: string): void {
  parkEvent(getDb(), { ...event, payload: ledgerBox().seal(event.payload) }, channel, reason, Date.now());
}

export function processWorkosEvent(event: WorkosEvent, channel: EventChannel): Promise<ProcessOutcome> {
  return processEvent(event, channel, getProcessDeps());
}

export function log(level: 'info' | 'warn' | 'error', message: string, detail?: Record<string, unknown>): void {
  // Event ids and types only: raw session ids never reach the logs (lib/events hashes them before storing).
  const line = `[events] ${message}`;
  if (level === 'error') console.error(line, detail ?? '');
  else if (level === 'warn') console.warn(line, detail ?? '');
  else console.info(line, detail ?? '');
}

const pollerKey = Symbol.for('soe.events.poller');
type PollerHolder = { [pollerKey]?: EventsPoller };

/**
 * Starts this process's one Events API poller when REVOCATION_SIGNALS is `events` or `both` (instrumentation.ts
 * calls it once per server process; the globalThis guard makes a second call a no-op). Returns it, or null when
 * the Events API is not in use.
 */
export function startEventsPoller(): EventsPoller | null {
  const env = getEnv();
  if (env.REVOCATION_SIGNALS === 'webhooks') return null;
  const holder = globalThis as PollerHolder;
  if (!holder[pollerKey]) {
    const poller = new EventsPoller({
      db: getDb(),
      source: { listEvents },
      process: (event) => processWorkosEvent(event, 'events'),
      park: (event, reason) => parkUnusableEvent(event, 'events', reason),
      events: HANDLED_EVENTS,
      canProcess,
      intervalMs: env.EVENTS_POLL_INTERVAL_MS,
      log,
    });
    holder[pollerKey] = poller;
    poller.start();
    log('info', `polling the WorkOS Events API every ${env.EVENTS_POLL_INTERVAL_MS} ms`);
  }
  return holder[pollerKey];
}

const retrierKey = Symbol.for('soe.events.retrier');
type RetrierHolder = { [retrierKey]?: LedgerRetrier };

/** Whether this process may act on events: only once it holds the revocation set (fail closed). */
async function canProcess(): Promise<boolean> {
  const registry = getRevocationRegistry();
  await registry.ready();
  return registry.knowsRevocations();
}

/** Starts this process's ledger retrier (instrumentation.ts), whichever channels are in use; idempotent. */
export function startLedgerRetrier(): LedgerRetrier {
  const holder = globalThis as RetrierHolder;
  if (!holder[retrierKey]) {
    const box = ledgerBox();
    holder[retrierKey] = new LedgerRetrier({
      db: getDb(),
      open: (sealed) => box.open(sealed),
      process: (event, channel) => processEvent(event, channel, getProcessDeps()),
      canProcess,
      intervalMs: 2_000,
      log,
    });
    holder[retrierKey].start();
  }
  return holder[retrierKey];
}

/**
 * Operators: one more try for a parked (or retrying) event, from the payload the ledger kept. Resolves with the
 * outcome, or null when there is no such event to replay.
 */
export async function replayEvent(eventId: string): Promise<ProcessOutcome | null> {
  const db = getDb();
  const sealed = unparkForReplay(db, eventId, Date.now());
  if (sealed === null) return null;
  const payload = ledgerBox().open(sealed);
  if (payload === null) {
    parkEvent(db, { id: eventId, type: 'unknown', payload: sealed }, 'events', UNOPENABLE, Date.now());
    return { status: 'parked', type: 'unknown', reason: UNOPENABLE };
  }
  const read = eventFromPayload(payload, { id: eventId, type: 'unknown' });
  if (!read.ok) {
    parkEvent(db, { id: eventId, type: read.type, payload: sealed }, 'events', `could not be read: ${read.reason}`, Date.now());
    return { status: 'parked', type: read.type, reason: read.reason };
  }
  log('info', 'replaying an event at an operator’s request', { eventId, type: read.event.event });
  return processEvent(read.event, 'events', getProcessDeps(), { honorBackoff: false });
}

/** For operators: where the ledger stands, what waits for another try, and what is parked. */
export function eventsDetail() {
  const db = getDb();
  return { ledger: ledgerCounts(db), retrying: listRetrying(db), parked: listParked(db) };
}
