import { timingSafeEqual, createHash } from 'node:crypto';
import type { IncomingMessage, ServerResponse } from 'node:http';
import type { EmulatorConfig } from '../config.ts';
import { optionalString, paginate, parsePageQuery, readParams, requiredString, sendJson } from '../http.ts';
import { publicJwk } from '../keys.ts';
import {
  ApiError,
  getOrganization,
  membershipJson,
  notFound,
  organizationJson,
  unprocessable,
  userJson,
  type MembershipStatus,
  type Store,
} from '../store.ts';

/** Constant-time comparison of secrets of any length. */
export function secretsEqual(a: string, b: string): boolean {
  const digest = (value: string) => createHash('sha256').update(value).digest();
  return timingSafeEqual(digest(a), digest(b));
}

export function bearerToken(req: IncomingMessage): string | null {
  const header = req.headers.authorization ?? '';
  const match = /^Bearer\s+(.+)$/i.exec(header);
  return match?.[1]?.trim() ?? null;
}

/** 401 unless the request carries `Authorization: Bearer <API key>`. */
export function requireApiKey(req: IncomingMessage, config: EmulatorConfig): void {
  const token = bearerToken(req);
  if (token === null || !secretsEqual(token, config.apiKey)) {
    throw new ApiError(401, { message: 'Unauthorized', code: 'unauthorized' });
  }
}

const list = (page: { data: unknown[]; before: string | null; after: string | null }) => ({
  object: 'list',
  data: page.data,
  list_metadata: { before: page.before, after: page.after },
});

function parseDate(query: URLSearchParams, field: string): number | null {
  const value = query.get(field);
  if (value === null || value === '') return null;
  const time = Date.parse(value);
  if (Number.isNaN(time)) throw unprocessable(field, `${field} must be an ISO 8601 timestamp`);
  return time;
}

export interface ApiContext {
  req: IncomingMessage;
  res: ServerResponse;
  url: URL;
  store: Store;
  config: EmulatorConfig;
}

