import { createHash } from 'node:crypto';

// Every signed-in request hashes its session id (revocation check, activity throttle, data-access layer), and the
// same few ids come back again and again: remember recent ones rather than run SHA-256 each time.
const CACHE_LIMIT = 10_000;
const cache = new Map<string, string>();

/**
 * The only form in which a session id is stored or logged (OWASP: never log raw session ids).
 * 128 bits of SHA-256, hex. Deterministic so every instance and store agrees on it.
 */
export function hashSessionId(sessionId: string): string {
  let hash = cache.get(sessionId);
  if (hash === undefined) {
    if (cache.size >= CACHE_LIMIT) cache.clear();
    hash = createHash('sha256').update(`workos-session:${sessionId}`).digest('hex').slice(0, 32);
    cache.set(sessionId, hash);
  }
  return hash;
}

/**
 * A refresh token as the refresh coordinator remembers it (lib/auth/refresh): never stored or logged raw, since a
 * refresh token is a credential. 128 bits of SHA-256, hex, in a namespace of its own.
 */
export function hashRefreshToken(refreshToken: string): string {
  return createHash('sha256').update(`workos-refresh:${refreshToken}`).digest('hex').slice(0, 32);
}
