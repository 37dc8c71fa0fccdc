import { spawnSync } from 'node:child_process';
import { resolve } from 'node:path';
import { pathToFileURL } from 'node:url';
import { sealData } from 'iron-session';
import { describe, expect, it, vi } from 'vitest';
import { serializeSessionCookie, sessionCookieOptions } from '@/lib/auth/session-cookie';
import { claimsOf, createCookieReader, refreshDueAt, sealSession, unsealSession } from './cookie';

// authkit's own cookie writer (not exported by the package), loaded from its file.
const AUTHKIT_COOKIE_MODULE = pathToFileURL(resolve('node_modules/@workos-inc/authkit-nextjs/dist/esm/cookie.js')).href;
const PASSWORD = 'a-cookie-password-of-at-least-32-characters!';

function jwt(claims: Record<string, unknown>): string {
  const part = (v: unknown) => Buffer.from(JSON.stringify(v)).toString('base64url');
  return `${part({ alg: 'RS256', typ: 'JWT' })}.${part(claims)}.c2lnbmF0dXJl`;
}

describe('refreshDueAt', () => {
  it('is 30 s before expiry for WorkOS’s 5-minute tokens, as authkit refreshes them', () => {
    expect(refreshDueAt(jwt({ iat: 1_000, exp: 1_300 }))).toBe(1_270_000);
  });

  it('is 60 s before expiry for long tokens, and a fifth of the life for short ones', () => {
    expect(refreshDueAt(jwt({ iat: 1_000, exp: 4_600 }))).toBe(4_540_000);
    expect(refreshDueAt(jwt({ iat: 1_000, exp: 1_005 }))).toBe(1_004_000);
  });

  it('never for a token without exp; at once for one that cannot be read', () => {
    expect(refreshDueAt(jwt({ iat: 1_000 }))).toBe(Infinity);
    expect(refreshDueAt('garbage')).toBe(-Infinity);
  });
});

describe('session cookies', () => {
  const session = {
    accessToken: jwt({ sid: 'session_1', sub: 'user_1', org_id: 'org_1', iat: 1_000, exp: 1_300 }),
    refreshToken: 'rt_1',
    user: { id: 'user_1', email: 'ada@example.com' },
    impersonator: undefined,
    authenticationMethod: 'Password',
  };

  it('seals exactly what authkit seals, and reads it back', async () => {
    const sealed = await sealSession(session, PASSWORD);
    expect(await unsealSession(sealed, PASSWORD)).toEqual({
      accessToken: session.accessToken,
      refreshToken: 'rt_1',
      user: session.user,
      authenticationMethod: 'Password',
    });
    await expect(unsealSession(sealed, 'another-password-of-at-least-32-chars!!')).rejects.toThrow();
    await expect(unsealSession(await sealData({ hello: 1 }, { password: PASSWORD }), PASSWORD)).rejects.toThrow();
  });

  it('reads the claims the proxy needs, unsealing each cookie once', async () => {
    const read = createCookieReader(PASSWORD);
    const sealed = await sealSession(session, PASSWORD);
    const spy = vi.spyOn(JSON, 'parse');
    const first = await read(sealed);
    const parses = spy.mock.calls.length;
    expect(await read(sealed)).toBe(first);
    expect(spy.mock.calls.length).toBe(parses);
    spy.mockRestore();
    expect(first).toEqual({ sessionId: 'session_1', userId: 'user_1', organizationId: 'org_1', dueAt: 1_270_000, expiresAt: 1_300_000 });
    expect(await read('Fe26.2*forged')).toBeNull();
    expect(claimsOf(jwt({ sub: 'user_1' }))).toBeNull();
  });
});

/** authkit's own cookie string for these variables (it reads them when its module loads: a fresh process each). */
function authkitCookieOptions(vars: Record<string, string>): string {
  const script = `import(${JSON.stringify(AUTHKIT_COOKIE_MODULE)}).then((m) => process.stdout.write(m.getCookieOptions(process.env.NEXT_PUBLIC_WORKOS_REDIRECT_URI, true)))`;
  const result = spawnSync(process.execPath, ['--input-type=module', '-e', script], {
    env: { NODE_ENV: 'test', PATH: process.env.PATH, WORKOS_COOKIE_NAME: 'wos-session', ...vars },
    encoding: 'utf8',
  });
  if (result.status !== 0) throw new Error(result.stderr);
  return result.stdout;
}

describe('serializeSessionCookie', () => {
  it.each([
    ['http, defaults', { NEXT_PUBLIC_WORKOS_REDIRECT_URI: 'http://localhost:3000/callback' }],
    [
      'https, domain, strict, max age',
      {
        NEXT_PUBLIC_WORKOS_REDIRECT_URI: 'https://app.example.com/callback',
        WORKOS_COOKIE_DOMAIN: '.example.com',
        WORKOS_COOKIE_SAMESITE: 'strict',
        WORKOS_COOKIE_MAX_AGE: '3600',
      },
    ],
    ['SameSite=None', { NEXT_PUBLIC_WORKOS_REDIRECT_URI: 'http://localhost:3000/callback', WORKOS_COOKIE_SAMESITE: 'none' }],
  ])('writes the cookie attribute for attribute as authkit does (%s)', (_name, vars: Record<string, string>) => {
    const ours = serializeSessionCookie(
      'VALUE',
      sessionCookieOptions({
        WORKOS_COOKIE_NAME: 'wos-session',
        WORKOS_COOKIE_DOMAIN: vars.WORKOS_COOKIE_DOMAIN,
        WORKOS_COOKIE_SAMESITE: (vars.WORKOS_COOKIE_SAMESITE ?? 'lax') as 'lax',
        WORKOS_COOKIE_MAX_AGE: Number(vars.WORKOS_COOKIE_MAX_AGE ?? 34_560_000),
        NEXT_PUBLIC_WORKOS_REDIRECT_URI: vars.NEXT_PUBLIC_WORKOS_REDIRECT_URI!,
      }),
    );
    expect(ours).toBe(`wos-session=VALUE; ${authkitCookieOptions(vars)}`);
  });
});
