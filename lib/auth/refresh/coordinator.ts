import { boxCookie, newBoxKey, unboxCookie, unwrapKey, wrapKey } from './grace-box';
import { createMemoryRotationStore } from './memory-store';
import type { RefreshMetrics } from './metrics';
import {
  GrantError,
  type RefreshOutcome,
  type RefreshRequest,
  type RotationLock,
  type RotationState,
  type RotationStore,
  type SealedSession,
} from './types';

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
  log?: (level: 'info' | 'warn' | 'error', message: string) => void;
}

/** Kept per session: enough to cover the requests in flight around a few consecutive refreshes. */
const MAX_ROTATED = 8;
const MAX_ATTEMPTS = 4;

type FlightResult = RefreshOutcome | { kind: 'recheck'; waited: boolean };

const RETRY_AFTER = { busy: 1, slow: 2, unavailable: 5, unconfirmed: 2, lost_race: 1 } as const;

function retry(why: keyof typeof RETRY_AFTER): RefreshOutcome {
  return { kind: 'retry', why, retryAfterSeconds: RETRY_AFTER[why] };
}

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

/** How long the newest session waits for its first taker when no request was given it (a late grant). */
const UNDELIVERED_TTL_MS = 24 * 3_600_000;

interface Held {
  lock: RotationLock;
  /** False when the shared lock could not be taken and only this instance is serialized. */
  shared: boolean;
}

