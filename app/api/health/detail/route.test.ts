import { beforeEach, describe, expect, it, vi } from 'vitest';
import { RefreshMetrics } from '@/lib/auth/refresh/metrics';

const m = vi.hoisted(() => ({ env: { OPS_TOKEN: undefined as string | undefined }, metrics: null as unknown }));
vi.mock('@/lib/env', () => ({ getEnv: () => m.env }));
vi.mock('@/lib/revocation', () => ({
  getRevocationRegistry: () => ({ health: () => ({ backend: 'redis', status: 'degraded', detail: 'ECONNREFUSED 10.0.0.7' }) }),
}));
vi.mock('@/lib/auth/refresh', () => ({ refreshMetrics: async () => m.metrics }));

const { GET } = await import('./route');
const TOKEN = 'ops-token-for-tests-0123456789abcdef';
const get = (authorization?: string) =>
  GET(new Request('http://app/api/health/detail', { headers: authorization ? { authorization } : {} }));

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

  it('gives operators the registry detail and the refresh counters', async () => {
    const response = await get(`Bearer ${TOKEN}`);
    expect(response.status).toBe(200);
    expect(await response.json()).toEqual({
      revocation: { backend: 'redis', status: 'degraded', detail: 'ECONNREFUSED 10.0.0.7' },
      refresh: { counters: { grants: 1, joined: 1 }, waitMs: { n: 1, p50: 12, p99: 12, max: 12 } },
    });
  });
});
