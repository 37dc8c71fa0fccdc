import type { RevocationReason } from './types';

/**
 * Human text for a revocation reason. No server-only imports: the session guard and the /signed-out page
 * render these too.
 */
const MESSAGES: Record<RevocationReason, string> = {
  signed_out: 'You signed out.',
  signed_out_elsewhere: 'You signed out this device from another device.',
  signed_out_everywhere: 'You signed out of all your devices.',
  admin: 'An administrator ended your session.',
  password_changed: 'Your password was changed, so your other sessions were ended.',
  revoked_at_workos: 'Your session was ended by your identity provider.',
  user_deleted: 'Your account no longer exists.',
  refresh_failed: 'Your session has ended and could not be renewed.',
  reauthenticated: 'You signed in again, so this session was replaced.',
  record_unreadable: 'Your session has ended.',
  token_reused: 'Your sign-in was renewed on another device or browser, so this copy of it was signed out.',
};

export const REVOCATION_REASONS = Object.keys(MESSAGES) as RevocationReason[];

export function isRevocationReason(value: unknown): value is RevocationReason {
  return typeof value === 'string' && Object.hasOwn(MESSAGES, value);
}

/** "You signed out this device from another device." etc.; a generic sentence for anything unknown. */
export function reasonMessage(reason: string | null | undefined): string {
  return isRevocationReason(reason) ? MESSAGES[reason] : 'Your session has ended.';
}
