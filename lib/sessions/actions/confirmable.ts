/**
 * The re-authentication round trip of the security page: what a confirmation needs a recent sign-in for, where to
 * sign in again, and the query that reopens it on return. Client-safe.
 */

export const BULK_ACTIONS = ['others', 'unusual', 'everywhere'] as const;
export type BulkAction = (typeof BULK_ACTIONS)[number];

function isBulkAction(value: unknown): value is BulkAction {
  return typeof value === 'string' && (BULK_ACTIONS as readonly string[]).includes(value);
}

/**
 * What needs a recent sign-in, and so what the page reopens for confirmation on return from re-authentication:
 * a bulk action, or ending one other session (named by its `SessionView.key`, the hashed id).
 */
export type Confirmable = { kind: BulkAction } | { kind: 'revoke'; key: string };

/** Sent by the confirmation reopened after re-authentication (see fresh-auth.ts). */
export interface ReauthOptions {
  afterReauth?: boolean;
}

export const SECURITY_PAGE = '/account/security';
const SESSION_KEY = /^[A-Za-z0-9_-]{1,128}$/;

/** Where to re-authenticate before `confirm`; coming back to `page` reopens its confirmation. */
export function reauthUrl(confirm: Confirmable, page = SECURITY_PAGE): string {
  const query = new URLSearchParams({ confirm: confirm.kind });
  if (confirm.kind === 'revoke') query.set('session', confirm.key);
  return `/sign-in?returnTo=${encodeURIComponent(`${page}?${query}`)}&maxAge=0`;
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
