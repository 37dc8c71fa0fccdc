import type { RevocationReason } from '@/lib/revocation/types';

/**
 * Ending sessions: one command for every initiator (security page, header sign-out, re-authentication, administrators,
 * WorkOS's signals, policies, refused refreshes). Plain types, no server-only imports.
 */

/** Who ends the sessions. Decides the audit line and the registry's actor, in one place (end-sessions.ts). */
export type EndActor =
  /** The user, from one of their sessions (security page, header, a new sign-in replacing an old one). */
  | { kind: 'user'; userId: string; sessionId: string; label: string | null }
  /** An administrator of `organizationId`, from their session. */
  | { kind: 'administrator'; userId: string; sessionId: string; name: string; organizationId: string }
  /** Someone from support acting in a session they started by impersonating the user. */
  | { kind: 'impersonator'; email: string; userId: string; sessionId: string; label: string | null }
  /** WorkOS ended them and told us: a webhook, the Events API, a refused refresh. */
  | { kind: 'workos'; channel: 'webhook' | 'events' | 'refresh' }
  /** A rule of this app, applied to a WorkOS signal (a password reset, a membership that ended). */
  | { kind: 'policy'; policy: 'password_changed' | 'membership_ended'; channel: 'webhook' | 'events' };

/**
 * The actor for something done from `session`: the user, or support when an impersonator started the session
 * (their actions are recorded as theirs, never as the user's).
 */
export function actorOfSession(
  session: { user: { id: string }; sessionId: string; impersonator: { email: string } | null },
  label: string | null,
): EndActor {
  if (session.impersonator) {
    return { kind: 'impersonator', email: session.impersonator.email, userId: session.user.id, sessionId: session.sessionId, label };
  }
  return { kind: 'user', userId: session.user.id, sessionId: session.sessionId, label };
}

export interface EndTarget {
  /** IMPORTANT: the raw WorkOS session id. Hashed before it is stored or logged; sealed in the outbox. */
  sessionId: string;
  userId: string;
  /**
   * The organization the session is signed in to (WorkOS's session `organization_id`, the access token's `org_id`):
   * its audit line belongs to that organization's administrators. Null for a session of no organization.
   */
  organizationId: string | null;
  /** "Safari on iOS": for the audit line and the messages. */
  label: string | null;
  ipAddress: string | null;
  /** WorkOS's `expires_at` for the session, when known: an unconfirmed revocation is held at least until then. */
  expiresAt: Date | null;
}

export interface EndRequest {
  targets: EndTarget[];
  actor: EndActor;
  reason: RevocationReason;
  /** Shown with the revocation ("Offboarding"). */
  note?: string | null;
  /**
   * WorkOS has already ended these sessions (it said so: `session.revoked`, a refused refresh): nothing to ask it.
   * Otherwise each session is ended at WorkOS first.
   */
  endedAtWorkos?: boolean;
  /** Extra facts for the audit line (event id, the administrator's category…). */
  details?: Record<string, unknown>;
}

/** What happened to one target. */
export type EndOutcome =
  /** Ended at WorkOS (or WorkOS had ended it and told us), locked out here, written to the activity. */
  | { target: EndTarget; status: 'ended' }
  /** It was over already: WorkOS no longer knew it, or it was locked out here before. Locked out here either way. */
  | { target: EndTarget; status: 'already_ended' }
  /**
   * Locked out here and written to the activity, but WorkOS did not confirm (it failed or did not answer in time):
   * kept in the WorkOS outbox and retried until WorkOS confirms.
   */
  | { target: EndTarget; status: 'pending_at_workos'; problem: 'timeout' | 'unavailable' }
  /** Nothing was recorded; `reason` says why, in words. */
  | { target: EndTarget; status: 'failed'; why: 'actor_ended' | 'not_recorded'; reason: string };

export type EndStatus = EndOutcome['status'];

/** Every session of a user, including ones this app never saw (the account was deleted or disabled). */
export interface EndUserRequest {
  userId: string;
  actor: EndActor;
  reason: RevocationReason;
  details?: Record<string, unknown>;
}
