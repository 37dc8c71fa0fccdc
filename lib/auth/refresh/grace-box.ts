import { hkdfSync, randomBytes } from 'node:crypto';
import { openWithKey as open, sealWithKey as seal } from '@/lib/security/aead';

/**
 * The newest session of a refresh, kept for the grace period where every instance can read it (Redis), must only be
 * readable by someone who held that session a moment ago. So it is encrypted with a random key K (AES-256-GCM), and
 * K is wrapped once per refresh token the newest session replaced, under a key derived from that TOKEN (HKDF): the
 * hash of a token, which is what the store can see, opens nothing. Whoever can read or write the store can neither
 * open the cookie nor plant one that would be accepted (GCM authenticates both layers).
 */

const SALT = Buffer.from('soe-refresh-grace/v1');

function kek(refreshToken: string, sessionKey: string): Buffer {
  return Buffer.from(hkdfSync('sha256', refreshToken, SALT, sessionKey, 32));
}

export function newBoxKey(): Buffer {
  return randomBytes(32);
}

/** The cookie, encrypted with K. */
export function boxCookie(key: Buffer, cookie: string): string {
  return seal(key, Buffer.from(cookie, 'utf8'));
}

export function unboxCookie(key: Buffer, box: string): string | null {
  return open(key, box)?.toString('utf8') ?? null;
}

/** K, wrapped for whoever holds `refreshToken` (of the session `sessionKey`). */
export function wrapKey(key: Buffer, refreshToken: string, sessionKey: string): string {
  return seal(kek(refreshToken, sessionKey), key);
}

export function unwrapKey(wrapped: string, refreshToken: string, sessionKey: string): Buffer | null {
  const key = open(kek(refreshToken, sessionKey), wrapped);
  return key && key.length === 32 ? key : null;
}
