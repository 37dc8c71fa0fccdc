import 'server-only';
import type { NextRequest, NextResponse } from 'next/server';
import { PREVIOUS_SESSION_HEADER } from '@/lib/auth/routes';
import { refusalOptions, serializeSessionCookie, sessionCookieOptions } from '@/lib/auth/session-cookie';
import { getEnv, type Env } from '@/lib/env';
import { getRevocationRegistry } from '@/lib/revocation';
import { askToRetry, clearCookie, refuseRevokedSession } from '@/lib/revocation/gate';
import { clientIp } from '@/lib/security/client-ip';
import { hashRefreshToken, hashSessionId } from '@/lib/security/hash';
import { describeDevice } from '@/lib/sessions/device';
import { refreshWorkosSession, WorkosError } from '@/lib/workos/client';
import { createCookieReader, refreshDueAt, sealSession, unsealSession, type CookieClaims } from './cookie';
import { createRefreshCoordinator, type RefreshCoordinator } from './coordinator';
import { RefreshMetrics } from './metrics';
import { GrantError, type RefreshOutcome, type RefreshRequest, type RotationStore } from './types';

export type { RefreshOutcome } from './types';
export { RefreshMetrics } from './metrics';

/** A refresh lock outlives any healthy grant; a crashed holder's lock lapses after this. */
const LOCK_TTL_MS = 15_000;
/** How long a request waits for a refresh before the browser is asked to retry. */
const WAIT_MS = 8_000;

interface Runtime {
  coordinator: RefreshCoordinator;
  metrics: RefreshMetrics;
  readCookie: (value: string) => Promise<CookieClaims | null>;
  shared: RotationStore | null;
}

const key = Symbol.for('soe.auth.refresh');
type Holder = { [key]?: Promise<Runtime> };

function grantError(error: unknown): GrantError {
  const kind = error instanceof WorkosError ? error.kind : 'unavailable';
  const message = error instanceof Error ? error.message : String(error);
  if (kind === 'invalid_grant') return new GrantError('invalid_grant', message, { cause: error });
  if (kind === 'invalid' || kind === 'not_found') return new GrantError('rejected', message, { cause: error });
  // timeout, unavailable, and a refused API key (our configuration, not the user's session).
  return new GrantError('unavailable', message, { cause: error });
}

async function createRuntime(env: Env): Promise<Runtime> {
  const metrics = new RefreshMetrics();
  let shared: RotationStore | null = null;
  if (env.REDIS_URL) {
    // Imported only when REDIS_URL is set: ioredis stays out of processes that do not use Redis.
    const { createRedisRotationStore } = await import('./redis-store');
    shared = createRedisRotationStore({
      url: env.REDIS_URL,
      keyPrefix: env.REDIS_KEY_PREFIX,
      connectTimeoutMs: env.REDIS_CONNECT_TIMEOUT_MS,
      commandTimeoutMs: env.REDIS_COMMAND_TIMEOUT_MS,
    });
  }
  const password = env.WORKOS_COOKIE_PASSWORD;
  const coordinator = createRefreshCoordinator({
    ...(shared ? { shared } : {}),
    async grant({ refreshToken, organizationId }) {
      try {
        return await refreshWorkosSession({ clientId: env.WORKOS_CLIENT_ID, refreshToken, organizationId });
      } catch (error) {
        throw grantError(error);
      }
    },
    async isSessionActive(userId, sessionId) {
      const { listActiveSessions } = await import('@/lib/workos/client');
      return (await listActiveSessions(userId)).some((s) => s.id === sessionId);
    },
    seal: (session) => sealSession(session, password),
    unseal: (cookie) => unsealSession(cookie, password),
    dueAt: refreshDueAt,
    hashRefreshToken,
    sessionKey: hashSessionId,
    onEnded: recordEnded,
    onReused: recordReuse,
    graceMs: env.SESSION_REFRESH_GRACE_SECONDS * 1000,
    lockTtlMs: LOCK_TTL_MS,
    waitMs: WAIT_MS,
    metrics,
  });
  return { coordinator, metrics, readCookie: createCookieReader(password), shared };
}

function runtime(): Promise<Runtime> {
  const holder = globalThis as Holder;
  holder[key] ??= createRuntime(getEnv());
  return holder[key];
}

