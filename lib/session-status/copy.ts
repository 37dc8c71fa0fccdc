import type { EndedReason, SignedOutReason } from './reasons';

/** /signed-out's title and body; for an ending, also the sentence the sign-in prompt and the push stream carry. */
type ReasonCopy<R extends SignedOutReason> = { title: string; body: string } & (R extends EndedReason
  ? { prompt: string }
  : { prompt?: never });

const GENERIC_PAGE = { title: 'Your session was ended', body: 'This session is no longer valid. Please sign in again.' };
const GENERIC_PROMPT = 'Your session has ended.';

/** The one wording of every reason. A new reason does not compile until it is worded here. */
export const REASON_COPY: { readonly [R in SignedOutReason]: ReasonCopy<R> } = {
  signed_out: { title: 'You’re signed out', body: 'You signed out of this device.', prompt: 'You signed out.' },
  signed_out_elsewhere: {
    title: 'You were signed out',
    body: 'You signed out this device from another device.',
    prompt: 'You signed out this device from another device.',
  },
  signed_out_everywhere: {
    title: 'You were signed out everywhere',
    body: 'You chose to sign out everywhere, so every device, including this one, was signed out.',
    prompt: 'You signed out of all your devices.',
  },
  admin: {
    title: 'An administrator signed you out',
    body: 'An administrator of your organization ended this session.',
    prompt: 'An administrator ended your session.',
  },
  password_changed: {
    title: 'Your password was changed',
    body: 'Your password was changed, so your sessions were ended. Sign in with your new password.',
    prompt: 'Your password was changed, so your other sessions were ended.',
  },
  revoked_at_workos: {
    title: 'Your session was ended',
    body: 'This session was ended by the identity provider.',
    prompt: 'Your session was ended by your identity provider.',
  },
  user_deleted: {
    title: 'Your account was removed',
    body: 'This account no longer exists, so its sessions were ended.',
    prompt: 'Your account no longer exists.',
  },
  refresh_failed: {
    title: 'Your session expired',
    body: 'This session could not be renewed. Please sign in again.',
    prompt: 'Your session has ended and could not be renewed.',
  },
  reauthenticated: {
    title: 'You signed in again',
    body: 'This session was replaced when you signed in again.',
    prompt: 'You signed in again, so this session was replaced.',
  },
  record_unreadable: { ...GENERIC_PAGE, prompt: GENERIC_PROMPT },
  token_reused: {
    title: 'You were signed out on this browser',
    body: 'Your sign-in was renewed somewhere else, so this copy of it no longer works. If that wasn’t you, sign in and review your devices.',
    prompt: 'Your sign-in was renewed on another device or browser, so this copy of it was signed out.',
  },
  session_revoked: { ...GENERIC_PAGE, prompt: GENERIC_PROMPT },
  session_ended: { ...GENERIC_PAGE, prompt: GENERIC_PROMPT },
  sign_in_failed: {
    title: 'We couldn’t sign you in',
    body: 'Something went wrong while signing you in. Please try again.',
  },
};

/** "You signed out this device from another device." etc.: the sign-in prompt's sentence. */
export function promptFor(reason: EndedReason): string {
  return REASON_COPY[reason].prompt;
}
