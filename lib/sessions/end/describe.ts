import { list, plural } from '../wording';
import type { EndOutcome } from './types';

/**
 * The one place that tells people how ending sessions went (the security page, the admin page). Says only what is
 * known: "signed out" when WorkOS confirmed (or had ended it already); "signed out here" when it is locked out here
 * but WorkOS has not confirmed yet; "could not" with the reason when nothing was recorded.
 */

export interface EndSummary {
  /** Ended everywhere (WorkOS confirmed, or it was over already). */
  signedOut: string[];
  /** Locked out here; WorkOS not confirmed yet (retried until it is). */
  pending: string[];
  failed: string[];
  /** Every target ended or is at least locked out here. */
  allEnded: boolean;
  message: string;
}

const label = (outcome: EndOutcome) => outcome.target.label ?? 'a session';

/** One message for a run; `nothing` is said when there was nothing to end. */
export function describeEndOutcomes(outcomes: EndOutcome[], options: { nothing?: string } = {}): EndSummary {
  const signedOut = outcomes.filter((o) => o.status === 'ended' || o.status === 'already_ended').map(label);
  const pending = outcomes.filter((o) => o.status === 'pending_at_workos').map(label);
  const failures = outcomes.filter((o): o is Extract<EndOutcome, { status: 'failed' }> => o.status === 'failed');
  const failed = failures.map(label);
  const parts: string[] = [];
  if (signedOut.length === 1) parts.push(`Signed out ${signedOut[0]}.`);
  else if (signedOut.length > 0) parts.push(`Signed out ${plural(signedOut.length, 'session', 'sessions')}: ${list(signedOut)}.`);
  if (pending.length > 0) {
    parts.push(
      `Signed out ${list(pending)} here, but WorkOS has not confirmed it yet: ${pending.length === 1 ? 'it is' : 'they are'} refused here, and WorkOS will be asked again until it confirms.`,
    );
  }
  const stopped = failures.filter((f) => f.why === 'actor_ended').map(label);
  const notRecorded = failures.filter((f) => f.why !== 'actor_ended');
  if (notRecorded.length > 0) {
    const reasons = [...new Set(notRecorded.map((f) => f.reason))];
    parts.push(`Could not sign out ${list(notRecorded.map(label))}: ${reasons.join('; ')}. Try again.`);
  }
  if (stopped.length > 0) {
    parts.push(`Stopped before ${list(stopped)}: the session doing this was signed out meanwhile.`);
  }
  return {
    signedOut,
    pending,
    failed,
    allEnded: failed.length === 0,
    message: parts.length > 0 ? parts.join(' ') : (options.nothing ?? 'There was nothing to sign out.'),
  };
}
