import { sendJson, withApiKey, type RequestContext, type Route } from '../http.ts';
import { paginate, parsePageQuery } from '../pagination.ts';
import { listParam, optionalString, readParams, requiredString } from '../params.ts';
import { MEMBERSHIP_STATUSES, type MembershipRecord, type MembershipStatus } from '../state/memberships.ts';
import { ApiError, listJson, membershipWithUserJson, unprocessable } from '../wire.ts';

const PATH = '/user_management/organization_memberships';

function sendMembership({ res, store }: RequestContext, status: number, membership: MembershipRecord): void {
  sendJson(res, status, membershipWithUserJson(membership, store.users.get(membership.userId)));
}

/**
 * `GET /user_management/organization_memberships`: at least one of user_id / organization_id; `statuses`
 * (comma-joined as the Node SDK sends it, or repeated, or `statuses[]`) defaults to active only, as at WorkOS.
 */
function listMemberships({ res, url, store }: RequestContext): void {
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
  const statuses = new Set(listParam(query, 'statuses'));
  for (const status of statuses) {
    if (!MEMBERSHIP_STATUSES.includes(status as MembershipStatus)) {
      throw unprocessable('statuses', `statuses must be any of ${MEMBERSHIP_STATUSES.join(', ')}`);
    }
  }
  if (statuses.size === 0) statuses.add('active');
  const page = parsePageQuery(query, { limit: 10, order: 'desc' });
  const memberships = store.memberships
    .list()
    .filter(
      (m) =>
        (userId === null || m.userId === userId) &&
        (organizationId === null || m.organizationId === organizationId) &&
        statuses.has(m.status),
    );
  const result = paginate(memberships, page);
  const data = result.data.map((m) => membershipWithUserJson(m, store.users.get(m.userId)));
  sendJson(res, 200, listJson({ ...result, data }));
}

export const membershipRoutes: Route[] = [
  { method: 'GET', path: PATH, handler: withApiKey(listMemberships) },
  {
    method: 'POST',
    path: PATH,
    handler: withApiKey(async (ctx) => {
      const params = await readParams(ctx.req);
      const membership = ctx.store.memberships.create({
        userId: requiredString(params, 'user_id'),
        organizationId: requiredString(params, 'organization_id'),
        role: optionalString(params, 'role_slug'),
      });
      sendMembership(ctx, 201, membership);
    }),
  },
  {
    method: 'GET',
    path: `${PATH}/:id`,
    handler: withApiKey((ctx, id) => sendMembership(ctx, 200, ctx.store.memberships.require(id))),
  },
  {
    method: 'PUT',
    path: `${PATH}/:id`,
    handler: withApiKey(async (ctx, id) => {
      const params = await readParams(ctx.req);
      sendMembership(ctx, 200, ctx.store.memberships.setRole(id, requiredString(params, 'role_slug')));
    }),
  },
  {
    method: 'DELETE',
    path: `${PATH}/:id`,
    handler: withApiKey(({ res, store }, id) => {
      store.memberships.delete(id);
      // The spec's answer is 200 OK with no body (UserlandUserOrganizationMembershipsController_delete).
      res.writeHead(200).end();
    }),
  },
  {
    method: 'PUT',
    path: `${PATH}/:id/deactivate`,
    handler: withApiKey((ctx, id) => sendMembership(ctx, 200, ctx.store.memberships.setActive(id, false))),
  },
  {
    method: 'PUT',
    path: `${PATH}/:id/reactivate`,
    handler: withApiKey((ctx, id) => sendMembership(ctx, 200, ctx.store.memberships.setActive(id, true))),
  },
];
