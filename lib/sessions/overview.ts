import 'server-only';
import { getSignInMethods, getSignInNovelty, getTokenReuse } from '@/lib/audit';
import type { CurrentSession } from '@/lib/auth/session';
import { getEnv } from '@/lib/env';
import { limitCaller, type Limited } from '@/lib/rate-limit';
import { getRevocationRegistry } from '@/lib/revocation';
import { listActiveSessions, type AppSession } from '@/lib/workos/client';
import { getLocator } from '@/lib/location';
import { getLastActive } from './activity';
import type { EndTarget } from './end';
import { listForDisplay } from './listing';
import { buildSessionViews, type SessionEntry } from './view';
import { readAnswers, type SignInAnswer } from './was-this-you/answers';

export type { SessionEntry } from './view';
export { listForDisplay } from './listing';

type ViewInput = Parameters<typeof buildSessionViews>[0];

export interface DescribeOptions {
  /** Names the caller in log lines. */
  logTag?: string;
  /** Where the sessions come from: WorkOS itself by default; pages pass the display cache (listForDisplay). */
  list?: (userId: string) => Promise<AppSession[]>;
}

/**
 * The active sessions of `userId` as WorkOS knows them, described for a page in display order, compared with
 * `current` (the device looking). Local extras (last active, sign-in method) are dropped if they cannot be read.
 * Throws a WorkosError when WorkOS cannot be asked.
 */
export async function describeActiveSessions(
  userId: string,
  current: ViewInput['current'],
  now: Date,
  { logTag = 'sessions', list = listActiveSessions }: DescribeOptions = {},
): Promise<SessionEntry[]> {
  const safely = <T>(read: () => T, fallback: T): T => {
    try {
      return read();
    } catch (error) {
      console.error(`[${logTag}] local read failed; continuing without it`, error instanceof Error ? error.message : error);
      return fallback;
    }
  };
  const sessions = (await list(userId)).filter((s) => s.status === 'active' && s.userId === userId);
  const locate = await getLocator(sessions.map((s) => s.ipAddress));
  return buildSessionViews({
    sessions,
    current,
    lastActive: safely(() => getLastActive(sessions.map((s) => s.id)), new Map<string, Date>()),
    signInMethods: safely(() => getSignInMethods(userId), new Map<string, string>()),
    signInNovelty: safely(() => unlessConfirmed(getSignInNovelty(userId), readAnswers(userId)), new Map()),
    tokenReuse: safely(() => getTokenReuse(userId), new Map<string, { at: Date; ipAddress: string | null }>()),
    signedOutHere: safely(() => {
      const registry = getRevocationRegistry();
      return new Set(sessions.filter((s) => registry.check(s.id, userId)).map((s) => s.id));
    }, new Set<string>()),
    now,
    inactiveDays: getEnv().INACTIVE_SESSION_DAYS,
    locate,
  });
}

/** A sign-in the user said was theirs ("Was this you?") is no longer flagged. */
function unlessConfirmed<T>(flagged: Map<string, T>, answers: Map<string, SignInAnswer>): Map<string, T> {
  return new Map([...flagged].filter(([hash]) => answers.get(hash) !== 'confirmed'));
}

/** A listed session as lib/sessions/end's target: the session's own user and organization, the label the page shows. */
export function endTargetOf({ session, view }: SessionEntry): EndTarget {
  return {
    sessionId: session.id,
    userId: session.userId,
    organizationId: session.organizationId,
    label: view.label,
    ipAddress: session.ipAddress,
    expiresAt: session.expiresAt,
  };
}

/**
 * The caller's active sessions as WorkOS lists them NOW, described, in display order: the ownership check for every
 * action (a session is the caller's only if it is listed here). Pages use getSessionsForDisplay.
 * Throws a WorkosError when WorkOS cannot be asked.
 */
export async function getOwnedSessions(current: CurrentSession, now = new Date()): Promise<SessionEntry[]> {
  return describeActiveSessions(current.user.id, { sessionId: current.sessionId }, now);
}

/** What a page can show of WorkOS data: the data, a rate-limit refusal, or WorkOS could not be asked. */
export type ForDisplay<T> = { status: 'listed'; value: T } | { status: 'limited'; limited: Limited } | { status: 'unavailable' };

/**
 * A WorkOS-backed page render for `current`: counted against its page limits (per session, per user), then `read`.
 * A refusal or a WorkOS failure is something the page says, never an error page and never a sign-out.
 */
export async function readForDisplay<T>(current: CurrentSession, read: () => Promise<T>, logTag: string): Promise<ForDisplay<T>> {
  const limited = await limitCaller('page', current);
  if (limited) return { status: 'limited', limited };
  try {
    return { status: 'listed', value: await read() };
  } catch (error) {
    console.error(`[${logTag}] listing sessions failed`, error instanceof Error ? error.message : error);
    return { status: 'unavailable' };
  }
}

/** The caller's active sessions for a page (display cache), described with what was new at each sign-in. */
export function getSessionsForDisplay(current: CurrentSession, now = new Date()): Promise<ForDisplay<SessionEntry[]>> {
  return readForDisplay(
    current,
    () => describeActiveSessions(current.user.id, { sessionId: current.sessionId }, now, { logTag: 'security', list: listForDisplay }),
    'security',
  );
}
