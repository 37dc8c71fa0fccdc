import { createHash } from 'node:crypto';

/**
 * The only form in which a session id is stored or logged (OWASP: never log raw session ids).
 * 128 bits of SHA-256, hex. Deterministic so every instance and store agrees on it.
 */
export function hashSessionId(sessionId: string): string {
  return createHash('sha256').update(`workos-session:${sessionId}`).digest('hex').slice(0, 32);
}
