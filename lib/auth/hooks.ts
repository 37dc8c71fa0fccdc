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

/**
 * The Sign out button, before authkit clears the cookie and redirects to WorkOS's logout URL: ends the session at
 * WorkOS FIRST, then locks it out here (registry, reason `signed_out`) so other tabs and any copy of the cookie are
 * refused at once. If WorkOS cannot end it, the local lockout is still recorded and the failure is audited
 * (lib/sessions/sign-out.ts explains why). Never throws.
 */
export async function onSignedOut(session: CurrentSession): Promise<void> {
  const { endSessionOnSignOut } = await import('@/lib/sessions/sign-out');
  await endSessionOnSignOut(session);
}

/** Sign out of a session that was already revoked here: make sure WorkOS has ended it too. Never throws. */
export async function onRevokedSignedOut(session: CurrentSession): Promise<void> {
  const { endRevokedSessionOnSignOut } = await import('@/lib/sessions/sign-out');
  await endRevokedSessionOnSignOut(session);
}
