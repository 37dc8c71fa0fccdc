import { vi } from 'vitest';
import type { SdkMembership, SdkSession, WorkosSdk } from '@/lib/workos/core';

/** Fakes of the WorkOS SDK's wire shapes, for the unit tests of lib/workos. */

export const future = new Date(Date.now() + 3_600_000).toISOString();

/** The fields that are the same on the wire and in the app type. */
export const passedThrough = {
  userId: 'user_1',
  organizationId: 'org_1',
  status: 'active',
  authMethod: 'password',
  ipAddress: '203.0.113.7',
  userAgent: 'Mozilla/5.0',
} as const;

export function sdkSession(id: string, overrides: Partial<SdkSession> = {}): SdkSession {
  return {
    id,
    ...passedThrough,
    expiresAt: future,
    endedAt: null,
    createdAt: '2026-11-24T10:00:00.000Z',
    updatedAt: '2026-11-24T10:05:00.000Z',
    ...overrides,
  };
}

export function sdkMembership(id: string, overrides: Partial<SdkMembership> = {}): SdkMembership {
  return {
    id,
    userId: 'user_1',
    organizationId: 'org_1',
    organizationName: 'Org One',
    role: { slug: 'member' },
    status: 'active',
    ...overrides,
  };
}

export function fakeSdk(
  overrides: { userManagement?: Partial<WorkosSdk['userManagement']>; events?: Partial<WorkosSdk['events']> } = {},
) {
  const sdk: WorkosSdk = {
    userManagement: {
      authenticateWithRefreshToken: vi.fn(async () => ({
        accessToken: 'at_2',
        refreshToken: 'rt_2',
        user: { id: 'user_1', email: 'ada@example.com' },
        authenticationMethod: 'Password',
        organizationId: 'org_1',
      })),
      listSessions: vi.fn(async () => ({ data: [], listMetadata: { after: null } })),
      revokeSession: vi.fn(async () => undefined),
      getUser: vi.fn(async (id: string) => ({ id, email: 'ada@example.com', firstName: 'Ada', lastName: 'Lovelace' })),
      listUsers: vi.fn(async () => ({ data: [], listMetadata: {} })),
      listOrganizationMemberships: vi.fn(async () => ({ data: [], listMetadata: { after: null } })),
      ...overrides.userManagement,
    },
    events: {
      listEvents: vi.fn(async () => ({ data: [], listMetadata: { after: null } })),
      ...overrides.events,
    },
  };
  return sdk;
}

export class FakeHttpError extends Error {
  constructor(readonly status: number) {
    super(`HTTP ${status}`);
  }
}
