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
    NEXT_PUBLIC_WORKOS_REDIRECT_URI: 'http://localhost:3000/callback',
  };

  it('matches authkit: Path=/, host-only by default, Secure only on https', () => {
    expect(sessionCookieOptions(env)).toEqual({ name: 'wos-session', path: '/', sameSite: 'lax', secure: false });
    expect(sessionCookieOptions({ ...env, NEXT_PUBLIC_WORKOS_REDIRECT_URI: 'https://app.example.com/callback' }).secure).toBe(true);
  });

  it('carries WORKOS_COOKIE_DOMAIN and WORKOS_COOKIE_SAMESITE', () => {
    expect(sessionCookieOptions({ ...env, WORKOS_COOKIE_DOMAIN: '.example.com', WORKOS_COOKIE_SAMESITE: 'none' as never })).toEqual({
      name: 'wos-session',
      path: '/',
      domain: '.example.com',
      sameSite: 'none',
      secure: true,
    });
  });
});
