import 'server-only';
import { getSignInMethods, getTokenReuse } from '@/lib/audit';
import type { CurrentSession } from '@/lib/auth/session';
import { getEnv } from '@/lib/env';
import { getRevocationRegistry } from '@/lib/revocation';
import { listActiveSessions } from '@/lib/workos/client';
import { clientIp } from '@/lib/security/client-ip';
import { getLastActive } from './activity';
import { buildSessionViews, type SessionEntry } from './view';

export type { SessionEntry } from './view';

type ViewInput = Parameters<typeof buildSessionViews>[0];

/**
 * The active sessions of `userId` as WorkOS knows them, described for a page in display order, compared with
 * `current` (the device looking). Local extras (last active, sign-in method) are dropped if they cannot be read;
 * `logTag` names the caller in that log line. Throws a WorkosError when WorkOS cannot be asked.
 */
export async function describeActiveSessions(
  userId: string,
  current: ViewInput['current'],
  now: Date,
  logTag = 'sessions',
): Promise<SessionEntry[]> {
  const safely = <T>(read: () => T, fallback: T): T => {
    try {
      return read();
    } catch (error) {
      console.error(`[${logTag}] local read failed; continuing without it`, error instanceof Error ? error.message : error);
      return fallback;
    }
  };
  const sessions = (await listActiveSessions(userId)).filter((s) => s.status === 'active' && s.userId === userId);
  return buildSessionViews({
    sessions,
    current,
    lastActive: safely(() => getLastActive(sessions.map((s) => s.id)), new Map<string, Date>()),
    signInMethods: safely(() => getSignInMethods(userId), new Map<string, string>()),
    tokenReuse: safely(() => getTokenReuse(userId), new Map<string, { at: Date; ipAddress: string | null }>()),
    signedOutHere: safely(() => {
      const registry = getRevocationRegistry();
      return new Set(sessions.filter((s) => registry.check(s.id, userId)).map((s) => s.id));
    }, new Set<string>()),
    now,
    inactiveDays: getEnv().INACTIVE_SESSION_DAYS,
  });
}

/**
 * The caller's active sessions as WorkOS knows them (every page), described for the page, in display order.
 * This is also the ownership check for every action: a session is the caller's only if it is listed here.
 * Throws a WorkosError when WorkOS cannot be asked.
 */
export async function getOwnedSessions(current: CurrentSession, requestHeaders: Headers, now = new Date()): Promise<SessionEntry[]> {
  return describeActiveSessions(
    current.user.id,
    { sessionId: current.sessionId, userAgent: requestHeaders.get('user-agent'), ipAddress: clientIp(requestHeaders) },
    now,
  );
}
