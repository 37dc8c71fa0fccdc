import { authkit, authkitProxy, handleAuthkitHeaders } from '@workos-inc/authkit-nextjs';
import { NextResponse, type NextFetchEvent, type NextRequest } from 'next/server';
import {
  answerRefusedRenewal,
  clearSessionCookie,
  forgetPreviousSession,
  noteAuthkitRefresh,
  renewSessionIfDue,
} from '@/lib/auth/refresh';
import { isPublicPath } from '@/lib/auth/routes';
import { refusalOptions } from '@/lib/auth/session-cookie';
import { isDocumentRequest } from '@/lib/http/document-request';
import { getEnv } from '@/lib/env';
import { limitClientIp } from '@/lib/rate-limit';
import { askToRetry, enforceRevocation, refuseWhileUnknown } from '@/lib/revocation/gate';
import { CSP_HEADER, createNonce, securityHeaders, withSecurityHeaders } from '@/lib/security/headers';
import { SIGNED_OUT_MARKER_COOKIE, unauthenticatedBody } from '@/lib/session-status/protocol';
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
 * Whatever the answer (a page let through, a redirect, a 401, a 503), it carries the browser security headers
 * (lib/security/headers) with a Content-Security-Policy nonce made for this request alone.
 * IMPORTANT: lib/auth/session.ts (requireSession) repeats check 3, so a path this matcher misses is still covered.
 */
export default async function proxy(request: NextRequest, event: NextFetchEvent) {
  const env = getEnv();
  const headers = securityHeaders(createNonce(), {
    appOrigin: env.appOrigin,
    workosOrigin: env.workosOrigin,
    dev: env.NODE_ENV === 'development',
  });
  // Next gives a page's scripts the nonce it reads from the request's policy header: as Next's CSP guide says, set it
  // on the request as well as on the response (the answers below that let a request through forward request.headers).
  request.headers.set(CSP_HEADER, headers['Content-Security-Policy']);
  return withSecurityHeaders(await gate(request, event), headers);
}

async function gate(request: NextRequest, event: NextFetchEvent): Promise<Response> {
  // PROXY_MODE=stock (lib/env.ts): authkit's stock proxy, for the bench's cost comparison only.
  if (getEnv().PROXY_MODE === 'stock') return stockProxy(request, event);

  forgetPreviousSession(request);
  const limited = await limitClientIp(request);
  if (limited) return limited;
  const refusal = refusalOptions();
  const unknown = await refuseWhileUnknown(request, { refusal, isPublicPath });
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

  const denied = await enforceRevocation(request, session, refusal);
  if (denied) return denied;

  if (session.user) {
    recordSessionActivity(request, session);
  } else if (!isPublicPath(pathname)) {
    if (isDocumentRequest(request) && authorizationUrl) {
      return handleAuthkitHeaders(request, headers, { redirect: authorizationUrl });
    }
    const response = NextResponse.json(unauthenticatedBody(request.cookies.get(SIGNED_OUT_MARKER_COOKIE)?.value), { status: 401 });
    response.headers.set('Cache-Control', 'no-store');
    return response;
  }

  const response = handleAuthkitHeaders(request, headers);
  return renewal.kind === 'stripped' && renewal.clearCookie ? clearSessionCookie(response) : response;
}

let stock: ReturnType<typeof authkitProxy> | undefined;
async function stockProxy(request: NextRequest, event: NextFetchEvent): Promise<Response> {
  if (!stock) {
    console.warn('[proxy] PROXY_MODE=stock: revocation enforcement is OFF (benchmark comparison only)');
    stock = authkitProxy();
  }
  return (await stock(request, event)) ?? NextResponse.next({ request: { headers: request.headers } });
}

export const config = {
  matcher: ['/((?!_next/static|_next/image|favicon.ico|icons/|robots.txt).*)'],
};
