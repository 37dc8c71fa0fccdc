import { describe, expect, it, vi } from 'vitest';
import { logHealthChange, publicRevocationHealth } from './public-health';

const secret = 'Redis unreachable since 12:00 (connect ECONNREFUSED 10.1.2.3:6379); 2 revocation(s) queued locally';

describe('publicRevocationHealth', () => {
  it('carries only backend, status and whether it is starting: never the detail', () => {
    const shown = publicRevocationHealth({ backend: 'redis', status: 'degraded', detail: secret });
    expect(shown).toEqual({ backend: 'redis', status: 'degraded', starting: false });
    expect(JSON.stringify(shown)).not.toContain('10.1.2.3');
    expect(publicRevocationHealth({ backend: 'sqlite', status: 'degraded', detail: 'starting' })).toEqual({
      backend: 'sqlite',
      status: 'degraded',
      starting: true,
    });
    expect(publicRevocationHealth({ backend: 'sqlite', status: 'ok' })).toEqual({ backend: 'sqlite', status: 'ok', starting: false });
  });
});

describe('logHealthChange', () => {
  it('logs the full detail server-side, once per change', () => {
    const log = { info: vi.fn(), warn: vi.fn() };
    logHealthChange({ backend: 'redis', status: 'degraded', detail: secret }, log);
    logHealthChange({ backend: 'redis', status: 'degraded', detail: secret }, log);
    expect(log.warn).toHaveBeenCalledOnce();
    expect(log.warn.mock.calls[0]![0]).toContain('10.1.2.3');
    logHealthChange({ backend: 'redis', status: 'ok' }, log);
    expect(log.info).toHaveBeenCalledOnce();
    logHealthChange({ backend: 'redis', status: 'ok' }, log);
    expect(log.info).toHaveBeenCalledOnce();
  });
});
