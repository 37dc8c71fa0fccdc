import { randomUUID } from 'node:crypto';
import { z } from 'zod';
import { createFailFastRedis } from '@/lib/redis/fail-fast';
import { parseStored } from '@/lib/redis/parse-stored';
import type { ClaimedEntry, NewOutboxEntry, OutboxEntry, OutboxStats, SharedOutbox } from './outbox';

/**
 * The WorkOS outbox shared by every instance (REDIS_URL), so that whichever instance is up asks WorkOS again — an
 * instance that is gone for good leaves nothing owed behind. Keys (prefix `rev:` by default):
 *   <prefix>wo:q             sorted set: session hash → when its next attempt is due (ms)
 *   <prefix>wo:e:<hash>      JSON entry (the session id SEALED, never raw)
 *   <prefix>wo:l:<hash>      lease token of the worker holding it (SET NX PX), settled only by its holder
 *   <prefix>wo:u:<userId>    set of the user's queued session hashes (the security page's "not confirmed yet")
 *   <prefix>wo:d:<hash>      tombstone: WorkOS confirmed it (kept TOMBSTONE_MS, so instances' journals can tell
 *                            "settled" from "lost"; see outbox.ts layeredOutbox)
 *   <prefix>wo:bad           set of session hashes whose entry could not be read, set aside for an operator
 * Entries are validated when read: another deployment could write to a shared Redis.
 */

export interface RedisOutboxOptions {
  url: string;
  keyPrefix?: string;
  connectTimeoutMs?: number;
  commandTimeoutMs?: number;
  now?: () => number;
  log?: (level: 'warn' | 'error', message: string) => void;
}

const HASH = /^[0-9a-f]{32}$/;

const entrySchema = z.object({
  sessionHash: z.string().regex(/^[0-9a-f]{32}$/),
  sealedSessionId: z.string().min(1).max(4_096),
  userId: z.string().min(1).max(200),
  reason: z.string().min(1).max(100),
  enqueuedAt: z.number().finite(),
  attempts: z.number().int().min(0),
  nextAttemptAt: z.number().finite(),
  lastError: z.string().max(500).nullable(),
});

const TOMBSTONE_MS = 7 * 86_400_000;

// KEYS: queue, entry, lease, user set, tombstone. ARGV: token, hash, tombstone ttl.
const SETTLE = `
if redis.call('GET', KEYS[3]) ~= ARGV[1] then return 0 end
redis.call('DEL', KEYS[2], KEYS[3])
redis.call('ZREM', KEYS[1], ARGV[2])
redis.call('SREM', KEYS[4], ARGV[2])
redis.call('SET', KEYS[5], '1', 'PX', ARGV[3])
return 1`;
// KEYS: queue, entry, lease, user set. ARGV: token, hash, next, entry json. An entry removed meanwhile stays removed.
const RETRY_LATER = `
if redis.call('GET', KEYS[3]) ~= ARGV[1] then return 0 end
redis.call('DEL', KEYS[3])
if redis.call('EXISTS', KEYS[2]) == 0 then return 0 end
redis.call('SET', KEYS[2], ARGV[4])
redis.call('ZADD', KEYS[1], ARGV[3], ARGV[2])
return 1`;
// KEYS: queue, entry, tombstone, user-set prefix. ARGV: hash, tombstone ttl. WorkOS confirmed through another path.
const REMOVE = `
local entry = redis.call('GET', KEYS[2])
redis.call('DEL', KEYS[2])
redis.call('ZREM', KEYS[1], ARGV[1])
redis.call('SET', KEYS[3], '1', 'PX', ARGV[2])
if entry then
  local ok, decoded = pcall(cjson.decode, entry)
  if ok and type(decoded) == 'table' and type(decoded.userId) == 'string' then
    redis.call('SREM', KEYS[4] .. decoded.userId, ARGV[1])
  end
end
return 1`;
// KEYS: queue, entry, user set, tombstone. ARGV: hash, due, entry json. Keeps an entry already queued as it is; a
// new end of the same session (asked again) clears an old tombstone.
const ADD = `
if redis.call('SET', KEYS[2], ARGV[3], 'NX') then
  redis.call('DEL', KEYS[4])
  redis.call('ZADD', KEYS[1], ARGV[2], ARGV[1])
  redis.call('SADD', KEYS[3], ARGV[1])
  return 1
end
return 0`;

function parse(text: string | null): OutboxEntry | null {
  return parseStored(entrySchema, text);
}

