import type { DatabaseSync } from 'node:sqlite';
import type { SignInInput } from '@/lib/audit';
import type { AuditInput } from '@/lib/audit/types';
import type { RevocationInput, RevocationReason, RevocationRecord, RevocationSource } from '@/lib/revocation/types';
import { hashSessionId } from '@/lib/security/hash';
import type { AppSession, WorkosEvent } from '@/lib/workos/types';
import { WorkosError } from '@/lib/workos/types';

/**
 * What the app does with a WorkOS event, whichever way it arrived (signed webhook or Events API). Both paths share
 * the `processed_events` table, so an event delivered twice — or by both paths — is acted on once.
 *
 * IMPORTANT invariants:
 * - Events are only ever ADDITIVE for revocation: nothing here clears or shortens a revocation, so a late or
 *   out-of-order event (a `session.created` arriving after its `session.revoked`) cannot resurrect a session.
 * - The event id is claimed before acting and the claim is released when acting fails, so a retry (WorkOS re-delivers
 *   a webhook answered 5xx; the poller does not advance its cursor) processes it again: a revocation is never lost.
 */

export type EventChannel = 'webhook' | 'events';

/** Events the app acts on; the Events API poller asks for exactly these. */
export const HANDLED_EVENTS = [
  'session.created',
  'session.revoked',
  'user.deleted',
  'password_reset.succeeded',
  'organization_membership.deleted',
  'organization_membership.updated',
] as const;

export type ProcessOutcome =
  /** Acted on (or deliberately nothing to do for a handled type). */
  | { status: 'processed'; type: string }
  /** Already processed (or being processed) by this or the other channel. */
  | { status: 'duplicate'; type: string }
  /** A type the app does not handle: acknowledged, not recorded. */
  | { status: 'ignored'; type: string };

/** Everything processing touches, injected so tests run against fakes and a throwaway database. */
export interface ProcessDeps {
  db: DatabaseSync;
  registry: {
    /** The registry's mirror must be loaded before `check` answers. */
    ready(): Promise<void>;
    revoke(input: RevocationInput): Promise<RevocationRecord>;
    revokeUser(userId: string, reason: RevocationReason, source: RevocationSource): Promise<void>;
    check(sessionId: string, userId?: string): RevocationRecord | null;
  };
  workos: {
    listActiveSessions(userId: string): Promise<AppSession[]>;
    revokeWorkosSession(sessionId: string): Promise<void>;
  };
  audit: {
    record(entry: AuditInput): Promise<unknown> | void;
    /** Once per session (the callback reports it too); flagged by lib/audit when the device or IP is new. */
    recordSignIn(entry: SignInInput): Promise<unknown> | void;
  };
  describeDevice(userAgent: string | null): string;
  revokeSessionsOnPasswordChange: boolean;
  now?: () => number;
  log?: (message: string, detail?: Record<string, unknown>) => void;
}

// Claims in flight in this process: a concurrent duplicate waits for the first attempt's outcome instead of
// acknowledging an event that may still fail (and be released for a retry).
const inflightKey = Symbol.for('soe.events.inflight');
type InflightHolder = { [inflightKey]?: Map<string, Promise<ProcessOutcome>> };
function inflight(): Map<string, Promise<ProcessOutcome>> {
  const holder = globalThis as InflightHolder;
  return (holder[inflightKey] ??= new Map());
}

export function isHandledEvent(type: string): boolean {
  return (HANDLED_EVENTS as readonly string[]).includes(type);
}

/**
 * How long a claim is held before another process may take it over. A claim is written as
 * `source = 'pending:<claim token>'` with `processed_at` = when it was claimed, and becomes the channel once acting
 * succeeded. A pending claim OLDER than this is taken over (its process crashed mid-way), so a crash never swallows
 * an event; a younger one is still being worked on and is left alone (its own channel retries it if it fails).
 * Acting takes seconds at most (a few WorkOS calls); one that outlives the lease may be repeated by the taker, which
 * is harmless because acting is additive and idempotent.
 */
export const CLAIM_LEASE_MS = 60_000;

function claimToken(): string {
  return `pending:${process.pid}:${crypto.randomUUID()}`;
}

/** The token of the new claim, or null when someone else holds the event (or has processed it). */
function claim(db: DatabaseSync, event: WorkosEvent, now: number): string | null {
  const mine = claimToken();
  const inserted = db
    .prepare('INSERT OR IGNORE INTO processed_events (event_id, event_type, source, processed_at) VALUES (?, ?, ?, ?)')
    .run(event.id, event.event, mine, now);
  if (Number(inserted.changes) === 1) return mine;
  // Only an abandoned claim (pending past its lease) is taken over; the conditions are re-checked by the UPDATE so
  // two processes cannot both take it.
  const taken = db
    .prepare(
      `UPDATE processed_events SET source = ?, processed_at = ?
       WHERE event_id = ? AND source LIKE 'pending:%' AND processed_at <= ?`,
    )
    .run(mine, now, event.id, now - CLAIM_LEASE_MS);
  return Number(taken.changes) === 1 ? mine : null;
}

