import type { NextRequest } from 'next/server';

/** Paths anyone may reach without a session. Everything else needs one. */
const PUBLIC_PATHS = [
  '/',
  '/sign-in',
  '/sign-up',
  '/callback',
  '/signed-out',
  '/api/health',
  // Operators' detail: guarded by its own bearer token (OPS_TOKEN), not by a session.
  '/api/health/detail',
  '/api/webhooks/workos',
];

export function isPublicPath(pathname: string): boolean {
  return PUBLIC_PATHS.includes(pathname);
}

/** A top-level navigation that expects HTML, as opposed to fetch, RSC, prefetch or a server action. */
export function isDocumentRequest(request: Pick<NextRequest, 'method' | 'headers'>): boolean {
  if (request.method !== 'GET' && request.method !== 'HEAD') return false;
  if (request.headers.get('rsc') || request.headers.get('next-router-prefetch') || request.headers.get('next-action')) {
    return false;
  }
  const dest = request.headers.get('sec-fetch-dest');
  if (dest) return dest === 'document';
  return (request.headers.get('accept') ?? '').includes('text/html');
}

/**
 * The session a browser held before /callback replaces it (lib/sessions/sign-in.ts ends it), when its token was due
 * and so not handed to authkit. Set only by the proxy, from the sealed cookie (lib/auth/refresh).
 */
export const PREVIOUS_SESSION_HEADER = 'x-soe-previous-session';
