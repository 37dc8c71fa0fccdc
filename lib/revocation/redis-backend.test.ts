import { DatabaseSync } from 'node:sqlite';
import { Redis } from 'ioredis';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { migrate } from '@/lib/db/schema';
import { hashSessionId } from '@/lib/security/hash';
import { startRedisServer, type RedisServer } from '@/tools/stack/redis';
import { startTcpProxy, type TcpProxy } from '@/test/multi-instance/tcp-proxy';
import {
  createRedisBackend,
  parseRecord,
  type RedisBackendOptions,
  type RedisRevocationBackend,
} from './redis-backend';
import { REVOCATION_COLUMNS, revocationValues } from './rows';
import type { BackendHealth, BackendListener, RevocationRecord, UserRevocation } from './types';

/** Real redis-server, real ioredis: every test here talks to a process the suite started itself. */

const RETENTION_S = 3600;
let server: RedisServer;
let admin: Redis;
const open: RedisRevocationBackend[] = [];
const proxies: TcpProxy[] = [];

function newDb(): DatabaseSync {
  const db = new DatabaseSync(':memory:');
  migrate(db);
  return db;
}

function record(rawSessionId: string, overrides: Partial<RevocationRecord> = {}): RevocationRecord {
  const now = Date.now();
  return {
    sessionHash: hashSessionId(rawSessionId),
    userId: 'user_ada',
    revokedAt: now,
    expiresAt: now + 600_000,
    reason: 'signed_out_elsewhere',
    source: 'action',
    actor: { type: 'user', id: 'user_ada', sessionHash: hashSessionId('session_actor') },
    note: null,
    ...overrides,
  };
}

/** Records what a backend delivers and lets a test await a delivery instead of sleeping. */
class Recorder implements BackendListener {
  records: RevocationRecord[] = [];
  users: UserRevocation[] = [];
  statuses: BackendHealth[] = [];
  private waiters: { check: () => boolean; resolve: () => void }[] = [];

  onRecord(r: RevocationRecord) {
    this.records.push(r);
    this.poke();
  }
  onUserRevoked(u: UserRevocation) {
    this.users.push(u);
    this.poke();
  }
  onStatus(h: BackendHealth) {
    this.statuses.push(h);
    this.poke();
  }
  count(sessionHash: string) {
    return this.records.filter((r) => r.sessionHash === sessionHash).length;
  }
  lastStatus() {
    return this.statuses.at(-1)?.status;
  }
  until(check: () => boolean, what: string, timeoutMs = 8000): Promise<void> {
    if (check()) return Promise.resolve();
    return new Promise((resolve, reject) => {
      const timer = setTimeout(() => reject(new Error(`timed out waiting for ${what}`)), timeoutMs);
      this.waiters.push({
        check,
        resolve: () => {
          clearTimeout(timer);
          resolve();
        },
      });
    });
  }
  private poke() {
    this.waiters = this.waiters.filter((w) => {
      if (!w.check()) return true;
      w.resolve();
      return false;
    });
  }
}

function backend(overrides: Partial<RedisBackendOptions> = {}): RedisRevocationBackend {
  const b = createRedisBackend({
    url: server.url,
    db: newDb(),
    retentionSeconds: RETENTION_S,
    retryMaxDelayMs: 200,
    heartbeatMs: 500,
    commandTimeoutMs: 500,
    connectTimeoutMs: 500,
    startupTimeoutMs: 3000,
    flushIntervalMs: 200,
    // A fresh instance marks an unmarked Redis at once here; the restore wait has a test of its own.
    restoreGraceMs: 0,
    log: process.env.DEBUG_REDIS_BACKEND ? (l, m) => console.log(l, m) : () => {},
    ...overrides,
  });
  open.push(b);
  return b;
}

async function started(overrides: Partial<RedisBackendOptions> = {}) {
  const b = backend(overrides);
  const rec = new Recorder();
  await b.start(rec);
  return { b, rec };
}

function outboxSize(db: DatabaseSync): number {
  return Number((db.prepare('SELECT COUNT(*) AS n FROM revocation_outbox').get() as { n: number }).n);
}

async function adminReady(): Promise<Redis> {
  if (admin.status !== 'ready') await new Promise((resolve) => admin.once('ready', resolve));
  return admin;
}

beforeAll(async () => {
  server = await startRedisServer({ portFrom: 6390 });
  admin = new Redis(server.url, { maxRetriesPerRequest: 1, retryStrategy: () => 50 });
  admin.on('error', () => {});
}, 20_000);

