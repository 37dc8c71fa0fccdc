import 'server-only';
import { getWorkOS } from '@workos-inc/authkit-nextjs';
import {
  createWorkosClient,
  type RefreshedTokens,
  type RefreshInput,
  type ListEventsOptions, type ListMembershipsOptions, type WorkosSdk } from './core';
import type { AppMembership, AppSession, AppUser, WorkosEvent } from './types';

/**
 * IMPORTANT: the only module that talks to WorkOS. It uses authkit's shared SDK instance, which is built from
 * WORKOS_API_HOSTNAME / WORKOS_API_PORT / WORKOS_API_HTTPS, so the local emulator and WorkOS are chosen by
 * configuration alone.
 */
export type {
  AppMembership,
  AppSession,
  AppUser,
  AuthMethod,
  Impersonator,
  MembershipStatus,
  WorkosEvent,
  WorkosErrorKind,
} from './types';
export { WorkosError, formatAuthMethod } from './types';
export type { ListEventsOptions, ListMembershipsOptions, RefreshedTokens, RefreshInput } from './core';

const client = createWorkosClient((): WorkosSdk => getWorkOS());

/** Exchanges a refresh token; see WorkosClient.refreshSession. Only lib/auth/refresh calls it (single-flight). */
export function refreshWorkosSession(input: RefreshInput): Promise<RefreshedTokens> {
  return client.refreshSession(input);
}

/** Every active session of the user, following every page. */
export function listActiveSessions(userId: string): Promise<AppSession[]> {
  return client.listActiveSessions(userId);
}

/** Ends the session at WorkOS. Throws a WorkosError (kind `not_found` when WorkOS no longer knows it). */
export function revokeWorkosSession(sessionId: string, opts?: { timeoutMs?: number }): Promise<void> {
  return client.revokeWorkosSession(sessionId, opts);
}

/** The user, or null when WorkOS has no such user. */
export function getUser(userId: string): Promise<AppUser | null> {
  return client.getUser(userId);
}

export function findUserByEmail(email: string): Promise<AppUser | null> {
  return client.findUserByEmail(email);
}

/** The organization memberships matching the filters (needs userId or organizationId), every page. */
export function listOrganizationMemberships(opts: ListMembershipsOptions): Promise<AppMembership[]> {
  return client.listOrganizationMemberships(opts);
}

export function listEvents(opts: ListEventsOptions): Promise<{ data: WorkosEvent[]; after: string | null }> {
  return client.listEvents(opts);
}
