import { describe, expect, it, vi } from 'vitest';
import { SESSION_URL } from '@/lib/session-status/protocol';
import { probeSession, reportingProbe } from './probe';

const json = (status: number, body: unknown, headers: Record<string, string> = {}) =>
  Object.defineProperty(
    new Response(JSON.stringify(body), { status, headers: { 'content-type': 'application/json', ...headers } }),
    'url',
    { value: `http://app.test${SESSION_URL}` },
  );

describe('probing /api/session', () => {
  it('reads active, revoked and signed-out answers, and rejects on anything that says nothing of the session', async () => {
    const fetchImpl = vi.fn<typeof fetch>(async () => json(200, { status: 'active' }));
    expect(await probeSession(fetchImpl)).toEqual({ status: 'active' });
    expect(fetchImpl).toHaveBeenCalledWith(SESSION_URL, { cache: 'no-store', credentials: 'same-origin' });
    const revoked = json(401, { error: 'session_revoked', reason: 'admin' }, { 'x-session-status': 'revoked' });
    expect(await probeSession(async () => revoked)).toEqual({ status: 'ended', reason: 'admin' });
    expect(await probeSession(async () => json(401, { error: 'unauthenticated' }))).toEqual({ status: 'ended', reason: 'session_ended' });
    await expect(probeSession(async () => json(503, { error: 'temporarily_unavailable' }))).rejects.toThrow('503');
  });

  it('a reporting probe reports the ending and never rejects', async () => {
    const onEnded = vi.fn();
    expect(await reportingProbe(onEnded, async () => json(401, { error: 'unauthenticated' }))()).toBe('ended');
    expect(onEnded).toHaveBeenCalledWith({ reason: 'session_ended' });
    expect(await reportingProbe(onEnded, () => Promise.reject(new TypeError('offline')))()).toBe('unknown');
    expect(await reportingProbe(onEnded, async () => json(200, { status: 'active' }))()).toBe('active');
    expect(onEnded).toHaveBeenCalledTimes(1);
  });
});
