import { getEnv, type Env } from '@/lib/env';
import type { RefusalOptions } from '@/lib/revocation/gate';

export interface SessionCookieOptions {
  name: string;
  path: '/';
  /** WORKOS_COOKIE_DOMAIN; absent for a host-only cookie. */
  domain?: string;
  sameSite: 'lax' | 'strict' | 'none';
  secure: boolean;
  /** WORKOS_COOKIE_MAX_AGE, seconds. */
  maxAge: number;
}

/**
 * The attributes authkit gives the session cookie (@workos-inc/authkit-nextjs cookie.js `getCookieOptions`):
 * Path=/, Domain=WORKOS_COOKIE_DOMAIN when set, SameSite=WORKOS_COOKIE_SAMESITE (lax), Secure on https or with
 * SameSite=None. IMPORTANT: a deletion must name the same Path and Domain, or the browser keeps the real cookie.
 */
export function sessionCookieOptions(
  env: Pick<
    Env,
    'WORKOS_COOKIE_NAME' | 'WORKOS_COOKIE_DOMAIN' | 'WORKOS_COOKIE_SAMESITE' | 'WORKOS_COOKIE_MAX_AGE' | 'NEXT_PUBLIC_WORKOS_REDIRECT_URI'
  >,
): SessionCookieOptions {
  const sameSite = env.WORKOS_COOKIE_SAMESITE;
  let secure = true;
  if (sameSite !== 'none') {
    try {
      secure = new URL(env.NEXT_PUBLIC_WORKOS_REDIRECT_URI).protocol === 'https:';
    } catch {
      secure = true;
    }
  }
  return {
    name: env.WORKOS_COOKIE_NAME,
    path: '/',
    ...(env.WORKOS_COOKIE_DOMAIN ? { domain: env.WORKOS_COOKIE_DOMAIN } : {}),
    sameSite,
    secure,
    maxAge: env.WORKOS_COOKIE_MAX_AGE,
  };
}

/** A Set-Cookie line for the session cookie, attribute for attribute as authkit writes it (its getCookieOptions). */
export function serializeSessionCookie(value: string, options: SessionCookieOptions): string {
  const sameSite = options.sameSite.charAt(0).toUpperCase() + options.sameSite.slice(1);
  const parts = [`${options.name}=${value}`, 'Path=/', 'HttpOnly', `SameSite=${sameSite}`, `Max-Age=${options.maxAge}`];
  if (options.domain) parts.push(`Domain=${options.domain}`);
  if (options.secure) parts.push('Secure');
  return parts.join('; ');
}

/** How the revocation gate's refusals clear this cookie and where they send a document, from the environment. */
export function refusalOptions(): RefusalOptions {
  const env = getEnv();
  const cookie = sessionCookieOptions(env);
  return {
    cookieName: cookie.name,
    secure: cookie.secure || env.appOrigin.startsWith('https:'),
    domain: cookie.domain,
    sameSite: cookie.sameSite,
    origin: env.appOrigin,
  };
}
