import { boxCookie, newBoxKey, unboxCookie, unwrapKey, wrapKey } from './grace-box';
import { createMemoryRotationStore } from './memory-store';
import { describe, type RefreshLog } from './outcome';
import type { RefreshRequest, RotationLock, RotationState, RotationStore, SealedSession } from './types';

/**
 * What the coordinator remembers of each session's refreshes, and its per-session lock: in this process always, and
 * in the shared store (Redis) when there is one. A shared store that fails degrades to this process's memory.
 */

export interface RotationMemoryDeps {
  shared?: RotationStore;
  seal(session: SealedSession): Promise<string>;
  dueAt(accessToken: string): number;
  hashRefreshToken(refreshToken: string): string;
  sessionKey(sessionId: string): string;
  graceMs: number;
  lockTtlMs: number;
  now: () => number;
  log: RefreshLog;
}

export interface HeldLock {
  lock: RotationLock;
  /** False when the shared lock could not be taken and only this instance is serialized. */
  shared: boolean;
}

/** Kept per session: enough to cover the requests in flight around a few consecutive refreshes. */
const MAX_ROTATED = 8;

/** How long the newest session waits for its first taker when no request was given it (a late grant). */
const UNDELIVERED_TTL_MS = 24 * 3_600_000;

export type RotationMemory = ReturnType<typeof createRotationMemory>;

export function createRotationMemory(deps: RotationMemoryDeps) {
  const { now, log, shared } = deps;
  const local = createMemoryRotationStore({ now });

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

  async function tryLock(key: string): Promise<HeldLock | null> {
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

  return { readState, openNewest, tryLock, persistRotation, markDelivered };
}
