/**
 * ASVS v5 7.5.2: ending other sessions needs a recent sign-in. `authTime` is in seconds since the epoch (see
 * `sessionAuthTime`). Fails closed: no time means not recent. A time slightly in the future (clock skew) counts as
 * recent.
 */
export function isRecentAuth(authTime: number | null | undefined, maxAgeSeconds: number, nowMs: number): boolean {
  if (typeof authTime !== 'number' || !Number.isFinite(authTime)) return false;
  return nowMs / 1000 - authTime <= maxAgeSeconds;
}

/**
 * When credentials were last entered for the current session, in seconds: the access token's `auth_time` claim
 * when WorkOS sends it (it is optional: WorkOS's documented session token has none), otherwise the creation time
 * of the current WorkOS session. That fallback is sound because every interactive sign-in creates a NEW WorkOS
 * session (and a re-authentication supersedes the old one: lib/sessions/sign-in.ts), and refreshing a session
 * never changes its `createdAt`. Null when neither is known (fails closed).
 */
export function sessionAuthTime(claim: number | null | undefined, sessionCreatedAt: Date | null | undefined): number | null {
  if (typeof claim === 'number' && Number.isFinite(claim)) return claim;
  const created = sessionCreatedAt?.getTime();
  return typeof created === 'number' && Number.isFinite(created) ? Math.floor(created / 1000) : null;
}
