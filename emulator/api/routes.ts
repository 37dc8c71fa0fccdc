import { sendJson, withApiKey, type RequestContext, type Route } from '../http.ts';
import { publicJwk } from '../keys.ts';
import { paginate, parsePageQuery } from '../pagination.ts';
import { listParam, optionalString, readParams } from '../params.ts';
import { getOrganization } from '../state/organizations.ts';
import { ApiError, eventListJson, listJson, notFound, organizationJson, unprocessable, userJson } from '../wire.ts';
import { authenticate } from './authenticate.ts';
import { membershipRoutes } from './memberships.ts';

function parseDate(query: URLSearchParams, field: string): number | null {
  const value = query.get(field);
  if (value === null || value === '') return null;
  const time = Date.parse(value);
  if (Number.isNaN(time)) throw unprocessable(field, `${field} must be an ISO 8601 timestamp`);
  return time;
}

function withoutOrder(query: URLSearchParams): URLSearchParams {
  const copy = new URLSearchParams(query);
  copy.delete('order');
  return copy;
}

function listUsers({ res, url, store }: RequestContext): void {
  const page = parsePageQuery(url.searchParams, { limit: 10, order: 'desc' });
  const email = url.searchParams.get('email')?.trim().toLowerCase() || null;
  const organizationId = url.searchParams.get('organization_id') || null;
  const members =
    organizationId === null
      ? null
      : new Set(
          store.memberships
            .list()
            .filter((m) => m.organizationId === organizationId)
            .map((m) => m.userId),
        );
  const users = store.users
    .list()
    .filter((u) => (email === null || u.email === email) && (members === null || members.has(u.id)));
  const result = paginate(users, page);
  sendJson(res, 200, listJson({ ...result, data: result.data.map(userJson) }));
}

function listUserSessions({ res, url, store }: RequestContext, id: string): void {
  store.users.require(id);
  const page = parsePageQuery(url.searchParams, { limit: 10, order: 'desc' });
  // WorkOS lists only active sessions; ended ones appear in session.revoked events.
  const sessions = store.sessions.list(id).filter((s) => store.sessions.status(s) === 'active');
  const result = paginate(sessions, page);
  sendJson(res, 200, listJson({ ...result, data: result.data.map((s) => store.sessions.json(s)) }));
}

async function revokeSession({ req, res, store }: RequestContext): Promise<void> {
  const params = await readParams(req);
  const sessionId = optionalString(params, 'session_id');
  // The spec lists only 400 for this route: a missing session_id is a 400 with a message.
  if (sessionId === null) throw new ApiError(400, { message: 'session_id is required.' });
  // An already-ended session: 200 and nothing new (WorkOS does not document it; revoking is idempotent here).
  // An unknown one: 404 entity_not_found, as every route here answers an id it does not know (WorkOS's answer
  // is not documented either: the spec lists 200 and 400 only). The app treats 200 and 404 alike.
  store.sessions.revoke(sessionId);
  sendJson(res, 200, {});
}

function listEvents({ res, url, store }: RequestContext): void {
  const query = url.searchParams;
  const names = new Set(listParam(query, 'events'));
  const rangeStart = parseDate(query, 'range_start');
  const rangeEnd = parseDate(query, 'range_end');
  if (rangeStart !== null && rangeEnd !== null && rangeStart > rangeEnd) {
    throw unprocessable('range_start', 'range_start must be before range_end');
  }
  const organizationId = query.get('organization_id') || null;
  // The spec documents `order` (default desc), but the live API ignores it and always answers oldest first
  // (workos/workos-node#1610): the emulator does the same, whatever `order` says.
  const page = { ...parsePageQuery(withoutOrder(query), { limit: 10, order: 'asc' }), order: 'asc' as const };
  const events = store.events
    .list()
    .filter(
      (e) =>
        (names.size === 0 || names.has(e.event)) &&
        (rangeStart === null || e.createdAt >= rangeStart) &&
        (rangeEnd === null || e.createdAt <= rangeEnd) &&
        (organizationId === null || e.data.organization_id === organizationId),
    );
  sendJson(res, 200, eventListJson(paginate(events, page)));
}

/** The WorkOS REST surface; every route but the JWKS and authenticate needs the API key. */
export const apiRoutes: Route[] = [
  {
    method: 'GET',
    path: '/sso/jwks/:id',
    handler: ({ res, store, config }, clientId) => {
      if (clientId !== config.clientId) throw notFound('Client', clientId);
      sendJson(res, 200, { keys: [publicJwk(store.signingKey)] }, { 'cache-control': 'public, max-age=300' });
    },
  },
  { method: 'POST', path: '/user_management/authenticate', handler: authenticate },
  { method: 'GET', path: '/user_management/users', handler: withApiKey(listUsers) },
  {
    method: 'GET',
    path: '/user_management/users/:id',
    handler: withApiKey(({ res, store }, id) => sendJson(res, 200, userJson(store.users.require(id)))),
  },
  {
    method: 'DELETE',
    path: '/user_management/users/:id',
    handler: withApiKey(({ res, store }, id) => {
      store.users.delete(id);
      // The spec's answer is 200 OK with no body (UserlandUsersController_delete).
      res.writeHead(200).end();
    }),
  },
  { method: 'GET', path: '/user_management/users/:id/sessions', handler: withApiKey(listUserSessions) },
  ...membershipRoutes,
  {
    method: 'GET',
    path: '/organizations/:id',
    handler: withApiKey(({ res }, id) => {
      const organization = getOrganization(id);
      if (!organization) throw notFound('Organization', id);
      sendJson(res, 200, organizationJson(organization));
    }),
  },
  { method: 'POST', path: '/user_management/sessions/revoke', handler: withApiKey(revokeSession) },
  { method: 'GET', path: '/events', handler: withApiKey(listEvents) },
];
