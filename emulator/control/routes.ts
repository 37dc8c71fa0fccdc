import { dispatch, requireApiKey, sendJson, type RequestContext, type Route } from '../http.ts';
import { readInteger, readParams, requiredString } from '../params.ts';
import { ApiError, iso, unprocessable } from '../wire.ts';
import type { DeliveryRecord } from '../state/deliveries.ts';
import { faultJson, parseFault } from './faults.ts';
import { applyConfig, configJson } from './settings.ts';
import { userRoutes } from './users.ts';

function deliveryJson(delivery: DeliveryRecord) {
  return {
    id: delivery.id,
    event_id: delivery.eventId,
    event: delivery.event,
    url: delivery.url,
    attempts: delivery.attempts,
    status: delivery.status,
    last_status: delivery.lastStatus,
    last_error: delivery.lastError,
    acknowledged_as: delivery.acknowledgedAs ?? null,
    next_attempt_at: delivery.nextAttemptAt === null ? null : iso(delivery.nextAttemptAt),
    created_at: iso(delivery.createdAt),
    log: delivery.log.map((entry) => ({
      at: iso(entry.at),
      status: entry.status,
      error: entry.error,
      duration_ms: entry.durationMs,
    })),
  };
}

const TEN_YEARS_SECONDS = 10 * 365 * 86_400;

const controlRoutes: Route[] = [
  {
    method: 'POST',
    path: '/_emulator/reset',
    handler: ({ res, reset }) => {
      reset();
      sendJson(res, 200, { ok: true });
    },
  },
  ...userRoutes,
  {
    method: 'GET',
    path: '/_emulator/sessions',
    handler: ({ res, url, store }) => {
      const sessions = [...store.sessions.list(url.searchParams.get('user_id') || undefined)].reverse();
      sendJson(
        res,
        200,
        sessions.map((s) => store.sessions.json(s)),
      );
    },
  },
  {
    method: 'POST',
    path: '/_emulator/sessions/:id/revoke',
    handler: ({ res, store }, id) => sendJson(res, 200, { session: store.sessions.json(store.sessions.revoke(id)) }),
  },
  {
    method: 'GET',
    path: '/_emulator/config',
    handler: ({ res, store }) => sendJson(res, 200, configJson(store.config)),
  },
  {
    method: 'POST',
    path: '/_emulator/config',
    handler: async ({ req, res, store }) => sendJson(res, 200, configJson(applyConfig(store, await readParams(req)))),
  },
  {
    method: 'GET',
    path: '/_emulator/faults',
    handler: ({ res, faults }) => sendJson(res, 200, faults.list().map(faultJson)),
  },
  {
    method: 'POST',
    path: '/_emulator/faults',
    handler: async ({ req, res, store, faults }) => {
      const fault = parseFault(await readParams(req), store.now());
      faults.add(fault);
      sendJson(res, 201, faultJson(fault));
    },
  },
  {
    method: 'DELETE',
    path: '/_emulator/faults',
    handler: ({ res, faults }) => {
      faults.clear();
      sendJson(res, 200, { ok: true });
    },
  },
  {
    method: 'POST',
    path: '/_emulator/events',
    // QA: an event exactly as given, through the same path as every other (Events API and webhooks), including
    // one WorkOS could send malformed, to see how the app parks it.
    handler: async ({ req, res, store }) => {
      const params = await readParams(req);
      const type = requiredString(params, 'event');
      if (!/^[a-z_]+(\.[a-z_]+)+$/.test(type))
        throw unprocessable('event', 'event must be a WorkOS event type, e.g. session.revoked');
      const data = params.data;
      if (typeof data !== 'object' || data === null || Array.isArray(data))
        throw unprocessable('data', 'data must be an object');
      const record = store.events.emit(type, data as Record<string, unknown>);
      sendJson(res, 201, { id: record.id, event: record.event, created_at: iso(record.createdAt) });
    },
  },
  {
    method: 'GET',
    path: '/_emulator/calls',
    handler: ({ res, url, calls }) => {
      const data = calls.list(url.searchParams.get('path'), url.searchParams.get('method'));
      sendJson(res, 200, { data, total: data.reduce((sum, c) => sum + c.count, 0) });
    },
  },
  {
    method: 'GET',
    path: '/_emulator/grants',
    handler: ({ res, url, store }) => {
      const sessionId = url.searchParams.get('session_id');
      const grants = store.tokens.grantLog.filter((g) => !sessionId || g.sessionId === sessionId);
      sendJson(res, 200, {
        data: grants.map((g) => ({ session_id: g.sessionId, at: iso(g.at), outcome: g.outcome })),
      });
    },
  },
  {
    method: 'GET',
    path: '/_emulator/webhooks/deliveries',
    handler: ({ res, store }) => sendJson(res, 200, [...store.deliveries.list()].reverse().map(deliveryJson)),
  },
  {
    method: 'POST',
    path: '/_emulator/clock',
    handler: async ({ req, res, store, advanceClock }) => {
      if (!advanceClock)
        throw new ApiError(409, { message: 'This emulator was started with a fixed clock.', code: 'clock_fixed' });
      // Negative values move it back: a sign-in made then looks old (auth_time), e.g. to exercise re-authentication.
      const seconds = readInteger(await readParams(req), 'advance_seconds', -TEN_YEARS_SECONDS, TEN_YEARS_SECONDS);
      advanceClock(seconds * 1000);
      sendJson(res, 200, { now: iso(store.now()) });
    },
  },
];

/** `/_emulator/*` JSON control API (Bearer API key); every other path under it is a 404. */
export async function handleControl(ctx: RequestContext): Promise<boolean> {
  const path = ctx.url.pathname;
  if (!path.startsWith('/_emulator/') || path.startsWith('/_emulator/dashboard')) return false;
  requireApiKey(ctx.req, ctx.config);
  if (await dispatch(controlRoutes, ctx)) return true;
  throw new ApiError(404, {
    message: `No control route ${ctx.req.method ?? 'GET'} ${path}.`,
    code: 'entity_not_found',
  });
}
