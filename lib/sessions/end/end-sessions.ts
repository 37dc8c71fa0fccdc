import type { AuditInput } from '@/lib/audit/types';
import type { RevocationRegistry } from '@/lib/revocation/registry';
import type { RevocationInput, RevocationSource } from '@/lib/revocation/types';
import { hashSessionId } from '@/lib/security/hash';
import { WorkosError } from '@/lib/workos/types';
import type { NewOutboxEntry, WorkosOutbox } from './outbox';
import type { EndActor, EndOutcome, EndRequest, EndTarget, EndUserRequest } from './types';

/**
 * The one way to end sessions. For each target, a few at a time:
 *   1. the acting session (a person's) must still be live — a bulk run stops when it is revoked itself;
 *   2. WorkOS first: revoke the session there (skipped when WorkOS ended it and told us);
 *   3. then here: the registry (every instance refuses it at once, every open device is told) and the activity.
 * When WorkOS fails or does not answer in time, the session is STILL locked out here — the person asked for it to
 * end, and refusing it here is what protects them now — and its WorkOS side goes to the outbox, retried until
 * WorkOS confirms. Its registry entry is held at least until WorkOS's own session would expire, so retention can
 * never let an unconfirmed revocation lapse. Never throws: every target gets an outcome.
 */

export interface EndSessionsDeps {
  registry: Pick<RevocationRegistry, 'ready' | 'check' | 'revoke' | 'revokeUser'>;
  /** Throws a WorkosError; kind `not_found` when WorkOS no longer knows the session. */
  revokeAtWorkos(sessionId: string): Promise<void>;
  outbox: Pick<WorkosOutbox, 'add' | 'has' | 'remove'>;
  /** The session id sealed for the outbox (never stored raw). */
  sealSessionId(sessionId: string): Promise<string>;
  /** Writes one line of the user's security activity (the outbox marks it once WorkOS confirms). */
  audit(entry: AuditInput): Promise<unknown>;
  /** WorkOS confirmed the end of a session whose activity line may say "not confirmed yet": mark it. */
  markConfirmed?(sessionHash: string): Promise<void>;
  /** Wakes the outbox worker after something was queued. */
  kickOutbox?(): void;
  /** How long to hold an unconfirmed revocation when WorkOS's `expires_at` is unknown (ms). */
  holdWithoutExpiryMs: number;
  concurrency?: number;
  now?: () => number;
  log?: (level: 'warn' | 'error', message: string) => void;
}

const DEFAULT_CONCURRENCY = 4;

/** The registry's actor and source, and the audit line's actor, for each kind of initiator. */
function actorRecord(actor: EndActor): {
  registry: RevocationInput['actor'];
  source: RevocationSource;
  audit: AuditInput['actor'];
} {
  switch (actor.kind) {
    case 'user':
      return {
        registry: { type: 'user', id: actor.userId, sessionId: actor.sessionId },
        source: 'action',
        audit: { type: 'user', id: actor.userId, sessionId: actor.sessionId, label: actor.label },
      };
    case 'administrator':
      return {
        registry: { type: 'admin', id: actor.userId, sessionId: actor.sessionId },
        source: 'admin',
        audit: { type: 'admin', id: actor.userId, sessionId: actor.sessionId, label: actor.name },
      };
    case 'impersonator':
      return {
        registry: { type: 'impersonator', id: null, sessionId: actor.sessionId },
        source: 'action',
        audit: { type: 'impersonator', id: null, sessionId: actor.sessionId, label: actor.email },
      };
    case 'workos':
      return {
        registry: { type: 'workos' },
        source: actor.channel,
        audit: { type: 'workos', label: 'WorkOS' },
      };
    case 'policy':
      return { registry: { type: 'policy' }, source: 'policy', audit: { type: 'policy', label: null } };
  }
}

/** The session acting, for initiators that are a person in a session: re-checked before each target. */
function actingSession(actor: EndActor): { sessionId: string; userId: string } | null {
  if (actor.kind === 'user' || actor.kind === 'administrator') return { sessionId: actor.sessionId, userId: actor.userId };
  if (actor.kind === 'impersonator') return { sessionId: actor.sessionId, userId: actor.userId };
  return null;
}

function problemOf(error: unknown): 'timeout' | 'unavailable' {
  return error instanceof WorkosError && error.kind === 'timeout' ? 'timeout' : 'unavailable';
}

function describeError(error: unknown): string {
  if (error instanceof WorkosError) return `${error.kind}${error.status ? ` (${error.status})` : ''}`;
  return error instanceof Error ? error.message : String(error);
}