/** The WorkOS REST surface. Returns false when no route matched. */
export async function handleApi(ctx: ApiContext): Promise<boolean> {
  const { req, res, url, store, config } = ctx;
  const method = req.method ?? 'GET';
  const path = url.pathname;
  let match: RegExpExecArray | null;

  if ((match = /^\/sso\/jwks\/([^/]+)$/.exec(path)) && method === 'GET') {
    const clientId = decodeURIComponent(match[1] ?? '');
    if (clientId !== config.clientId) throw notFound('Client', clientId);
    sendJson(res, 200, { keys: [publicJwk(store.signingKey)] }, { 'cache-control': 'public, max-age=300' });
    return true;
  }

  if (path === '/user_management/authenticate' && method === 'POST') {
    await authenticate(ctx);
    return true;
  }

  if (path === '/user_management/users' && method === 'GET') {
    requireApiKey(req, config);
    const page = parsePageQuery(url.searchParams, { limit: 10, order: 'desc' });
    const email = url.searchParams.get('email')?.trim().toLowerCase() || null;
    const organizationId = url.searchParams.get('organization_id') || null;
    const members =
      organizationId === null
        ? null
        : new Set(
            store
              .listMemberships()
              .filter((m) => m.organizationId === organizationId)
              .map((m) => m.userId),
          );
    const users = store
      .listUsers()
      .filter((u) => (email === null || u.email === email) && (members === null || members.has(u.id)));
    const result = paginate(users, page);
    sendJson(res, 200, list({ ...result, data: result.data.map(userJson) }));
    return true;
  }

  if ((match = /^\/user_management\/users\/([^/]+)$/.exec(path))) {
    const userId = decodeURIComponent(match[1] ?? '');
    if (method === 'GET') {
      requireApiKey(req, config);
      sendJson(res, 200, userJson(store.requireUser(userId)));
      return true;
    }
    if (method === 'DELETE') {
      requireApiKey(req, config);
      store.deleteUser(userId);
      // The spec's answer is 200 OK with no body (UserlandUsersController_delete).
      res.writeHead(200).end();
      return true;
    }
  }

  if ((match = /^\/user_management\/users\/([^/]+)\/sessions$/.exec(path)) && method === 'GET') {
    requireApiKey(req, config);
    const userId = decodeURIComponent(match[1] ?? '');
    store.requireUser(userId);
    const page = parsePageQuery(url.searchParams, { limit: 10, order: 'desc' });
    // WorkOS lists only active sessions; ended ones appear in session.revoked events.
    const sessions = store.listSessions(userId).filter((s) => store.sessionStatus(s) === 'active');
    const result = paginate(sessions, page);
    sendJson(res, 200, list({ ...result, data: result.data.map((s) => store.sessionJson(s)) }));
    return true;
  }

  if (path === '/user_management/organization_memberships') {
    if (method === 'GET') {
      requireApiKey(req, config);
      listOrganizationMemberships(ctx);
      return true;
    }
    if (method === 'POST') {
      requireApiKey(req, config);
      const params = await readParams(req);
      const membership = store.createMembership({
        userId: requiredString(params, 'user_id'),
        organizationId: requiredString(params, 'organization_id'),
        role: optionalString(params, 'role_slug'),
      });
      sendJson(res, 201, withUser(store, membershipJson(membership)));
      return true;
    }
  }

  if ((match = /^\/user_management\/organization_memberships\/([^/]+?)(\/deactivate|\/reactivate)?$/.exec(path))) {
    const membershipId = decodeURIComponent(match[1] ?? '');
    const verb = match[2] ?? null;
    if (verb === null && method === 'GET') {
      requireApiKey(req, config);
      sendJson(res, 200, withUser(store, membershipJson(store.requireMembership(membershipId))));
      return true;
    }
    if (verb === null && method === 'PUT') {
      requireApiKey(req, config);
      const params = await readParams(req);
      sendJson(
        res,
        200,
        withUser(store, membershipJson(store.updateMembershipRole(membershipId, requiredString(params, 'role_slug')))),
      );
      return true;
    }
    if (verb === null && method === 'DELETE') {
      requireApiKey(req, config);
      store.deleteMembership(membershipId);
      // The spec's answer is 200 OK with no body (UserlandUserOrganizationMembershipsController_delete).
      res.writeHead(200).end();
      return true;
    }
    if (verb !== null && method === 'PUT') {
      requireApiKey(req, config);
      sendJson(
        res,
        200,
        withUser(store, membershipJson(store.setMembershipActive(membershipId, verb === '/reactivate'))),
      );
      return true;
    }
  }

  if ((match = /^\/organizations\/([^/]+)$/.exec(path)) && method === 'GET') {
    requireApiKey(req, config);
    const organizationId = decodeURIComponent(match[1] ?? '');
    const organization = getOrganization(organizationId);
    if (!organization) throw notFound('Organization', organizationId);
    sendJson(res, 200, organizationJson(organization));
    return true;
  }

  if (path === '/user_management/sessions/revoke' && method === 'POST') {
    requireApiKey(req, config);
    const params = await readParams(req);
    const sessionId = optionalString(params, 'session_id');
    // The spec lists only 400 for this route: a missing session_id is a 400 with a message.
    if (sessionId === null) throw new ApiError(400, { message: 'session_id is required.' });
    // An already-ended session: 200 and nothing new (WorkOS does not document it; revoking is idempotent here).
    // An unknown one: 404 entity_not_found, as every route here answers an id it does not know (WorkOS's answer
    // is not documented either: the spec lists 200 and 400 only). The app treats 200 and 404 alike.
    store.revokeSession(sessionId);
    sendJson(res, 200, {});
    return true;
  }

  if (path === '/events' && method === 'GET') {
    requireApiKey(req, config);
    listEvents(ctx);
    return true;
  }

  return false;
}

const MEMBERSHIP_STATUSES: readonly MembershipStatus[] = ['active', 'inactive', 'pending'];

/**
 * `GET /user_management/organization_memberships`: at least one of user_id / organization_id; `statuses`
 * (comma-joined as the Node SDK sends it, or repeated, or `statuses[]`) defaults to active only, as at WorkOS.
 */
function listOrganizationMemberships({ res, url, store }: ApiContext): void {
  const query = url.searchParams;
  const userId = query.get('user_id') || null;
  const organizationId = query.get('organization_id') || null;
  if (userId === null && organizationId === null) {
    // The spec's 400 for this case (GET /user_management/organization_memberships).
    throw new ApiError(400, {
      code: 'missing_user_id_or_organization_id',
      message: 'Either user_id or organization_id must be provided.',
    });
  }
  const statuses = new Set(
    [...query.getAll('statuses'), ...query.getAll('statuses[]')]
      .flatMap((value) => value.split(','))
      .map((value) => value.trim())
      .filter(Boolean),
  );
  for (const status of statuses) {
    if (!MEMBERSHIP_STATUSES.includes(status as MembershipStatus)) {
      throw unprocessable('statuses', `statuses must be any of ${MEMBERSHIP_STATUSES.join(', ')}`);
    }
  }
  if (statuses.size === 0) statuses.add('active');
  const page = parsePageQuery(query, { limit: 10, order: 'desc' });
  const memberships = store
    .listMemberships()
    .map(membershipJson)
    .filter(
      (m) =>
        (userId === null || m.user_id === userId) &&
        (organizationId === null || m.organization_id === organizationId) &&
        statuses.has(m.status),
    );
  const result = paginate(memberships, page);
  sendJson(res, 200, list({ ...result, data: result.data.map((m) => withUser(store, m)) }));
}

