import { Redis } from 'ioredis';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startRedisServer, type RedisServer } from '@/tools/stack/redis';
import { createRefreshCoordinator } from './coordinator';
import { createRedisRotationStore, parseRotationState, UnreadableStateError } from './redis-store';
import { GrantError, type RotationState, type RotationStore, type SealedSession } from './types';

/** Real redis-server, real ioredis: the store every instance shares, and two coordinators racing through it. */

let server: RedisServer;
let admin: Redis;
const stores: RotationStore[] = [];

function store(prefix: string): RotationStore {
  const s = createRedisRotationStore({ url: server.url, keyPrefix: prefix, log: () => {} });
  stores.push(s);
  return s;
}

const HASH = (n: number) => n.toString(16).padStart(32, '0');
const state = (over: Partial<RotationState> = {}): RotationState => ({
  box: 'Y2lwaGVydGV4dA',
  currentHash: HASH(2),
  currentKey: 'd3JhcHBlZA',
  dueAt: Date.now() + 60_000,
  delivered: true,
  rotated: [{ hash: HASH(1), at: Date.now(), key: 'd3JhcHBlZDE' }],
  ...over,
});

beforeAll(async () => {
  server = await startRedisServer({ portFrom: 6460 });
  admin = new Redis(server.url);
});

afterAll(async () => {
  await Promise.all(stores.map((s) => s.close?.()));
  admin.disconnect();
  await server.stop();
});

