import type { SignInInput } from '@/lib/audit';
import type { AuditInput } from '@/lib/audit/types';
import type { EndOutcome, EndRequest, EndTarget, EndUserRequest } from '@/lib/sessions/end/types';
import { WorkosError, type AppSession, type WorkosEvent } from '@/lib/workos/types';
import type { EventChannel } from './ledger';

/**
 * What the app does for each WorkOS event type it handles. Events are only ever ADDITIVE for revocation: nothing
 * here clears or shortens a revocation, so a late or out-of-order event (a `session.created` arriving after its
 * `session.revoked`) cannot resurrect a session.
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

/** What acting on events touches, injected so tests run against fakes. */
export interface ActionDeps {
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
}

type Action = (event: WorkosEvent, channel: EventChannel, deps: ActionDeps) => Promise<void>;

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

/** Acts on a handled event; throws a MalformedEventError when it lacks what its type promises. */
export function actOn(event: WorkosEvent, channel: EventChannel, deps: ActionDeps): Promise<void> {
  return ACTIONS[event.event as HandledEvent](event, channel, deps);
}

/** The user's active sessions at WorkOS; none when WorkOS no longer knows the user (deleted meanwhile). */
async function activeSessionsOf(deps: ActionDeps, userId: string): Promise<AppSession[]> {
  try {
    return await deps.workos.listActiveSessions(userId);
  } catch (error) {
    if (error instanceof WorkosError && error.kind === 'not_found') return [];
    throw error;
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

function targetOf(session: AppSession, deps: ActionDeps): EndTarget {
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

async function onSessionRevoked(event: WorkosEvent, channel: EventChannel, deps: ActionDeps): Promise<void> {
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

async function onSessionCreated(event: WorkosEvent, channel: EventChannel, deps: ActionDeps): Promise<void> {
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

async function onUserDeleted(event: WorkosEvent, channel: EventChannel, deps: ActionDeps): Promise<void> {
  const userId = requireUserId(event);
  await deps.sessions.endUser({
    userId,
    actor: { kind: 'workos', channel },
    reason: 'user_deleted',
    details: { eventId: event.id, channel },
  });
}

async function onPasswordChanged(event: WorkosEvent, channel: EventChannel, deps: ActionDeps): Promise<void> {
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

async function onMembershipEnded(event: WorkosEvent, channel: EventChannel, deps: ActionDeps): Promise<void> {
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

type HandledEvent = (typeof HANDLED_EVENTS)[number];

const ACTIONS: Record<HandledEvent, Action> = {
  'session.created': onSessionCreated,
  'session.revoked': onSessionRevoked,
  'user.deleted': onUserDeleted,
  'password_reset.succeeded': onPasswordChanged,
  'organization_membership.deleted': onMembershipEnded,
  'organization_membership.updated': async (event, channel, deps) => {
    if (stringField(event.data, 'status') === 'inactive') await onMembershipEnded(event, channel, deps);
  },
};
