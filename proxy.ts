import { authkit, authkitProxy, handleAuthkitHeaders } from '@workos-inc/authkit-nextjs';
import { NextResponse, type NextFetchEvent, type NextRequest } from 'next/server';
import {
  answerRefusedRenewal,
  clearSessionCookie,
  forgetPreviousSession,
  noteAuthkitRefresh,
  renewSessionIfDue,
} from '@/lib/auth/refresh';
import { isPublicPath, isDocumentRequest } from '@/lib/auth/routes';
import { getEnv } from '@/lib/env';
import { limitClientIp } from '@/lib/rate-limit';
import { enforceRevocation, refuseWhileUnknown } from '@/lib/revocation/enforce';
import { askToRetry } from '@/lib/revocation/refusal';
import { recordSessionActivity } from '@/lib/sessions/activity';

/**
 * The fast first gate, on every matched request (pages, RSC, prefetch, route handlers, server actions):
 *   0. the entry points anyone can call (/sign-in, /sign-up, /callback, the WorkOS webhook) are limited per client
 *      IP before any work (lib/rate-limit: 429 with Retry-After); then an instance that has never loaded the
 *      revocation set judges no session (fail closed: 503, public pages render signed out);
 *   1. a session whose access token is due is refreshed through the single-flight coordinator (lib/auth/refresh):
 *      concurrent requests share one grant, a lost race is never a sign-out, a refresh that cannot happen yet is
 *      answered "retry" (503), never "signed out";
 *   2. authkit() unseals the cookie and verifies the access token locally (it never refreshes: buffer 0, and the
 *      token it sees is fresh);
 *   3. a session the revocation registry knows as revoked is refused at once (no token-expiry window);
 *   4. the session's last activity is recorded (throttled);
 *   5. signed-out requests to protected paths are sent to sign in (documents) or answered 401 (everything else).
 * IMPORTANT: lib/auth/session.ts (requireSession) repeats check 3, so a path this matcher misses is still covered.
 */
export default async function proxy(request: NextRequest, event: NextFetchEvent) {
  // PROXY_MODE=stock (lib/env.ts): authkit's stock proxy, for the bench's cost comparison only.
  if (getEnv().PROXY_MODE === 'stock') return stockProxy(request, event);

  forgetPreviousSession(request);
  const limited = await limitClientIp(request);
  if (limited) return limited;
  const unknown = await refuseWhileUnknown(request);
  if (unknown) return unknown;

  const originalCookie = request.cookies.get(getEnv().WORKOS_COOKIE_NAME)?.value;
  const renewal = await renewSessionIfDue(request);
  if (renewal.kind === 'refused') return answerRefusedRenewal(request, renewal);

  // IMPORTANT: refreshBufferSeconds 0 — step 1 owns refreshing; authkit's own refresh is not single-flight.
  const { session, headers, authorizationUrl } = await authkit(request, { refreshBufferSeconds: 0 });
  if (renewal.kind === 'renewed') headers.append('Set-Cookie', renewal.setCookie);
  else if (renewal.kind === 'pass') await noteAuthkitRefresh(request, originalCookie, headers.getSetCookie());

  // A sealed, unexpired token that authkit could not verify (its key set could not be fetched): not a sign-out.
  const { pathname } = request.nextUrl;
  if (!session.user && renewal.kind === 'pass' && renewal.claims && renewal.claims.expiresAt > Date.now() && !isPublicPath(pathname)) {
    return askToRetry(request, 2);
  }

  const denied = await enforceRevocation(request, session);
  if (denied) return denied;

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

  const response = handleAuthkitHeaders(request, headers);
  return renewal.kind === 'stripped' && renewal.clearCookie ? clearSessionCookie(response) : response;
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
