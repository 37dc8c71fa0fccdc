'use server';

import { signOut } from '@workos-inc/authkit-nextjs';
import { onRevokedSignedOut, onSignedOut } from '@/lib/auth/hooks';
import { getSessionState } from '@/lib/auth/session';
import { getEnv } from '@/lib/env';

/**
 * The header's Sign out button: ends THIS session only.
 * 1. At WorkOS, on the server (revoke; "not found" counts as done), so it does not depend on the browser
 *    following the logout redirect.
 * 2. Locally (registry `signed_out`): other tabs and copies of the cookie are refused at once. Recorded even if
 *    WorkOS could not be reached (then also audited): see lib/sessions/sign-out.ts.
 * 3. authkit's signOut(): clears the cookie and redirects to WorkOS's logout URL (harmless for an ended session:
 *    it still redirects to return_to), back to /signed-out.
 * A session that was already revoked is signed out too, and WorkOS is asked to end it if it has not.
 */
export async function signOutAction(): Promise<void> {
  const state = await getSessionState();
  try {
    if (state.status === 'active') await onSignedOut(state.session);
    else if (state.status === 'revoked') await onRevokedSignedOut(state.session);
  } catch (error) {
    // The hooks never throw; should one, the user still leaves.
    console.error('[sign-out] ending the session failed', error);
  }
  const reason = state.status === 'revoked' ? state.reason : 'signed_out';
  await signOut({ returnTo: new URL(`/signed-out?reason=${reason}`, getEnv().appOrigin).toString() });
}
