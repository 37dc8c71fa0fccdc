import { describe, expect, it, vi } from 'vitest';
import type { BackendHealth } from '@/lib/revocation/types';
import { describeRevocationHealth, logHealthChange, publicRevocationHealth } from './public-health';

const unreachable: BackendHealth = {
  backend: 'redis',
  status: 'degraded',
  phase: 'unreachable',
  since: Date.parse('2026-01-01T12:00:00Z'),
  error: 'connect ECONNREFUSED 10.1.2.3:6379',
  queued: 2,
};
const ok = (backend: BackendHealth['backend']): BackendHealth => ({ backend, status: 'ok', phase: 'serving', queued: 0 });

describe('publicRevocationHealth', () => {
  it('carries only backend, status and whether it is starting: never the detail', () => {
    const shown = publicRevocationHealth(unreachable);
    expect(shown).toEqual({ backend: 'redis', status: 'degraded', starting: false });
    expect(JSON.stringify(shown)).not.toContain('10.1.2.3');
    expect(publicRevocationHealth({ backend: 'sqlite', status: 'degraded', phase: 'starting', queued: 0 })).toEqual({
      backend: 'sqlite',
      status: 'degraded',
      starting: true,
    });
    expect(publicRevocationHealth(ok('sqlite'))).toEqual({ backend: 'sqlite', status: 'ok', starting: false });
  });
});

describe('describeRevocationHealth', () => {
  it('words each phase for operators, with what is queued', () => {
    expect(describeRevocationHealth(unreachable)).toBe(
      'Redis unreachable since 2026-01-01T12:00:00.000Z (connect ECONNREFUSED 10.1.2.3:6379); enforcing the ' +
        'revocations known to this instance; 2 revocation(s) queued locally until Redis is back',
    );
    const redis = { backend: 'redis', status: 'degraded', queued: 0 } as const;
    expect(describeRevocationHealth({ ...redis, phase: 'connecting' })).toBe('connecting to Redis');
    expect(describeRevocationHealth({ ...redis, phase: 'resyncing', queued: 1 })).toBe(
      'resynchronising with Redis; 1 revocation(s) queued locally until Redis is back',
    );
    expect(describeRevocationHealth({ ...redis, phase: 'serving', queued: 1 })).toBe(
      '1 revocation(s) queued locally until Redis is back',
    );
    expect(describeRevocationHealth({ ...redis, phase: 'starting' })).toBe('starting');
    expect(describeRevocationHealth({ ...redis, phase: 'start_failed' })).toBe('backend failed to start');
    expect(describeRevocationHealth({ ...redis, phase: 'failing', error: 'poll failed: disk I/O error' })).toBe(
      'poll failed: disk I/O error',
    );
    expect(describeRevocationHealth(ok('sqlite'))).toBeUndefined();
  });
});

describe('logHealthChange', () => {
  it('logs the full detail server-side, once per change', () => {
    const log = { info: vi.fn(), warn: vi.fn() };
    logHealthChange(unreachable, log);
    logHealthChange(unreachable, log);
    expect(log.warn).toHaveBeenCalledOnce();
    expect(log.warn.mock.calls[0]![0]).toContain('10.1.2.3');
    logHealthChange(ok('redis'), log);
    expect(log.info).toHaveBeenCalledOnce();
    logHealthChange(ok('redis'), log);
    expect(log.info).toHaveBeenCalledOnce();
  });
});
