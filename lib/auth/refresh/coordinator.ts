import { createInvalidGrantSettler } from './invalid-grant';
import type { RefreshMetrics } from './metrics';
import { describe, retry, type FlightResult, type RefreshLog } from './outcome';
import { createRotationMemory } from './rotation-memory';
import { GrantError, type RefreshOutcome, type RefreshRequest, type RotationStore, type SealedSession } from './types';

/**
 * Single-flight refresh. WorkOS refresh tokens are single-use: when several requests of one session carry the
 * same expired access token (tabs waking up, an SSE reconnect racing a page and its prefetches), only the first
 * refresh grant succeeds and the others get `invalid_grant`. Here:
 * - one process makes at most one grant per refresh token; every concurrent request shares its result;
 * - across instances, a short lock per session serializes grants, and the newest sealed cookie is kept for
 *   `graceMs` under the session, with the refresh tokens it replaced, so a request that still carries a replaced
 *   token (a moment later, or on another instance) is handed the newest cookie instead of spending a spent token;
 * - an `invalid_grant` is a sign-out only when WorkOS no longer lists the session. A token spent longer ago than
 *   the grace period while the session lives on is the signature of a replayed (copied) cookie: `reused`.
 */

export interface RefreshCoordinatorDeps {
  /** Shared by every instance (Redis), or absent for one instance; a process-local layer is always used too. */
  shared?: RotationStore;
  /** The refresh grant at WorkOS. Throws a GrantError. Must not be abandoned: see `waitMs`. */
  grant(input: { refreshToken: string; organizationId: string | null }): Promise<SealedSession>;
  /** Whether WorkOS lists the session as active. Throws when WorkOS cannot be asked. */
  isSessionActive(userId: string, sessionId: string): Promise<boolean>;
  seal(session: SealedSession): Promise<string>;
  unseal(cookie: string): Promise<SealedSession>;
  /** When (ms) a session with this access token should be refreshed. */
  dueAt(accessToken: string): number;
  hashRefreshToken(refreshToken: string): string;
  sessionKey(sessionId: string): string;
  /** WorkOS ended the session: record it as revoked. Runs once per grant, never per waiting request. */
  onEnded(request: RefreshRequest): Promise<void>;
  /** A spent refresh token came back while the session lives on: record the signal. */
  onReused(request: RefreshRequest): Promise<void>;
  /** How long a replaced refresh token still earns the newest cookie. */
  graceMs: number;
  /** Lifetime of a session's refresh lock (extended while its grant runs). */
  lockTtlMs: number;
  /** How long a request waits for a grant (its own or another's) before it is told to retry. */
  waitMs: number;
  pollMs?: number;
  metrics?: RefreshMetrics;
  now?: () => number;
  /** Resolves after `ms`, or at once (without waiting) when `signal` aborts. */
  sleep?: (ms: number, signal?: AbortSignal) => Promise<void>;
  log?: RefreshLog;
}

const MAX_ATTEMPTS = 4;

export interface RefreshCoordinator {
  /** Call only for a session whose access token is due (`dueAt` has passed). Never throws. */
  refresh(request: RefreshRequest): Promise<RefreshOutcome>;
  /**
   * A refresh made elsewhere (authkit, as a last resort) replaced `request`'s token with `newCookie`'s: remember it
   * as if it had been made here, so the other requests carrying the old token are handed the new session.
   */
  recordRotation(request: RefreshRequest, newCookie: string): Promise<void>;
  /** Grants still running in this process (a grant may outlive the requests that started it). */
  pending(): number;
}