export function createRedisOutbox(options: RedisOutboxOptions): SharedOutbox & { close(): Promise<void> } {
  const now = options.now ?? Date.now;
  const prefix = `${options.keyPrefix ?? 'rev:'}wo:`;
  const queue = `${prefix}q`;
  const entryKey = (hash: string) => `${prefix}e:${hash}`;
  const leaseKey = (hash: string) => `${prefix}l:${hash}`;
  const userPrefix = `${prefix}u:`;
  const userKey = (userId: string) => `${userPrefix}${userId}`;
  const tombstoneKey = (hash: string) => `${prefix}d:${hash}`;
  const setAside = `${prefix}bad`;
  const log = options.log ?? ((level, message) => console[level](`[sessions/outbox] ${message}`));
  const { redis, ready: connected } = createFailFastRedis({
    url: options.url,
    connectTimeoutMs: options.connectTimeoutMs,
    commandTimeoutMs: options.commandTimeoutMs,
  });

  return {
    kind: 'redis',
    async add(entry: NewOutboxEntry) {
      await connected();
      const t = now();
      const full: OutboxEntry = { ...entry, enqueuedAt: t, attempts: 0, nextAttemptAt: t };
      await redis.eval(ADD, 4, queue, entryKey(entry.sessionHash), userKey(entry.userId), tombstoneKey(entry.sessionHash), entry.sessionHash, String(t), JSON.stringify(full));
    },
    async has(sessionHash) {
      await connected();
      return (await redis.exists(entryKey(sessionHash))) === 1;
    },
    async remove(sessionHash) {
      await connected();
      await redis.eval(REMOVE, 4, queue, entryKey(sessionHash), tombstoneKey(sessionHash), userPrefix, sessionHash, String(TOMBSTONE_MS));
    },
    async status(sessionHash) {
      await connected();
      const [queued, settled] = await Promise.all([redis.exists(entryKey(sessionHash)), redis.exists(tombstoneKey(sessionHash))]);
      return queued === 1 ? 'queued' : settled === 1 ? 'settled' : 'unknown';
    },
    async claim(at, limit, leaseMs) {
      await connected();
      // Looks past entries other workers hold (their lease keys exist), so one busy entry does not stall the rest.
      const due = await redis.zrangebyscore(queue, '-inf', at, 'LIMIT', 0, limit + 50);
      const claimed: ClaimedEntry[] = [];
      for (const hash of due) {
        if (claimed.length >= limit) break;
        if (!HASH.test(hash)) {
          log('warn', `dropping ${JSON.stringify(hash.slice(0, 100))} from the WorkOS outbox queue: it names no session`);
          await redis.zrem(queue, hash);
          continue;
        }
        const token = randomUUID();
        if ((await redis.set(leaseKey(hash), token, 'PX', leaseMs, 'NX')) !== 'OK') continue;
        const text = await redis.get(entryKey(hash));
        const entry = parse(text);
        if (!entry || entry.sessionHash !== hash) {
          // Out of the queue so it does not come back every round. IMPORTANT: an unreadable entry is not "confirmed":
          // WorkOS cannot be asked without the sealed id, so it is set aside for an operator, and its user's page
          // goes on saying WorkOS has not confirmed (the user set keeps it).
          await redis.zrem(queue, hash);
          await redis.del(leaseKey(hash));
          if (text !== null) {
            await redis.sadd(setAside, hash);
            log('error', `unreadable WorkOS outbox entry for session ${hash}; set aside in ${setAside} for an operator`);
          }
          continue;
        }
        claimed.push({ ...entry, leaseToken: token });
      }
      return claimed;
    },
    async settle(entry) {
      await connected();
      const done = await redis.eval(SETTLE, 5, queue, entryKey(entry.sessionHash), leaseKey(entry.sessionHash), userKey(entry.userId), tombstoneKey(entry.sessionHash), entry.leaseToken, entry.sessionHash, String(TOMBSTONE_MS));
      return done === 1;
    },
    async retryLater(entry, nextAttemptAt, error) {
      await connected();
      const next: OutboxEntry = {
        sessionHash: entry.sessionHash,
        sealedSessionId: entry.sealedSessionId,
        userId: entry.userId,
        reason: entry.reason,
        enqueuedAt: entry.enqueuedAt,
        attempts: entry.attempts + 1,
        nextAttemptAt,
        lastError: error.slice(0, 500),
      };
      const done = await redis.eval(RETRY_LATER, 4, queue, entryKey(entry.sessionHash), leaseKey(entry.sessionHash), userKey(entry.userId), entry.leaseToken, entry.sessionHash, String(nextAttemptAt), JSON.stringify(next));
      return done === 1;
    },
    async pendingFor(userId) {
      await connected();
      return new Set((await redis.smembers(userKey(userId))).filter((hash) => HASH.test(hash)));
    },
    async stats(): Promise<OutboxStats> {
      await connected();
      const pending = await redis.zcard(queue);
      let oldest: number | null = null;
      let most = 0;
      for (const hash of await redis.zrange(queue, 0, 199)) {
        const entry = parse(await redis.get(entryKey(hash)));
        if (!entry) continue;
        oldest = oldest === null ? entry.enqueuedAt : Math.min(oldest, entry.enqueuedAt);
        most = Math.max(most, entry.attempts);
      }
      return { pending, oldestEnqueuedAt: oldest, mostAttempts: most };
    },
    async close() {
      redis.disconnect();
    },
  };
}
