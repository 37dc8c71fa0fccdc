import 'server-only';
import { getSignInNovelty } from '@/lib/audit';
import type { CurrentSession } from '@/lib/auth/session';
import { hasRecentSignIn } from '../actions/fresh-auth';
import { describeActiveSessions, listForDisplay } from '../overview';
import { readAnswers } from './answers';
import { choosePrompt, type SignInPrompt } from './prompt';

export { recordAnswer } from './answers';
export { DISMISSED_COOKIE, parseDismissed, type SignInPrompt } from './prompt';

function vouches(current: CurrentSession, flagged: ReadonlyMap<string, unknown>, answers: ReadonlyMap<string, string>): boolean {
  return !flagged.has(current.sessionHash) || answers.get(current.sessionHash) === 'confirmed';
}

/**
 * Whether `current` may say another sign-in was the user's: not while its own sign-in is flagged and unconfirmed —
 * else two sign-ins of an intruder would vouch for each other. Its question waits for a device already trusted.
 */
export function mayVouch(current: CurrentSession): boolean {
  return vouches(current, getSignInNovelty(current.user.id), readAnswers(current.user.id));
}

/**
 * The flagged sign-in on another device that `current` is asked about ("Was this you?"), or null. Support
 * impersonating the user is never asked: only the user can answer. WorkOS (through the pages' display cache) is asked
 * which sessions are still active only when a flagged sign-in is unanswered. Never throws: a page renders without it.
 */
export async function getSignInPrompt(current: CurrentSession, dismissed: ReadonlySet<string>, now = new Date()): Promise<SignInPrompt | null> {
  if (current.impersonator) return null;
  try {
    const answers = readAnswers(current.user.id);
    const flagged = getSignInNovelty(current.user.id);
    if (!vouches(current, flagged, answers)) return null;
    const answered = new Set(answers.keys());
    const open = [...flagged.keys()].some(
      (hash) => hash !== current.sessionHash && !answered.has(hash) && !dismissed.has(hash),
    );
    if (!open) return null;
    const entries = await describeActiveSessions(current.user.id, { sessionId: current.sessionId }, now, {
      logTag: 'was-this-you',
      list: listForDisplay,
    });
    const chosen = choosePrompt(
      entries.map((e) => e.view),
      answered,
      dismissed,
    );
    const mine = entries.find((e) => e.view.isCurrent);
    return chosen && { ...chosen, signInFirst: !hasRecentSignIn(current, mine?.session.createdAt, now.getTime()) };
  } catch (error) {
    console.error('[was-this-you] could not look for a sign-in to ask about', error instanceof Error ? error.message : error);
    return null;
  }
}
