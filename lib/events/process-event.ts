import type { DatabaseSync } from 'node:sqlite';
import type { SignInInput } from '@/lib/audit';
import type { SecretBox } from '@/lib/security/aead';
import type { AuditInput } from '@/lib/audit/types';
import type { EndOutcome, EndRequest, EndTarget, EndUserRequest } from '@/lib/sessions/end/types';
import { RegistryNotReadyError } from '@/lib/revocation/registry';
import { WorkosError, type AppSession, type WorkosEvent } from '@/lib/workos/types';
import { claimEvent, completeEvent, failEvent, MAX_ATTEMPTS, parkEvent, type EventChannel } from './ledger';

export type { EventChannel } from './ledger';

/**
 * What the app does with a WorkOS event, whichever way it arrived (signed webhook or Events API). Both share the
 * event ledger (ledger.ts), so an event delivered twice — or by both channels — is acted on once.
 *
 * IMPORTANT invariants:
 * - Events are only ever ADDITIVE for revocation: nothing here clears or shortens a revocation, so a late or
 *   out-of-order event (a `session.created` arriving after its `session.revoked`) cannot resurrect a session.
 * - Ending sessions goes through lib/sessions/end: WorkOS first, and what WorkOS does not confirm is locked out here
 *   and owed to WorkOS through the outbox — so an event is done once its sessions are locked out, not held up
 *   until WorkOS answers.
 * - An event that cannot succeed never holds later ones up: malformed ones are parked at once, failing ones are
 *   retried with backoff and parked after MAX_ATTEMPTS, with the reason; both stay replayable.
 */

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
  /** Already processed or parked, by this or the other channel. */
  | { status: 'duplicate'; type: string }
  /** A type the app does not handle: acknowledged, not recorded. */
  | { status: 'ignored'; type: string }
  /** Set aside for operators (malformed, or failed too often): acknowledged, never holds later events up. */
  | { status: 'parked'; type: string; reason: string }
  /** Not done: another worker holds it, or acting failed and it is retried after `retryAfterMs`. */
  | { status: 'pending'; type: string; retryAfterMs: number; reason: 'in_progress' | 'failed' };

/** Everything processing touches, injected so tests run against fakes and a throwaway database. */
export interface ProcessDeps {
  db: DatabaseSync;
  sessions: {
    end(request: EndRequest): Promise<EndOutcome[]>;
    endUser(request: EndUserRequest): Promise<void>;
  };
  workos: { listActiveSessions(userId: string): Promise<AppSession[]> };
  audit: {
    record(entry: AuditInput): unknown;
    /** Once per session (the callback reports it too); flagged by lib/audit when the device or IP is new. */
    recordSignIn(entry: SignInInput): Promise<unknown> | void;
  };
  describeDevice(userAgent: string | null): string;
  revokeSessionsOnPasswordChange: boolean;
  /** Seals what the ledger keeps of an event (it names sessions, addresses and devices). */
  box: SecretBox;
  maxAttempts?: number;
  now?: () => number;
  log?: (message: string, detail?: Record<string, unknown>) => void;
}

/** The event as it came, kept (sealed) with the ledger entry so it can be replayed. */
export function payloadOf(event: WorkosEvent): string {
  return JSON.stringify({ id: event.id, event: event.event, createdAt: event.createdAt.toISOString(), data: event.data });
}

// Claims in flight in this process: a concurrent duplicate waits for the first attempt's outcome instead of
// answering before it is known.
const inflightKey = Symbol.for('soe.events.inflight');
type InflightHolder = { [inflightKey]?: Map<string, Promise<ProcessOutcome>> };
function inflight(): Map<string, Promise<ProcessOutcome>> {
  const holder = globalThis as InflightHolder;
  return (holder[inflightKey] ??= new Map());
}

export function isHandledEvent(type: string): boolean {
  return (HANDLED_EVENTS as readonly string[]).includes(type);
}

/** An event this app cannot act on because WorkOS sent it without the fields its type promises. */
export class MalformedEventError extends Error {
  constructor(event: { id: string; event: string }, problem: string) {
    super(`${event.event} ${event.id} ${problem}`);
    this.name = 'MalformedEventError';
  }
}

/** Acting could not be completed here (the registry or its store refused the write): retried like an outage. */
export class NotRecordedError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'NotRecordedError';
  }
}