export function createRefreshCoordinator(deps: RefreshCoordinatorDeps): RefreshCoordinator {
  const now = deps.now ?? Date.now;
  const sleep = deps.sleep ?? realSleep;
  const pollMs = deps.pollMs ?? 25;
  const log = deps.log ?? ((level, message) => console[level](`[refresh] ${message}`));
  const metrics = deps.metrics;
  const local = createMemoryRotationStore({ now });
  const shared = deps.shared;
  const flights = new Map<string, Promise<FlightResult>>();
  /** Lost races whose winner this instance cannot see, by refresh-token hash: first seen at. */
  const unsettled = new Map<string, number>();
  let background = 0;

  const isFresh = (entry: { at: number }) => now() - entry.at <= deps.graceMs;

  async function readState(key: string): Promise<RotationState | null> {
    const mine = await local.get(key);
    if (!shared) return mine;
    let theirs: RotationState | null;
    try {
      theirs = await shared.get(key);
    } catch (error) {
      log('warn', `shared store unreadable; using this instance's memory only: ${describe(error)}`);
      return mine;
    }
    // IMPORTANT: the newer of the two. This instance's copy goes stale as soon as another instance refreshes the
    // session; the shared one can be missing (written while Redis was down, or Redis restarted empty).
    if (!mine || !theirs) return theirs ?? mine;
    return (theirs.rotated[0]?.at ?? 0) >= (mine.rotated[0]?.at ?? 0) ? theirs : mine;
  }

  /** True when every instance can see it (or there is only this one). */
  async function writeState(key: string, state: RotationState): Promise<boolean> {
    const ttl = state.delivered ? deps.graceMs : Math.max(deps.graceMs, UNDELIVERED_TTL_MS);
    await local.put(key, state, ttl);
    if (!shared) return true;
    try {
      await shared.put(key, state, ttl);
      return true;
    } catch (error) {
      log('warn', `shared store unwritable; other instances will not see this refresh: ${describe(error)}`);
      return false;
    }
  }

  /**
   * The newest cookie, for the holder of `refreshToken` when the state replaced it — within the grace period, or
   * at any time while nobody has been given it — and the key K that opens it. Null otherwise.
   */
  function openNewest(state: RotationState | null, refreshToken: string, key: string): { cookie: string; boxKey: Buffer } | null {
    if (!state) return null;
    const hash = deps.hashRefreshToken(refreshToken);
    if (state.currentHash === hash) return null;
    const entry = state.rotated.find((r) => r.hash === hash && (isFresh(r) || !state.delivered));
    if (!entry) return null;
    const boxKey = unwrapKey(entry.key, refreshToken, key);
    const cookie = boxKey ? unboxCookie(boxKey, state.box) : null;
    return cookie && boxKey ? { cookie, boxKey } : null;
  }

  async function tryLock(key: string): Promise<Held | null> {
    if (!shared) {
      const lock = await local.acquire(key, deps.lockTtlMs);
      return lock && { lock, shared: true };
    }
    try {
      const lock = await shared.acquire(key, deps.lockTtlMs);
      return lock && { lock, shared: true };
    } catch (error) {
      log('warn', `shared lock unavailable; serializing in this instance only: ${describe(error)}`);
      const lock = await local.acquire(key, deps.lockTtlMs);
      return lock && { lock, shared: false };
    }
  }

  /**
   * Remembers that `oldToken` was replaced by `tokens`. Returns the new cookie, and whether every instance can see
   * the rotation. Never loses the new cookie to a failure of the store: the caller still hands it out.
   */
  async function persistRotation(
    request: RefreshRequest,
    oldToken: string,
    tokens: SealedSession,
    delivered: boolean,
  ): Promise<{ cookie: string; shared: boolean }> {
    const key = deps.sessionKey(request.sessionId);
    const cookie = await deps.seal(tokens);
    try {
      const previous = await readState(key);
      const oldHash = deps.hashRefreshToken(oldToken);
      // The same key K across consecutive refreshes, so the tokens replaced before still open the newest cookie.
      let boxKey = previous && previous.currentHash === oldHash ? unwrapKey(previous.currentKey, oldToken, key) : null;
      const carried = boxKey
        ? previous!.rotated.filter((r) => r.hash !== oldHash && (isFresh(r) || !previous!.delivered))
        : [];
      boxKey ??= newBoxKey();
      const state: RotationState = {
        box: boxCookie(boxKey, cookie),
        currentHash: deps.hashRefreshToken(tokens.refreshToken),
        currentKey: wrapKey(boxKey, tokens.refreshToken, key),
        dueAt: deps.dueAt(tokens.accessToken),
        delivered,
        rotated: [{ hash: oldHash, at: now(), key: wrapKey(boxKey, oldToken, key) }, ...carried].slice(0, MAX_ROTATED),
      };
      return { cookie, shared: await writeState(key, state) };
    } catch (error) {
      log('error', `could not remember the refresh of session ${key}: ${describe(error)}`);
      return { cookie, shared: false };
    }
  }

  /** The newest session was handed to a request: from now on the grace period applies to it. */
  async function markDelivered(key: string, state: RotationState): Promise<void> {
    if (state.delivered) return;
    await writeState(key, { ...state, delivered: true }).catch(() => false);
  }

  async function settleInvalidGrant(request: RefreshRequest, hash: string, key: string, held: Held): Promise<FlightResult> {
    // Someone else rotated it after we looked (another instance, whose state we now see): a lost race, recovered.
    if (openNewest(await readState(key), request.session.refreshToken, key)) {
      metrics?.count('lost_race_recovered');
      log('info', `lost refresh race recovered for session ${key}: the newest session was shared`);
      return { kind: 'recheck', waited: false };
    }
    let active: boolean;
    try {
      active = await deps.isSessionActive(request.userId, request.sessionId);
    } catch (error) {
      log('warn', `refresh refused for session ${key} and WorkOS could not confirm why; asking to retry: ${describe(error)}`);
      return retry('unconfirmed');
    }
    if (!active) {
      try {
        await deps.onEnded(request);
      } catch (error) {
        log('error', `the end of session ${key} could not be recorded: ${describe(error)}`);
      }
      metrics?.count('ended');
      return { kind: 'ended' };
    }
    // A lost race whose winner may be invisible to this instance (the shared store is down, or its lock could not be
    // taken): let the browser retry — its new cookie is on its way — for at most one grace period.
    if (shared && (!shared.healthy() || !held.shared)) {
      const first = unsettled.get(hash) ?? now();
      unsettled.set(hash, first);
      if (unsettled.size > 10_000) unsettled.clear();
      if (now() - first <= deps.graceMs) {
        metrics?.count('lost_race_retry');
        log('warn', `lost refresh race for session ${key} while the shared store is unreliable; asking the browser to retry`);
        return retry('lost_race');
      }
    }
    unsettled.delete(hash);
    try {
      await deps.onReused(request);
    } catch (error) {
      log('error', `the reuse of a refresh token of session ${key} could not be recorded: ${describe(error)}`);
    }
    metrics?.count('reused');
    log('warn', `spent refresh token presented for live session ${key}: recorded as reuse`);
    return { kind: 'reused' };
  }

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

function describe(error: unknown): string {
  return error instanceof Error ? error.message : String(error);
}
