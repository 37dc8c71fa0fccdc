'use server';

import { revalidatePath } from 'next/cache';
import { cookies } from 'next/headers';
import { redirect } from 'next/navigation';
import { z } from 'zod';
import { requireSession, type CurrentSession } from '@/lib/auth/session';
import { sessionCookieOptions } from '@/lib/auth/session-cookie';
import { getEnv } from '@/lib/env';
import { limitCaller } from '@/lib/rate-limit';
import { actorOfSession, describeEndOutcomes, endSessions, type EndActor, type EndOutcome, type EndTarget } from '@/lib/sessions/end';
import { getOwnedSessions, type SessionEntry } from '@/lib/sessions/overview';
import { isRecentAuth, sessionAuthTime } from '@/lib/sessions/recent-auth';
import { WorkosError } from '@/lib/workos/client';
import { reauthUrl, type Confirmable, type SecurityActionResult } from './action-types';

/**
 * The security page's actions. Each one: authenticate (requireSession) → validate input (zod) → rate limit (per
 * session, then per user; never in front of ending this device's own session) → ownership
 * (the session must be among the caller's sessions as WorkOS lists them; an id from the browser is never
 * trusted) → end the sessions through lib/sessions/end (WorkOS first, then the registry and the activity; what
 * WorkOS does not confirm is locked out here and retried) → revalidate.
 * IMPORTANT: never report as confirmed what WorkOS did not confirm.
 */

const PAGE = '/account/security';

// The page sends the hashed id (`SessionView.key`); a raw WorkOS id is accepted as well. Both are only looked
// up among the caller's own sessions.
const sessionIdSchema = z
  .string({ message: 'A session id is required.' })
  .trim()
  .min(1, { message: 'A session id is required.' })
  .max(128, { message: 'That is not a session id.' })
  .regex(/^[A-Za-z0-9_-]+$/, { message: 'That is not a session id.' });

const NOT_FOUND: SecurityActionResult = {
  status: 'error',
  code: 'not_found',
  message: 'That session is not active on your account any more. The list has been refreshed.',
  failed: [],
};

/** Over the caller's action limit: nothing is asked of WorkOS and nothing changes. Null when within it. */
async function overLimit(current: CurrentSession): Promise<SecurityActionResult | null> {
  const limited = await limitCaller('action', current);
  if (!limited) return null;
  return { status: 'error', code: 'rate_limited', message: `${limited.message} Nothing was signed out.`, failed: [] };
}

function unavailable(): SecurityActionResult {
  return {
    status: 'error',
    code: 'unavailable',
    message: 'We could not reach WorkOS to check your sessions, so nothing was signed out. Please try again.',
    failed: [],
  };
}

async function loadOwned(current: CurrentSession): Promise<SessionEntry[] | null> {
  try {
    return await getOwnedSessions(current);
  } catch (error) {
    console.error('[security] listing sessions failed', describeError(error));
    return null;
  }
}

function describeError(error: unknown): string {
  if (error instanceof WorkosError) return `${error.kind}${error.status ? ` (${error.status})` : ''}: ${error.message}`;
  return error instanceof Error ? error.message : String(error);
}

/** Who is acting: the user, or support in a session they started by impersonating the user. */
function actorOf(current: CurrentSession, owned: SessionEntry[]): EndActor {
  return actorOfSession(current, owned.find((e) => e.session.id === current.sessionId)?.view.label ?? null);
}

function targetOf(entry: SessionEntry): EndTarget {
  return {
    sessionId: entry.session.id,
    userId: entry.session.userId,
    organizationId: entry.session.organizationId,
    label: entry.view.label,
    ipAddress: entry.session.ipAddress,
    expiresAt: entry.session.expiresAt,
  };
}

/** This device as a target, even when WorkOS no longer lists it. */
function currentTarget(current: CurrentSession, owned: SessionEntry[]): EndTarget {
  const mine = owned.find((e) => e.session.id === current.sessionId);
  if (mine) return targetOf(mine);
  return {
    sessionId: current.sessionId,
    userId: current.user.id,
    organizationId: current.organizationId,
    label: null,
    ipAddress: null,
    expiresAt: null,
  };
}

