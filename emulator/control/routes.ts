import type { IncomingMessage, ServerResponse } from 'node:http';
import { requireApiKey } from '../api/routes.ts';
import type { EmulatorConfig } from '../config.ts';
import { newId } from '../ids.ts';
import { readParams, sendJson } from '../http.ts';
import {
  ApiError,
  iso,
  membershipJson,
  unprocessable,
  userJson,
  type MembershipStatus,
  type DeliveryRecord,
  type RuntimeConfig,
  type Store,
  type UserRecord,
} from '../store.ts';
import type { WebhookDispatcher } from '../webhooks.ts';

export interface Fault {
  id: string;
  method: string | null;
  path: string;
  status: number | null;
  body: unknown;
  delayMs: number;
  remaining: number;
}

/** Injected failures for the WorkOS-facing routes: a status and/or a delay for the next N calls. */
export class FaultRegistry {
  private faults: Fault[] = [];

  add(fault: Fault): void {
    this.faults.push(fault);
  }

  clear(): void {
    this.faults = [];
  }

  list(): Fault[] {
    return this.faults;
  }

  /** Finds the first fault for this call and counts it down. */
  take(method: string, path: string): Fault | null {
    const fault = this.faults.find((f) => (f.method === null || f.method === method) && pathMatches(f.path, path));
    if (!fault) return null;
    fault.remaining -= 1;
    if (fault.remaining <= 0) this.faults = this.faults.filter((f) => f !== fault);
    return fault;
  }
}

/** How many calls each WorkOS-facing route received since the last reset (what a rate limit must bound). */
export class CallLog {
  private counts = new Map<string, { method: string; path: string; count: number }>();

  record(method: string, path: string): void {
    const key = `${method} ${path}`;
    const entry = this.counts.get(key);
    if (entry) entry.count += 1;
    else this.counts.set(key, { method, path, count: 1 });
  }

  clear(): void {
    this.counts.clear();
  }

  /** Every route called, or those matching `pattern` (exact, or `*` wildcards as for faults) and `method`. */
  list(pattern: string | null, method: string | null): { method: string; path: string; count: number }[] {
    return [...this.counts.values()].filter(
      (c) => (!pattern || pathMatches(pattern, c.path)) && (!method || c.method === method.toUpperCase()),
    );
  }
}

/** Exact path, or `*` as a wildcard (e.g. `/user_management/users/*\/sessions`). */
function pathMatches(pattern: string, path: string): boolean {
  if (!pattern.includes('*')) return pattern === path;
  const source = pattern
    .split('*')
    .map((part) => part.replace(/[.+?^${}()|[\]\\]/g, '\\$&'))
    .join('[^?]*');
  return new RegExp(`^${source}$`).test(path);
}

export function faultJson(fault: Fault) {
  return {
    id: fault.id,
    method: fault.method,
    path: fault.path,
    status: fault.status,
    body: fault.body,
    delay_ms: fault.delayMs,
    count: fault.remaining,
  };
}

export function configJson(config: RuntimeConfig) {
  return {
    access_token_ttl_seconds: config.accessTokenTtlSeconds,
    session_max_age_seconds: config.sessionMaxAgeSeconds,
    session_inactivity_timeout_seconds: config.sessionInactivityTimeoutSeconds,
    webhook_url: config.webhookUrl,
    webhooks_enabled: config.webhooksEnabled,
    webhook_secret_set: config.webhookSecret !== null,
    auth_time_claim: config.authTimeClaim,
    entitlements: config.entitlements ?? null,
    feature_flags: config.featureFlags ?? null,
  };
}

