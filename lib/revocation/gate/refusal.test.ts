import { NextRequest } from 'next/server';
import { describe, expect, it } from 'vitest';
import { sessionCookieOptions } from '@/lib/auth/session-cookie';
import { refuseRevokedSession } from './refusal';

const revoked = { reason: 'signed_out_elsewhere' } as const;
const base = { cookieName: 'wos-session', secure: false, origin: 'https://app.example.com' };

function request(path: string) {
  return new NextRequest(new URL(path, 'https://app.example.com'), {
    headers: { cookie: 'wos-session=sealed', accept: 'text/html', 'sec-fetch-dest': 'document' },
  });
}

describe('refuseRevokedSession clears the cookie as authkit set it', () => {
  it('names WORKOS_COOKIE_DOMAIN in the deletion when configured (a host-only deletion would not remove it)', () => {
    for (const path of ['/home', '/api/things', '/signed-out']) {
      const response = refuseRevokedSession(request(path), revoked, { ...base, domain: '.example.com' })!;
      const setCookie = response.headers.get('set-cookie') ?? '';
      expect(setCookie).toMatch(/^wos-session=;/);
      expect(setCookie).toMatch(/Domain=\.?example\.com/i);
      expect(setCookie).toMatch(/Path=\//);
      expect(setCookie).toMatch(/Max-Age=0/i);
    }
  });

  it('is host-only without a domain', () => {
    const setCookie = refuseRevokedSession(request('/home'), revoked, base)!.headers.get('set-cookie') ?? '';
    expect(setCookie).not.toMatch(/Domain=/i);
    expect(setCookie).toMatch(/SameSite=lax/i);
  });

  it('uses the configured SameSite; SameSite=None is always Secure', () => {
    const setCookie = refuseRevokedSession(request('/home'), revoked, { ...base, sameSite: 'none' })!.headers.get('set-cookie') ?? '';
    expect(setCookie).toMatch(/SameSite=none/i);
    expect(setCookie).toMatch(/Secure/i);
  });
});

describe('sessionCookieOptions', () => {
  const env = {
    WORKOS_COOKIE_NAME: 'wos-session',
    WORKOS_COOKIE_DOMAIN: undefined as string | undefined,
    WORKOS_COOKIE_SAMESITE: 'lax' as const,
    WORKOS_COOKIE_MAX_AGE: 34_560_000,
    NEXT_PUBLIC_WORKOS_REDIRECT_URI: 'http://localhost:3000/callback',
  };

  it('matches authkit: Path=/, host-only by default, Secure only on https', () => {
    expect(sessionCookieOptions(env)).toEqual({
      name: 'wos-session',
      path: '/',
      sameSite: 'lax',
      secure: false,
      maxAge: 34_560_000,
    });
    expect(sessionCookieOptions({ ...env, NEXT_PUBLIC_WORKOS_REDIRECT_URI: 'https://app.example.com/callback' }).secure).toBe(true);
  });

  it('carries WORKOS_COOKIE_DOMAIN and WORKOS_COOKIE_SAMESITE', () => {
    expect(sessionCookieOptions({ ...env, WORKOS_COOKIE_DOMAIN: '.example.com', WORKOS_COOKIE_SAMESITE: 'none' as never })).toEqual({
      name: 'wos-session',
      path: '/',
      domain: '.example.com',
      sameSite: 'none',
      secure: true,
      maxAge: 34_560_000,
    });
  });
});

const options = { cookieName: 'wos-session', secure: false, origin: 'http://127.0.0.1:3200' };

function requestWith(path: string, headers: Record<string, string> = {}, method = 'GET') {
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
      requestWith('/home', { accept: 'text/html', 'sec-fetch-dest': 'document' }),
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
    const response = refuseRevokedSession(requestWith(path, headers, method), revoked, options)!;
    expect(response.status).toBe(401);
    expect(await response.json()).toEqual({ error: 'session_revoked', reason: 'signed_out_elsewhere' });
    expect(response.headers.get('x-session-status')).toBe('revoked');
    expect(response.headers.get('cache-control')).toBe('no-store');
    expectCookieCleared(response);
  });

  it('lets /signed-out and the sign-in pages through as signed out, without the session', () => {
    for (const path of ['/signed-out?reason=admin', '/sign-in', '/sign-up']) {
      const response = refuseRevokedSession(
        requestWith(path, { accept: 'text/html', 'x-workos-session': 'sealed' }),
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
      requestWith('/api/session/events', { accept: 'text/event-stream', 'sec-fetch-dest': 'empty' }),
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
    expect(refuseRevokedSession(requestWith('/callback?code=x'), revoked, options)).toBeNull();
  });
});
