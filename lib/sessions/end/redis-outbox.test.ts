import { DatabaseSync } from 'node:sqlite';
import { Redis } from 'ioredis';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { migrate } from '@/lib/db/schema';
import { startRedisServer, type RedisServer } from '@/tools/stack/redis';
import { createSqliteOutbox, layeredOutbox, type WorkosOutbox } from './outbox';
import { createOutboxConfirmer } from './confirmer';
import { createRedisOutbox } from './redis-outbox';
import { WorkosError } from '@/lib/workos/types';

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

  it('layered over the instance’s own: every owed end is in both; the journal defers to Redis while it holds it', async () => {
    let t = 1_800_000_000_000;
    const db = new DatabaseSync(':memory:');
    migrate(db);
    const local = createSqliteOutbox(db, { now: () => t });
    const shared = outbox('o4:', () => t);
    const logged: string[] = [];
    const { outbox: layered, drained } = layeredOutbox(shared, local, (m) => logged.push(m), { recheckMs: 30_000, now: () => t });
    const [sharedDrain, journal] = drained as [WorkosOutbox, WorkosOutbox];

    await layered.add(entry(4));
    expect(await shared.has(HASH(4))).toBe(true);
    expect(await local.has(HASH(4))).toBe(true);
    // The journal's copy waits: Redis holds it, so this instance does not ask WorkOS a second time.
    expect(await journal.claim(t, 10, 60_000)).toEqual([]);
    t += 30_000;
    const [waiting] = await journal.claim(t, 1, 60_000);
    expect(await journal.triage!(waiting!, t)).toBe('postponed');
    expect(await journal.claim(t, 10, 60_000)).toEqual([]);

    // Settled through this instance's shared drain: gone from the journal too.
    const [claimed] = await sharedDrain.claim(t, 1, 60_000);
    expect(await sharedDrain.settle(claimed!)).toBe(true);
    expect(await local.has(HASH(4))).toBe(false);
    expect(await shared.status(HASH(4))).toBe('settled');
  });

  it('layered: an end recorded while Redis is down is this instance’s to ask WorkOS for; one Redis lost is queued there again', async () => {
    let t = 1_800_000_000_000;
    const db = new DatabaseSync(':memory:');
    migrate(db);
    const local = createSqliteOutbox(db, { now: () => t });
    const shared = outbox('o5:', () => t);
    const logged: string[] = [];
    const { outbox: layered, drained } = layeredOutbox(shared, local, (m) => logged.push(m), { recheckMs: 30_000, now: () => t });
    const journal = drained[1]!;

    await layered.add(entry(6));
    await server.stop();
    try {
      await layered.add(entry(5));
      expect(logged[0]).toMatch(/shared outbox unwritable/);
      expect(await layered.has(HASH(5))).toBe(true);
      // Due at once, and with Redis unreachable the journal attempts it itself.
      const [own] = await journal.claim(t, 1, 60_000);
      expect(own?.sessionHash).toBe(HASH(5));
      expect(await journal.triage!(own!, t)).toBe('attempt');
    } finally {
      await server.restart();
    }

    // Redis came back EMPTY (restart without persistence, a failover to a replica that was behind): both ends are
    // still owed, and the journal gives them back to the shared outbox.
    await admin.flushall();
    await expect.poll(() => shared.status(HASH(5)).then(() => true, () => false), { timeout: 10_000 }).toBe(true);
    t += 60_001;
    const found: string[] = [];
    for (let entryLeft = await journal.claim(t, 1, 60_000); entryLeft.length > 0; entryLeft = await journal.claim(t, 1, 60_000)) {
      expect(await journal.triage!(entryLeft[0]!, t)).toBe('postponed');
      found.push(entryLeft[0]!.sessionHash);
    }
    expect(found.sort()).toEqual([HASH(5), HASH(6)]);
    expect(await shared.status(HASH(5))).toBe('queued');
    expect(await shared.status(HASH(6))).toBe('queued');
    expect(logged.filter((m) => m.includes('missing from the shared outbox'))).toHaveLength(2);

    // Another instance settles one: this journal sees the tombstone and confirms its own copy.
    const other = outbox('o5:', () => t);
    const [theirs] = (await other.claim(t, 10, 60_000)).filter((e) => e.sessionHash === HASH(6));
    expect(await other.settle(theirs!)).toBe(true);
    t += 30_001;
    const due = await journal.claim(t, 10, 60_000);
    const six = due.find((e) => e.sessionHash === HASH(6))!;
    expect(await journal.triage!(six, t)).toBe('confirmed_elsewhere');
  });

  it('a removed entry stays removed: a worker retrying it afterwards does not bring it back', async () => {
    const t = 1_800_000_000_000;
    const a = outbox('o6:', () => t);
    await a.add(entry(7));
    const [held] = await a.claim(t, 1, 60_000);
    await a.remove(HASH(7));
    expect(await a.retryLater(held!, t + 1_000, 'unavailable (503)')).toBe(false);
    expect(await a.status(HASH(7))).toBe('settled');
    expect(await admin.zcard('o6:wo:q')).toBe(0);
    expect(await a.pendingFor('user_1')).toEqual(new Set());
  });

  it('the confirmer leases one entry per WorkOS call: a slow WorkOS never lets later entries of a pass lose their lease', async () => {
    const shared = outbox('o8:');
    for (const n of [11, 12, 13]) await shared.add(entry(n));
    const calls: string[] = [];
    const confirmer = createOutboxConfirmer({
      outboxes: [shared],
      revokeAtWorkos: async (id) => {
        calls.push(id);
        await new Promise((resolve) => setTimeout(resolve, 200)); // each call takes two thirds of the lease
        throw new WorkosError('unavailable', 'down', { status: 503 });
      },
      unsealSessionId: async (sealed) => sealed,
      onConfirmed: async () => {},
      leaseMs: 300,
      log: () => {},
    });
    expect(await confirmer.runOnce()).toEqual({ confirmed: 0, failed: 3 });
    expect(calls).toHaveLength(3);
    // Every failure was recorded with its backoff: none is due again at once (another worker would ask again).
    for (const n of [11, 12, 13]) {
      const stored = JSON.parse((await admin.get(`o8:wo:e:${HASH(n)}`))!) as { attempts: number };
      expect(stored.attempts, `entry ${n}`).toBe(1);
      expect(Number(await admin.zscore('o8:wo:q', HASH(n)))).toBeGreaterThan(Date.now());
    }
  });

  it('a worker that lost its lease is told so, and changes nothing', async () => {
    const t = 1_800_000_000_000;
    const a = outbox('o7:', () => t);
    await a.add(entry(8));
    const [held] = await a.claim(t, 1, 60_000);
    await admin.del(`o7:wo:l:${HASH(8)}`);
    expect(await a.retryLater(held!, t + 1_000, 'x')).toBe(false);
    expect(await admin.zscore('o7:wo:q', HASH(8))).toBe(String(t));
  });
});
