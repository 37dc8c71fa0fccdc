/** The app's own WorkOS types. Wire shapes never leave lib/workos. */

export type AuthMethod = 'password' | 'magic_code' | 'oauth' | 'sso' | 'passkey' | 'impersonation' | (string & {});

export type SessionStatus = 'active' | 'expired' | 'revoked';

export interface Impersonator {
  email: string;
  reason: string | null;
}

export interface AppSession {
  id: string;
  userId: string;
  organizationId: string | null;
  status: SessionStatus;
  authMethod: AuthMethod;
  ipAddress: string | null;
  userAgent: string | null;
  impersonator: Impersonator | null;
  expiresAt: Date;
  endedAt: Date | null;
  createdAt: Date;
  updatedAt: Date;
}

export interface AppUser {
  id: string;
  email: string;
  firstName: string | null;
  lastName: string | null;
  /** For display: "First Last", else the email address. */
  name: string;
}

export type MembershipStatus = 'active' | 'inactive' | 'pending';

/** A user's membership of an organization (WorkOS organization_membership). */
export interface AppMembership {
  id: string;
  userId: string;
  organizationId: string;
  organizationName: string | null;
  /** The primary role's slug, e.g. `admin`, `member`. */
  role: string | null;
  /** Every role's slug (the primary one included). */
  roles: string[];
  status: MembershipStatus;
}

/**
 * An event from the Events API. `data` is the SDK's camelCase object (for `session.*` a Session, for `user.*` a
 * User, for `password_reset.succeeded` a PasswordReset); `session`, `user` and `userId` are the mapped forms when
 * the event carries one.
 */
export interface WorkosEvent {
  id: string;
  event: string;
  createdAt: Date;
  data: Record<string, unknown>;
  session: AppSession | null;
  user: AppUser | null;
  userId: string | null;
}

export type WorkosErrorKind = 'timeout' | 'unavailable' | 'not_found' | 'unauthorized' | 'invalid' | 'invalid_grant';

export class WorkosError extends Error {
  readonly kind: WorkosErrorKind;
  readonly status?: number;

  constructor(kind: WorkosErrorKind, message: string, options?: { status?: number; cause?: unknown }) {
    super(message, options?.cause === undefined ? undefined : { cause: options.cause });
    this.name = 'WorkosError';
    this.kind = kind;
    if (options?.status !== undefined) this.status = options.status;
  }
}