export function deliveryJson(delivery: DeliveryRecord) {
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

/** The user with their memberships; `role`, `organization_id` and `membership_status` are of the first one. */
export function controlUserJson(store: Store, user: UserRecord) {
  const memberships = store.listMemberships(user.id);
  const first = memberships[0];
  return {
    ...userJson(user),
    role: first?.role ?? null,
    organization_id: first?.organizationId ?? null,
    membership_status: first?.status ?? null,
    memberships: memberships.map(membershipJson),
  };
}

const MEMBERSHIP_STATUSES: readonly MembershipStatus[] = ['active', 'inactive', 'pending'];

/** One membership of a user created through the control API; `prefix` names the fields in errors. */
function membershipInput(value: Record<string, unknown>, prefix = '') {
  const field = (name: string) => `${prefix}${name}`;
  const organizationId = text(value.organization_id, field('organization_id'), false) ?? 'org_demo';
  const role = text(value.role, field('role'), false) ?? 'member';
  if (role !== 'admin' && role !== 'member') throw unprocessable(field('role'), 'role must be admin or member');
  const status = text(value.membership_status, field('membership_status'), false) ?? 'active';
  if (!MEMBERSHIP_STATUSES.includes(status as MembershipStatus)) {
    throw unprocessable(field('membership_status'), 'membership_status must be active, inactive or pending');
  }
  return { organizationId, role, status: status as MembershipStatus };
}

const int = (value: unknown, field: string, min: number, max: number): number => {
  const number = typeof value === 'string' && /^\d+$/.test(value) ? Number(value) : value;
  if (typeof number !== 'number' || !Number.isInteger(number) || number < min || number > max) {
    throw unprocessable(field, `${field} must be an integer between ${min} and ${max}`);
  }
  return number;
};

const text = (value: unknown, field: string, required: boolean): string | null => {
  if (value === undefined || value === null || value === '') {
    if (required) throw unprocessable(field, `${field} is required`);
    return null;
  }
  if (typeof value !== 'string') throw unprocessable(field, `${field} must be a string`);
  return value;
};

const slugList = (value: unknown, field: string): string[] => {
  if (!Array.isArray(value) || !value.every((slug) => typeof slug === 'string' && slug.trim() !== '')) {
    throw unprocessable(field, `${field} must be a list of slugs`);
  }
  return value as string[];
};

const bool = (value: unknown, field: string): boolean => {
  if (value === true || value === 'true' || value === 'on' || value === '1') return true;
  if (value === false || value === 'false' || value === 'off' || value === '0') return false;
  throw unprocessable(field, `${field} must be true or false`);
};

/** Shared by the JSON control API and the dashboard's forms. */
export function applyConfig(store: Store, params: Record<string, unknown>): RuntimeConfig {
  const patch: Partial<RuntimeConfig> = {};
  if (params.access_token_ttl_seconds !== undefined) {
    patch.accessTokenTtlSeconds = int(params.access_token_ttl_seconds, 'access_token_ttl_seconds', 1, 86_400);
  }
  if (params.session_max_age_seconds !== undefined) {
    patch.sessionMaxAgeSeconds = int(params.session_max_age_seconds, 'session_max_age_seconds', 60, 31_536_000);
  }
  if (params.session_inactivity_timeout_seconds !== undefined) {
    const value = params.session_inactivity_timeout_seconds;
    patch.sessionInactivityTimeoutSeconds =
      value === null || value === '' || value === 'off'
        ? null
        : int(value, 'session_inactivity_timeout_seconds', 60, 31_536_000);
  }
  if (params.webhook_url !== undefined) {
    const url = text(params.webhook_url, 'webhook_url', false);
    if (url !== null) {
      let parsed: URL | null = null;
      try {
        parsed = new URL(url);
      } catch {
        parsed = null;
      }
      if (!parsed || (parsed.protocol !== 'http:' && parsed.protocol !== 'https:')) {
        throw unprocessable('webhook_url', 'webhook_url must be an absolute http(s) URL');
      }
    }
    patch.webhookUrl = url;
  }
  if (params.webhook_secret !== undefined) patch.webhookSecret = text(params.webhook_secret, 'webhook_secret', false);
  if (params.webhooks_enabled !== undefined) patch.webhooksEnabled = bool(params.webhooks_enabled, 'webhooks_enabled');
  if (params.auth_time_claim !== undefined) patch.authTimeClaim = bool(params.auth_time_claim, 'auth_time_claim');
  if (params.entitlements !== undefined) {
    const value = params.entitlements;
    if (value === null) patch.entitlements = null;
    else if (typeof value !== 'object' || Array.isArray(value)) {
      throw unprocessable('entitlements', 'entitlements must be an object of organization id → list of slugs, or null');
    } else {
      patch.entitlements = Object.fromEntries(
        Object.entries(value as Record<string, unknown>).map(([organizationId, slugs]) => [
          organizationId,
          slugList(slugs, `entitlements.${organizationId}`),
        ]),
      );
    }
  }
  if (params.feature_flags !== undefined) {
    patch.featureFlags = params.feature_flags === null ? null : slugList(params.feature_flags, 'feature_flags');
  }
  const next = { ...store.config, ...patch };
  if (next.webhooksEnabled && (!next.webhookUrl || !next.webhookSecret)) {
    throw unprocessable('webhooks_enabled', 'webhooks need a webhook_url and a webhook_secret');
  }
  return store.updateConfig(patch);
}

export function parseFault(params: Record<string, unknown>, now: number): Fault {
  const path = text(params.path, 'path', true) ?? '';
  if (!path.startsWith('/')) throw unprocessable('path', 'path must start with /');
  if (path.startsWith('/_emulator') || path === '/health')
    throw unprocessable('path', 'faults cannot target the control API');
  const method = text(params.method, 'method', false)?.toUpperCase() ?? null;
  const status = params.status === undefined || params.status === null ? null : int(params.status, 'status', 100, 599);
  const delayMs =
    params.delay_ms === undefined || params.delay_ms === null ? 0 : int(params.delay_ms, 'delay_ms', 0, 120_000);
  const count = params.count === undefined ? 1 : int(params.count, 'count', 1, 10_000);
  if (status === null && delayMs === 0) throw unprocessable('status', 'a fault needs a status or a delay_ms');
  return { id: newId('fault', now), method, path, status, body: params.body ?? null, delayMs, remaining: count };
}

export interface ControlContext {
  req: IncomingMessage;
  res: ServerResponse;
  url: URL;
  store: Store;
  config: EmulatorConfig;
  faults: FaultRegistry;
  calls: CallLog;
  webhooks: WebhookDispatcher;
  /** Present when the clock can be moved (always, unless a test injected its own clock). */
  advanceClock: ((ms: number) => void) | null;
  reset: () => void;
}

/** `/_emulator/*` JSON control API (Bearer API key). Returns false when no route matched. */
export async function handleControl(ctx: ControlContext): Promise<boolean> {
  const { req, res, url, store, config, faults } = ctx;
  const method = req.method ?? 'GET';
  const path = url.pathname;
  if (!path.startsWith('/_emulator/') || path.startsWith('/_emulator/dashboard')) return false;
  requireApiKey(req, config);
  let match: RegExpExecArray | null;

  if (path === '/_emulator/reset' && method === 'POST') {
    ctx.reset();
    sendJson(res, 200, { ok: true });
    return true;
  }
  if (path === '/_emulator/users') {
    if (method === 'GET') {
      sendJson(
        res,
        200,
        store.listUsers().map((user) => controlUserJson(store, user)),
      );
      return true;
    }
    if (method === 'POST') {
      const params = await readParams(req);
      const email = text(params.email, 'email', true) ?? '';
      if (!/^[^\s@]+@[^\s@]+\.[^\s@]+$/.test(email)) throw unprocessable('email', 'email must be an email address');
      const password = text(params.password, 'password', true) ?? '';
      // Several memberships as a list, or one given by organization_id / role / membership_status.
      let memberships;
      if (params.memberships !== undefined) {
        if (!Array.isArray(params.memberships)) throw unprocessable('memberships', 'memberships must be a list');
        memberships = params.memberships.map((value: unknown, i) => {
          if (typeof value !== 'object' || value === null)
            throw unprocessable(`memberships[${i}]`, 'must be an object');
          return membershipInput(value as Record<string, unknown>, `memberships[${i}].`);
        });
      } else {
        memberships = [membershipInput(params)];
      }
      // Unknown organizations are a 422 from the store.
      const user = store.createUser({
        email,
        password,
        firstName: text(params.first_name, 'first_name', false),
        lastName: text(params.last_name, 'last_name', false),
        memberships,
      });
      sendJson(res, 201, controlUserJson(store, user));
      return true;
    }
  }
  if ((match = /^\/_emulator\/users\/([^/]+)$/.exec(path)) && method === 'DELETE') {
    const userId = decodeURIComponent(match[1] ?? '');
    store.requireUser(userId);
    const revoked = store.revokeUserSessions(userId);
    store.deleteUser(userId);
    sendJson(res, 200, { deleted: userId, revoked_sessions: revoked.map((s) => store.sessionJson(s)) });
    return true;
  }
  if (
    (match = /^\/_emulator\/users\/([^/]+)\/(revoke_sessions|reset_password|impersonate)$/.exec(path)) &&
    method === 'POST'
  ) {
    const userId = decodeURIComponent(match[1] ?? '');
    const action = match[2];
    store.requireUser(userId);
    if (action === 'revoke_sessions') {
      const revoked = store.revokeUserSessions(userId);
      sendJson(res, 200, { sessions: revoked.map((s) => store.sessionJson(s)) });
      return true;
    }
    const params = await readParams(req);
    if (action === 'reset_password') {
      const password = text(params.password, 'password', true) ?? '';
      if (password.length < 8) throw unprocessable('password', 'password must be at least 8 characters');
      sendJson(res, 200, { user: controlUserJson(store, store.resetPassword(userId, password)) });
      return true;
    }
    const impersonatorEmail = text(params.impersonator_email, 'impersonator_email', true) ?? '';
    const session = store.impersonate(userId, {
      email: impersonatorEmail,
      reason: text(params.reason, 'reason', false),
    });
    sendJson(res, 201, { session: store.sessionJson(session) });
    return true;
  }
  if (path === '/_emulator/sessions' && method === 'GET') {
    const userId = url.searchParams.get('user_id') || undefined;
    const sessions = [...store.listSessions(userId)].reverse();
    sendJson(
      res,
      200,
      sessions.map((s) => store.sessionJson(s)),
    );
    return true;
  }
  if ((match = /^\/_emulator\/sessions\/([^/]+)\/revoke$/.exec(path)) && method === 'POST') {
    const session = store.revokeSession(decodeURIComponent(match[1] ?? ''));
    sendJson(res, 200, { session: store.sessionJson(session) });
    return true;
  }
  if (path === '/_emulator/config') {
    if (method === 'GET') {
      sendJson(res, 200, configJson(store.config));
      return true;
    }
    if (method === 'POST') {
      sendJson(res, 200, configJson(applyConfig(store, await readParams(req))));
      return true;
    }
  }
  if (path === '/_emulator/faults') {
    if (method === 'GET') {
      sendJson(res, 200, faults.list().map(faultJson));
      return true;
    }
    if (method === 'POST') {
      const fault = parseFault(await readParams(req), store.clock.now());
      faults.add(fault);
      sendJson(res, 201, faultJson(fault));
      return true;
    }
    if (method === 'DELETE') {
      faults.clear();
      sendJson(res, 200, { ok: true });
      return true;
    }
  }
  if (path === '/_emulator/events' && method === 'POST') {
    const params = await readParams(req);
    const type = text(params.event, 'event', true) ?? '';
    if (!/^[a-z_]+(\.[a-z_]+)+$/.test(type))
      throw unprocessable('event', 'event must be a WorkOS event type, e.g. session.revoked');
    const data = params.data;
    if (typeof data !== 'object' || data === null || Array.isArray(data))
      throw unprocessable('data', 'data must be an object');
    const record = store.injectEvent(type, data as Record<string, unknown>);
    sendJson(res, 201, { id: record.id, event: record.event, created_at: iso(record.createdAt) });
    return true;
  }
  if (path === '/_emulator/calls' && method === 'GET') {
    const calls = ctx.calls.list(url.searchParams.get('path'), url.searchParams.get('method'));
    sendJson(res, 200, { data: calls, total: calls.reduce((sum, c) => sum + c.count, 0) });
    return true;
  }
  if (path === '/_emulator/grants' && method === 'GET') {
    const sessionId = url.searchParams.get('session_id');
    const grants = store.grantLog.filter((g) => !sessionId || g.sessionId === sessionId);
    sendJson(res, 200, {
      data: grants.map((g) => ({ session_id: g.sessionId, at: iso(g.at), outcome: g.outcome })),
    });
    return true;
  }
  if (path === '/_emulator/webhooks/deliveries' && method === 'GET') {
    sendJson(res, 200, [...store.listDeliveries()].reverse().map(deliveryJson));
    return true;
  }
  if (path === '/_emulator/clock' && method === 'POST') {
    if (!ctx.advanceClock)
      throw new ApiError(409, { message: 'This emulator was started with a fixed clock.', code: 'clock_fixed' });
    const params = await readParams(req);
    // Negative values move it back: a sign-in made then looks old (auth_time), e.g. to exercise re-authentication.
    const tenYears = 10 * 365 * 86_400;
    ctx.advanceClock(int(params.advance_seconds, 'advance_seconds', -tenYears, tenYears) * 1000);
    sendJson(res, 200, { now: iso(store.clock.now()) });
    return true;
  }
  throw new ApiError(404, { message: `No control route ${method} ${path}.`, code: 'entity_not_found' });
}