// What the page may say about an action that needs a recent sign-in. `afterReauth` is set by the confirmation the
// page reopens on return from re-authentication: it can never grant anything, it only turns a second "sign in
// again" into an error, so a sign-in that still does not count as recent cannot send the browser round the loop.
const reauthOptionsSchema = z
  .object({ afterReauth: z.boolean().optional() })
  .strict()
  .optional()
  .catch(undefined);

/**
 * ASVS 7.5.2: ending any session but this one needs a recent sign-in; someone holding a copied cookie must not be
 * able to sign the owner out everywhere. Checked after loading the caller's sessions: the access token's
 * `auth_time` is optional at WorkOS, so without it the current WorkOS session's `createdAt` stands in
 * (sessionAuthTime). A session support started by impersonating the user is never a recent sign-in OF THE USER,
 * and support cannot re-authenticate as them, so it is refused outright. Null when recent enough.
 */
function needsReauth(
  current: CurrentSession,
  owned: SessionEntry[],
  confirm: Confirmable,
  options: unknown,
): SecurityActionResult | null {
  if (current.impersonator) {
    return {
      status: 'error',
      code: 'impersonated',
      message:
        'You are signed in as this user through support impersonation. Ending their other sessions needs their own recent sign-in, so nothing was signed out.',
      failed: [],
    };
  }
  const mine = owned.find((e) => e.session.id === current.sessionId);
  const authTime = sessionAuthTime(current.authTime, mine?.session.createdAt);
  if (isRecentAuth(authTime, getEnv().RECENT_AUTH_MAX_AGE_SECONDS, Date.now())) return null;
  if (reauthOptionsSchema.parse(options)?.afterReauth) {
    console.error('[security] sign-in still not recent after re-authentication', { claim: current.authTime !== null, listed: Boolean(mine) });
    return {
      status: 'error',
      code: 'reauth_failed',
      message:
        'We could not confirm that you signed in again just now, so nothing was signed out. Sign out and back in, then try again.',
      failed: [],
    };
  }
  return {
    status: 'reauth_required',
    confirm,
    message: 'For your security, please sign in again to confirm.',
    signInUrl: reauthUrl(confirm),
  };
}

/** The result the page shows, from the outcomes (the wording is lib/sessions/end/describe.ts's). */
function resultOf(outcomes: EndOutcome[], nothingLeft: string, note?: string): SecurityActionResult {
  const summary = describeEndOutcomes(outcomes, { nothing: nothingLeft });
  const message = note ? `${summary.message} ${note}` : summary.message;
  if (summary.allEnded) return { status: 'success', message, signedOut: summary.signedOut, pending: summary.pending };
  if (summary.signedOut.length === 0 && summary.pending.length === 0) {
    return { status: 'error', code: 'revoke_failed', message, failed: summary.failed };
  }
  return { status: 'partial', message, signedOut: summary.signedOut, pending: summary.pending, failed: summary.failed };
}

async function clearCookieAndLeave(reason: 'signed_out' | 'signed_out_everywhere'): Promise<never> {
  const jar = await cookies();
  // With authkit's Path and Domain (WORKOS_COOKIE_DOMAIN): a host-only deletion would leave a Domain= cookie.
  const { name, path, domain, sameSite, secure } = sessionCookieOptions(getEnv());
  jar.delete({ name, path, sameSite, secure, ...(domain ? { domain } : {}) });
  redirect(`/signed-out?reason=${reason}`);
}

/** Locked out here, at least: the session is over for this browser, confirmed by WorkOS or not yet. */
const isOver = (outcome: EndOutcome | undefined) => outcome !== undefined && outcome.status !== 'failed';

/**
 * Signs out one of the caller's sessions. On this device's own row it is a sign-out (always allowed); any other
 * session needs a recent sign-in.
 */
