import { sealData, unsealData } from 'iron-session';
import { decodeJwt } from 'jose';
import type { SealedSession } from './types';

/** What the proxy needs on every request, read from the sealed cookie once and remembered by its value. */
export interface CookieClaims {
  sessionId: string;
  userId: string;
  organizationId: string | null;
  /** When (ms) the access token should be refreshed: some time before it expires. */
  dueAt: number;
  /** When (ms) the access token expires. */
  expiresAt: number;
}

/**
 * When a session with this access token is due for refresh. authkit refreshes 30 s before expiry (60 s for tokens
 * over five minutes); here at most a fifth of the token's life before, so that short test tokens (5 s) are not
 * refreshed on every request. Infinity when the token has no `exp`.
 */
export function refreshDueAt(accessToken: string): number {
  try {
    const { exp, iat } = decodeJwt(accessToken);
    if (typeof exp !== 'number') return Infinity;
    const lifetime = typeof iat === 'number' ? Math.max(0, exp - iat) : 300;
    const buffer = Math.min(lifetime <= 300 ? 30 : 60, lifetime / 5);
    return (exp - buffer) * 1000;
  } catch {
    return -Infinity;
  }
}

export function sealSession(session: SealedSession, password: string): Promise<string> {
  // As authkit's encryptSession: iron seal, no seal-level expiry (the tokens inside carry their own).
  return sealData(
    {
      accessToken: session.accessToken,
      refreshToken: session.refreshToken,
      user: session.user,
      impersonator: session.impersonator,
      authenticationMethod: session.authenticationMethod,
    },
    { password, ttl: 0 },
  );
}

export async function unsealSession(cookie: string, password: string): Promise<SealedSession> {
  const session = await unsealData<Partial<SealedSession>>(cookie, { password });
  if (typeof session.accessToken !== 'string' || typeof session.refreshToken !== 'string') {
    throw new Error('not a session cookie');
  }
  return session as SealedSession;
}

export function claimsOf(accessToken: string): CookieClaims | null {
  try {
    const { sid, sub, org_id: org, exp } = decodeJwt(accessToken);
    if (typeof sid !== 'string' || typeof sub !== 'string') return null;
    return {
      sessionId: sid,
      userId: sub,
      organizationId: typeof org === 'string' ? org : null,
      dueAt: refreshDueAt(accessToken),
      expiresAt: typeof exp === 'number' ? exp * 1000 : Infinity,
    };
  } catch {
    return null;
  }
}

const CACHE_LIMIT = 4_096;

/**
 * Reads session cookies, remembering the claims of recent ones: the same cookie comes back on every request of a
 * session until it is refreshed, and unsealing costs far more than a map lookup. Only cookies that unseal are kept.
 */
export function createCookieReader(password: string) {
  const cache = new Map<string, CookieClaims>();
  return async function readCookie(value: string): Promise<CookieClaims | null> {
    const known = cache.get(value);
    if (known) return known;
    let claims: CookieClaims | null;
    try {
      claims = claimsOf((await unsealSession(value, password)).accessToken);
    } catch {
      return null;
    }
    if (!claims) return null;
    if (cache.size >= CACHE_LIMIT) cache.clear();
    cache.set(value, claims);
    return claims;
  };
}
