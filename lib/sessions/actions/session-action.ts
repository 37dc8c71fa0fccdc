import 'server-only';
import { revalidatePath } from 'next/cache';
import { requireSession, type CurrentSession } from '@/lib/auth/session';
import { limitCaller } from '@/lib/rate-limit';
import { describeEndOutcomes } from '../end/describe';
import type { EndOutcome } from '../end/types';
import { actionError, type SessionActionResult } from './result';

/** A step's answer: go on with `ok`, or answer `stop` (and, with `revalidate`, refresh the page's list: it was stale). */
export type Step<T> = { ok: T } | { stop: SessionActionResult; revalidate?: boolean };

export interface SessionActionSpec<Args extends unknown[], Actor, Input, Loaded> {
  /** The page that shows what the action changes: revalidated after it acts. */
  page: string;
  /** Calls that are not counted against the caller's action limit (signing this device out is never refused). */
  unlimited?: (args: Args, session: CurrentSession) => boolean;
  /** Who acts, or why they may not. Nothing from the browser is known yet. */
  authorise: (session: CurrentSession) => Promise<Step<Actor>>;
  /** The arguments, as anyone may send them (zod): an action is a public endpoint. */
  parse: (args: Args) => Step<Input>;
  /** What the action is about, looked up at WorkOS (never trusted from the browser). */
  load: (actor: Actor, input: Input) => Promise<Step<Loaded>>;
  /** A refusal when the action needs a recent sign-in the caller does not have (fresh-auth.ts). */
  freshAuth?: (actor: Actor, input: Input, loaded: Loaded) => SessionActionResult | null;
  act: (actor: Actor, input: Input, loaded: Loaded) => Promise<SessionActionResult>;
}

/**
 * The one shape of a server action that manages sessions: authenticate (requireSession) → rate limit (per session,
 * then per user, before anything asks WorkOS) → authorise → parse → load → fresh-auth → act → revalidate. Each step
 * may stop the action with its answer; nothing changes before `act`.
 */
export function sessionAction<Args extends unknown[], Actor, Input, Loaded>(
  spec: SessionActionSpec<Args, Actor, Input, Loaded>,
): (...args: Args) => Promise<SessionActionResult> {
  return async (...args) => {
    const session = await requireSession();
    if (!spec.unlimited?.(args, session)) {
      const limited = await limitCaller('action', session);
      if (limited) return actionError('rate_limited', `${limited.message} Nothing was signed out.`);
    }
    const actor = await spec.authorise(session);
    if (!('ok' in actor)) return stopped(spec.page, actor);
    const input = spec.parse(args);
    if (!('ok' in input)) return stopped(spec.page, input);
    const loaded = await spec.load(actor.ok, input.ok);
    if (!('ok' in loaded)) return stopped(spec.page, loaded);
    const refused = spec.freshAuth?.(actor.ok, input.ok, loaded.ok);
    if (refused) return refused;
    const result = await spec.act(actor.ok, input.ok, loaded.ok);
    revalidatePath(spec.page);
    return result;
  };
}

function stopped(page: string, step: { stop: SessionActionResult; revalidate?: boolean }): SessionActionResult {
  if (step.revalidate) revalidatePath(page);
  return step.stop;
}

/**
 * The answer to a run of lib/sessions/end, in its one wording (describe.ts). `nothing` is said when there was
 * nothing to end, `note` is added to the message, and `confirmed` replaces it when WorkOS confirmed every session.
 * IMPORTANT: never reports as confirmed what WorkOS did not confirm.
 */
export function resultOfOutcomes(
  outcomes: EndOutcome[],
  { nothing, note, confirmed }: { nothing?: string; note?: string; confirmed?: string } = {},
): SessionActionResult {
  const summary = describeEndOutcomes(outcomes, nothing === undefined ? {} : { nothing });
  const said = confirmed && summary.allEnded && summary.pending.length === 0 ? confirmed : summary.message;
  const message = note ? `${said} ${note}` : said;
  if (summary.allEnded) return { status: 'success', message, signedOut: summary.signedOut, pending: summary.pending };
  if (summary.signedOut.length === 0 && summary.pending.length === 0) {
    return { status: 'error', code: 'revoke_failed', message, failed: summary.failed };
  }
  return { status: 'partial', message, signedOut: summary.signedOut, pending: summary.pending, failed: summary.failed };
}
