import 'server-only';
import { getEnv } from '@/lib/env';
import { getRevocationRegistry } from '@/lib/revocation';
import { listActiveSessions, type AppSession } from '@/lib/workos/client';
import { createSessionListCache, type SessionListCache } from './listing-cache';

const cacheKey = Symbol.for('soe.sessions.listing-cache');
type Holder = { [cacheKey]?: SessionListCache };

function listingCache(): SessionListCache {
  const holder = globalThis as Holder;
  if (!holder[cacheKey]) {
    const registry = getRevocationRegistry();
    const cache = createSessionListCache({
      ttlMs: getEnv().SESSION_LIST_CACHE_SECONDS * 1000,
      list: (userId) => listActiveSessions(userId),
      // WorkOS still lists a session ended here until the outbox (on any instance) confirms its end there.
      outdated: (userId, sessions) => {
        try {
          return sessions.some((s) => s.status === 'active' && registry.check(s.id, userId) !== null);
        } catch {
          return true; // The registry is not ready here yet: WorkOS's own listing, never a kept one.
        }
      },
    });
    // Every revocation, from any source and any instance, changes what the owner's pages must show.
    registry.subscribe((record) => cache.forget(record.userId));
    registry.subscribeUsers((revocation) => cache.forget(revocation.userId));
    holder[cacheKey] = cache;
  }
  return holder[cacheKey];
}

/** The user's sessions as WorkOS listed them a few seconds ago at most (SESSION_LIST_CACHE_SECONDS): pages only. */
export function listForDisplay(userId: string): Promise<AppSession[]> {
  return listingCache().get(userId);
}

/** The user signed in, or WorkOS told us of a new session: their pages list afresh. */
export function forgetSessionListing(userId: string): void {
  listingCache().forget(userId);
}