/** The refresh counters of this process (operators' health detail, the soak benchmark). */
export async function refreshMetrics(): Promise<RefreshMetrics> {
  return (await runtime()).metrics;
}

/** WorkOS no longer lists the session: lock it out everywhere (actor WorkOS, reason refresh_failed) and say so. */
async function recordEnded(request: RefreshRequest): Promise<void> {
  const { endSessions } = await import('@/lib/sessions/end');
  const [outcome] = await endSessions({
    targets: [
      {
        sessionId: request.sessionId,
        userId: request.userId,
        organizationId: request.organizationId,
        label: request.userAgent ? describeDevice(request.userAgent).label : null,
        ipAddress: request.ipAddress,
        expiresAt: null,
      },
    ],
    actor: { kind: 'workos', channel: 'refresh' },
    reason: 'refresh_failed',
    endedAtWorkos: true,
  });
  if (outcome?.status === 'failed') throw new Error(`the end of the session could not be recorded: ${outcome.reason}`);
}

/** A spent refresh token came back for a live session: a copied cookie, most likely. Flag it for its owner. */
async function recordReuse(request: RefreshRequest): Promise<void> {
  const { getSessionLabel, recordAudit } = await import('@/lib/audit');
  await recordAudit({
    userId: request.userId,
    organizationId: request.organizationId,
    kind: 'refresh_token_reused',
    actor: { type: 'system', label: request.userAgent ? describeDevice(request.userAgent).label : null },
    target: { sessionId: request.sessionId, label: getSessionLabel(request.userId, hashSessionId(request.sessionId)) },
    ipAddress: request.ipAddress,
    flagged: true,
  });
}

export type Renewal =
  /**
   * Nothing to do, or nothing that can be done now while the access token is still valid. `claims` are the
   * sealed cookie's (null without a readable one): the proxy tells a token authkit could not verify from no session.
   */
  | { kind: 'pass'; claims: CookieClaims | null }
  /** The request now carries a fresh session cookie; `setCookie` gives it to the browser. */
  | { kind: 'renewed'; setCookie: string }
  /** The request cannot be served with this session: answer it with `answerRefusedRenewal`. */
  | { kind: 'refused'; outcome: Exclude<RefreshOutcome, { kind: 'renewed' }> | { kind: 'revoked' }; sessionId: string; userId: string }
  /** The session cookie was taken off the request (an auth page: it proceeds signed out). */
  | { kind: 'stripped'; clearCookie: boolean };

/** Where a session that cannot be refreshed right now may still proceed, signed out. */
const AUTH_PAGES = new Set(['/callback', '/sign-in', '/sign-up', '/signed-out']);

/** IMPORTANT: the proxy drops PREVIOUS_SESSION_HEADER from every incoming request, so a client cannot name one. */
export function forgetPreviousSession(request: NextRequest): void {
  request.headers.delete(PREVIOUS_SESSION_HEADER);
}

/**
 * The proxy's first step, before authkit(): when the session cookie's access token is due, refresh it through the
 * single-flight coordinator and put the fresh cookie on the request, so authkit (told never to refresh itself)
 * sees a valid token. A session the registry already knows as revoked is refused without asking WorkOS.
 */
export async function renewSessionIfDue(request: NextRequest): Promise<Renewal> {
  const env = getEnv();
  const cookieName = env.WORKOS_COOKIE_NAME;
  const cookie = request.cookies.get(cookieName)?.value;
  if (!cookie) return { kind: 'pass', claims: null };
  const { coordinator, readCookie } = await runtime();
  const claims = await readCookie(cookie);
  const now = Date.now();
  if (!claims || claims.dueAt > now) return { kind: 'pass', claims };
  if (request.nextUrl.pathname === '/callback') {
    // A new sign-in replaces this session: refreshing it would only delay the sign-in. The callback still ends it.
    request.headers.set(
      PREVIOUS_SESSION_HEADER,
      JSON.stringify({ sessionId: claims.sessionId, userId: claims.userId, organizationId: claims.organizationId }),
    );
    request.cookies.delete(cookieName);
    return { kind: 'stripped', clearCookie: false };
  }

  const outcome = await refreshOrRefuse(request, cookie, claims, coordinator);
  if (outcome.kind === 'renewed') {
    request.cookies.set(cookieName, outcome.cookie);
    return { kind: 'renewed', setCookie: serializeSessionCookie(outcome.cookie, sessionCookieOptions(env)) };
  }
  // Not known to have ended, and the token still works for a moment: serve this request with it.
  if (outcome.kind === 'retry' && claims.expiresAt > Date.now() + 1_000) return { kind: 'pass', claims };
  const { pathname } = request.nextUrl;
  if (AUTH_PAGES.has(pathname)) {
    // These proceed signed out.
    request.cookies.delete(cookieName);
    return { kind: 'stripped', clearCookie: outcome.kind !== 'retry' };
  }
  return { kind: 'refused', outcome, sessionId: claims.sessionId, userId: claims.userId };
}