describe('Redis rotation store', () => {
  it('keeps a state for its time to live, under the prefix, and reads back exactly what was written', async () => {
    const s = store('t1:');
    const written = state();
    await s.put('sess_a', written, 200);
    expect(await s.get('sess_a')).toEqual(written);
    expect(await admin.exists('t1:refresh:s:sess_a')).toBe(1);
    expect(Number(await admin.pttl('t1:refresh:s:sess_a'))).toBeLessThanOrEqual(200);
    await new Promise((r) => setTimeout(r, 250));
    expect(await s.get('sess_a')).toBeNull();
  });

  it('trusts only well-formed states: anything else in the shared store makes it fail as unreadable, never read as absent', async () => {
    const logs: string[] = [];
    const s = createRedisRotationStore({ url: server.url, keyPrefix: 't2:', log: (_level, message) => logs.push(message) });
    stores.push(s);
    await admin.set('t2:refresh:s:bad1', 'not json');
    await admin.set('t2:refresh:s:bad2', JSON.stringify({ ...state(), currentHash: 'raw-refresh-token' }));
    await admin.set('t2:refresh:s:bad3', JSON.stringify({ ...state(), rotated: 'x' }));
    await admin.set('t2:refresh:s:bad4', JSON.stringify({ ...state(), box: 'x; Domain=evil.example; Max-Age=0' }));
    for (const key of ['bad1', 'bad2', 'bad3', 'bad4']) await expect(s.get(key)).rejects.toThrow(UnreadableStateError);
    expect(s.healthy()).toBe(false);
    expect(logs.filter((l) => l.includes('unreadable rotation state for session bad'))).toHaveLength(4);
    expect(await s.get('missing')).toBeNull();
    const good = state();
    expect(parseRotationState(JSON.stringify(good))).toEqual(good);
  });

  it('a corrupt shared state never turns a lost refresh race into a sign-out: the browser is asked to retry', async () => {
    const reused: string[] = [];
    const coordinator = createRefreshCoordinator({
      shared: store('t6:'),
      // Another instance already spent rt_1 and wrote the newest session to Redis, where it got corrupted.
      grant: async () => {
        throw new GrantError('invalid_grant', 'Refresh token already exchanged.');
      },
      isSessionActive: async () => true,
      seal: async (session) => `sealed:${JSON.stringify(session)}`,
      unseal: async (cookie) => JSON.parse(cookie.slice(7)) as SealedSession,
      dueAt: (token) => Number(token.split('|')[1]),
      hashRefreshToken: () => HASH(1),
      sessionKey: () => 'sess_corrupt',
      onEnded: async () => {},
      onReused: async (request) => {
        reused.push(request.sessionId);
      },
      graceMs: 30_000,
      lockTtlMs: 15_000,
      waitMs: 8_000,
      pollMs: 10,
      log: () => {},
    });
    await admin.set('t6:refresh:s:sess_corrupt', JSON.stringify({ ...state(), delivered: 'yes' }), 'PX', 30_000);
    const session: SealedSession = { accessToken: `at|${Date.now() - 1}`, refreshToken: 'rt_1', user: { id: 'u' } };
    const outcome = await coordinator.refresh({ cookie: 'old', session, sessionId: 's', userId: 'u', organizationId: null, ipAddress: null, userAgent: null });
    expect(outcome).toMatchObject({ kind: 'retry', why: 'lost_race' });
    expect(reused).toEqual([]);
  });

  it('gives a session lock to one holder at a time; only the holder extends or releases it', async () => {
    const a = store('t3:');
    const b = store('t3:');
    const lock = await a.acquire('sess_l', 5_000);
    expect(lock).not.toBeNull();
    expect(await b.acquire('sess_l', 5_000)).toBeNull();
    expect(await lock!.extend(10_000)).toBe(true);
    expect(Number(await admin.pttl('t3:refresh:l:sess_l'))).toBeGreaterThan(5_000);
    // Someone else's lock after ours lapsed: ours can neither extend nor release it.
    await admin.set('t3:refresh:l:sess_l', 'someone-else', 'PX', 5_000);
    expect(await lock!.extend(10_000)).toBe(false);
    await lock!.release();
    expect(await admin.get('t3:refresh:l:sess_l')).toBe('someone-else');
    await admin.del('t3:refresh:l:sess_l');
    const again = await b.acquire('sess_l', 5_000);
    await again!.release();
    expect(await admin.exists('t3:refresh:l:sess_l')).toBe(0);
  });

  it('lets two instances racing on one expired session spend its refresh token once', async () => {
    let spent = false;
    const grants: string[] = [];
    const next: SealedSession = { accessToken: `at|${Date.now() + 300_000}`, refreshToken: 'rt_2', user: { id: 'u' } };
    const coordinator = (prefix: string) =>
      createRefreshCoordinator({
        shared: store(prefix),
        async grant({ refreshToken }) {
          grants.push(refreshToken);
          await new Promise((r) => setTimeout(r, 50)); // WorkOS's round trip
          if (spent) throw new GrantError('invalid_grant', 'Refresh token already exchanged.');
          spent = true;
          return next;
        },
        isSessionActive: async () => true,
        seal: async (session) => `sealed:${JSON.stringify(session)}`,
        unseal: async (cookie) => JSON.parse(cookie.slice(7)) as SealedSession,
        dueAt: (token) => Number(token.split('|')[1]),
        hashRefreshToken: (token) => (token === 'rt_1' ? HASH(1) : HASH(2)),
        sessionKey: () => 'sess_race',
        onEnded: async () => {},
        onReused: async () => {
          throw new Error('must not be called');
        },
        graceMs: 30_000,
        lockTtlMs: 15_000,
        waitMs: 8_000,
        pollMs: 10,
        log: () => {},
      });
    const a = coordinator('t4:');
    const b = coordinator('t4:');
    const session: SealedSession = { accessToken: `at|${Date.now() - 1}`, refreshToken: 'rt_1', user: { id: 'u' } };
    const request = { cookie: 'old', session, sessionId: 's', userId: 'u', organizationId: null, ipAddress: null, userAgent: null };
    const outcomes = await Promise.all([a.refresh(request), b.refresh(request), a.refresh(request), b.refresh(request)]);
    expect(grants).toEqual(['rt_1']);
    expect(outcomes.map((o) => o.kind)).toEqual(['renewed', 'renewed', 'renewed', 'renewed']);
    expect(new Set(outcomes.map((o) => (o.kind === 'renewed' ? o.cookie : null))).size).toBe(1);
    expect(outcomes.map((o) => (o.kind === 'renewed' ? o.via : null)).sort()).toEqual(['grant', 'joined', 'waited', 'waited']);
  });

  it('reports itself unhealthy when Redis is gone, and fails fast instead of queueing', async () => {
    const s = store('t5:');
    await s.put('x', state(), 1_000);
    expect(s.healthy()).toBe(true);
    await server.stop();
    try {
      const started = Date.now();
      await expect(s.get('x')).rejects.toThrow();
      expect(Date.now() - started).toBeLessThan(3_000);
      expect(s.healthy()).toBe(false);
    } finally {
      await server.restart();
    }
  });
});
