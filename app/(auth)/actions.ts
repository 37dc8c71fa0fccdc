'use server';

import { signOut } from '@workos-inc/authkit-nextjs';
import { onSignedOut } from '@/lib/auth/hooks';
import { getSessionState } from '@/lib/auth/session';
import { getEnv } from '@/lib/env';

/**
 * The header's Sign out button: ends THIS session only, at WorkOS (its logout URL), and clears the cookie.
 * A session that was already revoked is still signed out locally and at WorkOS.
 */
export async function signOutAction(): Promise<void> {
  const state = await getSessionState();
  if (state.status === 'active') {
    try {
      await onSignedOut(state.session);
    } catch (error) {
      console.error('[sign-out] onSignedOut failed', error);
    }
  }
  const reason = state.status === 'revoked' ? state.reason : 'signed_out';
  await signOut({ returnTo: new URL(`/signed-out?reason=${reason}`, getEnv().appOrigin).toString() });
}
