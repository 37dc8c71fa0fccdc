/**
 * WorkOS's JSON: the objects its API answers and its events carry, made from the emulator's records, and its error
 * bodies. Field names, order and presence are what the SDK and the app see, so they follow the spec exactly.
 */
import type { EventRecord } from './state/events.ts';
import type { MembershipRecord } from './state/memberships.ts';
import { organizationName } from './state/organizations.ts';
import type { SessionRecord, SessionStatus } from './state/sessions.ts';
import type { UserRecord } from './state/users.ts';

export const iso = (ms: number) => new Date(ms).toISOString();

// -- errors ---------------------------------------------------------------------------------------

/** An answer other than 2xx: thrown anywhere, sent by the server as `status` with `body`. */
export class ApiError extends Error {
  readonly status: number;
  readonly body: Record<string, unknown>;
  constructor(status: number, body: Record<string, unknown>) {
    super(String(body.message ?? body.error_description ?? body.error ?? `HTTP ${status}`));
    this.status = status;
    this.body = body;
  }
}

export const notFound = (entity: string, id: string) =>
  new ApiError(404, { message: `${entity} not found: '${id}'.`, code: 'entity_not_found', entity_id: id });

/** The OAuth-shaped 400 of `POST /user_management/authenticate`: the SDK throws it as OauthException. */
export const oauthError = (error: string, description: string) =>
  new ApiError(400, { error, error_description: description });

export const invalidGrant = (description: string) => oauthError('invalid_grant', description);

export const unprocessable = (field: string, message: string) =>
  new ApiError(422, {
    message: 'Validation failed',
    code: 'invalid_request_parameters',
    errors: [{ field, code: message }],
  });

// -- objects --------------------------------------------------------------------------------------

export function listJson(page: { data: unknown[]; before: string | null; after: string | null }) {
  return { object: 'list', data: page.data, list_metadata: { before: page.before, after: page.after } };
}

export function userJson(user: UserRecord) {
  return {
    object: 'user' as const,
    id: user.id,
    email: user.email,
    email_verified: user.emailVerified,
    first_name: user.firstName,
    last_name: user.lastName,
    profile_picture_url: null,
    last_sign_in_at: user.lastSignInAt === null ? null : iso(user.lastSignInAt),
    created_at: iso(user.createdAt),
    updated_at: iso(user.updatedAt),
    external_id: null,
    metadata: {},
  };
}

/** Seeded organizations have no history here; they report a fixed creation time. */
const ORGANIZATION_CREATED_AT = Date.UTC(2024, 0, 1);

export function organizationJson(organization: { id: string; name: string }) {
  return {
    object: 'organization' as const,
    id: organization.id,
    name: organization.name,
    allow_profiles_outside_organization: false,
    domains: [],
    external_id: null,
    metadata: {},
    created_at: iso(ORGANIZATION_CREATED_AT),
    updated_at: iso(ORGANIZATION_CREATED_AT),
  };
}

export function membershipJson(membership: MembershipRecord) {
  return {
    object: 'organization_membership' as const,
    id: membership.id,
    user_id: membership.userId,
    organization_id: membership.organizationId,
    organization_name: organizationName(membership.organizationId),
    role: { slug: membership.role },
    roles: [{ slug: membership.role }],
    status: membership.status,
    directory_managed: false,
    custom_attributes: {},
    created_at: iso(membership.createdAt),
    updated_at: iso(membership.updatedAt),
  };
}

/** The membership in `organization_membership.*` events: the spec's event data has no `organization_name`. */
export function membershipEventJson(membership: MembershipRecord) {
  const data: Partial<ReturnType<typeof membershipJson>> = membershipJson(membership);
  delete data.organization_name;
  return data;
}

/** The spec's `UserlandUserOrganizationMembership` carries the user (`user`, required). */
export function membershipWithUserJson(membership: MembershipRecord, user: UserRecord | undefined) {
  return { ...membershipJson(membership), ...(user && { user: userJson(user) }) };
}

/** `status` and `endedAt` depend on the clock and the configuration: the caller (state/sessions.ts) works them out. */
export function sessionJson(session: SessionRecord, status: SessionStatus, endedAt: number | null) {
  return {
    object: 'session' as const,
    id: session.id,
    user_id: session.userId,
    ...(session.organizationId !== null && { organization_id: session.organizationId }),
    status,
    auth_method: session.authMethod,
    ip_address: session.ipAddress,
    user_agent: session.userAgent,
    ...(session.impersonator !== null && { impersonator: session.impersonator }),
    expires_at: iso(session.expiresAt),
    ended_at: endedAt === null ? null : iso(endedAt),
    created_at: iso(session.createdAt),
    updated_at: iso(session.updatedAt),
  };
}

/** A webhook's body: the event without `object`. */
export function webhookEventJson(event: EventRecord) {
  return { id: event.id, event: event.event, data: event.data, created_at: iso(event.createdAt) };
}

function eventJson(event: EventRecord) {
  return { object: 'event' as const, ...webhookEventJson(event) };
}

/** The spec's `EventList`: its metadata has `after` only. */
export function eventListJson(page: { data: EventRecord[]; after: string | null }) {
  return { object: 'list', data: page.data.map(eventJson), list_metadata: { after: page.after } };
}

const AUTHENTICATION_METHODS: Record<string, string> = {
  password: 'Password',
  impersonation: 'Impersonation',
  magic_code: 'MagicAuth',
  sso: 'SSO',
  passkey: 'Passkey',
};

/**
 * The answer of `POST /user_management/authenticate`. IMPORTANT: exactly the fields WorkOS sends. authkit copies
 * unknown fields into the sealed session cookie, and cookies over 4 KB are dropped by browsers.
 */
export function authenticationJson(
  user: UserRecord,
  session: SessionRecord,
  tokens: { accessToken: string; refreshToken: string },
) {
  return {
    user: userJson(user),
    ...(session.organizationId !== null && { organization_id: session.organizationId }),
    access_token: tokens.accessToken,
    refresh_token: tokens.refreshToken,
    authentication_method: AUTHENTICATION_METHODS[session.authMethod] ?? 'Password',
    ...(session.impersonator !== null && { impersonator: session.impersonator }),
  };
}
