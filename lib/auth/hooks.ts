import 'server-only';
import type { CurrentSession } from './session';
import type { AppUser, Impersonator } from '@/lib/workos/types';

/**
 * Hook points for the auth flow, filled in by the parts that record what happens (audit: security page;
 * registry: revocation). They are awaited, but a failure here never breaks signing in or out: callers log it.
 */

export interface SignInEvent {
  user: AppUser;
  /** IMPORTANT: raw session id; hash it (hashSessionId) before storing or logging. */
  sessionId: string | null;
  organizationId: string | null;
  /** As WorkOS's authenticate response names it: "Password", "MagicAuth", "SSO", … */
  authenticationMethod: string | null;
  impersonator: Impersonator | null;
  ipAddress: string | null;
  userAgent: string | null;
  at: Date;
}

/** After /callback has stored a new session. */
export async function onSignIn(event: SignInEvent): Promise<void> {
  // Security page (issue 3): record the sign-in (new device / IP flags) and end this browser's previous session
  // when this sign-in was a re-authentication, so it does not linger as a phantom "other device".
  const { handleSignIn } = await import('@/lib/sessions/sign-in');
  await handleSignIn(event);
}

/** Just before the Sign out button ends this session at WorkOS. */
export async function onSignedOut(session: CurrentSession): Promise<void> {
  // Revocation (issue 4): lock this session out everywhere at once (other tabs, any copy of the cookie) and push
  // the news to its open tabs, instead of leaving it valid until its access token expires.
  const { getRevocationRegistry } = await import('@/lib/revocation');
  await getRevocationRegistry().revoke({
    sessionId: session.sessionId,
    userId: session.user.id,
    reason: 'signed_out',
    source: 'action',
    actor: { type: 'user', id: session.user.id, sessionId: session.sessionId },
  });
}
