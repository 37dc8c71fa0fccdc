/**
 * How long a revocation is kept: the one place that decides it. Every record carries its own `expiresAt`, set here
 * when it is made; the registry's mirror, the SQLite tables, the Redis keys (their TTL) and the local cache all keep
 * an entry exactly while `isLive` says so.
 */
export interface Retention {
  /** A session revocation: the retention, or longer when it must hold until `holdUntil` (lib/sessions/end). */
  sessionExpiry(revokedAt: number, holdUntil?: number | null): number;
  /** A user revocation (or a record stored before user revocations carried an expiry). */
  userExpiry(revokedAt: number): number;
}

export function createRetention(retentionMs: number): Retention {
  if (!(retentionMs > 0)) throw new Error('the revocation retention must be positive');
  return {
    sessionExpiry: (revokedAt, holdUntil) => Math.max(revokedAt + retentionMs, holdUntil ?? 0),
    userExpiry: (revokedAt) => revokedAt + retentionMs,
  };
}

export function isLive(entry: { expiresAt: number }, now: number): boolean {
  return entry.expiresAt > now;
}
