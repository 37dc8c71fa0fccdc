import 'server-only';
import { getWorkOS } from '@workos-inc/authkit-nextjs';
import { WorkOS } from '@workos-inc/node';
import { getEnv } from '@/lib/env';
import {
  createWorkosClient,
  type ListedEvent,
  type RefreshedTokens,
  type RefreshInput,
  type ListEventsOptions, type ListMembershipsOptions, type WorkosSdk } from './core';
import type { AppMembership, AppSession, AppUser } from './types';

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
export { WorkosError } from './types';
export type { ListedEvent, ListEventsOptions, ListMembershipsOptions, RefreshedTokens, RefreshInput } from './core';

const client = createWorkosClient((): WorkosSdk => getWorkOS());

/** Bounds one refresh grant. */
const REFRESH_TIMEOUT_MS = 10_000;
let refreshSdk: WorkOS | undefined;

/**
 * IMPORTANT: refresh grants get an SDK instance of their own with NO automatic retries. A refresh token is
 * single-use: a retry after a lost response would spend it again and come back `invalid_grant`, and the SDK's
 * retries (up to 3, with a 60 s timeout each) would hold the session's refresh lock for minutes. The coordinator
 * (lib/auth/refresh) decides what to do after a failure.
 */
const refreshClient = createWorkosClient((): WorkosSdk => {
  if (!refreshSdk) {
    const env = getEnv();
    refreshSdk = new WorkOS(env.WORKOS_API_KEY, {
      apiHostname: env.WORKOS_API_HOSTNAME,
      https: env.apiHttps,
      ...(env.WORKOS_API_PORT ? { port: env.WORKOS_API_PORT } : {}),
      clientId: env.WORKOS_CLIENT_ID,
      timeout: REFRESH_TIMEOUT_MS,
      maxRetries: 0,
    });
  }
  return refreshSdk;
});

/** Exchanges a refresh token; see WorkosClient.refreshSession. Only lib/auth/refresh calls it (single-flight). */
export function refreshWorkosSession(input: RefreshInput): Promise<RefreshedTokens> {
  return refreshClient.refreshSession(input);
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

export function listEvents(opts: ListEventsOptions): Promise<{ data: ListedEvent[]; after: string | null }> {
  return client.listEvents(opts);
}
