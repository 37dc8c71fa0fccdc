import type { Env } from '@/lib/env';

export interface SessionCookieOptions {
  name: string;
  path: '/';
  /** WORKOS_COOKIE_DOMAIN; absent for a host-only cookie. */
  domain?: string;
  sameSite: 'lax' | 'strict' | 'none';
  secure: boolean;
}

/**
 * The attributes authkit gives the session cookie (@workos-inc/authkit-nextjs cookie.js `getCookieOptions`):
 * Path=/, Domain=WORKOS_COOKIE_DOMAIN when set, SameSite=WORKOS_COOKIE_SAMESITE (lax), Secure on https or with
 * SameSite=None. IMPORTANT: a deletion must name the same Path and Domain, or the browser keeps the real cookie.
 */
export function sessionCookieOptions(
  env: Pick<Env, 'WORKOS_COOKIE_NAME' | 'WORKOS_COOKIE_DOMAIN' | 'WORKOS_COOKIE_SAMESITE' | 'NEXT_PUBLIC_WORKOS_REDIRECT_URI'>,
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
  };
}
