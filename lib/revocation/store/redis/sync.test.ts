import { describe, expect, it } from 'vitest';
import { hashSessionId } from '@/lib/security/hash';
import { newDb, record, Recorder, RETENTION_S, redisForThisFile } from '@/test/revocation/redis-backend-harness';

const h = redisForThisFile({ redisFrom: 6610, proxyFrom: 6700 });
const { backend, started, adminReady } = h;

describe('redis backend: the full load on every (re)connect', { timeout: 30_000 }, () => {
  it('holds a session or user whose record in Redis cannot be read as revoked (fail closed), and keeps running', async () => {
    const logs: string[] = [];
    const log = (_level: string, message: string) => logs.push(message);
    const good = record('session_good');
    const corrupt = hashSessionId('session_corrupt');
    const shape = hashSessionId('session_wrong_shape');
    const mismatched = hashSessionId('session_mismatched');
    await h.admin.set(`rev:s:${good.sessionHash}`, JSON.stringify(good), 'PX', 60_000);
    await h.admin.set(`rev:s:${corrupt}`, 'not json', 'PX', 60_000);
    await h.admin.set(`rev:s:${shape}`, JSON.stringify({ ...record('x'), sessionHash: shape, revokedAt: 'yesterday' }), 'PX', 60_000);
    // A record that names another session than its key: the key decides, the body is not trusted.
    await h.admin.set(`rev:s:${mismatched}`, JSON.stringify(record('session_elsewhere')), 'PX', 60_000);
    await h.admin.set('rev:u:user_mallory', '{"userId":"user_mallory"', 'PX', 60_000);
    await h.admin.set('rev:s:not-a-session-hash', 'not json', 'PX', 60_000);

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
    // A user revocation carries its own expiry: the key's.
    expect(rec.users[0]!.expiresAt).toBeGreaterThan(Date.now() + 55_000);
    expect(rec.users[0]!.expiresAt).toBeLessThanOrEqual(Date.now() + 60_000);
    expect(b.health().status).toBe('ok');
    // Logged by hashed session id only; the junk key is reported, not acted on.
    expect(logs.filter((l) => l.includes('unreadable revocation record'))).toHaveLength(3);
    expect(logs.join('\n')).toContain(corrupt);
    expect(logs.join('\n')).not.toContain('session_corrupt');
    expect(logs.some((l) => l.includes('not-a-session-hash') && l.includes('names no session or user'))).toBe(true);
    // Nothing was "repaired" over the evidence.
    expect(await h.admin.get(`rev:s:${corrupt}`)).toBe('not json');
  });

  it('never acts on an unreadable channel message, and learns the truth from Redis instead', async () => {
    const { b, rec } = await started();
    const forged = record('session_forged_message');
    const real = record('session_real');
    // What the message claims is ignored; the key written alongside it is what gets enforced.
    await h.admin.set(`rev:s:${real.sessionHash}`, JSON.stringify(real), 'PX', 60_000);
    await h.admin.publish('rev:events', JSON.stringify({ v: 1, from: 'x', kind: 's', record: { ...forged, expiresAt: 'never' } }));
    await h.admin.publish('rev:events', 'not json');
    await rec.until(() => rec.count(real.sessionHash) === 1, 'the reload after an unreadable message');
    expect(rec.count(forged.sessionHash)).toBe(0);
    expect(b.health().status).toBe('ok');
  });

  it('an instance cut off from Redis catches up by reloading on reconnect (no missed message)', async () => {
    const proxy = await h.proxy();
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

  it('reloads a large set across many SCAN batches before start() resolves', async () => {
    const count = 5000;
    const pipeline = h.admin.pipeline();
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
});
