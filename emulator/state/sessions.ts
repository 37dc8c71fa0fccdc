import { newId } from '../ids.ts';
import type { Store } from '../store.ts';
import { notFound, sessionJson } from '../wire.ts';
import { CODE_TTL_MS } from './codes.ts';
import type { UserRecord } from './users.ts';

export interface Impersonator {
  email: string;
  reason: string | null;
}

export interface SessionRecord {
  id: string;
  userId: string;
  organizationId: string | null;
  authMethod: string;
  ipAddress: string | null;
  userAgent: string | null;
  impersonator: Impersonator | null;
  /** When credentials were entered (ms); becomes the `auth_time` claim, kept across refreshes. */
  authTime: number;
  createdAt: number;
  updatedAt: number;
  expiresAt: number;
  /** The last activity (sign-in, refresh) for the inactivity timeout; absent in older state files (createdAt then). */
  lastActiveAt?: number;
  revokedAt: number | null;
  /** Impersonation sessions exist before the browser receives tokens for them. */
  tokensIssued: boolean;
}

export type SessionStatus = 'active' | 'expired' | 'revoked';

export class Sessions {
  private readonly store: Store;

  constructor(store: Store) {
    this.store = store;
  }

  status(session: SessionRecord): SessionStatus {
    if (session.revokedAt !== null) return 'revoked';
    if (this.store.now() >= this.end(session)) return 'expired';
    return 'active';
  }

  /** When the session ends unless revoked: its maximum length, or sooner after inactivity when that is configured. */
  private end(session: SessionRecord): number {
    const timeout = this.store.config.sessionInactivityTimeoutSeconds;
    if (timeout === null) return session.expiresAt;
    return Math.min(session.expiresAt, (session.lastActiveAt ?? session.createdAt) + timeout * 1000);
  }

  /** The session in WorkOS's shape, with its status as of now. */
  json(session: SessionRecord) {
    const status = this.status(session);
    return sessionJson(session, status, session.revokedAt ?? (status === 'expired' ? this.end(session) : null));
  }

  /** Every session of a user (or of everyone), including ended ones, oldest first. */
  list(userId?: string): SessionRecord[] {
    const { sessions } = this.store.state;
    return userId === undefined ? sessions : sessions.filter((s) => s.userId === userId);
  }

  get(id: string): SessionRecord | undefined {
    return this.store.state.sessions.find((s) => s.id === id);
  }

  create(
    input: { user: UserRecord } & Pick<
      SessionRecord,
      'organizationId' | 'authMethod' | 'ipAddress' | 'userAgent' | 'impersonator' | 'authTime' | 'tokensIssued'
    >,
  ): SessionRecord {
    const now = this.store.now();
    const session: SessionRecord = {
      id: newId('session', now),
      userId: input.user.id,
      organizationId: input.organizationId,
      authMethod: input.authMethod,
      ipAddress: input.ipAddress,
      userAgent: input.userAgent,
      impersonator: input.impersonator,
      authTime: input.authTime,
      createdAt: now,
      updatedAt: now,
      expiresAt: now + this.store.config.sessionMaxAgeSeconds * 1000,
      lastActiveAt: now,
      revokedAt: null,
      tokensIssued: input.tokensIssued,
    };
    this.store.state.sessions.push(session);
    this.store.events.emit('session.created', this.json(session));
    return session;
  }

  /** Revokes a session; idempotent (an ended session is returned unchanged, with no new event). */
  revoke(id: string): SessionRecord {
    const session = this.get(id);
    if (!session) throw notFound('Session', id);
    if (this.status(session) !== 'active') return session;
    const now = this.store.now();
    session.revokedAt = now;
    session.updatedAt = now;
    this.store.codes.forgetSession(id);
    this.store.events.emit('session.revoked', this.json(session));
    return session;
  }

  /** Revokes every active session of the user; returns them. */
  revokeAllOf(userId: string): SessionRecord[] {
    const active = this.store.state.sessions.filter((s) => s.userId === userId && this.status(s) === 'active');
    return active.map((s) => this.revoke(s.id));
  }

  /** An impersonation session, as started from the WorkOS dashboard; the browser picks it up at the hosted page. */
  impersonate(userId: string, impersonator: Impersonator): SessionRecord {
    const user = this.store.users.require(userId);
    return this.create({
      user,
      organizationId: this.store.memberships.listActive(user.id)[0]?.organizationId ?? null,
      authMethod: 'impersonation',
      ipAddress: null,
      userAgent: null,
      impersonator,
      authTime: this.store.now(),
      tokensIssued: false,
    });
  }

  /** Impersonation sessions still waiting for a browser to take them over. */
  pendingImpersonations(): SessionRecord[] {
    return this.store.state.sessions.filter(
      (s) =>
        s.impersonator !== null &&
        !s.tokensIssued &&
        this.status(s) === 'active' &&
        this.store.now() - s.createdAt < CODE_TTL_MS,
    );
  }
}