/** Marks the event processed, if this claim still holds it; false when it was taken over meanwhile. */
function complete(db: DatabaseSync, eventId: string, token: string, channel: EventChannel, now: number): boolean {
  const done = db
    .prepare('UPDATE processed_events SET source = ?, processed_at = ? WHERE event_id = ? AND source = ?')
    .run(channel, now, eventId, token);
  return Number(done.changes) === 1;
}

/** Gives the event up for a retry, if this claim still holds it (never deletes another process's claim). */
function release(db: DatabaseSync, eventId: string, token: string): void {
  db.prepare('DELETE FROM processed_events WHERE event_id = ? AND source = ?').run(eventId, token);
}

/** Whether an event id has been processed to the end (for tests and diagnostics). */
export function isProcessed(db: DatabaseSync, eventId: string): boolean {
  return (
    db.prepare("SELECT 1 FROM processed_events WHERE event_id = ? AND source NOT LIKE 'pending:%'").get(eventId) !==
    undefined
  );
}

/**
 * Acts on one event at most once. Resolves with what happened; rejects (after releasing the claim) when acting
 * failed, so the caller must let the event be retried.
 */
export async function processEvent(event: WorkosEvent, channel: EventChannel, deps: ProcessDeps): Promise<ProcessOutcome> {
  if (!isHandledEvent(event.event)) return { status: 'ignored', type: event.event };

  const running = inflight().get(event.id);
  if (running) {
    // Surfaces the first attempt's failure too: the duplicate must not be acknowledged if the original failed.
    await running;
    return { status: 'duplicate', type: event.event };
  }

  const now = deps.now ?? Date.now;
  const token = claim(deps.db, event, now());
  if (!token) return { status: 'duplicate', type: event.event };

  const attempt = (async (): Promise<ProcessOutcome> => {
    try {
      await act(event, channel, deps);
      if (!complete(deps.db, event.id, token, channel, now())) {
        deps.log?.('event claim was taken over while acting on it; the new holder finishes it', {
          eventId: event.id,
          type: event.event,
        });
      }
      return { status: 'processed', type: event.event };
    } catch (error) {
      release(deps.db, event.id, token);
      throw error;
    }
  })();
  inflight().set(event.id, attempt);
  try {
    return await attempt;
  } finally {
    inflight().delete(event.id);
  }
}

async function act(event: WorkosEvent, channel: EventChannel, deps: ProcessDeps): Promise<void> {
  await deps.registry.ready();
  switch (event.event) {
    case 'session.revoked':
      return onSessionRevoked(event, channel, deps);
    case 'session.created':
      return onSessionCreated(event, channel, deps);
    case 'user.deleted':
      return onUserDeleted(event, channel, deps);
    case 'password_reset.succeeded':
      return onPasswordChanged(event, deps);
    case 'organization_membership.deleted':
      return onMembershipEnded(event, channel, deps);
    case 'organization_membership.updated':
      if (stringField(event.data, 'status') === 'inactive') return onMembershipEnded(event, channel, deps);
      return;
  }
}

function requireSession(event: WorkosEvent): AppSession {
  if (!event.session) throw new MalformedEventError(event, 'carries no session');
  return event.session;
}

function requireUserId(event: WorkosEvent): string {
  if (!event.userId) throw new MalformedEventError(event, 'names no user');
  return event.userId;
}

function stringField(data: Record<string, unknown>, key: string): string | null {
  const value = data[key];
  return typeof value === 'string' && value !== '' ? value : null;
}

/** An event this app cannot act on because WorkOS sent it without the fields its type promises. */
export class MalformedEventError extends Error {
  constructor(event: WorkosEvent, problem: string) {
    super(`${event.event} ${event.id} ${problem}`);
    this.name = 'MalformedEventError';
  }
}

function revokedEntry(
  session: AppSession,
  deps: ProcessDeps,
  actor: AuditInput['actor'],
  reason: RevocationReason,
  details: Record<string, unknown>,
): AuditInput {
  return {
    userId: session.userId,
    kind: 'session_revoked',
    actor,
    target: { sessionHash: hashSessionId(session.id), label: deps.describeDevice(session.userAgent) },
    reason,
    ipAddress: session.ipAddress,
    details,
  };
}

async function onSessionRevoked(event: WorkosEvent, channel: EventChannel, deps: ProcessDeps): Promise<void> {
  const session = requireSession(event);
  // The app revoked it itself (security page, admin, policy) and WorkOS is now confirming: already locked out and
  // already in the activity log under its real cause.
  if (deps.registry.check(session.id, session.userId)) return;
  await deps.registry.revoke({
    sessionId: session.id,
    userId: session.userId,
    reason: 'revoked_at_workos',
    source: channel,
    actor: { type: 'workos' },
  });
  await deps.audit.record(revokedEntry(session, deps, { type: 'workos', label: 'WorkOS' }, 'revoked_at_workos', {
    eventId: event.id,
    channel,
  }));
}

