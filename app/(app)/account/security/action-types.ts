/** Shared by the server actions and the client components (no 'use server' here: it exports types and data). */

export const BULK_ACTIONS = ['others', 'unusual', 'everywhere'] as const;
export type BulkAction = (typeof BULK_ACTIONS)[number];

export function isBulkAction(value: unknown): value is BulkAction {
  return typeof value === 'string' && (BULK_ACTIONS as readonly string[]).includes(value);
}

export type SecurityActionResult =
  | { status: 'idle' }
  /** Every session ended; `pending` names those WorkOS has not confirmed yet (refused here, retried there). */
  | { status: 'success'; message: string; signedOut: string[]; pending: string[] }
  /** Some sessions ended, some did not: `failed` names them by device label; the user may retry. */
  | { status: 'partial'; message: string; signedOut: string[]; pending: string[]; failed: string[] }
  | {
      status: 'error';
      /**
       * `reauth_failed`: back from re-authentication, the sign-in still does not count as recent (no new loop).
       * `rate_limited`: over this session's or user's action limit; nothing was done (the message says when to retry).
       */
      code: 'invalid_input' | 'not_found' | 'unavailable' | 'revoke_failed' | 'reauth_failed' | 'rate_limited';
      message: string;
      failed: string[];
    }
  /** Sign in again first (ASVS 7.5.2); then the page reopens the confirmation for `action`. */
  | { status: 'reauth_required'; action: BulkAction; message: string; signInUrl: string };

/** Sent by the confirmation reopened after re-authentication (see actions.ts `needsReauth`). */
export interface BulkActionOptions {
  afterReauth?: boolean;
}

export const IDLE: SecurityActionResult = { status: 'idle' };

/** Where to re-authenticate before `action`; coming back reopens its confirmation. */
export function reauthUrl(action: BulkAction): string {
  const returnTo = `/account/security?confirm=${action}`;
  return `/sign-in?returnTo=${encodeURIComponent(returnTo)}&maxAge=0`;
}
