import type { NoveltyKind } from '../novelty';
import type { Moment, SessionHint, SessionView } from '../view';

/**
 * "Was this you?": which flagged sign-in on another device the user is asked about, and the cookie that hides the
 * question for the rest of the browser session (Dismiss). Client-safe.
 */

/** The sign-in asked about. Serializable; `key` is the session's `SessionView.key` (hashed id), resolved again by the actions. */
export interface SignInPrompt {
  key: string;
  label: string;
  /** "Lyon, France", "Local network"; null when unknown. */
  location: string | null;
  signedIn: Moment;
  /** Why it was flagged, in words ("First sign-in from Safari on iOS"). */
  reasons: string[];
  /** Signing it out needs a recent sign-in this device does not have: the user is told before being sent to sign in. */
  signInFirst: boolean;
}

const NOVELTY_KINDS: readonly string[] = ['new_device', 'new_country', 'new_place', 'impossible_travel'] satisfies NoveltyKind[];
const isSignInFlag = (hint: SessionHint) => NOVELTY_KINDS.includes(hint.kind);

/**
 * The latest sign-in to ask about: another active session of the user, not support's, flagged when it signed in,
 * not answered yet and not dismissed in this browser session. Null when there is none.
 */
export function choosePrompt(
  sessions: SessionView[],
  answered: ReadonlySet<string>,
  dismissed: ReadonlySet<string>,
): Omit<SignInPrompt, 'signInFirst'> | null {
  const [latest] = sessions
    .filter((s) => !s.isCurrent && !s.impersonator && !s.signedOutHere && !answered.has(s.key) && !dismissed.has(s.key))
    .filter((s) => s.hints.some(isSignInFlag))
    .sort((a, b) => b.signedIn.iso.localeCompare(a.signedIn.iso));
  if (!latest) return null;
  const reasons = latest.hints.filter(isSignInFlag).map((h) => h.text);
  return { key: latest.key, label: latest.label, location: latest.location, signedIn: latest.signedIn, reasons };
}

/** A session cookie (no expiry): Dismiss lasts until the browser closes. Set by the browser, read by the layout. */
export const DISMISSED_COOKIE = 'soe-sign-in-dismissed';
const KEY = /^[A-Za-z0-9_-]{1,128}$/;
const MAX_DISMISSED = 20;

export function parseDismissed(value: string | undefined): Set<string> {
  return new Set((value ?? '').split('.').filter((key) => KEY.test(key)).slice(-MAX_DISMISSED));
}

/** The cookie's value with `key` added (the oldest dropped beyond a few). */
export function withDismissed(value: string | undefined, key: string): string {
  const keys = [...parseDismissed(value)].filter((k) => k !== key);
  return [...keys, key].slice(-MAX_DISMISSED).join('.');
}
