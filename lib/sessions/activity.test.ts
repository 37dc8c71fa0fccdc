import type { NextRequest } from 'next/server';
import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import { openDatabase } from '@/lib/db';
import { hashSessionId } from '@/lib/security/hash';
import { getLastActive, recordSessionActivity } from './activity';

const state = vi.hoisted(() => ({ broken: false }));

vi.mock('@/lib/env', () => ({ getEnv: () => ({ LAST_ACTIVE_THROTTLE_MS: 60_000 }) }));
// The address the request hook settled (lib/security/client-ip.test.ts covers how).
vi.mock('@/lib/security/client-ip', () => ({ clientIp: (headers: Headers) => headers.get('x-settled-ip') }));
vi.mock('@/lib/db', async (importOriginal) => {
  const actual = await importOriginal<typeof import('@/lib/db')>();
  return {
    ...actual,
    getDb: () => {
      if (state.broken) throw new Error('disk on fire');
      return actual.openDatabase(':memory:');
    },
  };
});

function request(headers: Record<string, string> = {}): NextRequest {
  return { headers: new Headers(headers) } as unknown as NextRequest;
}

const session = (id: string) => ({ sessionId: id, user: { id: 'user_1' } });
const db = () => openDatabase(':memory:');
/** The write happens after the request (setImmediate); wait for that turn of the event loop. */
const flush = () => new Promise<void>((resolve) => setImmediate(resolve));

describe('recordSessionActivity', () => {
  beforeEach(() => {
    state.broken = false;
    // A fresh process-wide throttle (lib/sessions/activity) per test.
    delete (globalThis as Record<symbol, unknown>)[Symbol.for('soe.session-activity')];
    db().exec('DELETE FROM session_activity');
    vi.useFakeTimers({ toFake: ['Date'] });
    vi.setSystemTime(new Date('2026-03-10T12:00:00Z'));
  });
  afterEach(() => vi.useRealTimers());

  it('records the last request, keyed by the hashed session id, with the settled client address and user agent', async () => {
    recordSessionActivity(
      request({ 'x-settled-ip': '203.0.113.9', 'x-forwarded-for': '198.51.100.66', 'user-agent': 'UA/1' }),
      session('session_a'),
    );
    await flush();
    const rows = db().prepare('SELECT * FROM session_activity').all();
    expect(rows).toEqual([
      {
        session_hash: hashSessionId('session_a'),
        user_id: 'user_1',
        last_active_at: Date.parse('2026-03-10T12:00:00Z'),
        ip_address: '203.0.113.9',
        user_agent: 'UA/1',
      },
    ]);
    expect(JSON.stringify(rows)).not.toContain('session_a');
  });

  it('writes at most once per throttle period per session', async () => {
    recordSessionActivity(request(), session('session_a'));
    await flush();
    vi.setSystemTime(new Date('2026-03-10T12:00:59Z'));
    recordSessionActivity(request(), session('session_a'));
    await flush();
    expect(getLastActive(['session_a']).get('session_a')?.toISOString()).toBe('2026-03-10T12:00:00.000Z');

    vi.setSystemTime(new Date('2026-03-10T12:01:00Z'));
    recordSessionActivity(request(), session('session_a'));
    await flush();
    expect(getLastActive(['session_a']).get('session_a')?.toISOString()).toBe('2026-03-10T12:01:00.000Z');
  });

  it('throttles each session separately', async () => {
    recordSessionActivity(request(), session('session_a'));
    recordSessionActivity(request(), session('session_b'));
    await flush();
    expect([...getLastActive(['session_a', 'session_b', 'session_unknown']).keys()].sort()).toEqual(['session_a', 'session_b']);
  });

  it('does not write during the request itself', () => {
    recordSessionActivity(request(), session('session_a'));
    expect(db().prepare('SELECT COUNT(*) AS n FROM session_activity').get()).toEqual({ n: 0 });
  });

  it('never throws when the database fails, and tries again on the next request', async () => {
    const error = vi.spyOn(console, 'error').mockImplementation(() => {});
    state.broken = true;
    expect(() => recordSessionActivity(request(), session('session_a'))).not.toThrow();
    await flush();
    expect(error).toHaveBeenCalled();
    state.broken = false;
    recordSessionActivity(request(), session('session_a'));
    await flush();
    expect(getLastActive(['session_a']).has('session_a')).toBe(true);
    error.mockRestore();
  });

  it('ignores a session without an id', async () => {
    expect(() => recordSessionActivity(request(), { sessionId: '', user: { id: 'user_1' } })).not.toThrow();
    await flush();
    expect(db().prepare('SELECT COUNT(*) AS n FROM session_activity').get()).toEqual({ n: 0 });
  });
});
