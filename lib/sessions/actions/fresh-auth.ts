import 'server-only';
import { z } from 'zod';
import type { CurrentSession } from '@/lib/auth/session';
import { getEnv } from '@/lib/env';
import { isRecentAuth, sessionAuthTime } from '../recent-auth';
import { reauthUrl, type Confirmable } from './confirmable';
import { actionError, type SessionActionResult } from './result';

/**
 * ASVS 7.5.2: ending any session but the caller's own needs a recent sign-in; someone holding a copied cookie must not
 * be able to sign the owner out everywhere. The access token's `auth_time` is optional at WorkOS, so without it the
 * current WorkOS session's `createdAt` stands in (sessionAuthTime). A session support started by impersonating the
 * user is never a recent sign-in OF THE USER.
 */
export function hasRecentSignIn(session: CurrentSession, sessionCreatedAt: Date | undefined, nowMs = Date.now()): boolean {
  if (session.impersonator) return false;
  return isRecentAuth(sessionAuthTime(session.authTime, sessionCreatedAt), getEnv().RECENT_AUTH_MAX_AGE_SECONDS, nowMs);
}

// `afterReauth` is set by the confirmation the page reopens on return from re-authentication: it can never grant
// anything, it only turns a second "sign in again" into an error, so a sign-in that still does not count as recent
// cannot send the browser round the loop. Anything else is ignored.
const reauthOptionsSchema = z
  .object({ afterReauth: z.boolean().optional() })
  .strict()
  .optional()
  .catch(undefined);

export function isAfterReauth(options: unknown): boolean {
  return reauthOptionsSchema.parse(options)?.afterReauth === true;
}

/**
 * Null when `session` signed in recently enough to end other sessions; otherwise what to answer instead: sign in
 * again, then come back to `page` to confirm. Support cannot re-authenticate as the user, so an impersonated session
 * is refused outright.
 */
export function freshAuthRefusal(
  session: CurrentSession,
  sessionCreatedAt: Date | undefined,
  confirm: Confirmable,
  afterReauth: boolean,
  page?: string,
): SessionActionResult | null {
  if (session.impersonator) {
    return actionError(
      'impersonated',
      'You are signed in as this user through support impersonation. Ending their other sessions needs their own recent sign-in, so nothing was signed out.',
    );
  }
  if (hasRecentSignIn(session, sessionCreatedAt)) return null;
  if (afterReauth) {
    console.error('[security] sign-in still not recent after re-authentication', {
      claim: session.authTime !== null,
      listed: sessionCreatedAt !== undefined,
    });
    return actionError(
      'reauth_failed',
      'We could not confirm that you signed in again just now, so nothing was signed out. Sign out and back in, then try again.',
    );
  }
  return {
    status: 'reauth_required',
    confirm,
    message: 'For your security, please sign in again to confirm.',
    signInUrl: reauthUrl(confirm, page),
  };
}
