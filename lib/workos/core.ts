import {
  WorkosError,
  type AppMembership,
  type AppSession,
  type AppUser,
  type MembershipStatus,
  type WorkosEvent,
} from './types';

/**
 * The WorkOS client, independent of where its SDK instance comes from (client.ts passes authkit's getWorkOS();
 * tests pass a fake). Only the SDK surface this app uses is typed, structurally, so the real SDK fits.
 */

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

export interface ListMembershipsOptions {
  userId?: string;
  organizationId?: string;
  statuses?: MembershipStatus[];
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

interface SdkPage<T> {
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
    // The SDK requires userId or organizationId; the client below always passes one.
    listOrganizationMemberships(options: {
      userId: string;
      organizationId?: string;
      statuses?: MembershipStatus[];
      limit?: number;
      after?: string;
    }): Promise<SdkPage<SdkMembership>>;
  };
  events: {
    // `never[]` so the SDK's narrower EventName[] parameter still fits; callers go through listEvents below.
    listEvents(options: {
      events: never[];
      after?: string;
      rangeStart?: string;
      limit?: number;
    }): Promise<SdkPage<SdkEvent>>;
  };
}

export interface WorkosClientOptions {
  /** Per-call time limit for reads and for revocation, unless the call says otherwise. */
  timeoutMs?: number;
  /** Safety stop for pagination (100 sessions per page). */
  maxPages?: number;
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

/** An event of a page: mapped, or what is known of one that could not be (to park it with its reason). */
export type ListedEvent =
  | { ok: true; event: WorkosEvent }
  | { ok: false; id: string; type: string; reason: string; payload: string };

/** Maps one event of a page, never throwing: see ListedEvent. */
export function listedEvent(raw: SdkEvent): ListedEvent {
  try {
    return { ok: true, event: mapEvent(raw) };
  } catch (error) {
    const reason = error instanceof Error ? error.message : String(error);
    let payload: string;
    try {
      payload = JSON.stringify(raw);
    } catch {
      payload = '{}';
    }
    return { ok: false, id: String(raw?.id ?? ''), type: String(raw?.event ?? 'unknown'), reason, payload };
  }
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

function toDate(value: string): Date {
  const date = new Date(value);
  if (Number.isNaN(date.getTime())) throw new WorkosError('invalid', `WorkOS sent an invalid timestamp: ${value}`);
  return date;
}

function toStatus(value: string): AppSession['status'] {
  return value === 'active' || value === 'revoked' ? value : 'expired';
}

export function mapSession(session: SdkSession): AppSession {
  return {
    id: session.id,
    userId: session.userId,
    organizationId: session.organizationId ?? null,
    status: toStatus(session.status),
    authMethod: session.authMethod,
    ipAddress: session.ipAddress ?? null,
    userAgent: session.userAgent ?? null,
    impersonator: session.impersonator
      ? { email: session.impersonator.email, reason: session.impersonator.reason ?? null }
      : null,
    expiresAt: toDate(session.expiresAt),
    endedAt: session.endedAt ? toDate(session.endedAt) : null,
    createdAt: toDate(session.createdAt),
    updatedAt: toDate(session.updatedAt),
  };
}

export function displayName(user: { email: string; firstName?: string | null; lastName?: string | null }): string {
  const name = [user.firstName, user.lastName]
    .map((part) => part?.trim())
    .filter(Boolean)
    .join(' ');
  return name || user.email;
}

export function mapUser(user: SdkUser): AppUser {
  return {
    id: user.id,
    email: user.email,
    firstName: user.firstName ?? null,
    lastName: user.lastName ?? null,
    name: displayName(user),
  };
}

function toMembershipStatus(value: string): MembershipStatus {
  if (value === 'active' || value === 'inactive' || value === 'pending') return value;
  throw new WorkosError('invalid', `WorkOS sent an unknown membership status: ${value}`);
}

export function mapMembership(membership: SdkMembership): AppMembership {
  return {
    id: membership.id,
    userId: membership.userId,
    organizationId: membership.organizationId,
    organizationName: membership.organizationName ?? null,
    role: membership.role?.slug ?? null,
    roles: membership.roles?.map((r) => r.slug) ?? (membership.role ? [membership.role.slug] : []),
    status: toMembershipStatus(membership.status),
  };
}

function isObject(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null;
}

export function mapEvent(event: SdkEvent): WorkosEvent {
  const data = isObject(event.data) ? event.data : {};
  let session: AppSession | null = null;
  let user: AppUser | null = null;
  let userId: string | null = null;
  if (event.event.startsWith('session.')) {
    session = mapSession(data as unknown as SdkSession);
    userId = session.userId;
  } else if (event.event.startsWith('user.')) {
    user = mapUser(data as unknown as SdkUser);
    userId = user.id;
  } else if (typeof data.userId === 'string') {
    userId = data.userId;
  }
  return { id: event.id, event: event.event, createdAt: toDate(event.createdAt), data, session, user, userId };
}

function statusOf(error: unknown): number | undefined {
  if (!isObject(error)) return undefined;
  const status = error.status;
  return typeof status === 'number' ? status : undefined;
}

/** One mapping from whatever the SDK throws to the app's error kinds. */
export function toWorkosError(error: unknown, action: string): WorkosError {
  if (error instanceof WorkosError) return error;
  const status = statusOf(error);
  const detail = error instanceof Error ? error.message : String(error);
  const options = { status, cause: error };
  // The SDK's OauthException carries the OAuth `error` code (RFC 6749 §5.2).
  if (status === 400 && isObject(error) && error.error === 'invalid_grant') {
    return new WorkosError('invalid_grant', `${action}: WorkOS refused the grant (invalid_grant)`, options);
  }
  // WorkOS answers a wrong client_secret (the API key) on /user_management/authenticate with an OAuth 400
  // `invalid_client` (its OpenAPI spec): our configuration, not the user's session, like a refused API key.
  const refusedKey = status === 400 && isObject(error) && error.error === 'invalid_client';
  if (status === 401 || status === 403 || refusedKey)
    return new WorkosError('unauthorized', `${action}: WorkOS refused the API key`, options);
  if (status === 404) return new WorkosError('not_found', `${action}: not found at WorkOS`, options);
  if (status === 408) return new WorkosError('timeout', `${action}: WorkOS timed out`, options);
  if (status !== undefined && status >= 400 && status < 500 && status !== 429) {
    return new WorkosError('invalid', `${action}: WorkOS rejected the request (${status}): ${detail}`, options);
  }
  return new WorkosError('unavailable', `${action}: WorkOS is unavailable: ${detail}`, options);
}

async function withTimeout<T>(work: () => Promise<T>, timeoutMs: number, action: string): Promise<T> {
  let timer: ReturnType<typeof setTimeout> | undefined;
  const timeout = new Promise<never>((_, reject) => {
    timer = setTimeout(
      () => reject(new WorkosError('timeout', `${action}: no answer from WorkOS within ${timeoutMs} ms`)),
      timeoutMs,
    );
  });
  try {
    return await Promise.race([work(), timeout]);
  } catch (error) {
    throw toWorkosError(error, action);
  } finally {
    clearTimeout(timer);
  }
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
          const sessions: AppSession[] = [];
          const seen = new Set<string>();
          let after: string | null = null;
          for (let page = 0; page < maxPages; page++) {
            const result: SdkPage<SdkSession> = await getSdk().userManagement.listSessions(userId, {
              limit: PAGE_SIZE,
              ...(after ? { after } : {}),
            });
            for (const raw of result.data) {
              if (seen.has(raw.id)) continue;
              seen.add(raw.id);
              sessions.push(mapSession(raw));
            }
            const next = result.listMetadata.after ?? null;
            if (!next || next === after || result.data.length === 0) break;
            after = next;
          }
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
          const memberships: AppMembership[] = [];
          const seen = new Set<string>();
          let after: string | null = null;
          for (let page = 0; page < maxPages; page++) {
            // Typed as the SDK's userId-or-organizationId union; one of them is set (checked above).
            const result: SdkPage<SdkMembership> = await getSdk().userManagement.listOrganizationMemberships({
              ...(opts.userId ? { userId: opts.userId } : {}),
              ...(opts.organizationId ? { organizationId: opts.organizationId } : {}),
              ...(opts.statuses ? { statuses: opts.statuses } : {}),
              limit: PAGE_SIZE,
              ...(after ? { after } : {}),
            } as { userId: string });
            for (const raw of result.data) {
              if (seen.has(raw.id)) continue;
              seen.add(raw.id);
              memberships.push(mapMembership(raw));
            }
            const next = result.listMetadata.after ?? null;
            if (!next || next === after || result.data.length === 0) break;
            after = next;
          }
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
