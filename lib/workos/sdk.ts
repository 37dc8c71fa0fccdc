import type { MembershipStatus } from './types';

/** The SDK surface this app uses, typed structurally so that the real SDK and a test's fake both fit. */

interface SdkImpersonator {
  email: string;
  reason: string | null;
}

export interface SdkSession {
  id: string;
  userId: string;
  organizationId?: string | null;
  status: string;
  authMethod: string;
  ipAddress: string | null;
  userAgent: string | null;
  impersonator?: SdkImpersonator | null;
  expiresAt: string;
  endedAt: string | null;
  createdAt: string;
  updatedAt: string;
}

export interface SdkUser {
  id: string;
  email: string;
  firstName: string | null;
  lastName: string | null;
}

export interface SdkMembership {
  id: string;
  userId: string;
  organizationId: string;
  organizationName?: string | null;
  role?: { slug: string } | null;
  /** Every role of the membership (WorkOS's multiple roles); the SDK copies it only when WorkOS sends it. */
  roles?: { slug: string }[] | null;
  status: string;
}

export interface SdkEvent {
  id: string;
  event: string;
  createdAt: string;
  data: unknown;
}

/** What WorkOS answers to an authenticate call. `user` and `impersonator` are sealed into the cookie as they are. */
export interface SdkAuthentication {
  user: unknown;
  accessToken: string;
  refreshToken: string;
  impersonator?: unknown;
  authenticationMethod?: string;
}

export interface SdkPage<T> {
  data: T[];
  listMetadata: { before?: string | null; after?: string | null };
}

export interface WorkosSdk {
  userManagement: {
    authenticateWithRefreshToken(payload: {
      clientId: string;
      refreshToken: string;
      organizationId?: string;
      ipAddress?: string;
      userAgent?: string;
    }): Promise<SdkAuthentication>;
    listSessions(userId: string, options?: { limit?: number; after?: string | null }): Promise<SdkPage<SdkSession>>;
    revokeSession(payload: { sessionId: string }): Promise<unknown>;
    getUser(userId: string): Promise<SdkUser>;
    listUsers(options?: { email?: string; limit?: number }): Promise<SdkPage<SdkUser>>;
    // The SDK requires userId or organizationId; the client always passes one.
    listOrganizationMemberships(options: {
      userId: string;
      organizationId?: string;
      statuses?: MembershipStatus[];
      limit?: number;
      after?: string;
    }): Promise<SdkPage<SdkMembership>>;
  };
  events: {
    // `never[]` so the SDK's narrower EventName[] parameter still fits; callers go through the client's listEvents.
    listEvents(options: {
      events: never[];
      after?: string;
      rangeStart?: string;
      limit?: number;
    }): Promise<SdkPage<SdkEvent>>;
  };
}
