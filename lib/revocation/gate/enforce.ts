import 'server-only';
import type { NextRequest, NextResponse } from 'next/server';
import type { UserInfo, NoUserInfo } from '@workos-inc/authkit-nextjs';
import { sessionCookieOptions } from '@/lib/auth/session-cookie';
import { getEnv } from '@/lib/env';
import { getRevocationRegistry } from '../index';
import { isPublicPath } from '@/lib/auth/routes';
import { askToRetry, refuseRevokedSession, type RefusalOptions } from './refusal';

/**
 * The proxy's revocation gate: the response that refuses a revoked session (see `refuseRevokedSession`), or
 * null to let the request through. One awaited (already settled) promise and one map lookup per request.
 */
export async function enforceRevocation(
  request: NextRequest,
  session: UserInfo | NoUserInfo,
): Promise<NextResponse | null> {
  if (!session.user || !session.sessionId) return null;
  const registry = getRevocationRegistry();
  await registry.ready();
  const record = registry.check(session.sessionId, session.user.id);
  if (!record) return null;
  return refuseRevokedSession(request, record, refusalOptions());
}

/**
 * Fail closed: while this instance has never loaded the revocation set (an empty database and Redis unreachable
 * since it started), a request carrying a session is not judged. Protected paths answer 503 "temporarily
 * unavailable" (the page retries by itself); public pages go on, with the session taken off the request so they
 * render signed out. Null when the registry knows its set, or the request carries no session.
 */
export async function refuseWhileUnknown(request: NextRequest): Promise<NextResponse | null> {
  const cookieName = getEnv().WORKOS_COOKIE_NAME;
  if (!request.cookies.has(cookieName)) return null;
  const registry = getRevocationRegistry();
  await registry.ready();
  if (registry.knowsRevocations()) return null;
  if (isPublicPath(request.nextUrl.pathname)) {
    request.cookies.delete(cookieName);
    return null;
  }
  return askToRetry(request, 5, 'temporarily_unavailable');
}

/** How a refusal clears the session cookie and where it sends a document, from the environment. */
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