export async function revokeSession(sessionId: unknown, options?: unknown): Promise<SecurityActionResult> {
  const current = await requireSession();
  const parsed = sessionIdSchema.safeParse(sessionId);
  if (!parsed.success) {
    return { status: 'error', code: 'invalid_input', message: parsed.error.issues[0]?.message ?? 'Invalid input.', failed: [] };
  }
  // Signing this device out is never refused by a limit (it is the caller's own session: no ownership question).
  const isOwn = parsed.data === current.sessionHash || parsed.data === current.sessionId;
  if (!isOwn) {
    const refused = await overLimit(current);
    if (refused) return refused;
  }
  const owned = await loadOwned(current);
  if (!owned) return unavailable();
  const target = owned.find((e) => e.view.key === parsed.data || e.session.id === parsed.data);
  // Another user's session gets exactly the same answer as one that does not exist.
  if (!target) {
    revalidatePath(PAGE);
    return NOT_FOUND;
  }

  const isCurrent = target.session.id === current.sessionId;
  if (!isCurrent) {
    const reauth = needsReauth(current, owned, { kind: 'revoke', key: target.view.key }, options);
    if (reauth) return reauth;
  }
  const outcomes = await endSessions({
    targets: [targetOf(target)],
    actor: actorOf(current, owned),
    reason: isCurrent ? 'signed_out' : 'signed_out_elsewhere',
  });
  if (isCurrent && isOver(outcomes[0])) return clearCookieAndLeave('signed_out');
  revalidatePath(PAGE);
  return resultOf(outcomes, '');
}

/** Signs out every session except this one. Needs a recent sign-in. */
export async function revokeOtherSessions(options?: unknown): Promise<SecurityActionResult> {
  const current = await requireSession();
  const refused = await overLimit(current);
  if (refused) return refused;
  const owned = await loadOwned(current);
  if (!owned) return unavailable();
  const reauth = needsReauth(current, owned, { kind: 'others' }, options);
  if (reauth) return reauth;
  const others = owned.filter((e) => e.session.id !== current.sessionId);
  const outcomes = await endSessions({
    targets: others.map(targetOf),
    actor: actorOf(current, owned),
    reason: 'signed_out_elsewhere',
  });
  revalidatePath(PAGE);
  return resultOf(outcomes, 'There were no other sessions to sign out.');
}

/** Signs out exactly the sessions the page flags as unusual. Needs a recent sign-in. */
export async function revokeUnusualSessions(options?: unknown): Promise<SecurityActionResult> {
  const current = await requireSession();
  const refused = await overLimit(current);
  if (refused) return refused;
  const owned = await loadOwned(current);
  if (!owned) return unavailable();
  const reauth = needsReauth(current, owned, { kind: 'unusual' }, options);
  if (reauth) return reauth;
  const unusual = owned.filter((e) => e.session.id !== current.sessionId && e.view.hints.length > 0);
  const outcomes = await endSessions({
    targets: unusual.map(targetOf),
    actor: actorOf(current, owned),
    reason: 'signed_out_elsewhere',
  });
  revalidatePath(PAGE);
  return resultOf(outcomes, 'No session looks unusual any more; nothing was signed out.');
}

/**
 * Signs out every other session, then this one, then lands on /signed-out. If another session could not even be
 * locked out, stops before this one so the user can retry from here.
 */
export async function signOutEverywhere(options?: unknown): Promise<SecurityActionResult> {
  const current = await requireSession();
  const refused = await overLimit(current);
  if (refused) return refused;
  const owned = await loadOwned(current);
  if (!owned) return unavailable();
  const reauth = needsReauth(current, owned, { kind: 'everywhere' }, options);
  if (reauth) return reauth;
  const actor = actorOf(current, owned);
  const others = owned.filter((e) => e.session.id !== current.sessionId);
  const outcomes = await endSessions({ targets: others.map(targetOf), actor, reason: 'signed_out_everywhere' });
  if (!outcomes.every(isOver)) {
    revalidatePath(PAGE);
    return resultOf(outcomes, '', 'You are still signed in on this device.');
  }
  // The current session last. It is ours even if WorkOS no longer lists it (then ending it there is a no-op).
  const [mine] = await endSessions({ targets: [currentTarget(current, owned)], actor, reason: 'signed_out_everywhere' });
  if (isOver(mine)) return clearCookieAndLeave('signed_out_everywhere');
  revalidatePath(PAGE);
  return resultOf(mine ? [...outcomes, mine] : outcomes, '', 'You are still signed in on this device.');
}