async function onSessionCreated(event: WorkosEvent, channel: EventChannel, deps: ProcessDeps): Promise<void> {
  const session = requireSession(event);
  // History only: a sign-in is recorded even when it arrives after the session's revocation, and nothing here
  // touches the registry.
  await deps.audit.recordSignIn({
    userId: session.userId,
    sessionId: session.id,
    ipAddress: session.ipAddress,
    userAgent: session.userAgent,
    authMethod: session.authMethod,
    impersonator: session.impersonator,
    source: channel,
    at: session.createdAt,
  });
}

async function onUserDeleted(event: WorkosEvent, channel: EventChannel, deps: ProcessDeps): Promise<void> {
  const userId = requireUserId(event);
  await deps.registry.revokeUser(userId, 'user_deleted', channel);
  await deps.audit.record({
    userId,
    kind: 'user_locked',
    actor: { type: 'workos', label: 'WorkOS' },
    reason: 'user_deleted',
    details: { eventId: event.id, channel },
  });
}

/**
 * Ends sessions at WorkOS first (a not-found session is already over there), then locks them out here. Returns the
 * sessions this call newly locked out, so a retry that only finishes WorkOS's side does not log them twice.
 */
async function endSessions(
  sessions: AppSession[],
  deps: ProcessDeps,
  local: Omit<RevocationInput, 'sessionId' | 'userId'>,
): Promise<{ newlyLocked: AppSession[]; failures: unknown[] }> {
  const failures: unknown[] = [];
  const newlyLocked: AppSession[] = [];
  for (const session of sessions) {
    try {
      await deps.workos.revokeWorkosSession(session.id);
    } catch (error) {
      if (!(error instanceof WorkosError && error.kind === 'not_found')) failures.push(error);
    }
    // Locking out here is right even when WorkOS could not be reached; the event is then retried for WorkOS's side.
    if (deps.registry.check(session.id, session.userId)) continue;
    await deps.registry.revoke({ ...local, sessionId: session.id, userId: session.userId });
    newlyLocked.push(session);
  }
  return { newlyLocked, failures };
}

function failIfAny(failures: unknown[], what: string): void {
  if (failures.length > 0) {
    throw new AggregateError(failures, `${what}: ${failures.length} session(s) could not be ended at WorkOS`);
  }
}

async function onPasswordChanged(event: WorkosEvent, deps: ProcessDeps): Promise<void> {
  const userId = requireUserId(event);
  if (!deps.revokeSessionsOnPasswordChange) {
    await deps.audit.record({
      userId,
      kind: 'password_changed',
      actor: { type: 'system', label: null },
      reason: 'password_changed',
      details: { eventId: event.id, sessionsSignedOut: 0, policy: 'off' },
    });
    return;
  }
  // Only sessions that existed when the password changed: one the user signs in with afterwards stays.
  const changedAt = event.createdAt.getTime();
  const sessions = (await deps.workos.listActiveSessions(userId)).filter((s) => s.createdAt.getTime() <= changedAt);
  const { newlyLocked, failures } = await endSessions(sessions, deps, {
    reason: 'password_changed',
    source: 'policy',
    actor: { type: 'system' },
  });
  for (const session of newlyLocked) {
    await deps.audit.record(revokedEntry(session, deps, { type: 'system', label: null }, 'password_changed', {
      eventId: event.id,
    }));
  }
  // A retry that only finishes WorkOS's side has nothing new to tell the user.
  if (newlyLocked.length > 0 || sessions.length === 0) {
    await deps.audit.record({
      userId,
      kind: 'password_changed',
      actor: { type: 'system', label: null },
      reason: 'password_changed',
      details: { eventId: event.id, sessionsSignedOut: newlyLocked.length, policy: 'on' },
    });
  }
  failIfAny(failures, 'password policy');
}

async function onMembershipEnded(event: WorkosEvent, channel: EventChannel, deps: ProcessDeps): Promise<void> {
  const userId = requireUserId(event);
  const organizationId = stringField(event.data, 'organizationId');
  if (!organizationId) throw new MalformedEventError(event, 'names no organization');
  // Only sessions signed in to that organization; the user may still belong to others.
  const sessions = (await deps.workos.listActiveSessions(userId)).filter((s) => s.organizationId === organizationId);
  const note = 'Organization membership ended';
  const { newlyLocked, failures } = await endSessions(sessions, deps, {
    reason: 'revoked_at_workos',
    source: channel,
    actor: { type: 'workos' },
    note,
  });
  for (const session of newlyLocked) {
    await deps.audit.record(revokedEntry(session, deps, { type: 'workos', label: 'WorkOS' }, 'revoked_at_workos', {
      eventId: event.id,
      channel,
      note,
      organizationId,
    }));
  }
  failIfAny(failures, 'membership ended');
}
