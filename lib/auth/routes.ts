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
  // A revoked page's word that it was told carries its own credential (a sealed receipt); reading receipts checks
  // the caller's session in the handler (app/api/session/receipts).
  '/api/session/receipts',
];

export function isPublicPath(pathname: string): boolean {
  return PUBLIC_PATHS.includes(pathname);
}

/**
 * The session a browser held before /callback replaces it (lib/sessions/sign-in.ts ends it), when its token was due
 * and so not handed to authkit. Set only by the proxy, from the sealed cookie (lib/auth/refresh).
 */
export const PREVIOUS_SESSION_HEADER = 'x-soe-previous-session';
