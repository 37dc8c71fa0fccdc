import { NextResponse, type NextRequest } from 'next/server';
import { isDocumentRequest } from '@/lib/http/document-request';
import { requestNonce } from '@/lib/security/headers';
import {
  refusalBody,
  revokedFrame,
  SESSION_EVENTS_URL,
  setSessionStatus,
  signedOutPath,
  SIGNED_OUT_URL,
  SSE_RETRY_FIELD,
  type RetryBody,
} from '@/lib/session-status/protocol';
import type { RevocationRecord } from '../types';

/** Where a revoked session is signed out (its cookie cleared) and let through as signed out. */
const SIGNED_OUT_PATHS = new Set([SIGNED_OUT_URL, '/sign-in', '/sign-up']);
/** authkit's header carrying the sealed session to `withAuth()` downstream. */
const SESSION_HEADER = 'x-workos-session';
const MIDDLEWARE_HEADER = 'x-workos-middleware';

export interface RefusalOptions {
  cookieName: string;
  secure: boolean;
  /** WORKOS_COOKIE_DOMAIN: authkit sets the cookie with this Domain, so clearing it must name it too. */
  domain?: string | undefined;
  /** WORKOS_COOKIE_SAMESITE (default lax), as authkit sets it. */
  sameSite?: 'lax' | 'strict' | 'none';
  /** The app's canonical origin (NEXT_PUBLIC_WORKOS_REDIRECT_URI's): Next's own URL says localhost for 127.0.0.1. */
  origin: string;
}

/** Deletes the session cookie in the browser. */
export function clearCookie(response: NextResponse, { cookieName, secure, domain, sameSite }: RefusalOptions): void {
  // Same Path and Domain as authkit set it with (a host-only deletion does not remove a Domain= cookie).
  response.cookies.set(cookieName, '', {
    path: '/',
    httpOnly: true,
    sameSite: sameSite ?? 'lax',
    secure: secure || sameSite === 'none',
    maxAge: 0,
    ...(domain ? { domain } : {}),
  });
}

/** The request headers to forward with the session cookie (and authkit's session header) removed. */
function withoutSession(request: NextRequest, cookieName: string): Headers {
  const headers = new Headers(request.headers);
  headers.delete(SESSION_HEADER);
  headers.set(MIDDLEWARE_HEADER, 'true');
  const cookies = request.cookies
    .getAll()
    .filter((c) => c.name !== cookieName)
    .map((c) => `${c.name}=${encodeURIComponent(c.value)}`)
    .join('; ');
  if (cookies) headers.set('cookie', cookies);
  else headers.delete('cookie');
  return headers;
}

/**
 * The answer to a request that carries a revoked session:
 * - the sign-in/out pages: cookie cleared, request let through as signed out (so "Sign in again" works);
 * - /callback: untouched (it replaces the cookie with a new session);
 * - a document navigation: 303 to /signed-out?reason=…;
 * - the push stream (/api/session/events): 200 with `event: revoked` and the reason, then the end of the stream.
 *   IMPORTANT: a 401 here would lose the reason — EventSource can't read it and the cookie is gone afterwards;
 * - anything else (fetch, RSC, prefetch, server action): 401 {"error":"session_revoked","reason"}.
 * Every refusal carries `X-Session-Status: revoked` and `Cache-Control: no-store`, and clears the cookie.
 */
export function refuseRevokedSession(
  request: NextRequest,
  record: Pick<RevocationRecord, 'reason'> & Partial<Pick<RevocationRecord, 'revokedAt'>>,
  options: RefusalOptions,
): NextResponse | null {
  const { pathname } = request.nextUrl;
  if (pathname === '/callback') return null;

  let response: NextResponse;
  if (SIGNED_OUT_PATHS.has(pathname)) {
    response = NextResponse.next({ request: { headers: withoutSession(request, options.cookieName) } });
  } else if (isDocumentRequest(request)) {
    response = NextResponse.redirect(new URL(signedOutPath(record.reason), options.origin), 303);
  } else if (pathname === SESSION_EVENTS_URL && request.method === 'GET') {
    // A one-event stream, so that EventSource (which cannot read a 401) gets the reason.
    const body = SSE_RETRY_FIELD + revokedFrame({ reason: record.reason, revokedAt: record.revokedAt ?? Date.now() });
    response = new NextResponse(body, { status: 200, headers: { 'Content-Type': 'text/event-stream; charset=utf-8' } });
  } else {
    response = NextResponse.json(refusalBody(record.reason), { status: 401 });
  }
  setSessionStatus(response.headers, 'revoked');
  response.headers.set('Cache-Control', 'no-store');
  clearCookie(response, options);
  return response;
}

const WAIT_MESSAGES: Record<RetryBody['error'], string> = {
  session_refreshing: 'Renewing your session… this page will reload by itself.',
  temporarily_unavailable: 'Signing in is briefly unavailable on this server. This page will try again by itself.',
};

/**
 * The answer to a signed-in request that cannot be judged yet — never a sign-out; the cookie is kept:
 * - `session_refreshing`: the session's refresh is not done (another instance is refreshing it, WorkOS is slow);
 * - `temporarily_unavailable`: this instance has not loaded the revocation set yet (fail closed).
 * A document navigation gets a short page that reloads itself after `retryAfterSeconds`; anything else gets 503
 * JSON `{"error": why}` with `Retry-After` and `X-Session-Status: retry`, which the session guard's fetch tap
 * re-sends by itself and its probe ignores.
 */
export function askToRetry(
  request: NextRequest,
  retryAfterSeconds: number,
  why: RetryBody['error'] = 'session_refreshing',
): NextResponse {
  const seconds = Math.max(1, Math.round(retryAfterSeconds));
  let response: NextResponse;
  if (isDocumentRequest(request)) {
    // The proxy's Content-Security-Policy allows no inline style but its nonce's.
    const nonce = requestNonce(request.headers);
    const html =
      `<!doctype html><html lang="en"><head><meta charset="utf-8"><meta http-equiv="refresh" content="${seconds}">` +
      '<meta name="viewport" content="width=device-width, initial-scale=1"><title>One moment…</title>' +
      `<style${nonce ? ` nonce="${nonce}"` : ''}>` +
      'body{font-family:system-ui,sans-serif;display:grid;place-items:center;min-height:90vh;color:#334155}</style>' +
      `</head><body><main role="status"><p>${WAIT_MESSAGES[why]}</p></main></body></html>`;
    response = new NextResponse(html, { status: 503, headers: { 'Content-Type': 'text/html; charset=utf-8' } });
  } else {
    response = NextResponse.json({ error: why, retryAfter: seconds } satisfies RetryBody, { status: 503 });
  }
  response.headers.set('Retry-After', String(seconds));
  setSessionStatus(response.headers, 'retry');
  response.headers.set('Cache-Control', 'no-store');
  return response;
}
