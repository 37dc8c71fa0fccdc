import * as z from 'zod/mini';

/** Why the registry holds a session revoked: every code a refusal, a push or a tab message can carry. */
export const REVOCATION_REASONS = [
  'signed_out',
  'signed_out_elsewhere',
  'signed_out_everywhere',
  'admin',
  'password_changed',
  'revoked_at_workos',
  'user_deleted',
  'refresh_failed',
  'reauthenticated',
  /** Its revocation is in the shared store but cannot be read (corrupt, tampered): held as revoked (fail closed). */
  'record_unreadable',
  /** Not a registry record: a copy of a session whose refresh token was spent elsewhere (lib/auth/refresh). */
  'token_reused',
] as const;
export type RevocationReason = (typeof REVOCATION_REASONS)[number];

/**
 * What the browser can learn about its session ending: a revocation reason, `session_revoked` when the server
 * refused it without a reason this code knows, or `session_ended` when the cookie is simply gone.
 */
export const ENDED_REASONS = [...REVOCATION_REASONS, 'session_revoked', 'session_ended'] as const;
export type EndedReason = (typeof ENDED_REASONS)[number];

/** What /signed-out explains: an ending, or a sign-in that failed (/callback). */
export const SIGNED_OUT_REASONS = [...ENDED_REASONS, 'sign_in_failed'] as const;
export type SignedOutReason = (typeof SIGNED_OUT_REASONS)[number];

const revocationReason = z.enum(REVOCATION_REASONS);
/** Anything unknown reads as the generic `session_revoked`: a reason from a newer server still ends the session. */
export const endedReason = z.catch(z.enum(ENDED_REASONS), 'session_revoked');
const signedOutReason = z.catch(z.enum(SIGNED_OUT_REASONS), 'session_revoked');

export function isRevocationReason(value: unknown): value is RevocationReason {
  return revocationReason.safeParse(value).success;
}

export function parseEndedReason(value: unknown): EndedReason {
  return endedReason.parse(value);
}

export function parseSignedOutReason(value: unknown): SignedOutReason {
  return signedOutReason.parse(value);
}