/** The spec's `UserlandUserOrganizationMembership` carries the user (`user`, required). */
function withUser<T extends { user_id: string }>(store: Store, membership: T) {
  const user = store.getUser(membership.user_id);
  return { ...membership, ...(user && { user: userJson(user) }) };
}

function withoutOrder(query: URLSearchParams): URLSearchParams {
  const copy = new URLSearchParams(query);
  copy.delete('order');
  return copy;
}

function listEvents({ res, url, store }: ApiContext): void {
  const query = url.searchParams;
  // Accept all three filter forms: events=a,b (Node SDK), events[]=a&events[]=b, events=a&events=b.
  const names = new Set(
    [...query.getAll('events'), ...query.getAll('events[]')]
      .flatMap((value) => value.split(','))
      .map((value) => value.trim())
      .filter(Boolean),
  );
  const rangeStart = parseDate(query, 'range_start');
  const rangeEnd = parseDate(query, 'range_end');
  if (rangeStart !== null && rangeEnd !== null && rangeStart > rangeEnd) {
    throw unprocessable('range_start', 'range_start must be before range_end');
  }
  const organizationId = query.get('organization_id') || null;
  // The spec documents `order` (default desc), but the live API ignores it and always answers oldest first
  // (workos/workos-node#1610): the emulator does the same, whatever `order` says.
  const page = { ...parsePageQuery(withoutOrder(query), { limit: 10, order: 'asc' }), order: 'asc' as const };
  const events = store
    .listEvents()
    .filter(
      (e) =>
        (names.size === 0 || names.has(e.event)) &&
        (rangeStart === null || e.createdAt >= rangeStart) &&
        (rangeEnd === null || e.createdAt <= rangeEnd) &&
        (organizationId === null || e.data.organization_id === organizationId),
    );
  const result = paginate(events, page);
  sendJson(res, 200, {
    object: 'list',
    data: result.data.map((e) => store.eventJson(e)),
    list_metadata: { after: result.after },
  });
}

async function authenticate({ req, res, store, config }: ApiContext): Promise<void> {
  const params = await readParams(req);
  const grantType = optionalString(params, 'grant_type');
  const clientId = optionalString(params, 'client_id');
  const clientSecret = optionalString(params, 'client_secret');
  if (clientId === null || clientId !== config.clientId) {
    throw new ApiError(400, {
      error: 'invalid_client',
      error_description: `Invalid client ID${clientId ? ` '${clientId}'` : ''}.`,
    });
  }
  const bearer = bearerToken(req);
  if (
    (clientSecret !== null && !secretsEqual(clientSecret, config.apiKey)) ||
    (bearer !== null && !secretsEqual(bearer, config.apiKey))
  ) {
    // The spec's 400 OAuth error (POST /user_management/authenticate): the SDK throws OauthException.
    throw new ApiError(400, {
      error: 'invalid_client',
      error_description: 'The request failed due to: invalid_client.',
    });
  }
  const ipAddress = optionalString(params, 'ip_address');
  const userAgent = optionalString(params, 'user_agent');

  if (grantType === 'authorization_code') {
    const code = optionalString(params, 'code');
    if (code === null) throw new ApiError(400, { error: 'invalid_request', error_description: 'code is required.' });
    const response = store.exchangeCode({
      code,
      clientId,
      codeVerifier: optionalString(params, 'code_verifier'),
      confidential: clientSecret !== null,
      ipAddress,
      userAgent,
    });
    sendJson(res, 200, response);
    return;
  }
  if (grantType === 'refresh_token') {
    const refreshToken = optionalString(params, 'refresh_token');
    if (refreshToken === null)
      throw new ApiError(400, { error: 'invalid_request', error_description: 'refresh_token is required.' });
    sendJson(res, 200, store.refresh({ refreshToken, organizationId: optionalString(params, 'organization_id') }));
    return;
  }
  throw new ApiError(400, {
    error: 'unsupported_grant_type',
    error_description: grantType ? `Unsupported grant_type '${grantType}'.` : 'grant_type is required.',
  });
}
