import { DatabaseSync } from 'node:sqlite';
import { Redis } from 'ioredis';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { migrate } from '@/lib/db/schema';
import { startRedisServer, type RedisServer } from '@/tools/stack/redis';
import { createSharedReceipts, createSqliteReceipts, SHARED_RECEIPT_TTL_MS, type Receipt } from './store';

const HASH = (n: number) => n.toString(16).padStart(32, '0');
const receipt = (n: number, over: Partial<Receipt> = {}): Receipt => ({
  sessionHash: HASH(n),
  userId: 'user_ada',
  revokedAt: 1_764_000_000_000,
  toldAt: 1_764_000_000_200,
  ...over,
});

function newDb(): DatabaseSync {
  const db = new DatabaseSync(':memory:');
  migrate(db);
  return db;
}

describe('SQLite receipts', () => {
  it('keep the first word about a revocation: later tabs and retries change nothing', async () => {
    const store = createSqliteReceipts(newDb());
    await store.record(receipt(1));
    await store.record(receipt(1, { toldAt: 1_764_000_009_000 }));
    expect(await store.find([HASH(1), HASH(2)])).toEqual(new Map([[HASH(1), receipt(1)]]));
    expect(await store.find([])).toEqual(new Map());
  });
});

describe('shared receipts (Redis)', () => {
  let server: RedisServer;
  let redis: Redis;
  const logs: string[] = [];
  const shared = (db: DatabaseSync, client: Redis = redis) =>
    createSharedReceipts(createSqliteReceipts(db), client, { keyPrefix: 't:', log: (m) => logs.push(m) });

  beforeAll(async () => {
    server = await startRedisServer({ portFrom: 6760 });
    redis = new Redis(server.url);
  });
  afterAll(async () => {
    redis.disconnect();
    await server.stop();
  });

  it("are seen by another instance, which keeps its own copy, and expire from Redis in time", async () => {
    const a = newDb();
    const b = newDb();
    await shared(a).record(receipt(3));

    expect(await shared(b).find([HASH(3)])).toEqual(new Map([[HASH(3), receipt(3)]]));
    expect(await createSqliteReceipts(b).find([HASH(3)])).toEqual(new Map([[HASH(3), receipt(3)]]));
    const ttl = await redis.pttl(`t:rcpt:${HASH(3)}`);
    expect(ttl).toBeGreaterThan(SHARED_RECEIPT_TTL_MS - 60_000);
    expect(ttl).toBeLessThanOrEqual(SHARED_RECEIPT_TTL_MS);
  });

  it('keep the first word across instances', async () => {
    await shared(newDb()).record(receipt(4));
    await shared(newDb()).record(receipt(4, { toldAt: 1_764_000_005_000 }));
    expect((await shared(newDb()).find([HASH(4)])).get(HASH(4))?.toldAt).toBe(receipt(4).toldAt);
  });

  it('ignore what is unreadable in Redis rather than show it', async () => {
    await redis.set(`t:rcpt:${HASH(5)}`, '{"userId":"user_ada","revokedAt":"soon"}');
    expect(await shared(newDb()).find([HASH(5)])).toEqual(new Map());
  });

  it('with Redis unreachable, keep and answer what this instance heard, and say so', async () => {
    const db = newDb();
    const down = new Redis({ port: 1, lazyConnect: true, enableOfflineQueue: false, maxRetriesPerRequest: 0 });
    await shared(db, down).record(receipt(6));
    expect(await shared(db, down).find([HASH(6), HASH(7)])).toEqual(new Map([[HASH(6), receipt(6)]]));
    expect(logs.some((m) => m.includes('this instance only'))).toBe(true);
    down.disconnect();
  });
});
