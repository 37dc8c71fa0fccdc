import 'server-only';
import type { NextRequest, NextResponse } from 'next/server';
import type { UserInfo, NoUserInfo } from '@workos-inc/authkit-nextjs';
import { clientIp } from '@/lib/auth/routes';
import { sessionCookieOptions } from '@/lib/auth/session-cookie';
import { getEnv } from '@/lib/env';
import { getRevocationRegistry } from './index';
import { handleRefreshFailure } from './refresh-failure';
import { refuseRevokedSession } from './refusal';

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
  const env = getEnv();
  const cookie = sessionCookieOptions(env);
  return refuseRevokedSession(request, record, {
    cookieName: cookie.name,
    secure: cookie.secure || env.appOrigin.startsWith('https:'),
    domain: cookie.domain,
    sameSite: cookie.sameSite,
    origin: env.appOrigin,
  });
}

/**
 * authkit's onSessionRefreshError (it does not await this): an `invalid_grant` means WorkOS ended the session,
 * so record it in the registry (actor workos, reason refresh_failed, source refresh) and the audit trail.
 * Never throws.
 */
export async function recordRefreshFailure(
  request: NextRequest,
  params: { error?: unknown; isTransient: boolean },
): Promise<void> {
  try {
    const env = getEnv();
    await handleRefreshFailure(
      request.cookies.get(env.WORKOS_COOKIE_NAME)?.value,
      params,
      {
        registry: getRevocationRegistry(),
        cookieName: env.WORKOS_COOKIE_NAME,
        cookiePassword: env.WORKOS_COOKIE_PASSWORD,
        async isSessionActive(userId, sessionId) {
          const { listActiveSessions } = await import('@/lib/workos/client');
          return (await listActiveSessions(userId)).some((s) => s.id === sessionId);
        },
        async audit({ userId, sessionId, confirmed, ipAddress }) {
          const { recordAudit } = await import('@/lib/audit');
          await recordAudit({
            userId,
            kind: 'session_revoked',
            actor: { type: 'workos', label: 'WorkOS' },
            target: { sessionId },
            reason: 'refresh_failed',
            ipAddress,
            details: { source: 'refresh', confirmed },
          });
        },
        log: (message, error) => console.warn(`[revocation] ${message}`, error),
      },
      clientIp(request.headers),
    );
  } catch (error) {
    console.error('[revocation] recording a refused refresh failed', error);
  }
}
