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
       * `impersonated`: support's session never counts as the user's recent sign-in, and cannot re-authenticate as them.
       * `rate_limited`: over this session's or user's action limit; nothing was done (the message says when to retry).
       */
      code: 'invalid_input' | 'not_found' | 'unavailable' | 'revoke_failed' | 'reauth_failed' | 'impersonated' | 'rate_limited';
      message: string;
      failed: string[];
    }
  /** Sign in again first (ASVS 7.5.2); then the page reopens the confirmation for `confirm`. */
  | { status: 'reauth_required'; confirm: Confirmable; message: string; signInUrl: string };

/**
 * What needs a recent sign-in, and so what the page reopens for confirmation on return from re-authentication:
 * a bulk action, or ending one other session (named by its `SessionView.key`, the hashed id).
 */
export type Confirmable = { kind: BulkAction } | { kind: 'revoke'; key: string };

/** Sent by the confirmation reopened after re-authentication (see actions.ts `needsReauth`). */
export interface ReauthOptions {
  afterReauth?: boolean;
}

export const IDLE: SecurityActionResult = { status: 'idle' };

const PAGE = '/account/security';
const SESSION_KEY = /^[A-Za-z0-9_-]{1,128}$/;

/** Where to re-authenticate before `confirm`; coming back reopens its confirmation. */
export function reauthUrl(confirm: Confirmable): string {
  const query = new URLSearchParams({ confirm: confirm.kind });
  if (confirm.kind === 'revoke') query.set('session', confirm.key);
  return `/sign-in?returnTo=${encodeURIComponent(`${PAGE}?${query}`)}&maxAge=0`;
}

/** The confirmation asked for by the page's query (`reauthUrl`'s return trip); null for anything else. */
export function parseConfirmable(query: Record<string, string | string[] | undefined>): Confirmable | null {
  const { confirm, session } = query;
  if (isBulkAction(confirm)) return { kind: confirm };
  if (confirm === 'revoke' && typeof session === 'string' && SESSION_KEY.test(session)) return { kind: 'revoke', key: session };
  return null;
}

export function sameConfirmable(a: Confirmable | null, b: Confirmable | null): boolean {
  if (!a || !b || a.kind !== b.kind) return false;
  return a.kind !== 'revoke' || (b.kind === 'revoke' && a.key === b.key);
}