export function createSessionEnder(deps: EndSessionsDeps) {
  const now = deps.now ?? Date.now;
  const log = deps.log ?? ((level, message) => console[level](`[end-sessions] ${message}`));
  const concurrency = Math.max(1, deps.concurrency ?? DEFAULT_CONCURRENCY);

  async function endOne(target: EndTarget, request: EndRequest): Promise<EndOutcome> {
    const acting = actingSession(request.actor);
    const isSelf = acting?.sessionId === target.sessionId;
    if (acting && !isSelf && deps.registry.check(acting.sessionId, acting.userId)) {
      return {
        target,
        status: 'failed',
        why: 'actor_ended',
        reason: 'the session doing this was signed out meanwhile, so it stopped',
      };
    }
    const roles = actorRecord(request.actor);
    const sessionHash = hashSessionId(target.sessionId);
    const lockedHere = deps.registry.check(target.sessionId, target.userId) !== null;

    // WorkOS first, even for a session already locked out here: asking again is harmless, and it is the only way to
    // be sure its WorkOS side is not still owed (an outbox entry can be lost with the store that held it).
    let workos: 'confirmed' | 'not_found' | 'pending' | 'told_us' = 'told_us';
    let problem: 'timeout' | 'unavailable' = 'unavailable';
    let failure: unknown = null;
    if (!request.endedAtWorkos) {
      try {
        await deps.revokeAtWorkos(target.sessionId);
        workos = 'confirmed';
      } catch (error) {
        if (error instanceof WorkosError && error.kind === 'not_found') workos = 'not_found';
        else {
          workos = 'pending';
          problem = problemOf(error);
          failure = error;
        }
      }
    }
    if (lockedHere) {
      // WorkOS ended it (we asked, or it told us): nothing is owed any more.
      if (workos !== 'pending') {
        await deps.outbox.remove(sessionHash).catch(() => {});
        await deps.markConfirmed?.(sessionHash).catch(() => {});
      }
      if (workos !== 'pending') return { target, status: 'already_ended' };
      try {
        // Queued again if the outbox lost it (an entry still queued keeps its place).
        await deps.outbox.add({
          sessionHash,
          sealedSessionId: await deps.sealSessionId(target.sessionId),
          userId: target.userId,
          reason: request.reason,
          lastError: describeError(failure),
        });
        deps.kickOutbox?.();
      } catch (error) {
        log('error', `could not queue session ${sessionHash} for WorkOS again: ${describeError(error)}`);
      }
      return { target, status: 'pending_at_workos', problem };
    }

    const holdUntil =
      workos === 'pending' ? Math.max(target.expiresAt?.getTime() ?? 0, now() + deps.holdWithoutExpiryMs) : null;
    try {
      if (workos === 'pending') {
        // Durable before the lockout is reported: nothing owed to WorkOS may exist only in memory.
        await deps.outbox.add({
          sessionHash,
          sealedSessionId: await deps.sealSessionId(target.sessionId),
          userId: target.userId,
          reason: request.reason,
          lastError: describeError(failure),
        } satisfies NewOutboxEntry);
      }
      await deps.registry.revoke({
        sessionId: target.sessionId,
        userId: target.userId,
        reason: request.reason,
        source: roles.source,
        actor: roles.registry,
        note: request.note ?? null,
        holdUntil,
      });
    } catch (error) {
      log('error', `could not record the end of session ${sessionHash}: ${describeError(error)}`);
      if (workos !== 'pending') {
        return { target, status: 'failed', why: 'not_recorded', reason: 'it could not be recorded here' };
      }
      return { target, status: 'failed', why: 'not_recorded', reason: 'WorkOS did not confirm it and it could not be recorded here' };
    }
    if (workos === 'pending') {
      log('warn', `WorkOS did not confirm the end of session ${sessionHash} (${describeError(failure)}); queued for retry`);
      deps.kickOutbox?.();
    }

    try {
      await deps.audit({
        userId: target.userId,
        organizationId: target.organizationId,
        kind: 'session_revoked',
        actor: roles.audit,
        target: { sessionId: target.sessionId, label: target.label },
        reason: request.reason,
        ipAddress: target.ipAddress,
        flagged: workos === 'pending',
        details: {
          ...request.details,
          source: roles.source,
          workos: workos === 'pending' ? 'pending' : 'confirmed',
          ...(request.note ? { note: request.note } : {}),
        },
      });
    } catch (error) {
      // The session is ended (or owed to WorkOS through the outbox); a lost history line must not undo that.
      log('error', `could not write the activity line for session ${sessionHash}: ${describeError(error)}`);
    }
    // The outbox worker may have confirmed it before the line above existed to be marked.
    if (workos === 'pending' && !(await deps.outbox.has(sessionHash).catch(() => true))) {
      await deps.markConfirmed?.(sessionHash).catch(() => {});
    }
    if (workos === 'pending') return { target, status: 'pending_at_workos', problem };
    return { target, status: workos === 'not_found' ? 'already_ended' : 'ended' };
  }

  /** One outcome per target, in the order given. */
  async function endSessions(request: EndRequest): Promise<EndOutcome[]> {
    await deps.registry.ready();
    const outcomes: EndOutcome[] = new Array(request.targets.length);
    let next = 0;
    const worker = async () => {
      for (let i = next++; i < request.targets.length; i = next++) {
        const target = request.targets[i]!;
        try {
          outcomes[i] = await endOne(target, request);
        } catch (error) {
          log('error', `ending session ${hashSessionId(target.sessionId)} failed: ${describeError(error)}`);
          outcomes[i] = { target, status: 'failed', why: 'not_recorded', reason: 'it could not be recorded here' };
        }
      }
    };
    await Promise.all(Array.from({ length: Math.min(concurrency, request.targets.length) }, worker));
    return outcomes;
  }

  /**
   * Locks out every session of a user for the retention period (WorkOS deleted or disabled the account: its
   * sessions are over there already), and says so in the user's activity. Throws when it could not be recorded.
   */
  async function endUser(request: EndUserRequest): Promise<void> {
    const roles = actorRecord(request.actor);
    await deps.registry.revokeUser(request.userId, request.reason, roles.source);
    await deps.audit({
      userId: request.userId,
      // The account itself ended, in every organization at once: no one organization's administrator is told.
      organizationId: null,
      kind: 'user_locked',
      actor: roles.audit,
      reason: request.reason,
      details: { ...request.details, source: roles.source },
    });
  }

  return { endSessions, endUser };
}
