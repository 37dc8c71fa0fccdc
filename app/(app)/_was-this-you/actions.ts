'use server';

import type { CurrentSession } from '@/lib/auth/session';
import { SECURITY_PAGE } from '@/lib/sessions/actions/confirmable';
import { freshAuthRefusal } from '@/lib/sessions/actions/fresh-auth';
import { isOver, loadOwnedTarget, parseSessionKey, parseSessionTarget, type Owned } from '@/lib/sessions/actions/own-sessions';
import { actionError } from '@/lib/sessions/actions/result';
import { resultOfOutcomes, sessionAction, type Step } from '@/lib/sessions/actions/session-action';
import { endSessions } from '@/lib/sessions/end';
import { endTargetOf, type SessionEntry } from '@/lib/sessions/overview';
import { mayVouch, recordAnswer } from '@/lib/sessions/was-this-you';

/**
 * The answers to "Was this you?" (lib/sessions/was-this-you), asked on every signed-in page. The sign-in is named by
 * its session key and resolved among the caller's sessions as WorkOS lists them now; never this device's own.
 */

/** Where re-authentication returns to before "No, sign it out": the prompt is on every signed-in page. */
const RETURN_PAGE = '/home';

async function asOwner(current: CurrentSession): Promise<Step<CurrentSession>> {
  if (!current.impersonator) return { ok: current };
  return { stop: actionError('impersonated', 'Only the account owner can say whether a sign-in was theirs, so nothing was changed.') };
}

async function loadOtherSession(current: CurrentSession, key: string): Promise<Step<Owned & { target: SessionEntry }>> {
  const loaded = await loadOwnedTarget(current, key);
  if ('ok' in loaded && loaded.ok.target.session.id === current.sessionId) {
    return { stop: actionError('not_found', 'This device’s own sign-in needs no answer.') };
  }
  return loaded;
}

const answeredBy = (current: CurrentSession, { mine }: Owned) => ({ sessionId: current.sessionId, label: mine?.view.label ?? null });

async function asTrustedOwner(current: CurrentSession): Promise<Step<CurrentSession>> {
  const owner = await asOwner(current);
  if ('stop' in owner || mayVouch(current)) return owner;
  return {
    stop: actionError(
      'untrusted_device',
      'This device’s own sign-in looks unusual and has not been confirmed, so it cannot vouch for another one. Nothing was changed.',
    ),
  };
}

/** "Yes, it was me": the sign-in is no longer flagged, and its device and place stay known. */
export const confirmSignIn = sessionAction({
  page: SECURITY_PAGE,
  authorise: asTrustedOwner,
  parse: ([key]: [unknown]) => parseSessionKey(key),
  load: loadOtherSession,
  act: async (current, _key, loaded) => {
    await recordAnswer(loaded.target, 'confirmed', answeredBy(current, loaded));
    return { status: 'success', message: 'Thanks. We won’t ask about that sign-in again.', signedOut: [], pending: [] };
  },
});

/**
 * "No, sign it out": ends that session as the security page's "Sign out" does, which needs a recent sign-in (a copied
 * cookie must not end its owner's sessions); then records the answer.
 */
export const disownSignIn = sessionAction({
  page: SECURITY_PAGE,
  authorise: asOwner,
  parse: parseSessionTarget,
  load: (current, { key }) => loadOtherSession(current, key),
  freshAuth: (current, { afterReauth }, { mine, target }) =>
    freshAuthRefusal(current, mine?.session.createdAt, { kind: 'revoke', key: target.view.key }, afterReauth, RETURN_PAGE),
  act: async (current, _input, loaded) => {
    const outcomes = await endSessions({ targets: [endTargetOf(loaded.target)], actor: loaded.actor, reason: 'signed_out_elsewhere' });
    if (outcomes.every(isOver)) {
      // The session is over either way: a lost answer only means its line is missing from the activity.
      await recordAnswer(loaded.target, 'disowned', answeredBy(current, loaded)).catch((error: unknown) =>
        console.error('[was-this-you] could not record the answer', error instanceof Error ? error.message : error),
      );
    }
    return resultOfOutcomes(outcomes);
  },
});
