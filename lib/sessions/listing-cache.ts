import type { AppSession } from '@/lib/workos/types';

/**
 * A user's sessions as WorkOS listed them a moment ago, for pages only: a burst of renders (reloads, several tabs,
 * the re-render after an action) costs WorkOS one call per user per `ttlMs`, and concurrent renders share it.
 * IMPORTANT: never for a decision. The ownership check inside an action asks WorkOS itself (getOwnedSessions).
 */
export interface SessionListCache {
  /** The user's sessions as listed at most `ttlMs` ago. Throws what `list` throws (failures are not kept). */
  get(userId: string): Promise<AppSession[]>;
  /** The user's sessions changed (a revocation, a sign-in): the next `get` asks WorkOS. */
  forget(userId: string): void;
}

export interface SessionListCacheDeps {
  ttlMs: number;
  list(userId: string): Promise<AppSession[]>;
  /**
   * A kept listing that WorkOS is about to contradict (it lists a session already ended here, whose end WorkOS has
   * yet to confirm, possibly by another instance): the next `get` lists afresh instead of showing it.
   */
  outdated?(userId: string, sessions: AppSession[]): boolean;
  /** Users kept at most; the oldest entries go first. */
  maxUsers?: number;
  now?: () => number;
}

interface Entry {
  at: number;
  sessions: Promise<AppSession[]>;
}

export function createSessionListCache(deps: SessionListCacheDeps): SessionListCache {
  const now = deps.now ?? Date.now;
  const maxUsers = deps.maxUsers ?? 10_000;
  const entries = new Map<string, Entry>();

  function listAfresh(userId: string): Entry {
    const entry: Entry = { at: now(), sessions: deps.list(userId) };
    entries.delete(userId);
    entries.set(userId, entry);
    entry.sessions.catch(() => {
      if (entries.get(userId) === entry) entries.delete(userId);
    });
    for (const oldest of entries.keys()) {
      if (entries.size <= maxUsers) break;
      entries.delete(oldest);
    }
    return entry;
  }

  return {
    get(userId) {
      if (deps.ttlMs <= 0) return deps.list(userId);
      const held = entries.get(userId);
      if (!held || now() - held.at >= deps.ttlMs) return listAfresh(userId).sessions;
      const { outdated } = deps;
      if (!outdated) return held.sessions;
      return held.sessions.then((sessions) => {
        if (!outdated(userId, sessions)) return sessions;
        // Concurrent renders that found the same outdated listing share one fresh call.
        const current = entries.get(userId);
        return (current && current !== held ? current : listAfresh(userId)).sessions;
      });
    },
    forget(userId) {
      // A listing already in flight may predate the change: it is dropped, and only its current waiters see it.
      entries.delete(userId);
    },
  };
}
