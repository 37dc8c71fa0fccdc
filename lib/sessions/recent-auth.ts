/**
 * ASVS v5 7.5.2: ending other sessions needs a recent sign-in. `authTime` is the access token's `auth_time`
 * (seconds). Fails closed: no claim means not recent. A time slightly in the future (clock skew) counts as recent.
 */
export function isRecentAuth(authTime: number | null | undefined, maxAgeSeconds: number, nowMs: number): boolean {
  if (typeof authTime !== 'number' || !Number.isFinite(authTime)) return false;
  return nowMs / 1000 - authTime <= maxAgeSeconds;
}
