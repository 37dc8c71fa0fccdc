import { beforeEach, describe, expect, it, vi } from 'vitest';
import { RefreshMetrics } from '@/lib/auth/refresh/metrics';

const m = vi.hoisted(() => ({ env: { OPS_TOKEN: undefined as string | undefined }, metrics: null as unknown }));
vi.mock('@/lib/env', () => ({ getEnv: () => m.env }));
vi.mock('@/lib/revocation', () => ({
  getRevocationRegistry: () => ({
    health: () => ({ backend: 'redis', status: 'degraded', phase: 'unreachable', since: 0, error: 'ECONNREFUSED 10.0.0.7', queued: 1 }),
    knowsRevocations: () => true,
  }),
}));
vi.mock('@/lib/revocation/push', () => ({ getSessionHub: () => ({ size: () => 3, sessionCount: () => 2 }) }));
vi.mock('@/lib/auth/refresh', () => ({ refreshMetrics: async () => m.metrics }));
vi.mock('@/lib/sessions/end', () => ({ outboxStats: async () => [{ kind: 'sqlite', pending: 1, oldestEnqueuedAt: 5, mostAttempts: 3 }] }));
vi.mock('@/lib/events/runtime', () => ({
  eventsDetail: () => ({ ledger: { processing: 0, retry: 0, processed: 7, parked: 1 }, parked: [{ eventId: 'event_bad' }] }),
  replayEvent: async (id: string) => (id === 'event_bad' ? { status: 'processed', type: 'session.revoked' } : null),
}));

const { GET, POST } = await import('./route');
const TOKEN = 'ops-token-for-tests-0123456789abcdef';
const get = (authorization?: string) =>
  GET(new Request('http://app/api/health/detail', { headers: authorization ? { authorization } : {} }));
const post = (body: unknown, authorization = `Bearer ${TOKEN}`) =>
  POST(
    new Request('http://app/api/health/detail', {
      method: 'POST',
      headers: { authorization, 'content-type': 'application/json' },
      body: typeof body === 'string' ? body : JSON.stringify(body),
    }),
  );

beforeEach(() => {
  const metrics = new RefreshMetrics();
  metrics.count('grants');
  metrics.count('joined');
  metrics.observeWait(12);
  m.metrics = metrics;
  m.env = { OPS_TOKEN: TOKEN };
});

describe('GET /api/health/detail', () => {
  it('is not there at all without OPS_TOKEN', async () => {
    m.env = { OPS_TOKEN: undefined };
    expect((await get(`Bearer ${TOKEN}`)).status).toBe(404);
  });

  it('refuses a missing or wrong token, saying nothing', async () => {
    for (const header of [undefined, 'Bearer nope', `Basic ${TOKEN}`]) {
      const response = await get(header);
      expect(response.status).toBe(401);
      expect(JSON.stringify(await response.json())).not.toContain('ECONNREFUSED');
    }
  });

  it('gives operators the registry detail, the refresh counters and the open push streams', async () => {
    const response = await get(`Bearer ${TOKEN}`);
    expect(response.status).toBe(200);
    expect(await response.json()).toEqual({
      revocation: {
        backend: 'redis',
        status: 'degraded',
        detail:
          'Redis unreachable since 1970-01-01T00:00:00.000Z (ECONNREFUSED 10.0.0.7); enforcing the revocations known to ' +
          'this instance; 1 revocation(s) queued locally until Redis is back',
        knowsRevocations: true,
      },
      refresh: { counters: { grants: 1, joined: 1 }, waitMs: { n: 1, p50: 12, p99: 12, max: 12 } },
      workosOutbox: [{ kind: 'sqlite', pending: 1, oldestEnqueuedAt: 5, mostAttempts: 3 }],
      events: { ledger: { processing: 0, retry: 0, processed: 7, parked: 1 }, parked: [{ eventId: 'event_bad' }] },
      pushStreams: { open: 3, sessions: 2 },
    });
  });

  it('replays a parked event for an operator; says why for anything else', async () => {
    expect(await (await post({ replay: 'event_bad' })).json()).toEqual({
      replayed: 'event_bad',
      outcome: { status: 'processed', type: 'session.revoked' },
    });
    expect((await post({ replay: 'event_unknown' })).status).toBe(404);
    for (const bad of ['not json', { replay: '' }, { replay: 'x', also: 1 }, {}]) {
      const response = await post(bad);
      expect(response.status).toBe(400);
      expect(await response.json()).toMatchObject({ error: 'invalid_request' });
    }
    expect((await post({ replay: 'event_bad' }, 'Bearer wrong')).status).toBe(401);
  });
});