afterEach(async () => {
  await Promise.all(open.splice(0).map((b) => b.close()));
  await Promise.all(proxies.splice(0).map((p) => p.close()));
  if (server) {
    await (await adminReady()).flushall();
  }
});

afterAll(async () => {
  admin?.disconnect();
  await server?.stop();
});

describe('redis backend', { timeout: 30_000 }, () => {
  it('stores a hashed, expiring key per revoked session and reports healthy once in sync', async () => {
    const { b, rec } = await started();
    expect(b.health()).toEqual({ backend: 'redis', status: 'ok' });
    expect(rec.lastStatus()).toBe('ok');

    const r = record('session_raw_secret_1');
    await b.persist(r);

    const key = `rev:s:${r.sessionHash}`;
    const stored = await admin.get(key);
    expect(parseRecord(JSON.parse(stored!))).toEqual(r);
    const pttl = await admin.pttl(key);
    expect(pttl).toBeGreaterThan(600_000 - 5_000);
    expect(pttl).toBeLessThanOrEqual(600_000);
    // Nothing in Redis holds the raw session id.
    const everything = await admin.keys('*');
    expect(everything.join(' ')).not.toContain('session_raw_secret_1');
    expect(stored).not.toContain('session_raw_secret_1');
    // Written to Redis → nothing left in the outbox.
    expect(b.health().status).toBe('ok');
  });

  it('loads every live record at start, then delivers records from other instances; its own exactly once', async () => {
    const a = await started();
    const r1 = record('session_1');
    await a.b.persist(r1);
    expect(a.rec.count(r1.sessionHash)).toBe(1);

    const b = await started();
    // Full load happened before start() resolved.
    expect(b.rec.count(r1.sessionHash)).toBe(1);

    const r2 = record('session_2', { reason: 'signed_out_everywhere' });
    await a.b.persist(r2);
    await b.rec.until(() => b.rec.count(r2.sessionHash) === 1, 'B to receive r2');
    expect(b.rec.records.find((r) => r.sessionHash === r2.sessionHash)).toEqual(r2);

    // B publishes r3 after A published r2: once A has r3, A's own echo of r2 (if any) has arrived too.
    const r3 = record('session_3');
    await b.b.persist(r3);
    await a.rec.until(() => a.rec.count(r3.sessionHash) === 1, 'A to receive r3');
    expect(a.rec.count(r2.sessionHash)).toBe(1);
    expect(b.rec.count(r3.sessionHash)).toBe(1);
  });

  it('keeps the first record when a session is revoked twice (idempotent across instances)', async () => {
    const a = await started();
    const b = await started();
    const first = record('session_twice', { reason: 'signed_out_elsewhere' });
    await a.b.persist(first);
    await b.b.persist({ ...first, reason: 'admin', revokedAt: first.revokedAt + 10 });
    const stored = parseRecord(JSON.parse((await admin.get(`rev:s:${first.sessionHash}`))!));
    expect(stored?.reason).toBe('signed_out_elsewhere');
  });

  it('shares user revocations with a retention-bound expiry', async () => {
    const a = await started();
    const b = await started();
    const u: UserRevocation = { userId: 'user_gone', revokedAt: Date.now(), reason: 'user_deleted', source: 'webhook' };
    await a.b.persistUser(u);
    await b.rec.until(() => b.rec.users.some((x) => x.userId === 'user_gone'), 'B to learn the user revocation');
    expect(a.rec.users).toEqual([u]);
    const pttl = await admin.pttl('rev:u:user_gone');
    expect(pttl).toBeGreaterThan(RETENTION_S * 1000 - 5_000);
    expect(pttl).toBeLessThanOrEqual(RETENTION_S * 1000);
    // A fresh instance loads it too.
    const c = await started();
    expect(c.rec.users.map((x) => x.userId)).toContain('user_gone');
  });

  it('holds a session or user whose record in Redis cannot be read as revoked (fail closed), and keeps running', async () => {
    const logs: string[] = [];
    const log = (_level: string, message: string) => logs.push(message);
    const good = record('session_good');
    const corrupt = hashSessionId('session_corrupt');
    const shape = hashSessionId('session_wrong_shape');
    const mismatched = hashSessionId('session_mismatched');
    await admin.set(`rev:s:${good.sessionHash}`, JSON.stringify(good), 'PX', 60_000);
    await admin.set(`rev:s:${corrupt}`, 'not json', 'PX', 60_000);
    await admin.set(`rev:s:${shape}`, JSON.stringify({ ...record('x'), sessionHash: shape, revokedAt: 'yesterday' }), 'PX', 60_000);
    // A record that names another session than its key: the key decides, the body is not trusted.
    await admin.set(`rev:s:${mismatched}`, JSON.stringify(record('session_elsewhere')), 'PX', 60_000);
    await admin.set('rev:u:user_mallory', '{"userId":"user_mallory"', 'PX', 60_000);
    await admin.set('rev:s:not-a-session-hash', 'not json', 'PX', 60_000);

    const { b, rec } = await started({ log });

    const held = new Map(rec.records.map((r) => [r.sessionHash, r]));
    expect([...held.keys()].sort()).toEqual([good.sessionHash, corrupt, shape, mismatched].sort());
    expect(held.get(good.sessionHash)).toEqual(good);
    for (const hash of [corrupt, shape, mismatched]) {
      expect(held.get(hash)).toMatchObject({ reason: 'record_unreadable', actor: { type: 'system' } });
      // For as long as its key lives in Redis, not a moment less.
      expect(held.get(hash)!.expiresAt).toBeGreaterThan(Date.now() + 55_000);
      expect(held.get(hash)!.expiresAt).toBeLessThanOrEqual(Date.now() + 60_000);
    }
    expect(rec.users).toEqual([expect.objectContaining({ userId: 'user_mallory', reason: 'record_unreadable' })]);
    expect(rec.users[0]!.revokedAt + RETENTION_S * 1000).toBeGreaterThan(Date.now() + 55_000);
    expect(b.health().status).toBe('ok');
    // Logged by hashed session id only; the junk key is reported, not acted on.
    expect(logs.filter((l) => l.includes('unreadable revocation record'))).toHaveLength(3);
    expect(logs.join('\n')).toContain(corrupt);
    expect(logs.join('\n')).not.toContain('session_corrupt');
    expect(logs.some((l) => l.includes('not-a-session-hash') && l.includes('names no session or user'))).toBe(true);
    // Nothing was "repaired" over the evidence.
    expect(await admin.get(`rev:s:${corrupt}`)).toBe('not json');
  });

  it('never acts on an unreadable channel message, and learns the truth from Redis instead', async () => {
    const { b, rec } = await started();
    const forged = record('session_forged_message');
    const real = record('session_real');
    // What the message claims is ignored; the key written alongside it is what gets enforced.
    await admin.set(`rev:s:${real.sessionHash}`, JSON.stringify(real), 'PX', 60_000);
    await admin.publish('rev:events', JSON.stringify({ v: 1, from: 'x', kind: 's', record: { ...forged, expiresAt: 'never' } }));
    await admin.publish('rev:events', 'not json');
    await rec.until(() => rec.count(real.sessionHash) === 1, 'the reload after an unreadable message');
    expect(rec.count(forged.sessionHash)).toBe(0);
    expect(b.health().status).toBe('ok');
  });

  it('while Redis is down: keeps enforcing, queues new revocations durably, flushes them when it returns', async () => {
    const a = await started();
    const b = await started();
    const known = record('session_known');
    await a.b.persist(known);
    await b.rec.until(() => b.rec.count(known.sessionHash) === 1, 'B to know the first record');

    await server.stop();
    await Promise.all([
      a.rec.until(() => a.rec.lastStatus() === 'degraded', 'A degraded'),
      b.rec.until(() => b.rec.lastStatus() === 'degraded', 'B degraded'),
    ]);
    expect(a.b.health().detail).toMatch(/Redis unreachable/);

    const queued = record('session_revoked_during_outage');
    const t0 = performance.now();
    await a.b.persist(queued); // must not hang on the dead connection
    expect(performance.now() - t0).toBeLessThan(1000);
    expect(a.rec.count(queued.sessionHash)).toBe(1); // applied locally at once
    expect(a.b.health()).toMatchObject({
      status: 'degraded',
      detail: expect.stringMatching(/1 revocation\(s\) queued/),
    });

    await server.restart(); // comes back EMPTY (no persistence)
    await Promise.all([
      a.rec.until(() => a.b.health().status === 'ok', 'A back in sync', 10_000),
      b.rec.until(() => b.rec.count(queued.sessionHash) === 1, 'B to learn the queued record', 10_000),
    ]);
    expect(await admin.exists(`rev:s:${queued.sessionHash}`)).toBe(1);
    // The record made before the restart was put back by the instances that knew it.
    await b.rec.until(() => b.b.health().status === 'ok', 'B back in sync', 10_000);
    expect(await admin.exists(`rev:s:${known.sessionHash}`)).toBe(1);
    // A new instance with an empty local database sees everything.
    const c = await started();
    expect(c.rec.count(known.sessionHash)).toBe(1);
    expect(c.rec.count(queued.sessionHash)).toBe(1);
  });

  it('an instance cut off from Redis catches up by reloading on reconnect (no missed message)', async () => {
    const proxy = await startTcpProxy(server.port);
    proxies.push(proxy);
    const a = await started();
    const b = await started({ url: `redis://127.0.0.1:${proxy.port}` });
    expect(b.b.health().status).toBe('ok');

    proxy.cut();
    await b.rec.until(() => b.rec.lastStatus() === 'degraded', 'B degraded');
    const missed = record('session_missed_by_b');
    await a.b.persist(missed); // published while B is not subscribed
    expect(a.b.health().status).toBe('ok');
    expect(b.rec.count(missed.sessionHash)).toBe(0);

    proxy.restore();
    await b.rec.until(() => b.rec.count(missed.sessionHash) === 1, 'B to reload the missed record', 10_000);
    await b.rec.until(() => b.b.health().status === 'ok', 'B healthy');
    const transitions = b.rec.statuses.map((s) => s.status).filter((s, i, all) => s !== all[i - 1]);
    expect(transitions).toEqual(['degraded', 'ok', 'degraded', 'ok']);
  });

  it('fails a write to a Redis that stopped answering within the command timeout, into the outbox', async () => {
    const proxy = await startTcpProxy(server.port);
    proxies.push(proxy);
    const db = newDb();
    const a = await started({ url: `redis://127.0.0.1:${proxy.port}`, db, commandTimeoutMs: 300, heartbeatMs: 60_000 });
    proxy.stall();
    const r = record('session_while_stalled');
    const t0 = performance.now();
    await a.b.persist(r);
    const took = performance.now() - t0;
    expect(took).toBeGreaterThanOrEqual(250);
    expect(took).toBeLessThan(1500);
    expect(outboxSize(db)).toBe(1);
    expect(a.rec.count(r.sessionHash)).toBe(1);
    expect(a.b.health()).toMatchObject({
      status: 'degraded',
      detail: expect.stringMatching(/1 revocation\(s\) queued/),
    });
    expect(a.rec.lastStatus()).toBe('degraded');
    proxy.unstall();
    await a.rec.until(() => a.rec.lastStatus() === 'ok', 'healthy again once the queue is flushed', 10_000);
    expect(outboxSize(db)).toBe(0);
    expect(await admin.exists(`rev:s:${r.sessionHash}`)).toBe(1);
  });

  it('a revocation queued before a crash is published by the next process on the same database', async () => {
    const db = newDb();
    await server.stop();
    const first = backend({ db, startupTimeoutMs: 200 });
    await first.start(new Recorder());
    const r = record('session_accepted_by_workos');
    await first.persist(r);
    expect(outboxSize(db)).toBe(1);
    await first.close(); // the process goes away with the record only in its outbox

    await server.restart();
    const { b } = await started({ db });
    expect(b.health().status).toBe('ok');
    expect(outboxSize(db)).toBe(0);
    expect(await (await adminReady()).exists(`rev:s:${r.sessionHash}`)).toBe(1);
  });

  it('restarted while Redis is down: starts within the start-up timeout, degraded, enforcing what it knew', async () => {
    const db = newDb();
    const a = await started({ db });
    const r = record('session_known_before_restart');
    await a.b.persist(r);
    const u: UserRevocation = {
      userId: 'user_deleted',
      revokedAt: Date.now(),
      reason: 'user_deleted',
      source: 'admin',
    };
    await a.b.persistUser(u);
    await a.b.close();

    await server.stop();
    const again = backend({ db, startupTimeoutMs: 300 });
    const rec = new Recorder();
    const t0 = performance.now();
    await again.start(rec);
    expect(performance.now() - t0).toBeLessThan(2000);
    expect(rec.count(r.sessionHash)).toBe(1);
    expect(rec.users.map((x) => x.userId)).toEqual(['user_deleted']);
    expect(again.health().status).toBe('degraded');
    expect(rec.lastStatus()).toBe('degraded');
    // It loaded the set in an earlier run: it may judge sessions on what it knew.
    expect(again.knowsRevocations()).toBe(true);
    await server.restart();
    await rec.until(() => again.health().status === 'ok', 'back in sync after Redis returns', 10_000);
  });

  it('a new instance (empty database) started while Redis is down knows no revocations until its first sync', async () => {
    await server.stop();
    try {
      const fresh = backend({ db: newDb(), startupTimeoutMs: 300 });
      const rec = new Recorder();
      await fresh.start(rec);
      expect(fresh.knowsRevocations()).toBe(false);
      await server.restart();
      await rec.until(() => fresh.health().status === 'ok', 'in sync after Redis returns', 10_000);
      expect(fresh.knowsRevocations()).toBe(true);
    } finally {
      if (!(await adminReady().then(() => true, () => false))) await server.restart();
    }
  });

  it('Redis restarted empty: a new instance trusts it only once an instance that knew the set has put it back', async () => {
    const { b: a } = await started();
    await a.persist(record('s_known_to_a'));
    await (await adminReady()).flushall(); // Redis loses everything (restart without persistence, lagging replica)

    const fresh = backend({ db: newDb(), restoreGraceMs: 10_000, startupTimeoutMs: 300 });
    const rec = new Recorder();
    await fresh.start(rec);
    expect(fresh.knowsRevocations()).toBe(false);
    expect(rec.records.map((r) => r.sessionHash)).toEqual([]);

    // A notices (here: its connection drops with the flush) and puts back what it knows; then the new one knows it.
    await (await adminReady()).client('KILL', 'TYPE', 'normal');
    await rec.until(() => fresh.knowsRevocations(), 'the new instance knows the set once A restored it', 10_000);
    expect(rec.records.map((r) => r.sessionHash)).toContain(hashSessionId('s_known_to_a'));
  });

  it('a new deployment (Redis never marked, no other instance) takes Redis as it is after the restore grace', async () => {
    const fresh = backend({ db: newDb(), restoreGraceMs: 600, startupTimeoutMs: 5_000 });
    const started = Date.now();
    await fresh.start(new Recorder());
    expect(fresh.knowsRevocations()).toBe(true);
    expect(Date.now() - started).toBeGreaterThanOrEqual(600);
    expect(await (await adminReady()).exists('rev:populated')).toBe(1);
  });

  it('a session revoked again after its cached entry expired is remembered across a restart while Redis is down', async () => {
    const db = newDb();
    const a = await started({ db });
    // An earlier revocation of the same session that expired while this instance ran (not yet pruned).
    const stale = record('session_revoked_again', { revokedAt: Date.now() - 20_000, expiresAt: Date.now() - 10_000 });
    db.prepare(`INSERT INTO revocations (${REVOCATION_COLUMNS}) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)`).run(
      ...revocationValues(stale),
    );
    const fresh = record('session_revoked_again');
    await a.b.persist(fresh);
    await a.b.close();

    await server.stop();
    const again = backend({ db, startupTimeoutMs: 300 });
    const rec = new Recorder();
    await again.start(rec);
    expect(rec.count(fresh.sessionHash)).toBe(1);
    await server.restart();
    await rec.until(() => again.health().status === 'ok', 'back in sync after Redis returns', 10_000);
  });

  it('drops expired records from the local cache and never re-publishes them', async () => {
    const db = newDb();
    const a = await started({ db });
    const expired = record('session_expired', { revokedAt: Date.now() - 20_000, expiresAt: Date.now() - 10_000 });
    await a.b.persist(expired);
    expect(await admin.exists(`rev:s:${expired.sessionHash}`)).toBe(0);
    await a.b.close();
    const again = backend({ db });
    const rec = new Recorder();
    await again.start(rec);
    expect(rec.count(expired.sessionHash)).toBe(0);
  });

  it('reloads a large set across many SCAN batches before start() resolves', async () => {
    const count = 5000;
    const pipeline = admin.pipeline();
    const hashes: string[] = [];
    for (let i = 0; i < count; i++) {
      const r = record(`session_bulk_${i}`);
      hashes.push(r.sessionHash);
      pipeline.set(`rev:s:${r.sessionHash}`, JSON.stringify(r), 'PX', 600_000);
    }
    await pipeline.exec();
    const db = newDb();
    const t0 = performance.now();
    const { b, rec } = await started({ db });
    const took = performance.now() - t0;
    expect(new Set(rec.records.map((r) => r.sessionHash))).toEqual(new Set(hashes));
    expect(b.health().status).toBe('ok');
    // Kept locally too, for a restart while Redis is down.
    expect(Number((db.prepare('SELECT COUNT(*) AS n FROM revocations').get() as { n: number }).n)).toBe(count);
    expect(took).toBeLessThan(5000);
  });

  it('rejects a non-Redis URL', () => {
    expect(() => createRedisBackend({ url: 'http://x', db: newDb(), retentionSeconds: 60 })).toThrow(/redis:\/\//);
  });
});