/**
 * A failure that says nothing about the event itself: an outage of WorkOS (or of our access to it: a key being
 * rotated) or of this instance's stores. WorkOS refusing the request itself (invalid, not found) is not one.
 */
function isTransient(error: unknown): boolean {
  if (error instanceof WorkosError) return ['timeout', 'unavailable', 'unauthorized'].includes(error.kind);
  return error instanceof RegistryNotReadyError || error instanceof NotRecordedError;
}

/** The user's active sessions at WorkOS; none when WorkOS no longer knows the user (deleted meanwhile). */
async function activeSessionsOf(deps: ProcessDeps, userId: string): Promise<AppSession[]> {
  try {
    return await deps.workos.listActiveSessions(userId);
  } catch (error) {
    if (error instanceof WorkosError && error.kind === 'not_found') return [];
    throw error;
  }
}

function describe(error: unknown): string {
  return error instanceof Error ? error.message : String(error);
}

/**
 * Acts on one event at most once and says where it stands. Never throws for a failure to act: the ledger keeps it
 * for a retry (or parks it), and the outcome tells the channel whether to acknowledge it.
 * `honorBackoff: false` (webhooks) tries an event that is backing off: a redelivery is spaced by WorkOS already.
 */
export async function processEvent(
  event: WorkosEvent,
  channel: EventChannel,
  deps: ProcessDeps,
  { honorBackoff = channel === 'events' }: { honorBackoff?: boolean } = {},
): Promise<ProcessOutcome> {
  if (!isHandledEvent(event.event)) return { status: 'ignored', type: event.event };
  const running = inflight().get(event.id);
  if (running) {
    const first = await running;
    return first.status === 'processed' ? { status: 'duplicate', type: event.event } : first;
  }
  const attempt = processClaimed(event, channel, deps, honorBackoff);
  inflight().set(event.id, attempt);
  try {
    return await attempt;
  } finally {
    inflight().delete(event.id);
  }
}

async function processClaimed(
  event: WorkosEvent,
  channel: EventChannel,
  deps: ProcessDeps,
  honorBackoff: boolean,
): Promise<ProcessOutcome> {
  const now = deps.now ?? Date.now;
  const type = event.event;
  const claim = claimEvent(deps.db, { id: event.id, type, payload: deps.box.seal(payloadOf(event)) }, channel, now(), { honorBackoff });
  if (claim.kind === 'done') return { status: 'duplicate', type };
  if (claim.kind === 'busy') return { status: 'pending', type, retryAfterMs: claim.retryAfterMs, reason: 'in_progress' };

  try {
    await act(event, channel, deps);
  } catch (error) {
    if (error instanceof MalformedEventError) {
      parkEvent(deps.db, { id: event.id, type, payload: deps.box.seal(payloadOf(event)) }, channel, error.message, now());
      deps.log?.('parked a malformed event', { eventId: event.id, type, reason: error.message });
      return { status: 'parked', type, reason: error.message };
    }
    const result = failEvent(deps.db, event.id, claim.token, describe(error), now(), {
      maxAttempts: deps.maxAttempts ?? MAX_ATTEMPTS,
      transient: isTransient(error),
    });
    if (result?.status === 'parked') {
      deps.log?.('parked an event that kept failing', { eventId: event.id, type, attempts: claim.attempt, error: describe(error) });
      return { status: 'parked', type, reason: describe(error) };
    }
    deps.log?.('acting on an event failed; it will be retried', { eventId: event.id, type, attempt: claim.attempt, error: describe(error) });
    return { status: 'pending', type, retryAfterMs: result?.retryAfterMs ?? 1_000, reason: 'failed' };
  }
  if (!completeEvent(deps.db, event.id, claim.token, now())) {
    deps.log?.('event claim was taken over while acting on it; the new holder finishes it', { eventId: event.id, type });
  }
  return { status: 'processed', type };
}

