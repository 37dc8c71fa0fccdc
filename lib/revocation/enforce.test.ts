import { sealData } from 'iron-session';
import { NextRequest } from 'next/server';
import { describe, expect, it, vi } from 'vitest';
import { handleRefreshFailure, type RefreshFailureDeps } from './refresh-failure';
import { refuseRevokedSession } from './refusal';
import type { RevocationInput, RevocationRecord } from './types';

const options = { cookieName: 'wos-session', secure: false, origin: 'http://127.0.0.1:3200' };
const revoked = { reason: 'signed_out_elsewhere' } as const;

function request(path: string, headers: Record<string, string> = {}, method = 'GET') {
  return new NextRequest(new URL(path, 'http://127.0.0.1:3200'), {
    method,
    headers: { cookie: 'wos-session=sealed; theme=dark', ...headers },
  });
}

function expectCookieCleared(response: Response) {
  const setCookie = response.headers.get('set-cookie') ?? '';
  expect(setCookie).toMatch(/^wos-session=;/);
  expect(setCookie).toMatch(/Max-Age=0/i);
  expect(setCookie).toMatch(/Path=\//);
  expect(setCookie).toMatch(/HttpOnly/i);
}

describe('refuseRevokedSession', () => {
  it('redirects a document navigation to /signed-out with the reason', () => {
    const response = refuseRevokedSession(
      request('/home', { accept: 'text/html', 'sec-fetch-dest': 'document' }),
      revoked,
      options,
    )!;
    expect(response.status).toBe(303);
    expect(response.headers.get('location')).toBe('http://127.0.0.1:3200/signed-out?reason=signed_out_elsewhere');
    expect(response.headers.get('x-session-status')).toBe('revoked');
    expect(response.headers.get('cache-control')).toBe('no-store');
    expectCookieCleared(response);
  });

  it.each([
    ['a fetch', '/api/things', { accept: 'application/json', 'sec-fetch-dest': 'empty' }, 'GET'],
    ['a server action', '/home', { accept: 'text/x-component', 'next-action': 'abc123' }, 'POST'],
    ['an RSC request', '/account/security', { accept: 'text/html', rsc: '1' }, 'GET'],
    ['a prefetch', '/account/security', { accept: 'text/html', rsc: '1', 'next-router-prefetch': '1' }, 'GET'],
  ])('answers %s with 401 session_revoked', async (_name, path, headers, method) => {
    const response = refuseRevokedSession(request(path, headers, method), revoked, options)!;
    expect(response.status).toBe(401);
    expect(await response.json()).toEqual({ error: 'session_revoked', reason: 'signed_out_elsewhere' });
    expect(response.headers.get('x-session-status')).toBe('revoked');
    expect(response.headers.get('cache-control')).toBe('no-store');
    expectCookieCleared(response);
  });

  it('lets /signed-out and the sign-in pages through as signed out, without the session', () => {
    for (const path of ['/signed-out?reason=admin', '/sign-in', '/sign-up']) {
      const response = refuseRevokedSession(
        request(path, { accept: 'text/html', 'x-workos-session': 'sealed' }),
        revoked,
        options,
      )!;
      expect(response.headers.get('x-middleware-next')).toBe('1');
      expectCookieCleared(response);
      // The forwarded request no longer carries the session, but keeps other cookies.
      const overridden = response.headers.get('x-middleware-override-headers') ?? '';
      expect(overridden).toContain('cookie');
      expect(response.headers.get('x-middleware-request-cookie')).toBe('theme=dark');
      expect(response.headers.get('x-middleware-request-x-workos-session')).toBeNull();
      expect(response.headers.get('x-middleware-request-x-workos-middleware')).toBe('true');
    }
  });

  it('answers the push stream with the revoked event and its reason (EventSource cannot read a 401)', async () => {
    const response = refuseRevokedSession(
      request('/api/session/events', { accept: 'text/event-stream', 'sec-fetch-dest': 'empty' }),
      { reason: 'admin', revokedAt: 1_700_000_000_000 },
      options,
    )!;
    expect(response.status).toBe(200);
    expect(response.headers.get('content-type')).toMatch(/^text\/event-stream/);
    const body = await response.text();
    expect(body).toMatch(/^retry: \d+\n/);
    expect(body).toContain('id: revoked-1700000000000\nevent: revoked\n');
    const data = JSON.parse(/^data: (.*)$/m.exec(body)?.[1] ?? 'null') as { reason: string; message: string };
    expect(data.reason).toBe('admin');
    expect(data.message.length).toBeGreaterThan(0);
    expect(response.headers.get('x-session-status')).toBe('revoked');
    expectCookieCleared(response);
  });

  it('leaves /callback alone so the new sign-in can replace the cookie', () => {
    expect(refuseRevokedSession(request('/callback?code=x'), revoked, options)).toBeNull();
  });
});

const PASSWORD = 'a-cookie-password-of-at-least-32-characters!';

function jwt(claims: Record<string, unknown>): string {
  const part = (v: unknown) => Buffer.from(JSON.stringify(v)).toString('base64url');
  return `${part({ alg: 'RS256', typ: 'JWT' })}.${part(claims)}.c2lnbmF0dXJl`;
}

async function cookieFor(sessionId: string, userId: string) {
  return sealData(
    { accessToken: jwt({ sid: sessionId, sub: userId, exp: 1 }), refreshToken: 'rt', user: { id: userId } },
    { password: PASSWORD, ttl: 0 },
  );
}

function fakeDeps(over: Partial<RefreshFailureDeps> = {}) {
  const revokes: RevocationInput[] = [];
  const audits: unknown[] = [];
  const known = new Set<string>();
  const deps: RefreshFailureDeps = {
    registry: {
      ready: async () => {},
      check: (sessionId) => (known.has(sessionId) ? ({ reason: 'admin' } as RevocationRecord) : null),
      revoke: async (input) => {
        revokes.push(input);
        known.add(input.sessionId);
        return {} as RevocationRecord;
      },
    },
    cookieName: 'wos-session',
    cookiePassword: PASSWORD,
    isSessionActive: async () => false,
    audit: async (entry) => {
      audits.push(entry);
    },
    ...over,
  };
  return { deps, revokes, audits, known };
}

const invalidGrant = Object.assign(new Error('Error: invalid_grant'), { status: 400, error: 'invalid_grant' });

describe('handleRefreshFailure', () => {
  it('records an invalid_grant refresh as a revocation by WorkOS, with an audit entry', async () => {
    const { deps, revokes, audits } = fakeDeps();
    const outcome = await handleRefreshFailure(
      await cookieFor('session_b', 'user_1'),
      { error: invalidGrant, isTransient: false },
      deps,
      '10.0.0.9',
    );
    expect(outcome).toBe('recorded');
    expect(revokes).toEqual([
      {
        sessionId: 'session_b',
        userId: 'user_1',
        reason: 'refresh_failed',
        source: 'refresh',
        actor: { type: 'workos' },
        note: null,
      },
    ]);
    expect(audits).toEqual([{ userId: 'user_1', sessionId: 'session_b', confirmed: true, ipAddress: '10.0.0.9' }]);
  });

  it('ignores transient failures and errors other than invalid_grant', async () => {
    const { deps, revokes } = fakeDeps();
    const cookie = await cookieFor('session_b', 'user_1');
    expect(await handleRefreshFailure(cookie, { error: invalidGrant, isTransient: true }, deps)).toBe('ignored');
    const other = Object.assign(new Error('unauthorized'), { status: 401 });
    expect(await handleRefreshFailure(cookie, { error: other, isTransient: false }, deps)).toBe('not_invalid_grant');
    expect(revokes).toEqual([]);
  });

  it('does not lock out a session WorkOS still lists as active (a lost refresh race between tabs)', async () => {
    const isSessionActive = vi.fn(async () => true);
    const { deps, revokes } = fakeDeps({ isSessionActive });
    const outcome = await handleRefreshFailure(
      await cookieFor('session_b', 'user_1'),
      { error: invalidGrant, isTransient: false },
      deps,
    );
    expect(outcome).toBe('still_active');
    expect(isSessionActive).toHaveBeenCalledWith('user_1', 'session_b');
    expect(revokes).toEqual([]);
  });

  it('fails closed when WorkOS cannot be asked', async () => {
    const { deps, revokes, audits } = fakeDeps({
      isSessionActive: async () => {
        throw new Error('unavailable');
      },
    });
    const outcome = await handleRefreshFailure(
      await cookieFor('session_b', 'user_1'),
      { error: { cause: invalidGrant }, isTransient: false },
      deps,
    );
    expect(outcome).toBe('recorded');
    expect(revokes[0]?.note).toMatch(/unconfirmed/);
    expect(audits).toMatchObject([{ confirmed: false }]);
  });

  it('records nothing twice, and nothing for a cookie it cannot unseal', async () => {
    const { deps, revokes, known } = fakeDeps();
    known.add('session_b');
    const failure = { error: invalidGrant, isTransient: false };
    expect(await handleRefreshFailure(await cookieFor('session_b', 'user_1'), failure, deps)).toBe('already_revoked');
    const forged = await sealData({ accessToken: jwt({ sid: 'x', sub: 'y' }) }, { password: 'another-password-of-32-characters-or-more' });
    expect(await handleRefreshFailure(forged, failure, deps)).toBe('unreadable');
    expect(await handleRefreshFailure(undefined, failure, deps)).toBe('unreadable');
    expect(revokes).toEqual([]);
  });
});
