import { describe, expect, it } from 'vitest';
import { nextPhase, type ConnectionPhase } from './connection';
import type { UserRevocation } from '../../types';
import { newDb, record, Recorder, RETENTION_S, redisForThisFile } from '@/test/revocation/redis-backend-harness';

const h = redisForThisFile({ redisFrom: 6670, proxyFrom: 6740 });
const { backend, started, adminReady } = h;

describe('redis backend: starting without Redis', { timeout: 30_000 }, () => {
  it('restarted while Redis is down: starts within the start-up timeout, degraded, enforcing what it knew', async () => {
    const db = newDb();
    const a = await started({ db });
    const r = record('session_known_before_restart');
    await a.b.persist(r);
    const u: UserRevocation = {
      userId: 'user_deleted',
      revokedAt: Date.now(),
      expiresAt: Date.now() + RETENTION_S * 1000,
      reason: 'user_deleted',
      source: 'admin',
    };
    await a.b.persistUser(u);
    await a.b.close();

    await h.server.stop();
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
    await h.server.restart();
    await rec.until(() => again.health().status === 'ok', 'back in sync after Redis returns', 10_000);
  });

  it('a new instance (empty database) started while Redis is down knows no revocations until its first sync', async () => {
    await h.server.stop();
    try {
      const fresh = backend({ db: newDb(), startupTimeoutMs: 300 });
      const rec = new Recorder();
      await fresh.start(rec);
      expect(fresh.knowsRevocations()).toBe(false);
      await h.server.restart();
      await rec.until(() => fresh.health().status === 'ok', 'in sync after Redis returns', 10_000);
      expect(fresh.knowsRevocations()).toBe(true);
    } finally {
      if (!(await adminReady().then(() => true, () => false))) await h.server.restart();
    }
  });
});

describe('the connection phase', () => {
  const connecting: ConnectionPhase = { kind: 'connecting', since: 1, up: new Set() };
  const at = 5;

  it('loads once both links are up, and is in sync only when the load of that same phase finishes', () => {
    const half = nextPhase(connecting, { type: 'ready', link: 'subscriber', at });
    expect(half).toEqual({ kind: 'connecting', since: 1, up: new Set(['subscriber']) });
    const loading = nextPhase(half, { type: 'ready', link: 'command', at });
    expect(loading).toEqual({ kind: 'loading', since: 1, first: true });
    expect(nextPhase(loading, { type: 'loaded', from: loading })).toEqual({ kind: 'in_sync' });
    // A load that started before a reconnect does not count.
    const again = nextPhase(nextPhase(loading, { type: 'lost', link: 'command', at }), { type: 'ready', link: 'command', at });
    expect(again).toEqual({ kind: 'loading', since: 1, first: true });
    expect(nextPhase(again, { type: 'loaded', from: loading })).toBe(again);
  });

  it('is down from the moment a link is lost after being in sync, and stays down since then', () => {
    const down = nextPhase({ kind: 'in_sync' }, { type: 'lost', link: 'subscriber', at: 7 });
    expect(down).toEqual({ kind: 'down', since: 7, up: new Set(['command']) });
    const stillDown = nextPhase(down, { type: 'lost', link: 'command', at: 9 });
    expect(stillDown).toEqual({ kind: 'down', since: 7, up: new Set() });
    const loading = nextPhase(nextPhase(stillDown, { type: 'ready', link: 'command', at }), { type: 'ready', link: 'subscriber', at });
    expect(loading).toEqual({ kind: 'loading', since: 7, first: false });
    expect(nextPhase(loading, { type: 'lost', link: 'command', at })).toEqual({ kind: 'down', since: 7, up: new Set(['subscriber']) });
  });

  it('stays closed', () => {
    const closed = nextPhase(connecting, { type: 'close' });
    expect(closed).toEqual({ kind: 'closed' });
    expect(nextPhase(closed, { type: 'ready', link: 'command', at })).toBe(closed);
  });
});
