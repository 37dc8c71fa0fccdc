/** Why someone landed on /signed-out, in words. Unknown reasons get the generic message. */
const MESSAGES = {
  signed_out: { title: 'You’re signed out', body: 'You signed out of this device.' },
  signed_out_elsewhere: {
    title: 'You were signed out',
    body: 'You signed out this device from another device.',
  },
  signed_out_everywhere: {
    title: 'You were signed out everywhere',
    body: 'You chose to sign out everywhere, so every device, including this one, was signed out.',
  },
  admin: {
    title: 'An administrator signed you out',
    body: 'An administrator of your organization ended this session.',
  },
  password_changed: {
    title: 'Your password was changed',
    body: 'Your password was changed, so your sessions were ended. Sign in with your new password.',
  },
  revoked_at_workos: {
    title: 'Your session was ended',
    body: 'This session was ended by the identity provider.',
  },
  user_deleted: {
    title: 'Your account was removed',
    body: 'This account no longer exists, so its sessions were ended.',
  },
  refresh_failed: {
    title: 'Your session expired',
    body: 'This session could not be renewed. Please sign in again.',
  },
  session_revoked: {
    title: 'Your session was ended',
    body: 'This session is no longer valid. Please sign in again.',
  },
  reauthenticated: {
    title: 'You signed in again',
    body: 'This session was replaced when you signed in again.',
  },
  token_reused: {
    title: 'You were signed out on this browser',
    body: 'Your sign-in was renewed somewhere else, so this copy of it no longer works. If that wasn’t you, sign in and review your devices.',
  },
  sign_in_failed: {
    title: 'We couldn’t sign you in',
    body: 'Something went wrong while signing you in. Please try again.',
  },
} as const satisfies Record<string, { title: string; body: string }>;

export type SignedOutReason = keyof typeof MESSAGES;

export function signedOutMessage(reason: unknown): { reason: SignedOutReason; title: string; body: string } {
  const key: SignedOutReason =
    typeof reason === 'string' && Object.hasOwn(MESSAGES, reason) ? (reason as SignedOutReason) : 'session_revoked';
  return { reason: key, ...MESSAGES[key] };
}
