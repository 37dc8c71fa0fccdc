'use server';

import { revalidatePath } from 'next/cache';
import { cookies, headers } from 'next/headers';
import { redirect } from 'next/navigation';
import { z } from 'zod';
import { requireSession, type CurrentSession } from '@/lib/auth/session';
import { sessionCookieOptions } from '@/lib/auth/session-cookie';
import { getEnv } from '@/lib/env';
import { failureMessage } from '@/lib/sessions/failure-message';
import { getOwnedSessions, type SessionEntry } from '@/lib/sessions/overview';
import { revokeOwnedSession, revokeOwnedSessions, revokeSessionById, type RevokeActor } from '@/lib/sessions/revoke';
import { isRecentAuth, sessionAuthTime } from '@/lib/sessions/recent-auth';
import { WorkosError } from '@/lib/workos/client';
import { reauthUrl, type BulkAction, type SecurityActionResult } from './action-types';

/**
 * The security page's actions. Each one: authenticate (requireSession) → validate input (zod) → ownership
 * (the session must be among the caller's sessions as WorkOS lists them; an id from the browser is never
 * trusted) → revoke at WorkOS FIRST → record locally (registry + audit) → revalidate.
 * IMPORTANT: never report success that WorkOS did not confirm.
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
    return await getOwnedSessions(current, await headers());
  } catch (error) {
    console.error('[security] listing sessions failed', describeError(error));
    return null;
  }
}

function describeError(error: unknown): string {
  if (error instanceof WorkosError) return `${error.kind}${error.status ? ` (${error.status})` : ''}: ${error.message}`;
  return error instanceof Error ? error.message : String(error);
}

function actorOf(current: CurrentSession, owned: SessionEntry[]): RevokeActor {
  const mine = owned.find((e) => e.session.id === current.sessionId);
  return { userId: current.user.id, sessionId: current.sessionId, label: mine?.view.label ?? null };
}

function list(labels: string[]): string {
  if (labels.length <= 1) return labels.join('');
  return `${labels.slice(0, -1).join(', ')} and ${labels.at(-1)}`;
}

function plural(n: number, one: string, many: string): string {
  return `${n} ${n === 1 ? one : many}`;
}

// failureMessage (what a failed sign-out may claim) is shared with the admin actions: lib/sessions/failure-message.ts

// What the page may say about a bulk action. `afterReauth` is set by the confirmation the page reopens on return
// from re-authentication: it can never grant anything, it only turns a second "sign in again" into an error, so
// a sign-in that still does not count as recent cannot send the browser round the loop forever.
const bulkOptionsSchema = z
  .object({ afterReauth: z.boolean().optional() })
  .strict()
  .optional()
  .catch(undefined);

/**
 * ASVS 7.5.2: a bulk action needs a recent sign-in. Checked after loading the caller's sessions: the access token's
 * `auth_time` is optional at WorkOS, so without it the current WorkOS session's `createdAt` stands in
 * (sessionAuthTime). Null when recent enough.
 */
function needsReauth(
  current: CurrentSession,
  owned: SessionEntry[],
  action: BulkAction,
  options: unknown,
): SecurityActionResult | null {
  const mine = owned.find((e) => e.session.id === current.sessionId);
  const authTime = sessionAuthTime(current.authTime, mine?.session.createdAt);
  if (isRecentAuth(authTime, getEnv().RECENT_AUTH_MAX_AGE_SECONDS, Date.now())) return null;
  if (bulkOptionsSchema.parse(options)?.afterReauth) {
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
    action,
    message: 'For your security, please sign in again to confirm.',
    signInUrl: reauthUrl(action),
  };
}

function summarize(
  outcome: { revoked: SessionEntry[]; failed: { entry: SessionEntry; error: unknown }[] },
  nothingLeft: string,
): SecurityActionResult {
  const signedOut = outcome.revoked.map((e) => e.view.label);
  const failed = outcome.failed.map((f) => f.entry.view.label);
  if (failed.length === 0) {
    if (signedOut.length === 0) return { status: 'success', message: nothingLeft, signedOut };
    return { status: 'success', message: `Signed out ${plural(signedOut.length, 'session', 'sessions')}: ${list(signedOut)}.`, signedOut };
  }
  const couldNot = failureMessage(outcome.failed.map((f) => f.error), failed);
  if (signedOut.length === 0) return { status: 'error', code: 'revoke_failed', message: couldNot, failed };
  return { status: 'partial', message: `Signed out ${list(signedOut)}. ${couldNot}`, signedOut, failed };
}

function withNote(result: SecurityActionResult, note: string): SecurityActionResult {
  return 'message' in result ? { ...result, message: `${result.message} ${note}` } : result;
}

async function clearCookieAndLeave(reason: 'signed_out' | 'signed_out_everywhere'): Promise<never> {
  const jar = await cookies();
  // With authkit's Path and Domain (WORKOS_COOKIE_DOMAIN): a host-only deletion would leave a Domain= cookie.
  const { name, path, domain, sameSite, secure } = sessionCookieOptions(getEnv());
  jar.delete({ name, path, sameSite, secure, ...(domain ? { domain } : {}) });
  redirect(`/signed-out?reason=${reason}`);
}

