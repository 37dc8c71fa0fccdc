import { randomUUID } from 'node:crypto';
import { z } from 'zod';
import { createFailFastRedis } from '@/lib/redis/fail-fast';
import { parseStored } from '@/lib/redis/parse-stored';
import type { RotationLock, RotationState, RotationStore } from './types';

/**
 * Rotation states and refresh locks shared by every instance (REDIS_URL):
 *   <prefix>refresh:s:<sessionKey>  JSON RotationState (the newest cookie, encrypted for the holders of the tokens it
 *                                    replaced — see grace-box.ts; hashes and ciphertext only), PX its time to live
 *   <prefix>refresh:l:<sessionKey>  lock token, SET NX PX lockTtlMs; extended and released only by its holder
 * Fails fast (no offline queue, bounded timeouts): a dead Redis costs a request one timeout, then the coordinator
 * works per instance until it returns.
 */

export interface RedisRotationStoreOptions {
  url: string;
  keyPrefix?: string;
  connectTimeoutMs?: number;
  commandTimeoutMs?: number;
  log?: (level: 'info' | 'warn' | 'error', message: string) => void;
}

const sealed = z.string().regex(/^[A-Za-z0-9_-]+$/).max(16_384);
const hash = z.string().regex(/^[0-9a-f]{32}$/);
const stateSchema = z.object({
  box: sealed,
  currentHash: hash,
  currentKey: sealed,
  dueAt: z.number().finite(),
  delivered: z.boolean(),
  rotated: z.array(z.object({ hash, at: z.number().finite(), key: sealed })).max(64),
});

const EXTEND = `if redis.call('GET', KEYS[1]) == ARGV[1] then return redis.call('PEXPIRE', KEYS[1], ARGV[2]) end return 0`;
const RELEASE = `if redis.call('GET', KEYS[1]) == ARGV[1] then return redis.call('DEL', KEYS[1]) end return 0`;

export function parseRotationState(text: string | null): RotationState | null {
  return parseStored(stateSchema, text);
}

/** A state is in the shared store but cannot be trusted: the coordinator treats the store as unreadable. */
export class UnreadableStateError extends Error {
  constructor(key: string) {
    super(`unreadable rotation state for session ${key}`);
    this.name = 'UnreadableStateError';
  }
}

export function createRedisRotationStore(options: RedisRotationStoreOptions): RotationStore {
  const prefix = `${options.keyPrefix ?? 'rev:'}refresh:`;
  const log = options.log ?? ((level, message) => console[level](`[refresh/redis] ${message}`));
  let lastFailureAt = 0;
  const { redis, ready: connected } = createFailFastRedis({
    url: options.url,
    connectTimeoutMs: options.connectTimeoutMs,
    commandTimeoutMs: options.commandTimeoutMs,
    onError: (error) => {
      if (Date.now() - lastFailureAt > 10_000) log('warn', `Redis: ${error.message}`);
      lastFailureAt = Date.now();
    },
  });

  async function run<T>(command: () => Promise<T>): Promise<T> {
    try {
      await connected();
      return await command();
    } catch (error) {
      lastFailureAt = Date.now();
      throw error;
    }
  }

  return {
    kind: 'redis',
    async get(key) {
      const text = await run(() => redis.get(`${prefix}s:${key}`));
      const state = parseRotationState(text);
      if (text !== null && state === null) {
        // IMPORTANT: not "no state". Read as absent, a race lost to another instance would look like a reused token and
        // sign a live session out; as a failing store, the coordinator asks the browser to retry for a grace period.
        lastFailureAt = Date.now();
        log('warn', `unreadable rotation state for session ${key} in Redis; treating the shared store as unreliable`);
        throw new UnreadableStateError(key);
      }
      return state;
    },
    async put(key, state, ttlMs) {
      await run(() => redis.set(`${prefix}s:${key}`, JSON.stringify(state), 'PX', Math.max(1, Math.round(ttlMs))));
    },
    async acquire(key, ttlMs): Promise<RotationLock | null> {
      const lockKey = `${prefix}l:${key}`;
      const token = randomUUID();
      const ok = await run(() => redis.set(lockKey, token, 'PX', Math.max(1, Math.round(ttlMs)), 'NX'));
      if (ok !== 'OK') return null;
      return {
        async extend(ms) {
          return (await run(() => redis.eval(EXTEND, 1, lockKey, token, String(Math.round(ms))))) === 1;
        },
        async release() {
          await run(() => redis.eval(RELEASE, 1, lockKey, token));
        },
      };
    },
    // Unhealthy while disconnected, and for a few seconds after any failed command.
    healthy: () => redis.status === 'ready' && Date.now() - lastFailureAt > 5_000,
    async close() {
      redis.disconnect();
    },
  };
}