async function act(event: WorkosEvent, channel: EventChannel, deps: ProcessDeps): Promise<void> {
  switch (event.event) {
    case 'session.revoked':
      return onSessionRevoked(event, channel, deps);
    case 'session.created':
      return onSessionCreated(event, channel, deps);
    case 'user.deleted':
      return onUserDeleted(event, channel, deps);
    case 'password_reset.succeeded':
      return onPasswordChanged(event, channel, deps);
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

function targetOf(session: AppSession, deps: ProcessDeps): EndTarget {
  return {
    sessionId: session.id,
    userId: session.userId,
    organizationId: session.organizationId,
    label: deps.describeDevice(session.userAgent),
    ipAddress: session.ipAddress,
    expiresAt: session.expiresAt,
  };
}

/** Throws when a session could not even be locked out here, so the event is retried. */
function requireRecorded(outcomes: EndOutcome[], what: string): void {
  const failed = outcomes.filter((o) => o.status === 'failed');
  if (failed.length > 0) throw new NotRecordedError(`${what}: ${failed.length} session(s) could not be recorded`);
}

async function onSessionRevoked(event: WorkosEvent, channel: EventChannel, deps: ProcessDeps): Promise<void> {
  const session = requireSession(event);
  // When the app revoked it itself (security page, admin, policy) and WorkOS is now confirming, it is locked out
  // already and in the activity under its real cause: the primitive says `already_ended` and records nothing.
  const outcomes = await deps.sessions.end({
    targets: [targetOf(session, deps)],
    actor: { kind: 'workos', channel },
    reason: 'revoked_at_workos',
    endedAtWorkos: true,
    details: { eventId: event.id, channel },
  });
  requireRecorded(outcomes, 'session revoked');
}

async function onSessionCreated(event: WorkosEvent, channel: EventChannel, deps: ProcessDeps): Promise<void> {
  const session = requireSession(event);
  // History only: a sign-in is recorded even when it arrives after the session's revocation, and nothing here
  // touches the registry.
  await deps.audit.recordSignIn({
    userId: session.userId,
    sessionId: session.id,
    organizationId: session.organizationId,
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
  await deps.sessions.endUser({
    userId,
    actor: { kind: 'workos', channel },
    reason: 'user_deleted',
    details: { eventId: event.id, channel },
  });
}

async function onPasswordChanged(event: WorkosEvent, channel: EventChannel, deps: ProcessDeps): Promise<void> {
  const userId = requireUserId(event);
  if (!deps.revokeSessionsOnPasswordChange) {
    await deps.audit.record({
      userId,
      // A password is the user's own, in every organization: no administrator is shown this line (each session it
      // ends is recorded under that session's organization).
      organizationId: null,
      kind: 'password_changed',
      actor: { type: 'policy', label: null },
      reason: 'password_changed',
      details: { eventId: event.id, sessionsSignedOut: 0, policy: 'off' },
    });
    return;
  }
  // Only sessions that existed when the password changed: one the user signs in with afterwards stays.
  const changedAt = event.createdAt.getTime();
  const sessions = (await activeSessionsOf(deps, userId)).filter((s) => s.createdAt.getTime() <= changedAt);
  const outcomes = await deps.sessions.end({
    targets: sessions.map((s) => targetOf(s, deps)),
    actor: { kind: 'policy', policy: 'password_changed', channel },
    reason: 'password_changed',
    details: { eventId: event.id },
  });
  requireRecorded(outcomes, 'password policy');
  const newlyEnded = outcomes.filter((o) => o.status === 'ended' || o.status === 'pending_at_workos').length;
  // A replay that finds them all ended already has nothing new to tell the user.
  if (newlyEnded > 0 || sessions.length === 0) {
    await deps.audit.record({
      userId,
      organizationId: null, // the user's own, as above
      kind: 'password_changed',
      actor: { type: 'policy', label: null },
      reason: 'password_changed',
      details: { eventId: event.id, sessionsSignedOut: newlyEnded, policy: 'on' },
    });
  }
}

async function onMembershipEnded(event: WorkosEvent, channel: EventChannel, deps: ProcessDeps): Promise<void> {
  const userId = requireUserId(event);
  const organizationId = stringField(event.data, 'organizationId');
  if (!organizationId) throw new MalformedEventError(event, 'names no organization');
  // Only sessions signed in to that organization (the user may still belong to others) that existed when the
  // membership ended: one signed in after the user re-joined stays, however late this event is processed.
  const endedAt = event.createdAt.getTime();
  const sessions = (await activeSessionsOf(deps, userId)).filter(
    (s) => s.organizationId === organizationId && s.createdAt.getTime() <= endedAt,
  );
  const outcomes = await deps.sessions.end({
    targets: sessions.map((s) => targetOf(s, deps)),
    actor: { kind: 'policy', policy: 'membership_ended', channel },
    reason: 'revoked_at_workos',
    note: 'Organization membership ended',
    details: { eventId: event.id, channel, organizationId },
  });
  requireRecorded(outcomes, 'membership ended');
}
