import 'server-only';
import { withAuth } from '@workos-inc/authkit-nextjs';
import { decodeJwt } from 'jose';
import { headers } from 'next/headers';
import { redirect } from 'next/navigation';
import { cache } from 'react';
import { getRevocationRegistry } from '@/lib/revocation';
import type { RevocationReason } from '@/lib/revocation/types';
import { hashSessionId } from '@/lib/security/hash';
import { signedOutPath } from '@/lib/session-status/protocol';
import { displayName } from '@/lib/workos/core';
import type { AppUser, Impersonator } from '@/lib/workos/types';
import { sanitizeReturnTo } from './return-to';

/**
 * The data-access layer: every page, server action and route handler asks here first. The proxy is the fast
 * first gate; this is the boundary that cannot be skipped (it repeats the revocation check).
 */

export interface CurrentSession {
  user: AppUser;
  /** IMPORTANT: the raw WorkOS session id. Never store or log it; use `sessionHash`. */
  sessionId: string;
  sessionHash: string;
  organizationId: string | null;
  role: string | null;
  permissions: string[];
  impersonator: Impersonator | null;
  /**
   * Seconds since the epoch: when credentials were last entered (access-token `auth_time`). OPTIONAL at WorkOS
   * (its documented session token has none): null then; recency checks fall back to the WorkOS session's
   * `createdAt` (lib/sessions/recent-auth.ts `sessionAuthTime`).
   */
  authTime: number | null;
  accessToken: string;
}

export type SessionState =
  | { status: 'active'; session: CurrentSession }
  | { status: 'revoked'; reason: RevocationReason; session: CurrentSession }
  | { status: 'unauthenticated' };

type AuthInfo = Awaited<ReturnType<typeof withAuth>>;

export function readAuthTime(accessToken: string): number | null {
  try {
    const claim = decodeJwt(accessToken).auth_time;
    return typeof claim === 'number' && Number.isFinite(claim) ? claim : null;
  } catch {
    return null;
  }
}

function toCurrentSession(auth: AuthInfo): CurrentSession | null {
  if (!auth.user || !auth.sessionId || !auth.accessToken) return null;
  const { user } = auth;
  return {
    user: {
      id: user.id,
      email: user.email,
      firstName: user.firstName ?? null,
      lastName: user.lastName ?? null,
      name: displayName(user),
    },
    sessionId: auth.sessionId,
    sessionHash: hashSessionId(auth.sessionId),
    organizationId: auth.organizationId ?? null,
    role: auth.role ?? null,
    permissions: auth.permissions ?? [],
    impersonator: auth.impersonator ? { email: auth.impersonator.email, reason: auth.impersonator.reason ?? null } : null,
    authTime: readAuthTime(auth.accessToken),
    accessToken: auth.accessToken,
  };
}

/** The session as the proxy verified it, plus whether the revocation registry has refused it. Never redirects. */
export const getSessionState = cache(async (): Promise<SessionState> => {
  const session = toCurrentSession(await withAuth());
  if (!session) return { status: 'unauthenticated' };
  const registry = getRevocationRegistry();
  // Fails closed: a registry that cannot start is an error page, never a pass.
  await registry.ready();
  const revoked = registry.check(session.sessionId, session.user.id);
  if (revoked) return { status: 'revoked', reason: revoked.reason, session };
  return { status: 'active', session };
});

/** The live session, or null when signed out or revoked. */
export const getOptionalSession = cache(async (): Promise<CurrentSession | null> => {
  const state = await getSessionState();
  return state.status === 'active' ? state.session : null;
});

/**
 * The live session for a render that may not have passed the proxy, or null: the root layout also renders the
 * not-found page for paths the proxy skips (/favicon.ico, /robots.txt…), where withAuth throws and no session was
 * verified. authkit marks the requests it handled with `x-workos-middleware`.
 */
export async function getRenderedSession(): Promise<CurrentSession | null> {
  if (!(await headers()).get('x-workos-middleware')) return null;
  return getOptionalSession();
}

/** Where a signed-out request should go to sign in, coming back to the page it asked for. */
async function getSignInPath(): Promise<string> {
  const requested = (await headers()).get('x-url');
  let returnTo = '/home';
  if (requested) {
    try {
      const url = new URL(requested);
      returnTo = sanitizeReturnTo(`${url.pathname}${url.search}`);
    } catch {
      // keep the default
    }
  }
  return `/sign-in?returnTo=${encodeURIComponent(returnTo)}`;
}

/** The live session; otherwise redirects to sign in, or to /signed-out?reason=… when it was revoked. */
export const requireSession = cache(async (): Promise<CurrentSession> => {
  const state = await getSessionState();
  if (state.status === 'active') return state.session;
  if (state.status === 'revoked') redirect(signedOutPath(state.reason));
  redirect(await getSignInPath());
});
