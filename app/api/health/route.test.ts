import { beforeEach, describe, expect, it, vi } from 'vitest';
import type { BackendHealth } from '@/lib/revocation/types';

const m = vi.hoisted(() => ({
  ready: vi.fn(),
  health: vi.fn(),
  knows: vi.fn(() => true),
}));
vi.mock('@/lib/revocation', () => ({
  getRevocationRegistry: () => ({ ready: m.ready, health: m.health, knowsRevocations: m.knows }),
}));

const { GET } = await import('./route');

beforeEach(() => {
  vi.clearAllMocks();
  vi.spyOn(console, 'warn').mockImplementation(() => {});
  vi.spyOn(console, 'info').mockImplementation(() => {});
});

describe('GET /api/health', () => {
  it('hides the detail of a degraded registry (Redis error text, internal addresses)', async () => {
    m.ready.mockResolvedValue(undefined);
    m.health.mockReturnValue({ backend: 'redis', status: 'degraded', phase: 'unreachable', since: 0, error: 'ECONNREFUSED 10.0.0.7:6379', queued: 0 } satisfies BackendHealth);
    const response = await GET();
    expect(response.status).toBe(200);
    const body = await response.json();
    expect(body).toEqual({ status: 'degraded', revocation: { backend: 'redis', status: 'degraded', starting: false } });
    expect(JSON.stringify(body)).not.toContain('10.0.0.7');
    expect(console.warn).toHaveBeenCalledWith(expect.stringContaining('10.0.0.7'));
  });

  it('answers 503 while the registry cannot load', async () => {
    m.ready.mockRejectedValue(new Error('sqlite /secret/path locked'));
    m.health.mockReturnValue({ backend: 'sqlite', status: 'degraded', phase: 'start_failed', queued: 0 } satisfies BackendHealth);
    const response = await GET();
    expect(response.status).toBe(503);
    expect(await response.json()).toEqual({ status: 'unavailable', revocation: { backend: 'sqlite', status: 'degraded', starting: false } });
  });

  it('answers 503 when this instance has never loaded the revocation set (empty database, Redis unreachable)', async () => {
    m.ready.mockResolvedValue(undefined);
    m.knows.mockReturnValueOnce(false);
    m.health.mockReturnValue({ backend: 'redis', status: 'degraded', phase: 'unreachable', since: 0, error: null, queued: 0 } satisfies BackendHealth);
    const response = await GET();
    expect(response.status).toBe(503);
    expect(await response.json()).toMatchObject({ status: 'unavailable' });
  });

  it('says ok when the registry is in sync', async () => {
    m.ready.mockResolvedValue(undefined);
    m.health.mockReturnValue({ backend: 'sqlite', status: 'ok', phase: 'serving', queued: 0 } satisfies BackendHealth);
    const response = await GET();
    expect(await response.json()).toEqual({ status: 'ok', revocation: { backend: 'sqlite', status: 'ok', starting: false } });
    expect(response.headers.get('cache-control')).toBe('no-store');
  });
});
