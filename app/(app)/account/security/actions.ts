'use server';

import { cookies } from 'next/headers';
import { redirect } from 'next/navigation';
import type { CurrentSession } from '@/lib/auth/session';
import { sessionCookieOptions } from '@/lib/auth/session-cookie';
import { getEnv } from '@/lib/env';
import { freshAuthRefusal, isAfterReauth } from '@/lib/sessions/actions/fresh-auth';
import type { BulkAction } from '@/lib/sessions/actions/confirmable';
import { isOver, loadOwned, loadOwnedTarget, parseSessionKey, parseSessionTarget, type Owned } from '@/lib/sessions/actions/own-sessions';
import type { SessionActionResult } from '@/lib/sessions/actions/result';
import { resultOfOutcomes, sessionAction, type Step } from '@/lib/sessions/actions/session-action';
import { endSessions, type EndTarget } from '@/lib/sessions/end';
import { endTargetOf } from '@/lib/sessions/overview';

/**
 * The security page's actions (lib/sessions/actions/session-action.ts runs each one). Ownership: a session is the
 * caller's only if WorkOS lists it among the caller's sessions NOW (own-sessions.ts). The sessions end through lib/sessions/end: WorkOS first, then the registry and the activity; what WorkOS does not
 * confirm is locked out here and retried.
 */

const PAGE = '/account/security';

const asCaller = async (session: CurrentSession): Promise<Step<CurrentSession>> => ({ ok: session });

/** This device as a target, even when WorkOS no longer lists it. */
function currentTarget(current: CurrentSession, { mine }: Owned): EndTarget {
  if (mine) return endTargetOf(mine);
  return { sessionId: current.sessionId, userId: current.user.id, organizationId: current.organizationId, label: null, ipAddress: null, expiresAt: null };
}

async function clearCookieAndLeave(reason: 'signed_out' | 'signed_out_everywhere'): Promise<never> {
  const jar = await cookies();
  // With authkit's Path and Domain (WORKOS_COOKIE_DOMAIN): a host-only deletion would leave a Domain= cookie.
  const { name, path, domain, sameSite, secure } = sessionCookieOptions(getEnv());
  jar.delete({ name, path, sameSite, secure, ...(domain ? { domain } : {}) });
  redirect(`/signed-out?reason=${reason}`);
}

const isOwnKey = (key: string, current: CurrentSession) => key === current.sessionHash || key === current.sessionId;

/**
 * Signs out one of the caller's sessions. On this device's own row it is a sign-out (always allowed, never counted
 * against the limit); any other session needs a recent sign-in. Input that is not a session key is refused before
 * it is counted.
 */
export const revokeSession = sessionAction({
  page: PAGE,
  unlimited: ([sessionId]: [unknown, unknown?], current) => {
    const parsed = parseSessionKey(sessionId);
    return !('ok' in parsed) || isOwnKey(parsed.ok, current);
  },
  authorise: asCaller,
  parse: parseSessionTarget,
  load: (current, { key }) => loadOwnedTarget(current, key),
  freshAuth: (current, { afterReauth }, { mine, target }) =>
    target.session.id === current.sessionId
      ? null
      : freshAuthRefusal(current, mine?.session.createdAt, { kind: 'revoke', key: target.view.key }, afterReauth),
  act: async (current, _input, { actor, target }) => {
    const isCurrent = target.session.id === current.sessionId;
    const outcomes = await endSessions({
      targets: [endTargetOf(target)],
      actor,
      reason: isCurrent ? 'signed_out' : 'signed_out_elsewhere',
    });
    if (isCurrent && isOver(outcomes[0])) return clearCookieAndLeave('signed_out');
    return resultOfOutcomes(outcomes, { nothing: '' });
  },
});

/** A bulk action: always counted, always needs a recent sign-in. */
function bulkAction(kind: BulkAction, act: (current: CurrentSession, loaded: Owned) => Promise<SessionActionResult>) {
  return sessionAction({
    page: PAGE,
    authorise: asCaller,
    parse: ([options]: [unknown?]) => ({ ok: { afterReauth: isAfterReauth(options) } }),
    load: (current) => loadOwned(current),
    freshAuth: (current, { afterReauth }, { mine }) => freshAuthRefusal(current, mine?.session.createdAt, { kind }, afterReauth),
    act: (current, _input, loaded) => act(current, loaded),
  });
}

const othersOf = (current: CurrentSession, { owned }: Owned) => owned.filter((e) => e.session.id !== current.sessionId);

/** Signs out every session except this one. */
export const revokeOtherSessions = bulkAction('others', async (current, loaded) => {
  const outcomes = await endSessions({
    targets: othersOf(current, loaded).map(endTargetOf),
    actor: loaded.actor,
    reason: 'signed_out_elsewhere',
  });
  return resultOfOutcomes(outcomes, { nothing: 'There were no other sessions to sign out.' });
});

/** Signs out exactly the sessions the page flags as unusual. */
export const revokeUnusualSessions = bulkAction('unusual', async (current, loaded) => {
  const outcomes = await endSessions({
    targets: othersOf(current, loaded).filter((e) => e.view.hints.length > 0).map(endTargetOf),
    actor: loaded.actor,
    reason: 'signed_out_elsewhere',
  });
  return resultOfOutcomes(outcomes, { nothing: 'No session looks unusual any more; nothing was signed out.' });
});

/**
 * Signs out every other session, then this one, then lands on /signed-out. If another session could not even be
 * locked out, stops before this one so the user can retry from here.
 */
export const signOutEverywhere = bulkAction('everywhere', async (current, loaded) => {
  const { actor } = loaded;
  const still = { nothing: '', note: 'You are still signed in on this device.' };
  const outcomes = await endSessions({ targets: othersOf(current, loaded).map(endTargetOf), actor, reason: 'signed_out_everywhere' });
  if (!outcomes.every(isOver)) return resultOfOutcomes(outcomes, still);
  // The current session last. It is ours even if WorkOS no longer lists it (then ending it there is a no-op).
  const [mine] = await endSessions({ targets: [currentTarget(current, loaded)], actor, reason: 'signed_out_everywhere' });
  if (isOver(mine)) return clearCookieAndLeave('signed_out_everywhere');
  return resultOfOutcomes(mine ? [...outcomes, mine] : outcomes, still);
});
