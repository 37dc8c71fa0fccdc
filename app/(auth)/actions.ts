'use server';

import { signOut } from '@workos-inc/authkit-nextjs';
import { cookies, headers } from 'next/headers';
import { getSessionState, type CurrentSession } from '@/lib/auth/session';
import { getEnv } from '@/lib/env';
import { refusalOptions } from '@/lib/auth/session-cookie';
import { SIGNED_OUT_MARKER_COOKIE, SIGNED_OUT_MARKER_MAX_AGE_SECONDS, signedOutPath } from '@/lib/session-status/protocol';
import { describeDevice } from '@/lib/sessions/device';
import { actorOfSession, endSessions } from '@/lib/sessions/end';

/**
 * The header's Sign out button: ends THIS session only.
 * 1. Through lib/sessions/end: at WorkOS first, on the server (so it does not depend on the browser following the
 *    logout redirect), then locked out here (`signed_out`): other tabs and copies of the cookie are refused at
 *    once. If WorkOS does not confirm, it is locked out here anyway and the outbox keeps asking WorkOS.
 * 2. authkit's signOut(): clears the cookie and redirects to WorkOS's logout URL (harmless for an ended session:
 *    it still redirects to return_to), back to /signed-out.
 * A session that was already revoked is signed out too; if WorkOS still owes its end, it is asked again.
 */
export async function signOutAction(): Promise<void> {
  const state = await getSessionState();
  if (state.status !== 'unauthenticated') {
    try {
      await endThisSession(state.session);
    } catch (error) {
      // The user still leaves: the cookie is cleared below whatever happened.
      console.error('[sign-out] ending the session failed', error instanceof Error ? error.message : error);
    }
  }
  const reason = state.status === 'revoked' ? state.reason : 'signed_out';
  (await cookies()).set(SIGNED_OUT_MARKER_COOKIE, reason, {
    path: '/',
    httpOnly: true,
    sameSite: 'lax',
    secure: refusalOptions().secure,
    maxAge: SIGNED_OUT_MARKER_MAX_AGE_SECONDS,
  });
  await signOut({ returnTo: new URL(signedOutPath(reason), getEnv().appOrigin).toString() });
}

async function endThisSession(session: CurrentSession): Promise<void> {
  const label = describeDevice((await headers()).get('user-agent')).label;
  const actor = actorOfSession(session, label);
  const [outcome] = await endSessions({
    targets: [
      {
        sessionId: session.sessionId,
        userId: session.user.id,
        organizationId: session.organizationId,
        label,
        ipAddress: null,
        expiresAt: null,
      },
    ],
    actor,
    reason: 'signed_out',
  });
  if (outcome?.status === 'failed') console.error(`[sign-out] could not record the sign-out: ${outcome.reason}`);
}
