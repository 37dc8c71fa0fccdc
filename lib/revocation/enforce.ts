import 'server-only';
import type { NextRequest, NextResponse } from 'next/server';
import type { UserInfo, NoUserInfo } from '@workos-inc/authkit-nextjs';
import { sessionCookieOptions } from '@/lib/auth/session-cookie';
import { getEnv } from '@/lib/env';
import { getRevocationRegistry } from './index';
import { refuseRevokedSession, type RefusalOptions } from './refusal';

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
