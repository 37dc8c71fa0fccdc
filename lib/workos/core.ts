import { toWorkosError, withTimeout } from './errors';
import { listedEvent, mapMembership, mapSession, mapUser, type ListedEvent } from './mapping';
import type { SdkPage, WorkosSdk } from './sdk';
import { WorkosError, type AppMembership, type AppSession, type AppUser, type MembershipStatus } from './types';

/**
 * The WorkOS client, independent of where its SDK instance comes from (client.ts passes authkit's getWorkOS();
 * tests pass a fake).
 */

export type { SdkAuthentication, SdkEvent, SdkMembership, SdkSession, SdkUser, WorkosSdk } from './sdk';
export { displayName, listedEvent, mapEvent, mapMembership, mapSession, mapUser, type ListedEvent } from './mapping';
export { toWorkosError } from './errors';

export interface WorkosClientOptions {
  /** Per-call time limit for reads and for revocation, unless the call says otherwise. */
  timeoutMs?: number;
  /** Safety stop for pagination (100 sessions per page). */
  maxPages?: number;
}

export interface ListMembershipsOptions {
  userId?: string;
  organizationId?: string;
  statuses?: MembershipStatus[];
}

export interface ListEventsOptions {
  events: string[];
  after?: string;
  rangeStart?: string;
  limit?: number;
}

/** A refreshed session, exactly the fields authkit seals into its cookie. */
export interface RefreshedTokens {
  accessToken: string;
  refreshToken: string;
  user: unknown;
  impersonator?: unknown;
  authenticationMethod?: string;
}

export interface RefreshInput {
  clientId: string;
  refreshToken: string;
  organizationId: string | null;
}

export interface WorkosClient {
  /**
   * Exchanges a refresh token (single-use: it rotates) for new tokens. Not bounded by `timeoutMs`: a grant must
   * never be abandoned while WorkOS may still apply it (lib/auth/refresh bounds how long requests wait instead).
   * Throws a WorkosError; kind `invalid_grant` when the token is spent, revoked or expired.
   */
  refreshSession(input: RefreshInput): Promise<RefreshedTokens>;
  listActiveSessions(userId: string): Promise<AppSession[]>;
  revokeWorkosSession(sessionId: string, opts?: { timeoutMs?: number }): Promise<void>;
  getUser(userId: string): Promise<AppUser | null>;
  findUserByEmail(email: string): Promise<AppUser | null>;
  /** Every membership matching the filters (all pages). Needs userId or organizationId. */
  listOrganizationMemberships(opts: ListMembershipsOptions): Promise<AppMembership[]>;
  /** One page, each event mapped on its own: one WorkOS sent malformed does not take the page down. */
  listEvents(opts: ListEventsOptions): Promise<{ data: ListedEvent[]; after: string | null }>;
}

const DEFAULT_TIMEOUT_MS = 5_000;
const DEFAULT_MAX_PAGES = 50;
const PAGE_SIZE = 100;

/** Every item of a listing, following the `after` cursor page by page, each item once, at most `maxPages` pages. */
async function allPages<Raw extends { id: string }, Item>(
  fetchPage: (page: { limit: number; after?: string }) => Promise<SdkPage<Raw>>,
  map: (raw: Raw) => Item,
  maxPages: number,
): Promise<Item[]> {
  const items: Item[] = [];
  const seen = new Set<string>();
  let after: string | null = null;
  for (let page = 0; page < maxPages; page++) {
    const result: SdkPage<Raw> = await fetchPage({ limit: PAGE_SIZE, ...(after ? { after } : {}) });
    for (const raw of result.data) {
      if (seen.has(raw.id)) continue;
      seen.add(raw.id);
      items.push(map(raw));
    }
    const next = result.listMetadata.after ?? null;
    if (!next || next === after || result.data.length === 0) break;
    after = next;
  }
  return items;
}

