import type { Confirmable } from './confirmable';

/**
 * What every session-managing action answers (the security page's and the admin page's), for the browser to show.
 * Client-safe: no 'use server' here, it exports types and data.
 */
export type SessionActionResult =
  | { status: 'idle' }
  /** Every session ended; `pending` names those WorkOS has not confirmed yet (refused here, retried there). */
  | { status: 'success'; message: string; signedOut: string[]; pending: string[] }
  /** Some sessions ended, some did not: `failed` names them by device label; the caller may retry. */
  | { status: 'partial'; message: string; signedOut: string[]; pending: string[]; failed: string[] }
  | {
      status: 'error';
      code: ActionErrorCode;
      message: string;
      failed: string[];
      /** Which form fields `invalid_input` is about, in words. */
      fieldErrors?: Record<string, string>;
    }
  /** Sign in again first (ASVS 7.5.2); then the page reopens the confirmation for `confirm`. */
  | { status: 'reauth_required'; confirm: Confirmable; message: string; signInUrl: string };

/**
 * `unavailable`: WorkOS could not be asked (to list sessions, find a user, or confirm an administrator's role).
 * `reauth_failed`: back from re-authentication, the sign-in still does not count as recent (no new loop).
 * `impersonated`: support's session never counts as the user's recent sign-in, and cannot re-authenticate as them.
 * `rate_limited`: over this session's or user's action limit; nothing was done (the message says when to retry).
 * `untrusted_device`: "Yes, it was me" from a device whose own sign-in is flagged and unconfirmed.
 */
export type ActionErrorCode =
  | 'invalid_input'
  | 'not_found'
  | 'unavailable'
  | 'revoke_failed'
  | 'reauth_failed'
  | 'impersonated'
  | 'rate_limited'
  | 'untrusted_device';

export const IDLE: SessionActionResult = { status: 'idle' };

/** A refusal: nothing was done, and `message` says why. */
export function actionError(code: ActionErrorCode, message: string, fieldErrors?: Record<string, string>): SessionActionResult {
  return { status: 'error', code, message, failed: [], ...(fieldErrors ? { fieldErrors } : {}) };
}
