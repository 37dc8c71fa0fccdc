import 'server-only';
import { z } from 'zod';
import type { CurrentSession } from '@/lib/auth/session';
import { WorkosError } from '@/lib/workos/client';
import { actorOfSession, type EndActor, type EndOutcome } from '../end';
import { getOwnedSessions, type SessionEntry } from '../overview';
import { isAfterReauth } from './fresh-auth';
import { actionError } from './result';
import type { Step } from './session-action';

/**
 * What an action about one of the caller's own sessions starts with. Ownership: a session is the caller's only if
 * WorkOS lists it among the caller's sessions NOW (an id from the browser is never trusted).
 */

// Pages send the hashed id (`SessionView.key`); a raw WorkOS id is accepted as well. Both are only looked up among
// the caller's own sessions.
const sessionKeySchema = z
  .string({ message: 'A session id is required.' })
  .trim()
  .min(1, { message: 'A session id is required.' })
  .max(128, { message: 'That is not a session id.' })
  .regex(/^[A-Za-z0-9_-]+$/, { message: 'That is not a session id.' });

export function parseSessionKey(value: unknown): Step<string> {
  const parsed = sessionKeySchema.safeParse(value);
  if (!parsed.success) return { stop: actionError('invalid_input', parsed.error.issues[0]?.message ?? 'Invalid input.') };
  return { ok: parsed.data };
}

/** A session named by the page, and whether this call confirms after re-authentication (fresh-auth.ts). */
export function parseSessionTarget([key, options]: [unknown, unknown?]): Step<{ key: string; afterReauth: boolean }> {
  const parsed = parseSessionKey(key);
  return 'ok' in parsed ? { ok: { key: parsed.ok, afterReauth: isAfterReauth(options) } } : parsed;
}

/** The caller's sessions as WorkOS lists them now, and who is acting: the user, or support impersonating them. */
export interface Owned {
  owned: SessionEntry[];
  mine: SessionEntry | undefined;
  actor: EndActor;
}

export async function loadOwned(current: CurrentSession): Promise<Step<Owned>> {
  try {
    const owned = await getOwnedSessions(current);
    const mine = owned.find((e) => e.session.id === current.sessionId);
    return { ok: { owned, mine, actor: actorOfSession(current, mine?.view.label ?? null) } };
  } catch (error) {
    console.error('[security] listing sessions failed', describeError(error));
    return {
      stop: actionError('unavailable', 'We could not reach WorkOS to check your sessions, so nothing was signed out. Please try again.'),
    };
  }
}

function describeError(error: unknown): string {
  if (error instanceof WorkosError) return `${error.kind}${error.status ? ` (${error.status})` : ''}: ${error.message}`;
  return error instanceof Error ? error.message : String(error);
}

/** The caller's session named by `key`, among those WorkOS lists now. */
export async function loadOwnedTarget(current: CurrentSession, key: string): Promise<Step<Owned & { target: SessionEntry }>> {
  const owned = await loadOwned(current);
  if (!('ok' in owned)) return owned;
  const target = owned.ok.owned.find((e) => e.view.key === key || e.session.id === key);
  // Another user's session gets exactly the same answer as one that does not exist.
  if (!target) {
    return {
      stop: actionError('not_found', 'That session is not active on your account any more. The list has been refreshed.'),
      revalidate: true,
    };
  }
  return { ok: { ...owned.ok, target } };
}

/** Locked out here, at least: the session is over for its browser, confirmed by WorkOS or not yet. */
export const isOver = (outcome: EndOutcome | undefined) => outcome !== undefined && outcome.status !== 'failed';
