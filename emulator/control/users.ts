import { sendJson, type RequestContext, type Route } from '../http.ts';
import { optionalString, readParams, requiredString } from '../params.ts';
import { MEMBERSHIP_STATUSES, type MembershipStatus } from '../state/memberships.ts';
import type { UserRecord } from '../state/users.ts';
import type { Store } from '../store.ts';
import { membershipJson, unprocessable, userJson } from '../wire.ts';

/** The user with their memberships; `role`, `organization_id` and `membership_status` are of the first one. */
function controlUserJson(store: Store, user: UserRecord) {
  const memberships = store.memberships.list(user.id);
  const first = memberships[0];
  return {
    ...userJson(user),
    role: first?.role ?? null,
    organization_id: first?.organizationId ?? null,
    membership_status: first?.status ?? null,
    memberships: memberships.map(membershipJson),
  };
}

/** One membership of a user created through the control API; `prefix` names the fields in errors. */
function membershipInput(value: Record<string, unknown>, prefix = '') {
  const field = (name: string) => `${prefix}${name}`;
  const organizationId = optionalString(value, 'organization_id', field('organization_id')) ?? 'org_demo';
  const role = optionalString(value, 'role', field('role')) ?? 'member';
  if (role !== 'admin' && role !== 'member') throw unprocessable(field('role'), 'role must be admin or member');
  const status = optionalString(value, 'membership_status', field('membership_status')) ?? 'active';
  if (!MEMBERSHIP_STATUSES.includes(status as MembershipStatus)) {
    throw unprocessable(field('membership_status'), 'membership_status must be active, inactive or pending');
  }
  return { organizationId, role, status: status as MembershipStatus };
}

async function createUser({ req, res, store }: RequestContext): Promise<void> {
  const params = await readParams(req);
  const email = requiredString(params, 'email');
  if (!/^[^\s@]+@[^\s@]+\.[^\s@]+$/.test(email)) throw unprocessable('email', 'email must be an email address');
  const password = requiredString(params, 'password');
  // Several memberships as a list, or one given by organization_id / role / membership_status.
  let memberships;
  if (params.memberships !== undefined) {
    if (!Array.isArray(params.memberships)) throw unprocessable('memberships', 'memberships must be a list');
    memberships = params.memberships.map((value: unknown, i) => {
      if (typeof value !== 'object' || value === null) throw unprocessable(`memberships[${i}]`, 'must be an object');
      return membershipInput(value as Record<string, unknown>, `memberships[${i}].`);
    });
  } else {
    memberships = [membershipInput(params)];
  }
  // Unknown organizations are a 422 from the store.
  const user = store.users.create({
    email,
    password,
    firstName: optionalString(params, 'first_name'),
    lastName: optionalString(params, 'last_name'),
    memberships,
  });
  sendJson(res, 201, controlUserJson(store, user));
}

/** The user's actions of the WorkOS dashboard; each 404s for an unknown user before reading the body. */
export const userRoutes: Route[] = [
  {
    method: 'GET',
    path: '/_emulator/users',
    handler: ({ res, store }) =>
      sendJson(
        res,
        200,
        store.users.list().map((user) => controlUserJson(store, user)),
      ),
  },
  { method: 'POST', path: '/_emulator/users', handler: createUser },
  {
    method: 'DELETE',
    path: '/_emulator/users/:id',
    handler: ({ res, store }, id) => {
      store.users.require(id);
      const revoked = store.sessions.revokeAllOf(id);
      store.users.delete(id);
      sendJson(res, 200, { deleted: id, revoked_sessions: revoked.map((s) => store.sessions.json(s)) });
    },
  },
  {
    method: 'POST',
    path: '/_emulator/users/:id/revoke_sessions',
    handler: ({ res, store }, id) => {
      store.users.require(id);
      const revoked = store.sessions.revokeAllOf(id);
      sendJson(res, 200, { sessions: revoked.map((s) => store.sessions.json(s)) });
    },
  },
  {
    method: 'POST',
    path: '/_emulator/users/:id/reset_password',
    handler: async ({ req, res, store }, id) => {
      store.users.require(id);
      const password = requiredString(await readParams(req), 'password');
      if (password.length < 8) throw unprocessable('password', 'password must be at least 8 characters');
      sendJson(res, 200, { user: controlUserJson(store, store.users.resetPassword(id, password)) });
    },
  },
  {
    method: 'POST',
    path: '/_emulator/users/:id/impersonate',
    handler: async ({ req, res, store }, id) => {
      store.users.require(id);
      const params = await readParams(req);
      const impersonatorEmail = requiredString(params, 'impersonator_email');
      const session = store.sessions.impersonate(id, {
        email: impersonatorEmail,
        reason: optionalString(params, 'reason'),
      });
      sendJson(res, 201, { session: store.sessions.json(session) });
    },
  },
];
