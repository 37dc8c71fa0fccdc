import { DatabaseSync } from 'node:sqlite';
import { Redis } from 'ioredis';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { migrate } from '@/lib/db/schema';
import { startRedisServer, type RedisServer } from '@/test/multi-instance/redis-server';
import { createSqliteOutbox, layeredOutbox } from './outbox';
import { createRedisOutbox } from './redis-outbox';

/** Real redis-server: the outbox every instance drains, and its fallback while Redis is down. */

let server: RedisServer;
let admin: Redis;
const closers: (() => Promise<void>)[] = [];

function outbox(prefix: string, now = () => Date.now()) {
  const o = createRedisOutbox({ url: server.url, keyPrefix: prefix, now });
  closers.push(() => o.close());
  return o;
}

const HASH = (n: number) => n.toString(16).padStart(32, '0');
const entry = (n: number, userId = 'user_1') => ({
  sessionHash: HASH(n),
  sealedSessionId: `Fe26.2**sealed-${n}`,
  userId,
  reason: 'signed_out_elsewhere',
  lastError: 'unavailable (503)',
});

beforeAll(async () => {
  server = await startRedisServer({ portFrom: 6480 });
  admin = new Redis(server.url);
});

afterAll(async () => {
  await Promise.all(closers.map((close) => close()));
  admin.disconnect();
  await server.stop();
});

describe('Redis WorkOS outbox', () => {
  it('queues once per session, and gives each due entry to one worker at a time across instances', async () => {
    const t = 1_800_000_000_000;
    const a = outbox('o1:', () => t);
    const b = outbox('o1:', () => t);
    await a.add(entry(1));
    await b.add({ ...entry(1), lastError: 'a later error' }); // already queued: unchanged
    await a.add(entry(2, 'user_2'));

    const fromA = await a.claim(t, 10, 60_000);
    const fromB = await b.claim(t, 10, 60_000);
    expect(fromA.map((e) => e.sessionHash).sort()).toEqual([HASH(1), HASH(2)]);
    expect(fromB).toEqual([]);
    expect(fromA.find((e) => e.sessionHash === HASH(1))).toMatchObject({ lastError: 'unavailable (503)', attempts: 0 });
    expect(await b.pendingFor('user_1')).toEqual(new Set([HASH(1)]));

    // Only the holder settles; a settled entry is gone everywhere.
    const one = fromA.find((e) => e.sessionHash === HASH(1))!;
    expect(await b.settle({ ...one, leaseToken: 'not-the-holder' })).toBe(false);
    expect(await a.settle(one)).toBe(true);
    expect(await b.has(HASH(1))).toBe(false);
    expect(await b.pendingFor('user_1')).toEqual(new Set());

    // A failed attempt comes back when due, with the attempt counted.
    const two = fromA.find((e) => e.sessionHash === HASH(2))!;
    await a.retryLater(two, t + 5_000, 'timeout');
    expect(await b.claim(t, 10, 60_000)).toEqual([]);
    const again = await b.claim(t + 5_000, 10, 60_000);
    expect(again).toEqual([expect.objectContaining({ sessionHash: HASH(2), attempts: 1, lastError: 'timeout' })]);
    expect(await b.stats()).toMatchObject({ pending: 1, mostAttempts: 1 });
  });

  it('hands back the entries of a worker that died once its lease ends', async () => {
    const t = 1_800_000_000_000;
    const a = outbox('o2:', () => t);
    await a.add(entry(3));
    expect(await a.claim(t, 10, 200)).toHaveLength(1);
    await new Promise((r) => setTimeout(r, 250));
    expect(await outbox('o2:', () => t).claim(t, 10, 200)).toHaveLength(1);
  });

  it('never takes an unreadable entry for a confirmed one: it leaves the queue, is set aside for an operator, and its user still sees it pending', async () => {
    const logs: string[] = [];
    const a = createRedisOutbox({ url: server.url, keyPrefix: 'o3:', log: (_level, message) => logs.push(message) });
    closers.push(() => a.close());
    await a.add(entry(9));
    await a.add(entry(8));
    // Corrupt one entry, queue a member that names no session, and slip junk into the user's set.
    await admin.set(`o3:wo:e:${HASH(9)}`, JSON.stringify({ ...entry(9), sessionHash: 'raw-session-id' }));
    await admin.zadd('o3:wo:q', 0, 'not-a-session-hash');
    await admin.sadd('o3:wo:u:user_1', 'not-a-session-hash');

    const claimed = await a.claim(Date.now(), 10, 60_000);

    expect(claimed.map((e) => e.sessionHash)).toEqual([HASH(8)]);
    expect(await admin.zrange('o3:wo:q', 0, -1)).toEqual([HASH(8)]);
    expect(await admin.smembers('o3:wo:bad')).toEqual([HASH(9)]);
    expect(await admin.exists(`o3:wo:e:${HASH(9)}`)).toBe(1);
    expect(await a.pendingFor('user_1')).toEqual(new Set([HASH(8), HASH(9)]));
    expect(logs.some((l) => l.includes(`unreadable WorkOS outbox entry for session ${HASH(9)}`))).toBe(true);
    expect(logs.some((l) => l.includes('not-a-session-hash'))).toBe(true);
  });

  it('layered over the instance’s own: queues locally while Redis is down, so nothing owed is lost', async () => {
    const db = new DatabaseSync(':memory:');
    migrate(db);
    const local = createSqliteOutbox(db);
    const shared = outbox('o4:');
    const logged: string[] = [];
    const layered = layeredOutbox(shared, local, (m) => logged.push(m));
    await layered.add(entry(4));
    expect(await shared.has(HASH(4))).toBe(true);
    await server.stop();
    try {
      await layered.add(entry(5));
      expect(await local.has(HASH(5))).toBe(true);
      expect(await layered.has(HASH(5))).toBe(true);
      expect(logged[0]).toMatch(/shared outbox unwritable/);
    } finally {
      await server.restart();
    }
  });
});
