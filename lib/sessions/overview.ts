import 'server-only';
import { getSignInMethods } from '@/lib/audit';
import type { CurrentSession } from '@/lib/auth/session';
import { getEnv } from '@/lib/env';
import { listActiveSessions } from '@/lib/workos/client';
import { clientIp, getLastActive } from './activity';
import { buildSessionViews, type SessionEntry } from './view';

export type { SessionEntry } from './view';

function safely<T>(read: () => T, fallback: T): T {
  try {
    return read();
  } catch (error) {
    console.error('[sessions] local read failed; continuing without it', error instanceof Error ? error.message : error);
    return fallback;
  }
}

/**
 * The caller's active sessions as WorkOS knows them (every page), described for the page, in display order.
 * This is also the ownership check for every action: a session is the caller's only if it is listed here.
 * Throws a WorkosError when WorkOS cannot be asked.
 */
export async function getOwnedSessions(current: CurrentSession, requestHeaders: Headers, now = new Date()): Promise<SessionEntry[]> {
  const sessions = (await listActiveSessions(current.user.id)).filter(
    (s) => s.status === 'active' && s.userId === current.user.id,
  );
  const env = getEnv();
  const entries = buildSessionViews({
    sessions,
    current: {
      sessionId: current.sessionId,
      userAgent: requestHeaders.get('user-agent'),
      ipAddress: clientIp(requestHeaders),
    },
    lastActive: safely(() => getLastActive(sessions.map((s) => s.id)), new Map<string, Date>()),
    signInMethods: safely(() => getSignInMethods(current.user.id), new Map<string, string>()),
    now,
    inactiveDays: env.INACTIVE_SESSION_DAYS,
  });
  return entries;
}
