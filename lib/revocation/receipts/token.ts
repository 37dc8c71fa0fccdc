import * as z from 'zod/mini';
import type { SecretBox } from '@/lib/security/aead';

/**
 * The receipt token an `event: revoked` frame carries: the revocation it is about (session hash, user, when),
 * sealed (AES-GCM) so that only this app can have made it. The page that receives the frame posts it back
 * (POST /api/session/receipts) to say it was told; the token is its only credential, since the session is over.
 */
export interface ReceiptClaim {
  sessionHash: string;
  userId: string;
  /** ms since the epoch: the revocation's `revokedAt`. */
  revokedAt: number;
}

const claimSchema = z.object({
  h: z.string().check(z.regex(/^[0-9a-f]{32}$/)),
  u: z.string().check(z.minLength(1), z.maxLength(200)),
  t: z.number().check(z.int(), z.positive()),
});

export const MAX_RECEIPT_TOKEN_LENGTH = 512;

export function sealReceipt(box: SecretBox, claim: ReceiptClaim): string {
  return box.seal(JSON.stringify({ h: claim.sessionHash, u: claim.userId, t: claim.revokedAt }));
}

/** The claim a token was sealed with, or null when this app did not seal it (altered, another key, garbage). */
export function openReceipt(box: SecretBox, token: string): ReceiptClaim | null {
  if (token.length > MAX_RECEIPT_TOKEN_LENGTH) return null;
  const text = box.open(token);
  if (text === null) return null;
  try {
    const parsed = claimSchema.safeParse(JSON.parse(text));
    return parsed.success ? { sessionHash: parsed.data.h, userId: parsed.data.u, revokedAt: parsed.data.t } : null;
  } catch {
    return null;
  }
}
