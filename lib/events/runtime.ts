import 'server-only';
import { recordAudit, recordSignIn } from '@/lib/audit';
import { getDb } from '@/lib/db';
import { getEnv } from '@/lib/env';
import { describeDevice } from '@/lib/sessions/device';
import { endSessions, endUser } from '@/lib/sessions/end';
import { forgetSessionListing } from '@/lib/sessions/listing';
import { listActiveSessions, listEvents, type WorkosEvent } from '@/lib/workos/client';
import { listedEvent, type SdkEvent } from '@/lib/workos/core';
import { ledgerCounts, listParked, parkEvent, unparkForReplay } from './ledger';
import { EventsPoller } from './poller';
import { HANDLED_EVENTS, processEvent, type EventChannel, type ProcessDeps, type ProcessOutcome } from './process-event';

/** The app's real dependencies for lib/events, and the process-wide Events API poller. */

export function getProcessDeps(): ProcessDeps {
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
    log: (message, detail) => log('warn', message, detail),
  };
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
      park: (event, reason) => parkEvent(getDb(), event, 'events', reason, Date.now()),
      events: HANDLED_EVENTS,
      intervalMs: env.EVENTS_POLL_INTERVAL_MS,
      log,
    });
    holder[pollerKey] = poller;
    poller.start();
    log('info', `polling the WorkOS Events API every ${env.EVENTS_POLL_INTERVAL_MS} ms`);
  }
  return holder[pollerKey];
}

/**
 * Operators: one more try for a parked (or retrying) event, from the payload the ledger kept. Resolves with the
 * outcome, or null when there is no such event to replay.
 */
export async function replayEvent(eventId: string): Promise<ProcessOutcome | null> {
  const db = getDb();
  const payload = unparkForReplay(db, eventId, Date.now());
  if (payload === null) return null;
  const listed = (() => {
    try {
      return listedEvent(JSON.parse(payload) as SdkEvent);
    } catch (error) {
      return { ok: false as const, id: eventId, type: 'unknown', reason: String(error), payload };
    }
  })();
  if (!listed.ok) {
    parkEvent(db, { id: eventId, type: listed.type, payload }, 'events', `could not be read: ${listed.reason}`, Date.now());
    return { status: 'parked', type: listed.type, reason: listed.reason };
  }
  log('info', 'replaying an event at an operator’s request', { eventId, type: listed.event.event });
  return processEvent(listed.event, 'events', getProcessDeps(), { honorBackoff: false });
}

/** For operators: where the ledger stands, and what is parked. */
export function eventsDetail() {
  const db = getDb();
  return { ledger: ledgerCounts(db), parked: listParked(db) };
}
