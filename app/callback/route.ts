import { handleAuth } from '@workos-inc/authkit-nextjs';
import { decodeJwt } from 'jose';
import { NextResponse, type NextRequest } from 'next/server';
import { clientIp } from '@/lib/security/client-ip';
import { signedOutPath } from '@/lib/session-status/protocol';
import { forgetSessionListing } from '@/lib/sessions/listing';
import { handleSignIn } from '@/lib/sessions/sign-in';
import { displayName } from '@/lib/workos/core';
import { getEnv } from '@/lib/env';

function sessionIdOf(accessToken: string): string | null {
  try {
    const { sid } = decodeJwt(accessToken);
    return typeof sid === 'string' ? sid : null;
  } catch {
    return null;
  }
}

export async function GET(request: NextRequest) {
  const { appOrigin } = getEnv();
  const handler = handleAuth({
    returnPathname: '/home',
    baseURL: appOrigin,
    onSuccess: async (data) => {
      try {
        // A new session: this user's pages list their sessions afresh rather than from the display cache.
        forgetSessionListing(data.user.id);
        await handleSignIn({
          user: {
            id: data.user.id,
            email: data.user.email,
            firstName: data.user.firstName ?? null,
            lastName: data.user.lastName ?? null,
            name: displayName(data.user),
          },
          sessionId: sessionIdOf(data.accessToken),
          organizationId: data.organizationId ?? null,
          authenticationMethod: data.authenticationMethod ?? null,
          impersonator: data.impersonator ?? null,
          ipAddress: clientIp(request.headers),
          userAgent: request.headers.get('user-agent'),
          at: new Date(),
        });
      } catch (error) {
        // Recording must never undo a completed sign-in (authkit clears the cookie when onSuccess throws).
        console.error('[callback] recording the sign-in failed', error);
      }
    },
    onError: () => NextResponse.redirect(new URL(signedOutPath('sign_in_failed'), appOrigin)),
  });
  return handler(request);
}