export function createRefreshCoordinator(deps: RefreshCoordinatorDeps): RefreshCoordinator {
  const now = deps.now ?? Date.now;
  const sleep = deps.sleep ?? realSleep;
  const pollMs = deps.pollMs ?? 25;
  const log = deps.log ?? ((level, message) => console[level](`[refresh] ${message}`));
  const metrics = deps.metrics;
  const memory = createRotationMemory({ ...deps, now, log });
  const { readState, openNewest, tryLock, persistRotation, markDelivered } = memory;
  const settleInvalidGrant = createInvalidGrantSettler({ ...deps, now, log }, memory);
  const flights = new Map<string, Promise<FlightResult>>();
  let background = 0;

  async function flight(request: RefreshRequest, hash: string): Promise<FlightResult> {
    const key = deps.sessionKey(request.sessionId);
    const token = request.session.refreshToken;
    const deadline = now() + deps.waitMs;
    let waited = false;
    let held = await tryLock(key);
    while (!held) {
      // Another instance is refreshing this session: its result is what this request needs.
      waited = true;
      if (openNewest(await readState(key), token, key)) return { kind: 'recheck', waited };
      if (now() >= deadline) return retry('busy');
      await sleep(pollMs);
      held = await tryLock(key);
    }
    const { lock } = held;

    let keepLock = false;
    try {
      // The holder before us may have just rotated this very token.
      if (openNewest(await readState(key), token, key)) return { kind: 'recheck', waited };

      metrics?.count('grants');
      const grant = deps.grant({ refreshToken: token, organizationId: request.organizationId });
      const heartbeat = setInterval(() => void lock.extend(deps.lockTtlMs).catch(() => {}), deps.lockTtlMs / 3);
      heartbeat.unref?.();
      const settled = grant.then(
        (tokens) => ({ ok: true as const, tokens }),
        (error: unknown) => ({ ok: false as const, error }),
      );
      const stopWaiting = new AbortController();
      const first = await Promise.race([settled, sleep(Math.max(0, deadline - now()), stopWaiting.signal).then(() => null)]);
      stopWaiting.abort();

      if (first === null) {
        // WorkOS is slow. The grant is NOT abandoned: if it succeeds its result is kept — for the holders of the old
        // token, however long it takes them to come back, since no request was given it.
        keepLock = true;
        background += 1;
        void settled
          .then(async (late) => {
            if (late.ok) await persistRotation(request, token, late.tokens, false);
          })
          .catch((error: unknown) => log('error', `keeping a late refresh failed: ${describe(error)}`))
          .finally(() => {
            clearInterval(heartbeat);
            background -= 1;
            void lock.release().catch(() => {});
          });
        metrics?.count('slow');
        return retry('slow');
      }
      clearInterval(heartbeat);

      if (first.ok) {
        const { cookie, shared: visible } = await persistRotation(request, token, first.tokens, true);
        // Other instances cannot see the new session: hold the lock until it lapses, so they wait ("busy") rather
        // than spend the old token again while this response carries the new cookie to the browser.
        if (!visible) keepLock = true;
        return { kind: 'renewed', cookie, via: 'grant' };
      }

      const failure = first.error instanceof GrantError ? first.error.failure : 'unavailable';
      metrics?.count(`grant_${failure}`);
      if (failure === 'invalid_grant') return await settleInvalidGrant(request, hash, key, held);
      if (failure === 'rejected') {
        log('warn', `WorkOS rejected the refresh of session ${key}: ${describe(first.error)}`);
        return { kind: 'rejected' };
      }
      log('warn', `refresh of session ${key} failed for now: ${describe(first.error)}`);
      return retry('unavailable');
    } finally {
      if (!keepLock) await lock.release().catch(() => {});
    }
  }

  async function refresh(request: RefreshRequest): Promise<RefreshOutcome> {
    const started = now();
    let current = request;
    let waited = false;
    for (let attempt = 0; attempt < MAX_ATTEMPTS; attempt++) {
      const hash = deps.hashRefreshToken(current.session.refreshToken);
      const key = deps.sessionKey(current.sessionId);
      const state = await readState(key);
      const newest = openNewest(state, current.session.refreshToken, key);
      if (newest && state) {
        if (state.dueAt > now()) {
          await markDelivered(key, state);
          const via = waited ? 'waited' : 'shared';
          metrics?.count(via);
          metrics?.observeWait(now() - started);
          return { kind: 'renewed', cookie: newest.cookie, via };
        }
        // The newest session is due as well: refresh that one on this request's behalf.
        current = { ...current, cookie: newest.cookie, session: await deps.unseal(newest.cookie) };
        continue;
      }

      let ownFlight = flights.get(hash);
      const joined = ownFlight !== undefined;
      if (!ownFlight) {
        ownFlight = flight(current, hash).finally(() => flights.delete(hash));
        flights.set(hash, ownFlight);
      }
      const result = await ownFlight;
      if (result.kind === 'recheck') {
        waited ||= result.waited;
        continue;
      }
      if (result.kind === 'renewed' && joined) {
        metrics?.count('joined');
        metrics?.observeWait(now() - started);
        return { ...result, via: 'joined' };
      }
      if (result.kind === 'retry') metrics?.count(`retry_${result.why}`);
      return result;
    }
    metrics?.count('retry_busy');
    return retry('busy');
  }

  return {
    async refresh(request) {
      try {
        return await refresh(request);
      } catch (error) {
        log('error', `refresh failed unexpectedly: ${describe(error)}`);
        return retry('unavailable');
      }
    },
    async recordRotation(request, newCookie) {
      try {
        const tokens = await deps.unseal(newCookie);
        await persistRotation(request, request.session.refreshToken, tokens, true);
      } catch (error) {
        log('warn', `could not remember a refresh made outside the coordinator: ${describe(error)}`);
      }
    },
    pending: () => flights.size + background,
  };
}

function realSleep(ms: number, signal?: AbortSignal): Promise<void> {
  return new Promise<void>((resolve) => {
    const timer = setTimeout(resolve, ms);
    signal?.addEventListener('abort', () => {
      clearTimeout(timer);
      resolve();
    });
  });
}
