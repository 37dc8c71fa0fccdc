import { describe, expect, it } from 'vitest';
import { REVOCATION_COLUMNS, revocationValues } from '../rows';
import { parseRecord } from '../codec';
import { createRedisBackend } from './backend';
import type { UserRevocation } from '../../types';
import { newDb, record, Recorder, RETENTION_S, redisForThisFile } from '@/test/revocation/redis-backend-harness';

const h = redisForThisFile({ redisFrom: 6390, proxyFrom: 6420 });
const { backend, started } = h;

describe('redis backend: stores and shares revocations', { timeout: 30_000 }, () => {
  it('stores a hashed, expiring key per revoked session and reports healthy once in sync', async () => {
    const { b, rec } = await started();
    expect(b.health()).toEqual({ backend: 'redis', status: 'ok', phase: 'serving', queued: 0 });
    expect(rec.lastStatus()).toBe('ok');

    const r = record('session_raw_secret_1');
    await b.persist(r);

    const key = `rev:s:${r.sessionHash}`;
    const stored = await h.admin.get(key);
    expect(parseRecord(JSON.parse(stored!))).toEqual(r);
    const pttl = await h.admin.pttl(key);
    expect(pttl).toBeGreaterThan(600_000 - 5_000);
    expect(pttl).toBeLessThanOrEqual(600_000);
    // Nothing in Redis holds the raw session id.
    const everything = await h.admin.keys('*');
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
    const stored = parseRecord(JSON.parse((await h.admin.get(`rev:s:${first.sessionHash}`))!));
    expect(stored?.reason).toBe('signed_out_elsewhere');
  });

  it('shares user revocations with a retention-bound expiry', async () => {
    const a = await started();
    const b = await started();
    const revokedAt = Date.now();
    const u: UserRevocation = { userId: 'user_gone', revokedAt, expiresAt: revokedAt + RETENTION_S * 1000, reason: 'user_deleted', source: 'webhook' };
    await a.b.persistUser(u);
    await b.rec.until(() => b.rec.users.some((x) => x.userId === 'user_gone'), 'B to learn the user revocation');
    expect(a.rec.users).toEqual([u]);
    const pttl = await h.admin.pttl('rev:u:user_gone');
    expect(pttl).toBeGreaterThan(RETENTION_S * 1000 - 5_000);
    expect(pttl).toBeLessThanOrEqual(RETENTION_S * 1000);
    // A fresh instance loads it too.
    const c = await started();
    expect(c.rec.users.map((x) => x.userId)).toContain('user_gone');
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

    await h.server.stop();
    const again = backend({ db, startupTimeoutMs: 300 });
    const rec = new Recorder();
    await again.start(rec);
    expect(rec.count(fresh.sessionHash)).toBe(1);
    await h.server.restart();
    await rec.until(() => again.health().status === 'ok', 'back in sync after Redis returns', 10_000);
  });

  it('drops expired records from the local cache and never re-publishes them', async () => {
    const db = newDb();
    const a = await started({ db });
    const expired = record('session_expired', { revokedAt: Date.now() - 20_000, expiresAt: Date.now() - 10_000 });
    await a.b.persist(expired);
    expect(await h.admin.exists(`rev:s:${expired.sessionHash}`)).toBe(0);
    await a.b.close();
    const again = backend({ db });
    const rec = new Recorder();
    await again.start(rec);
    expect(rec.count(expired.sessionHash)).toBe(0);
  });

  it('rejects a non-Redis URL', () => {
    expect(() => createRedisBackend({ url: 'http://x', db: newDb(), retentionSeconds: 60 })).toThrow(/redis:\/\//);
  });
});
