import { createCipheriv, createDecipheriv, hkdfSync, randomBytes } from 'node:crypto';

/**
 * Authenticated encryption (AES-256-GCM) for what the app keeps but must not keep readable: sealed text is
 * base64url(iv ‖ tag ‖ ciphertext); opening anything altered, truncated or sealed under another key gives null.
 */

export function sealWithKey(key: Buffer, plaintext: Buffer): string {
  const iv = randomBytes(12);
  const cipher = createCipheriv('aes-256-gcm', key, iv);
  const body = Buffer.concat([cipher.update(plaintext), cipher.final()]);
  return Buffer.concat([iv, cipher.getAuthTag(), body]).toString('base64url');
}

export function openWithKey(key: Buffer, sealed: string): Buffer | null {
  try {
    const raw = Buffer.from(sealed, 'base64url');
    if (raw.length < 29) return null;
    const decipher = createDecipheriv('aes-256-gcm', key, raw.subarray(0, 12));
    decipher.setAuthTag(raw.subarray(12, 28));
    return Buffer.concat([decipher.update(raw.subarray(28)), decipher.final()]);
  } catch {
    return null;
  }
}

export interface SecretBox {
  seal(text: string): string;
  /** Null when it was not sealed by this box (another key, altered, not sealed at all). */
  open(sealed: string): string | null;
}

/** A box keyed by `secret` for one `purpose` (HKDF): boxes of different purposes cannot open each other's text. */
export function secretBox(secret: string, purpose: string): SecretBox {
  const key = Buffer.from(hkdfSync('sha256', secret, Buffer.from('soe-secret-box/v1'), purpose, 32));
  return {
    seal: (text) => sealWithKey(key, Buffer.from(text, 'utf8')),
    open: (sealed) => openWithKey(key, sealed)?.toString('utf8') ?? null,
  };
}
