import { randomUUID } from 'node:crypto';
import type { RotationLock, RotationState, RotationStore } from './types';

/** Bounded: the entries live for seconds, so even a burst of refreshes stays small. */
const MAX_ENTRIES = 50_000;

interface Expiring<T> {
  value: T;
  expiresAt: number;
}

/** This process's rotation states and locks (the only store of a single instance; a local layer otherwise). */
export function createMemoryRotationStore({ now = Date.now }: { now?: () => number } = {}): RotationStore {
  const states = new Map<string, Expiring<RotationState>>();
  const locks = new Map<string, Expiring<string>>();

  function live<T>(map: Map<string, Expiring<T>>, key: string): T | null {
    const entry = map.get(key);
    if (!entry) return null;
    if (entry.expiresAt > now()) return entry.value;
    map.delete(key);
    return null;
  }

  function bound<T>(map: Map<string, Expiring<T>>): void {
    if (map.size < MAX_ENTRIES) return;
    const t = now();
    for (const [key, entry] of map) if (entry.expiresAt <= t) map.delete(key);
    // Still full of live entries: drop the oldest (Map keeps insertion order).
    for (const key of map.keys()) {
      if (map.size < MAX_ENTRIES) break;
      map.delete(key);
    }
  }

  return {
    kind: 'memory',
    async get(key) {
      return live(states, key);
    },
    async put(key, state, ttlMs) {
      bound(states);
      states.delete(key);
      states.set(key, { value: state, expiresAt: now() + ttlMs });
    },
    async acquire(key, ttlMs): Promise<RotationLock | null> {
      if (live(locks, key) !== null) return null;
      bound(locks);
      const token = randomUUID();
      locks.set(key, { value: token, expiresAt: now() + ttlMs });
      return {
        async extend(ms) {
          const entry = locks.get(key);
          if (!entry || entry.value !== token) return false;
          entry.expiresAt = now() + ms;
          return true;
        },
        async release() {
          if (locks.get(key)?.value === token) locks.delete(key);
        },
      };
    },
    healthy: () => true,
  };
}