export function createWorkosClient(getSdk: () => WorkosSdk, options: WorkosClientOptions = {}): WorkosClient {
  const timeoutMs = options.timeoutMs ?? DEFAULT_TIMEOUT_MS;
  const maxPages = options.maxPages ?? DEFAULT_MAX_PAGES;

  return {
    async refreshSession({ clientId, refreshToken, organizationId }) {
      try {
        const result = await getSdk().userManagement.authenticateWithRefreshToken({
          clientId,
          refreshToken,
          ...(organizationId ? { organizationId } : {}),
        });
        return {
          accessToken: result.accessToken,
          refreshToken: result.refreshToken,
          user: result.user,
          impersonator: result.impersonator,
          authenticationMethod: result.authenticationMethod,
        };
      } catch (error) {
        throw toWorkosError(error, 'refreshSession');
      }
    },

    listActiveSessions(userId) {
      return withTimeout(
        async () => {
          const sessions = await allPages(
            (page) => getSdk().userManagement.listSessions(userId, page),
            mapSession,
            maxPages,
          );
          const now = Date.now();
          // WorkOS lists active sessions only; the filter also drops one that expired since it was listed.
          return sessions.filter((s) => s.userId === userId && s.status === 'active' && s.expiresAt.getTime() > now);
        },
        timeoutMs,
        'listActiveSessions',
      );
    },

    async revokeWorkosSession(sessionId, opts) {
      await withTimeout(
        () => getSdk().userManagement.revokeSession({ sessionId }),
        opts?.timeoutMs ?? timeoutMs,
        'revokeWorkosSession',
      );
    },

    async getUser(userId) {
      try {
        return await withTimeout(
          async () => mapUser(await getSdk().userManagement.getUser(userId)),
          timeoutMs,
          'getUser',
        );
      } catch (error) {
        if (error instanceof WorkosError && error.kind === 'not_found') return null;
        throw error;
      }
    },

    findUserByEmail(email) {
      return withTimeout(
        async () => {
          const wanted = email.trim().toLowerCase();
          const result = await getSdk().userManagement.listUsers({ email: wanted, limit: 10 });
          const match = result.data.find((u) => u.email.toLowerCase() === wanted);
          return match ? mapUser(match) : null;
        },
        timeoutMs,
        'findUserByEmail',
      );
    },

    listOrganizationMemberships(opts) {
      if (!opts.userId && !opts.organizationId) {
        return Promise.reject(
          new WorkosError('invalid', 'listOrganizationMemberships needs a userId or an organizationId'),
        );
      }
      return withTimeout(
        async () => {
          const memberships = await allPages(
            (page) =>
              // Typed as the SDK's userId-or-organizationId union; one of them is set (checked above).
              getSdk().userManagement.listOrganizationMemberships({
                ...(opts.userId ? { userId: opts.userId } : {}),
                ...(opts.organizationId ? { organizationId: opts.organizationId } : {}),
                ...(opts.statuses ? { statuses: opts.statuses } : {}),
                ...page,
              } as { userId: string }),
            mapMembership,
            maxPages,
          );
          // Never trust the filter to have been applied: keep only what was asked for.
          return memberships.filter(
            (m) =>
              (!opts.userId || m.userId === opts.userId) &&
              (!opts.organizationId || m.organizationId === opts.organizationId) &&
              (!opts.statuses || opts.statuses.includes(m.status)),
          );
        },
        timeoutMs,
        'listOrganizationMemberships',
      );
    },

    listEvents(opts) {
      return withTimeout(
        async () => {
          const result = await getSdk().events.listEvents({
            events: opts.events as never[],
            ...(opts.after ? { after: opts.after } : {}),
            ...(opts.rangeStart ? { rangeStart: opts.rangeStart } : {}),
            ...(opts.limit ? { limit: opts.limit } : {}),
          });
          return { data: result.data.map(listedEvent), after: result.listMetadata.after ?? null };
        },
        timeoutMs,
        'listEvents',
      );
    },
  };
}
