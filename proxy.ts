import { authkit, authkitProxy, handleAuthkitHeaders } from '@workos-inc/authkit-nextjs';
import { NextResponse, type NextFetchEvent, type NextRequest } from 'next/server';
import { isPublicPath, isDocumentRequest } from '@/lib/auth/routes';
import { getEnv } from '@/lib/env';
import { enforceRevocation, recordRefreshFailure } from '@/lib/revocation/enforce';
import { recordSessionActivity } from '@/lib/sessions/activity';

/**
 * The fast first gate, on every matched request (pages, RSC, prefetch, route handlers, server actions):
 *   1. authkit() unseals the cookie, verifies the access token locally and refreshes it when due;
 *   2. a session the revocation registry knows as revoked is refused at once (no token-expiry window);
 *   3. the session's last activity is recorded (throttled);
 *   4. signed-out requests to protected paths are sent to sign in (documents) or answered 401 (everything else).
 * IMPORTANT: lib/auth/session.ts (requireSession) repeats check 2, so a path this matcher misses is still covered.
 */
export default async function proxy(request: NextRequest, event: NextFetchEvent) {
  // PROXY_MODE=stock (lib/env.ts): authkit's stock proxy, for the bench's cost comparison only.
  if (getEnv().PROXY_MODE === 'stock') return stockProxy(request, event);

  const { session, headers, authorizationUrl } = await authkit(request, {
    onSessionRefreshError: (params) => recordRefreshFailure(request, params),
  });

  const denied = await enforceRevocation(request, session);
  if (denied) return denied;

  const { pathname } = request.nextUrl;
  if (session.user) {
    recordSessionActivity(request, session);
  } else if (!isPublicPath(pathname)) {
    if (isDocumentRequest(request) && authorizationUrl) {
      return handleAuthkitHeaders(request, headers, { redirect: authorizationUrl });
    }
    const response = NextResponse.json({ error: 'unauthenticated' }, { status: 401 });
    response.headers.set('Cache-Control', 'no-store');
    return response;
  }

  return handleAuthkitHeaders(request, headers);
}

let stock: ReturnType<typeof authkitProxy> | undefined;
function stockProxy(request: NextRequest, event: NextFetchEvent) {
  if (!stock) {
    console.warn('[proxy] PROXY_MODE=stock: revocation enforcement is OFF (benchmark comparison only)');
    stock = authkitProxy();
  }
  return stock(request, event);
}

export const config = {
  matcher: ['/((?!_next/static|_next/image|favicon.ico|icons/|robots.txt).*)'],
};
