import 'server-only';
import { recordAudit } from '@/lib/audit';
import { getRevocationRegistry } from '@/lib/revocation';
import type { RevocationReason } from '@/lib/revocation/types';
import { revokeWorkosSession, WorkosError } from '@/lib/workos/client';
import type { SessionEntry } from './view';

/** Per-call limit for one revocation at WorkOS: a hung call must not hang the whole action. */
export const REVOKE_TIMEOUT_MS = 8_000;
const CONCURRENCY = 4;

export interface RevokeActor {
  userId: string;
  /** Raw id of the session doing it (hashed before it is stored). */
  sessionId: string;
  /** Its device label, for the audit entry. */
  label: string | null;
}

export interface RevokeFailure {
  entry: SessionEntry;
  error: unknown;
}

export interface RevokeOutcome {
  revoked: SessionEntry[];
  failed: RevokeFailure[];
}

/**
 * Ends one of the caller's sessions. IMPORTANT: order matters. WorkOS first; only when WorkOS confirms (or no
 * longer knows the session) is it recorded locally (registry: immediate lockout everywhere; audit). A WorkOS
 * failure records nothing and throws.
 */
export async function revokeOwnedSession(entry: SessionEntry, actor: RevokeActor, reason: RevocationReason): Promise<void> {
  await revokeSessionById(
    { sessionId: entry.session.id, label: entry.view.label, ipAddress: entry.session.ipAddress },
    actor,
    reason,
  );
}

/** As revokeOwnedSession, for a session known only by id. The caller has checked it is the actor's. */
export async function revokeSessionById(
  target: { sessionId: string; label: string | null; ipAddress: string | null },
  actor: RevokeActor,
  reason: RevocationReason,
): Promise<void> {
  try {
    await revokeWorkosSession(target.sessionId, { timeoutMs: REVOKE_TIMEOUT_MS });
  } catch (error) {
    // Already gone at WorkOS (ended between listing and now): the outcome the user asked for.
    if (!(error instanceof WorkosError && error.kind === 'not_found')) throw error;
  }
  await getRevocationRegistry().revoke({
    sessionId: target.sessionId,
    userId: actor.userId,
    reason,
    source: 'action',
    actor: { type: 'user', id: actor.userId, sessionId: actor.sessionId },
  });
  try {
    await recordAudit({
      userId: actor.userId,
      kind: 'session_revoked',
      actor: { type: 'user', id: actor.userId, sessionId: actor.sessionId, label: actor.label },
      target: { sessionId: target.sessionId, label: target.label },
      reason,
      ipAddress: target.ipAddress,
      details: { source: 'action' },
    });
  } catch (error) {
    // The session is ended at WorkOS and locked out here; a lost history line must not turn that into a failure.
    console.error('[sessions] could not write the audit entry', error instanceof Error ? error.message : error);
  }
}

/** Ends several sessions, a few at a time; keeps going past failures and reports exactly which ones failed. */
export async function revokeOwnedSessions(
  entries: SessionEntry[],
  actor: RevokeActor,
  reason: RevocationReason,
): Promise<RevokeOutcome> {
  const outcome: RevokeOutcome = { revoked: [], failed: [] };
  const queue = [...entries];
  const worker = async () => {
    for (let entry = queue.shift(); entry; entry = queue.shift()) {
      try {
        await revokeOwnedSession(entry, actor, reason);
        outcome.revoked.push(entry);
      } catch (error) {
        outcome.failed.push({ entry, error });
      }
    }
  };
  await Promise.all(Array.from({ length: Math.min(CONCURRENCY, entries.length) }, worker));
  // Report in the order the page lists them.
  const order = new Map(entries.map((e, i) => [e, i]));
  outcome.revoked.sort((a, b) => (order.get(a) ?? 0) - (order.get(b) ?? 0));
  outcome.failed.sort((a, b) => (order.get(a.entry) ?? 0) - (order.get(b.entry) ?? 0));
  return outcome;
}