/** Signs out one of the caller's sessions. On this device's own row it is a sign-out. */
export async function revokeSession(sessionId: unknown): Promise<SecurityActionResult> {
  const current = await requireSession();
  const parsed = sessionIdSchema.safeParse(sessionId);
  if (!parsed.success) {
    return { status: 'error', code: 'invalid_input', message: parsed.error.issues[0]?.message ?? 'Invalid input.', failed: [] };
  }
  const owned = await loadOwned(current);
  if (!owned) return unavailable();
  const target = owned.find((e) => e.view.key === parsed.data || e.session.id === parsed.data);
  // Another user's session gets exactly the same answer as one that does not exist.
  if (!target) {
    revalidatePath(PAGE);
    return NOT_FOUND;
  }

  const actor = actorOf(current, owned);
  const isCurrent = target.session.id === current.sessionId;
  try {
    await revokeOwnedSession(target, actor, isCurrent ? 'signed_out' : 'signed_out_elsewhere');
  } catch (error) {
    console.error('[security] revoke failed', describeError(error));
    return {
      status: 'error',
      code: 'revoke_failed',
      message: failureMessage([error], [target.view.label]),
      failed: [target.view.label],
    };
  }
  if (isCurrent) return clearCookieAndLeave('signed_out');
  revalidatePath(PAGE);
  return { status: 'success', message: `Signed out ${target.view.label}.`, signedOut: [target.view.label] };
}

/** Signs out every session except this one. Needs a recent sign-in. */
export async function revokeOtherSessions(options?: unknown): Promise<SecurityActionResult> {
  const current = await requireSession();
  const owned = await loadOwned(current);
  if (!owned) return unavailable();
  const reauth = needsReauth(current, owned, 'others', options);
  if (reauth) return reauth;
  const others = owned.filter((e) => e.session.id !== current.sessionId);
  const outcome = await revokeOwnedSessions(others, actorOf(current, owned), 'signed_out_elsewhere');
  revalidatePath(PAGE);
  return summarize(outcome, 'There were no other sessions to sign out.');
}

/** Signs out exactly the sessions the page flags as unusual. Needs a recent sign-in. */
export async function revokeUnusualSessions(options?: unknown): Promise<SecurityActionResult> {
  const current = await requireSession();
  const owned = await loadOwned(current);
  if (!owned) return unavailable();
  const reauth = needsReauth(current, owned, 'unusual', options);
  if (reauth) return reauth;
  const unusual = owned.filter((e) => e.session.id !== current.sessionId && e.view.hints.length > 0);
  const outcome = await revokeOwnedSessions(unusual, actorOf(current, owned), 'signed_out_elsewhere');
  revalidatePath(PAGE);
  return summarize(outcome, 'No session looks unusual any more; nothing was signed out.');
}

/**
 * Signs out every other session, then this one, then lands on /signed-out. If any other session could not be
 * ended, stops before this one so the user can retry from here; if WorkOS refuses this one, stays signed in.
 */
export async function signOutEverywhere(options?: unknown): Promise<SecurityActionResult> {
  const current = await requireSession();
  const owned = await loadOwned(current);
  if (!owned) return unavailable();
  const reauth = needsReauth(current, owned, 'everywhere', options);
  if (reauth) return reauth;
  const actor = actorOf(current, owned);
  const others = owned.filter((e) => e.session.id !== current.sessionId);
  const outcome = await revokeOwnedSessions(others, actor, 'signed_out_everywhere');
  if (outcome.failed.length > 0) {
    revalidatePath(PAGE);
    return withNote(summarize(outcome, ''), 'You are still signed in on this device.');
  }

  // The current session last. It is ours even if WorkOS no longer lists it (then revoking it is a no-op there).
  const mine = owned.find((e) => e.session.id === current.sessionId);
  try {
    await revokeSessionById(
      { sessionId: current.sessionId, label: mine?.view.label ?? null, ipAddress: mine?.session.ipAddress ?? null },
      actor,
      'signed_out_everywhere',
    );
  } catch (error) {
    console.error('[security] revoking the current session failed', describeError(error));
    revalidatePath(PAGE);
    const signedOut = outcome.revoked.map((e) => e.view.label);
    const refused = error instanceof WorkosError ? ': WorkOS did not confirm it. You are still signed in here' : '';
    const message = `${signedOut.length > 0 ? `Signed out ${list(signedOut)}. ` : ''}Could not sign out this device${refused}. Try again.`;
    const failed = [mine?.view.label ?? 'this device'];
    return signedOut.length > 0
      ? { status: 'partial', message, signedOut, failed }
      : { status: 'error', code: 'revoke_failed', message, failed };
  }
  return clearCookieAndLeave('signed_out_everywhere');
}
