import 'server-only';
import { recordAudit, recordSignIn } from '@/lib/audit';
import { getDb } from '@/lib/db';
import { getEnv } from '@/lib/env';
import { getRevocationRegistry } from '@/lib/revocation';
import { describeDevice } from '@/lib/sessions/device';
import { listActiveSessions, listEvents, revokeWorkosSession, type WorkosEvent } from '@/lib/workos/client';
import { EventsPoller } from './poller';
import { HANDLED_EVENTS, processEvent, type EventChannel, type ProcessDeps, type ProcessOutcome } from './process-event';

/** The app's real dependencies for lib/events, and the process-wide Events API poller. */

export function getProcessDeps(): ProcessDeps {
  const env = getEnv();
  return {
    db: getDb(),
    registry: getRevocationRegistry(),
    workos: { listActiveSessions, revokeWorkosSession: (id) => revokeWorkosSession(id) },
    audit: { record: recordAudit, recordSignIn },
    describeDevice: (userAgent) => describeDevice(userAgent).label,
    revokeSessionsOnPasswordChange: env.REVOKE_SESSIONS_ON_PASSWORD_CHANGE,
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

export async function stopEventsPoller(): Promise<void> {
  const holder = globalThis as PollerHolder;
  const poller = holder[pollerKey];
  delete holder[pollerKey];
  await poller?.stop();
}