/** The coordinator's view of a request: the sealed cookie, opened, and where the request comes from. */
async function refreshRequestOf(request: NextRequest, cookie: string, claims: CookieClaims): Promise<RefreshRequest> {
  return {
    cookie,
    session: await unsealSession(cookie, getEnv().WORKOS_COOKIE_PASSWORD),
    sessionId: claims.sessionId,
    userId: claims.userId,
    organizationId: claims.organizationId,
    ipAddress: clientIp(request.headers),
    userAgent: request.headers.get('user-agent'),
  };
}

/** A session the registry already knows as revoked is refused without asking WorkOS; others go to the coordinator. */
async function refreshOrRefuse(
  request: NextRequest,
  cookie: string,
  claims: CookieClaims,
  coordinator: RefreshCoordinator,
): Promise<RefreshOutcome | { kind: 'revoked' }> {
  const registry = getRevocationRegistry();
  await registry.ready();
  if (registry.check(claims.sessionId, claims.userId)) return { kind: 'revoked' };
  try {
    return await coordinator.refresh(await refreshRequestOf(request, cookie, claims));
  } catch {
    return { kind: 'retry', why: 'unavailable', retryAfterSeconds: 2 };
  }
}

/** The response for a request whose session could not be renewed (a `refused` renewal). */
export function answerRefusedRenewal(request: NextRequest, renewal: Extract<Renewal, { kind: 'refused' }>): NextResponse {
  const { outcome } = renewal;
  if (outcome.kind === 'retry') return askToRetry(request, outcome.retryAfterSeconds);
  const options = refusalOptions();
  const record =
    outcome.kind === 'reused'
      ? { reason: 'token_reused' as const }
      : outcome.kind === 'rejected'
        ? { reason: 'refresh_failed' as const }
        : (getRevocationRegistry().check(renewal.sessionId, renewal.userId) ?? { reason: 'refresh_failed' as const });
  // Never null here: /callback and the other auth pages are stripped, not refused (renewSessionIfDue).
  return refuseRevokedSession(request, record, options) ?? askToRetry(request, 1);
}

/** Deletes the session cookie on `response` (an auth page that proceeded without a dead session). */
export function clearSessionCookie(response: NextResponse): NextResponse {
  clearCookie(response, refusalOptions());
  return response;
}

/**
 * After authkit(): authkit refreshes on its own only when it cannot verify a token that is not due (its key set
 * could not be fetched, a key was rotated). If it refreshed, remember the rotation so the browser's other requests
 * get the new session rather than spend the old token. Best effort: never throws.
 */
export async function noteAuthkitRefresh(request: NextRequest, originalCookie: string | undefined, setCookies: string[]): Promise<void> {
  if (!originalCookie) return;
  const name = getEnv().WORKOS_COOKIE_NAME;
  const fresh = setCookies
    .map((line) => line.split(';')[0] ?? '')
    .filter((pair) => pair.startsWith(`${name}=`))
    .map((pair) => pair.slice(name.length + 1))
    .find((value) => value && value !== originalCookie);
  if (!fresh) return;
  try {
    const { coordinator, readCookie } = await runtime();
    const claims = await readCookie(originalCookie);
    if (claims) await coordinator.recordRotation(await refreshRequestOf(request, originalCookie, claims), fresh);
  } catch {
    // best effort
  }
}
