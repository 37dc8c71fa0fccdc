import { randomBytes, scryptSync, timingSafeEqual } from 'node:crypto';
import { mkdirSync, readFileSync, renameSync, writeFileSync } from 'node:fs';
import { dirname } from 'node:path';
import type { Clock } from './clock.ts';
import type { EmulatorConfig } from './config.ts';
import { newId, observeId, randomToken } from './ids.ts';
import { generateSigningKey, pkceChallenge, signJwt, withCertificate, type StoredSigningKey } from './keys.ts';

// ---------------------------------------------------------------------------------------------
// Records (internal) and wire objects (what WorkOS sends)

export interface UserRecord {
  id: string;
  email: string;
  emailVerified: boolean;
  firstName: string | null;
  lastName: string | null;
  passwordHash: string;
  lastSignInAt: number | null;
  createdAt: number;
  updatedAt: number;
}

export type MembershipStatus = 'active' | 'inactive' | 'pending';

/** A user's membership of one organization. A user may have several, one per organization, as at WorkOS. */
export interface MembershipRecord {
  id: string;
  userId: string;
  organizationId: string;
  role: string;
  status: MembershipStatus;
  createdAt: number;
  updatedAt: number;
}

/** State files written when a user had exactly one membership, kept on the user record. */
interface LegacyUserRecord extends UserRecord {
  role?: string;
  organizationId?: string;
  membershipStatus?: MembershipStatus;
}

export interface Impersonator {
  email: string;
  reason: string | null;
}

export interface SessionRecord {
  id: string;
  userId: string;
  organizationId: string | null;
  authMethod: string;
  ipAddress: string | null;
  userAgent: string | null;
  impersonator: Impersonator | null;
  /** When credentials were entered (ms); becomes the `auth_time` claim, kept across refreshes. */
  authTime: number;
  createdAt: number;
  updatedAt: number;
  expiresAt: number;
  /** The last activity (sign-in, refresh) for the inactivity timeout; absent in older state files (createdAt then). */
  lastActiveAt?: number;
  revokedAt: number | null;
  /** Impersonation sessions exist before the browser receives tokens for them. */
  tokensIssued: boolean;
}

export type SessionStatus = 'active' | 'expired' | 'revoked';

interface CodeRecord {
  code: string;
  userId: string;
  /** Set for impersonation: the code hands over an existing session. */
  sessionId: string | null;
  clientId: string;
  redirectUri: string | null;
  codeChallenge: string | null;
  organizationId: string | null;
  ipAddress: string | null;
  userAgent: string | null;
  authTime: number;
  authMethod: string;
  expiresAt: number;
}

/** A sign-in waiting for the user to choose one of their organizations on the hosted page (in memory only). */
interface PendingAuthentication {
  token: string;
  userId: string;
  authMethod: string;
  authTime: number;
  expiresAt: number;
}

interface RefreshTokenRecord {
  token: string;
  sessionId: string;
  createdAt: number;
  usedAt: number | null;
}

export interface EventRecord {
  id: string;
  event: string;
  data: Record<string, unknown>;
  createdAt: number;
}

export interface DeliveryAttempt {
  at: number;
  status: number | null;
  error: string | null;
  durationMs: number;
}

export interface DeliveryRecord {
  id: string;
  eventId: string;
  event: string;
  url: string;
  attempts: number;
  status: 'pending' | 'delivered' | 'failed';
  lastStatus: number | null;
  lastError: string | null;
  /** The app's own word on the event, from its answer's JSON `status` (processed, duplicate, ignored, parked). */
  acknowledgedAs?: string | null;
  nextAttemptAt: number | null;
  createdAt: number;
  log: DeliveryAttempt[];
}

export interface RuntimeConfig {
  accessTokenTtlSeconds: number;
  sessionMaxAgeSeconds: number;
  /** null: off (the default, as in a new WorkOS environment). */
  sessionInactivityTimeoutSeconds: number | null;
  webhookUrl: string | null;
  webhookSecret: string | null;
  webhooksEnabled: boolean;
  /** Whether access tokens carry `auth_time` (EMULATOR_AUTH_TIME_CLAIM; `auth_time_claim` in the control API). */
  authTimeClaim: boolean;
  /**
   * Stripe entitlements per organization id (`entitlements` claim of a session in that organization); null: the
   * integration is not connected, and no token carries the claim. Absent in older state files (null then).
   */
  entitlements?: Record<string, string[]> | null;
  /** Slugs of the feature flags enabled for everyone (`feature_flags` claim); null: none configured, no claim. */
  featureFlags?: string[] | null;
}

interface PersistedState {
  version: 1;
  signingKey: StoredSigningKey;
  users: UserRecord[];
  memberships: MembershipRecord[];
  sessions: SessionRecord[];
  codes: CodeRecord[];
  refreshTokens: RefreshTokenRecord[];
  events: EventRecord[];
  deliveries: DeliveryRecord[];
  config: RuntimeConfig;
}

export const ORGANIZATION = { id: 'org_demo', name: 'Demo Org' } as const;
/** A second organization, so that tenant isolation can be exercised (its users are no business of org_demo). */
export const OTHER_ORGANIZATION = { id: 'org_other', name: 'Other Org' } as const;
export const ORGANIZATIONS: readonly { id: string; name: string }[] = [ORGANIZATION, OTHER_ORGANIZATION];
export const DEMO_PASSWORD = 'demo-password';
export const ROLES = ['admin', 'member'] as const;
export const DEMO_USERS: readonly {
  email: string;
  firstName: string;
  lastName: string;
  memberships: readonly { organizationId: string; role: string }[];
}[] = [
  {
    email: 'ada@example.com',
    firstName: 'Ada',
    lastName: 'Lovelace',
    memberships: [{ organizationId: ORGANIZATION.id, role: 'admin' }],
  },
  {
    email: 'grace@example.com',
    firstName: 'Grace',
    lastName: 'Hopper',
    memberships: [{ organizationId: ORGANIZATION.id, role: 'member' }],
  },
  {
    email: 'alan@example.com',
    firstName: 'Alan',
    lastName: 'Turing',
    memberships: [{ organizationId: ORGANIZATION.id, role: 'member' }],
  },
  {
    email: 'linus@example.com',
    firstName: 'Linus',
    lastName: 'Torvalds',
    memberships: [{ organizationId: OTHER_ORGANIZATION.id, role: 'member' }],
  },
  // A member of both organizations: the hosted page asks which one to sign in to, as WorkOS does.
  {
    email: 'barbara@example.com',
    firstName: 'Barbara',
    lastName: 'Liskov',
    memberships: [
      { organizationId: ORGANIZATION.id, role: 'member' },
      { organizationId: OTHER_ORGANIZATION.id, role: 'member' },
    ],
  },
];

export function getOrganization(id: string): { id: string; name: string } | undefined {
  return ORGANIZATIONS.find((o) => o.id === id);
}

/** Seeded organizations have no history here; they report a fixed creation time. */
const ORGANIZATION_CREATED_AT = Date.UTC(2024, 0, 1);

export function organizationJson(organization: { id: string; name: string }, createdAt = ORGANIZATION_CREATED_AT) {
  return {
    object: 'organization' as const,
    id: organization.id,
    name: organization.name,
    allow_profiles_outside_organization: false,
    domains: [],
    external_id: null,
    metadata: {},
    created_at: iso(createdAt),
    updated_at: iso(createdAt),
  };
}

/** An organization membership in WorkOS's shape. */
export function membershipJson(membership: MembershipRecord) {
  return {
    object: 'organization_membership' as const,
    id: membership.id,
    user_id: membership.userId,
    organization_id: membership.organizationId,
    organization_name: getOrganization(membership.organizationId)?.name ?? membership.organizationId,
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

function requireRole(slug: string): string {
  // The spec's 422 for an unknown role on POST/PUT …/organization_memberships.
  if (!(ROLES as readonly string[]).includes(slug))
    throw new ApiError(422, { message: `Role '${slug}' is not a valid role.`, code: 'invalid_role' });
  return slug;
}

const PERMISSIONS: Record<string, string[]> = {
  admin: ['sessions:manage', 'users:manage'],
  member: [],
};

const CODE_TTL_MS = 10 * 60 * 1000;
const EVENT_RETENTION_MS = 30 * 24 * 60 * 60 * 1000;

export const iso = (ms: number) => new Date(ms).toISOString();

export function displayName(user: Pick<UserRecord, 'firstName' | 'lastName' | 'email'>): string {
  const name = [user.firstName, user.lastName].filter(Boolean).join(' ');
  return name || user.email;
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

// ---------------------------------------------------------------------------------------------
// Errors in WorkOS's shapes

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

export const invalidGrant = (description: string) =>
  new ApiError(400, { error: 'invalid_grant', error_description: description });

export const unprocessable = (field: string, message: string) =>
  new ApiError(422, {
    message: 'Validation failed',
    code: 'invalid_request_parameters',
    errors: [{ field, code: message }],
  });

// ---------------------------------------------------------------------------------------------

function hashPassword(password: string): string {
  const salt = randomBytes(16);
  // Low cost on purpose: this is a local emulator and tests reset the seed often.
  const hash = scryptSync(password, salt, 32, { N: 1024 });
  return `scrypt$${salt.toString('base64url')}$${hash.toString('base64url')}`;
}

function verifyPassword(password: string, stored: string): boolean {
  const [scheme, salt, hash] = stored.split('$');
  if (scheme !== 'scrypt' || !salt || !hash) return false;
  const expected = Buffer.from(hash, 'base64url');
  const actual = scryptSync(password, Buffer.from(salt, 'base64url'), expected.length, { N: 1024 });
  return timingSafeEqual(actual, expected);
}

/** One membership per user, from state files written before users could have several (same ids as then). */
function migrateMemberships(users: LegacyUserRecord[]): MembershipRecord[] {
  return users.map((user) => {
    const membership: MembershipRecord = {
      id: `om_${user.id.replace(/^user_/, '')}`,
      userId: user.id,
      organizationId: user.organizationId ?? ORGANIZATION.id,
      role: user.role ?? 'member',
      status: user.membershipStatus ?? 'active',
      createdAt: user.createdAt,
      updatedAt: user.updatedAt,
    };
    delete user.role;
    delete user.organizationId;
    delete user.membershipStatus;
    return membership;
  });
}

export type EventListener = (event: EventRecord) => void;

export interface StoreOptions {
  config: EmulatorConfig;
  clock: Clock;
  /** Base URL used as the access token issuer. */
  issuer: () => string;
}

/**
 * All emulator state and the operations on it. Every mutation that WorkOS would announce emits an
 * event (kept 30 days, also handed to listeners such as the webhook dispatcher).
 */
/** One refresh-token grant as the emulator answered it (kept in memory, for tests and benchmarks). */
export interface GrantLogEntry {
  sessionId: string | null;
  at: number;
  outcome: 'ok' | 'invalid_grant' | 'rejected';
}

const GRANT_LOG_LIMIT = 50_000;

export class Store {
  /** Every refresh grant, newest last: how many a session spent, and how many lost a race. */
  readonly grantLog: GrantLogEntry[] = [];

  private readonly options: StoreOptions;
  private state: PersistedState;
  private readonly listeners = new Set<EventListener>();
  private readonly pending = new Map<string, PendingAuthentication>();
  private saveTimer: NodeJS.Timeout | null = null;

  constructor(options: StoreOptions) {
    this.options = options;
    const loaded = this.load();
    this.state =
      loaded ?? this.seed(generateSigningKey(newId('sso_oidc_key_pair', options.clock.now()), options.clock.now()));
    if (!loaded) this.persistSoon();
  }

  get clock(): Clock {
    return this.options.clock;
  }

  private now(): number {
    return this.options.clock.now();
  }

  get signingKey(): StoredSigningKey {
    return this.state.signingKey;
  }

  get config(): RuntimeConfig {
    return this.state.config;
  }

  private defaultConfig(): RuntimeConfig {
    const { config } = this.options;
    return {
      accessTokenTtlSeconds: config.accessTokenTtlSeconds,
      sessionMaxAgeSeconds: config.sessionMaxAgeSeconds,
      sessionInactivityTimeoutSeconds: config.sessionInactivityTimeoutSeconds,
      webhookUrl: config.webhookUrl,
      webhookSecret: config.webhookSecret,
      webhooksEnabled: config.webhookUrl !== null,
      authTimeClaim: config.authTimeClaim,
    };
  }

  private seed(signingKey: StoredSigningKey): PersistedState {
    const now = this.now();
    const users: UserRecord[] = [];
    const memberships: MembershipRecord[] = [];
    for (const demo of DEMO_USERS) {
      const user: UserRecord = {
        id: newId('user', now),
        email: demo.email,
        emailVerified: true,
        firstName: demo.firstName,
        lastName: demo.lastName,
        passwordHash: hashPassword(DEMO_PASSWORD),
        lastSignInAt: null,
        createdAt: now,
        updatedAt: now,
      };
      users.push(user);
      for (const m of demo.memberships) {
        memberships.push({
          id: newId('om', now),
          userId: user.id,
          ...m,
          status: 'active',
          createdAt: now,
          updatedAt: now,
        });
      }
    }
    return {
      version: 1,
      signingKey,
      users,
      memberships,
      sessions: [],
      codes: [],
      refreshTokens: [],
      events: [],
      deliveries: [],
      config: this.defaultConfig(),
    };
  }

  /** Back to the seeded state; the signing key is kept so tokens already verified stay verifiable. */
  reset(): void {
    this.grantLog.length = 0;
    this.pending.clear();
    this.state = this.seed(this.state.signingKey);
    this.persistSoon();
  }

  // -- persistence ------------------------------------------------------------------------------

  private load(): PersistedState | null {
    const file = this.options.config.stateFile;
    if (!file) return null;
    let text: string;
    try {
      text = readFileSync(file, 'utf8');
    } catch (error) {
      if ((error as NodeJS.ErrnoException).code === 'ENOENT') return null;
      throw error;
    }
    const parsed = JSON.parse(text) as PersistedState;
    if (parsed.version !== 1 || !parsed.signingKey || !Array.isArray(parsed.users)) {
      throw new Error(`EMULATOR_STATE_FILE ${file} is not an emulator state file (delete it to start fresh)`);
    }
    if (!Array.isArray(parsed.memberships)) parsed.memberships = migrateMemberships(parsed.users as LegacyUserRecord[]);
    for (const list of [parsed.users, parsed.memberships, parsed.sessions, parsed.events, parsed.deliveries]) {
      for (const item of list) observeId(item.id);
    }
    // State files written before the key had a certificate: make one now (written back with the next save).
    parsed.signingKey = withCertificate(parsed.signingKey);
    // State files written before the inactivity timeout existed: take it from the configuration.
    if (parsed.config && parsed.config.sessionInactivityTimeoutSeconds === undefined) {
      parsed.config.sessionInactivityTimeoutSeconds = this.options.config.sessionInactivityTimeoutSeconds;
    }
    // State files written before `authTimeClaim` existed: take it from the configuration.
    if (typeof parsed.config?.authTimeClaim !== 'boolean' && parsed.config) {
      parsed.config.authTimeClaim = this.options.config.authTimeClaim;
    }
    return parsed;
  }

  private persistSoon(): void {
    if (!this.options.config.stateFile || this.saveTimer) return;
    this.saveTimer = setTimeout(() => {
      this.saveTimer = null;
      this.flush();
    }, 25);
    this.saveTimer.unref();
  }

  /** Writes the state file now (atomically: temp file + rename). */
  flush(): void {
    if (this.saveTimer) {
      clearTimeout(this.saveTimer);
      this.saveTimer = null;
    }
    const file = this.options.config.stateFile;
    if (!file) return;
    mkdirSync(dirname(file), { recursive: true });
    const temp = `${file}.${process.pid}.tmp`;
    writeFileSync(temp, JSON.stringify(this.state));
    renameSync(temp, file);
  }

  /** Call after mutating a record in place. */
  touch(): void {
    this.persistSoon();
  }

  // -- events -----------------------------------------------------------------------------------

  onEvent(listener: EventListener): () => void {
    this.listeners.add(listener);
    return () => this.listeners.delete(listener);
  }

  private emit(event: string, data: Record<string, unknown>): EventRecord {
    const now = this.now();
    const record: EventRecord = { id: newId('event', now), event, data, createdAt: now };
    const cutoff = now - EVENT_RETENTION_MS;
    this.state.events = this.state.events.filter((e) => e.createdAt >= cutoff);
    this.state.events.push(record);
    this.persistSoon();
    for (const listener of this.listeners) listener(record);
    return record;
  }

  /**
   * QA: an event exactly as given, through the same path as every other (Events API and webhooks) — including one
   * WorkOS could send malformed, to see how the app parks it.
   */
  injectEvent(event: string, data: Record<string, unknown>): EventRecord {
    return this.emit(event, data);
  }

  /** Events still retained (30 days), oldest first. */
  listEvents(): EventRecord[] {
    const cutoff = this.now() - EVENT_RETENTION_MS;
    return this.state.events.filter((e) => e.createdAt >= cutoff);
  }

  eventJson(event: EventRecord) {
    return {
      object: 'event' as const,
      id: event.id,
      event: event.event,
      data: event.data,
      created_at: iso(event.createdAt),
    };
  }

  // -- users ------------------------------------------------------------------------------------

  listUsers(): UserRecord[] {
    return this.state.users;
  }

  getUser(id: string): UserRecord | undefined {
    return this.state.users.find((u) => u.id === id);
  }

  requireUser(id: string): UserRecord {
    const user = this.getUser(id);
    if (!user) throw notFound('User', id);
    return user;
  }

  findUserByEmail(email: string): UserRecord | undefined {
    const wanted = email.trim().toLowerCase();
    return this.state.users.find((u) => u.email === wanted);
  }

  createUser(input: {
    email: string;
    password: string;
    firstName?: string | null;
    lastName?: string | null;
    /** Default: one active `member` membership of org_demo. An empty list makes a user of no organization. */
    memberships?: { organizationId: string; role?: string; status?: MembershipStatus }[];
  }): UserRecord {
    const email = input.email.trim().toLowerCase();
    const memberships = input.memberships ?? [{ organizationId: ORGANIZATION.id }];
    const seen = new Set<string>();
    for (const m of memberships) {
      if (!getOrganization(m.organizationId))
        throw unprocessable('organization_id', `Organization not found: '${m.organizationId}'`);
      if (seen.has(m.organizationId))
        throw unprocessable('organization_id', `One membership per organization: '${m.organizationId}' is given twice`);
      seen.add(m.organizationId);
      if (m.role !== undefined) requireRole(m.role);
    }
    if (this.findUserByEmail(email)) {
      throw new ApiError(409, { message: `A user with email '${email}' already exists.`, code: 'user_already_exists' });
    }
    const now = this.now();
    const user: UserRecord = {
      id: newId('user', now),
      email,
      emailVerified: true,
      firstName: input.firstName?.trim() || null,
      lastName: input.lastName?.trim() || null,
      passwordHash: hashPassword(input.password),
      lastSignInAt: null,
      createdAt: now,
      updatedAt: now,
    };
    this.state.users.push(user);
    this.emit('user.created', userJson(user));
    // Part of making the user (a seed for QA), so announced by `user.created` alone; memberships added through the
    // API later are announced on their own.
    for (const m of memberships) {
      this.state.memberships.push({
        id: newId('om', now),
        userId: user.id,
        organizationId: m.organizationId,
        role: m.role ?? 'member',
        status: m.status ?? 'active',
        createdAt: now,
        updatedAt: now,
      });
    }
    return user;
  }

  checkPassword(email: string, password: string): UserRecord | null {
    const user = this.findUserByEmail(email);
    if (!user || !verifyPassword(password, user.passwordHash)) return null;
    return user;
  }

  /** Deletes a user: every live session is revoked first (each announced), then `user.deleted`. */
  deleteUser(id: string): void {
    const user = this.requireUser(id);
    this.revokeUserSessions(id);
    this.state.users = this.state.users.filter((u) => u.id !== id);
    this.state.memberships = this.state.memberships.filter((m) => m.userId !== id);
    this.state.codes = this.state.codes.filter((c) => c.userId !== id);
    this.emit('user.deleted', { ...userJson(user), updated_at: iso(this.now()) });
  }

  resetPassword(id: string, password: string): UserRecord {
    const user = this.requireUser(id);
    const now = this.now();
    user.passwordHash = hashPassword(password);
    user.updatedAt = now;
    this.emit('password_reset.succeeded', {
      object: 'password_reset',
      id: newId('password_reset', now),
      user_id: user.id,
      email: user.email,
      expires_at: iso(now + 24 * 60 * 60 * 1000),
      created_at: iso(now),
    });
    this.emit('user.updated', userJson(user));
    return user;
  }

  // -- organization memberships -----------------------------------------------------------------

  /** Every membership, oldest first; of one user when given. */
  listMemberships(userId?: string): MembershipRecord[] {
    return userId === undefined ? this.state.memberships : this.state.memberships.filter((m) => m.userId === userId);
  }

  requireMembership(id: string): MembershipRecord {
    const membership = this.state.memberships.find((m) => m.id === id);
    if (!membership) throw notFound('OrganizationMembership', id);
    return membership;
  }

  /** The user's ACTIVE membership of that organization: what signing in to it, and its tokens, need. */
  activeMembership(userId: string, organizationId: string): MembershipRecord | undefined {
    return this.state.memberships.find(
      (m) => m.userId === userId && m.organizationId === organizationId && m.status === 'active',
    );
  }

  activeMemberships(userId: string): MembershipRecord[] {
    return this.state.memberships.filter((m) => m.userId === userId && m.status === 'active');
  }

  /**
   * `POST /user_management/organization_memberships`: a new active membership. For an organization where the user
   * has an inactive one, that one is activated with the given role instead (as the SDK documents).
   */
  createMembership(input: { userId: string; organizationId: string; role?: string | null }): MembershipRecord {
    this.requireUser(input.userId);
    if (!getOrganization(input.organizationId)) throw notFound('Organization', input.organizationId);
    const role = input.role ? requireRole(input.role) : 'member';
    const existing = this.state.memberships.find(
      (m) => m.userId === input.userId && m.organizationId === input.organizationId,
    );
    if (!existing) {
      const now = this.now();
      const membership: MembershipRecord = {
        id: newId('om', now),
        userId: input.userId,
        organizationId: input.organizationId,
        role,
        status: 'active',
        createdAt: now,
        updatedAt: now,
      };
      this.state.memberships.push(membership);
      this.emit('organization_membership.created', membershipEventJson(membership));
      return membership;
    }
    if (existing.status !== 'inactive') {
      throw new ApiError(422, {
        message: `The user already has a membership of organization '${input.organizationId}'.`,
        code: 'organization_membership_already_exists',
      });
    }
    return this.changeMembership(existing, { status: 'active', role });
  }

  /** `PUT …/organization_memberships/{id}`: a new role (`organization_membership.updated` when it changes). */
  updateMembershipRole(id: string, roleSlug: string): MembershipRecord {
    const membership = this.requireMembership(id);
    return this.changeMembership(membership, { role: requireRole(roleSlug) });
  }

  /**
   * `PUT …/deactivate` and `…/reactivate`. Already in that state: unchanged, no event. A pending membership (an
   * invitation) can do neither: it is deleted, or accepted, instead.
   */
  setMembershipActive(id: string, active: boolean): MembershipRecord {
    const membership = this.requireMembership(id);
    if (membership.status === 'pending') {
      // The spec's 400 codes for PUT …/deactivate and …/reactivate of a pending membership.
      throw new ApiError(400, {
        message: `A pending organization membership cannot be ${active ? 'reactivated' : 'deactivated'}.${
          active ? ' The user needs to accept the invitation instead.' : ''
        }`,
        code: active
          ? 'cannot_reactivate_pending_organization_membership'
          : 'cannot_deactivate_pending_organization_membership',
      });
    }
    return this.changeMembership(membership, { status: active ? 'active' : 'inactive' });
  }

  /** `DELETE …/organization_memberships/{id}`: gone for good (`organization_membership.deleted`). */
  deleteMembership(id: string): void {
    const membership = this.requireMembership(id);
    this.state.memberships = this.state.memberships.filter((m) => m !== membership);
    this.emit('organization_membership.deleted', { ...membershipEventJson(membership), updated_at: iso(this.now()) });
  }

  private changeMembership(membership: MembershipRecord, patch: Partial<Pick<MembershipRecord, 'role' | 'status'>>) {
    const changed = Object.entries(patch).some(([key, value]) => membership[key as keyof typeof patch] !== value);
    if (!changed) return membership;
    Object.assign(membership, patch, { updatedAt: this.now() });
    this.emit('organization_membership.updated', membershipEventJson(membership));
    return membership;
  }

  // -- sessions ---------------------------------------------------------------------------------

  sessionStatus(session: SessionRecord): SessionStatus {
    if (session.revokedAt !== null) return 'revoked';
    if (this.now() >= this.sessionEnd(session)) return 'expired';
    return 'active';
  }

  /** When the session ends unless revoked: its maximum length, or sooner after inactivity when that is configured. */
  private sessionEnd(session: SessionRecord): number {
    const timeout = this.state.config.sessionInactivityTimeoutSeconds;
    if (timeout === null) return session.expiresAt;
    return Math.min(session.expiresAt, (session.lastActiveAt ?? session.createdAt) + timeout * 1000);
  }

  sessionJson(session: SessionRecord) {
    const status = this.sessionStatus(session);
    const endedAt = session.revokedAt ?? (status === 'expired' ? this.sessionEnd(session) : null);
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

  /** Every session of a user (or of everyone), including ended ones, oldest first. */
  listSessions(userId?: string): SessionRecord[] {
    return userId === undefined ? this.state.sessions : this.state.sessions.filter((s) => s.userId === userId);
  }

  getSession(id: string): SessionRecord | undefined {
    return this.state.sessions.find((s) => s.id === id);
  }

  private createSession(
    input: { user: UserRecord } & Pick<
      SessionRecord,
      'organizationId' | 'authMethod' | 'ipAddress' | 'userAgent' | 'impersonator' | 'authTime' | 'tokensIssued'
    >,
  ): SessionRecord {
    const now = this.now();
    const session: SessionRecord = {
      id: newId('session', now),
      userId: input.user.id,
      organizationId: input.organizationId,
      authMethod: input.authMethod,
      ipAddress: input.ipAddress,
      userAgent: input.userAgent,
      impersonator: input.impersonator,
      authTime: input.authTime,
      createdAt: now,
      updatedAt: now,
      expiresAt: now + this.state.config.sessionMaxAgeSeconds * 1000,
      lastActiveAt: now,
      revokedAt: null,
      tokensIssued: input.tokensIssued,
    };
    this.state.sessions.push(session);
    this.emit('session.created', this.sessionJson(session));
    return session;
  }

  /** Revokes a session; idempotent (an ended session is returned unchanged, with no new event). */
  revokeSession(id: string): SessionRecord {
    const session = this.getSession(id);
    if (!session) throw notFound('Session', id);
    if (this.sessionStatus(session) !== 'active') return session;
    const now = this.now();
    session.revokedAt = now;
    session.updatedAt = now;
    this.state.codes = this.state.codes.filter((c) => c.sessionId !== id);
    this.emit('session.revoked', this.sessionJson(session));
    return session;
  }

  revokeUserSessions(userId: string): SessionRecord[] {
    const active = this.state.sessions.filter((s) => s.userId === userId && this.sessionStatus(s) === 'active');
    return active.map((s) => this.revokeSession(s.id));
  }

  /** An impersonation session, as started from the WorkOS dashboard; the browser picks it up at the hosted page. */
  impersonate(userId: string, impersonator: Impersonator): SessionRecord {
    const user = this.requireUser(userId);
    return this.createSession({
      user,
      organizationId: this.activeMemberships(user.id)[0]?.organizationId ?? null,
      authMethod: 'impersonation',
      ipAddress: null,
      userAgent: null,
      impersonator,
      authTime: this.now(),
      tokensIssued: false,
    });
  }

  /** Impersonation sessions still waiting for a browser to take them over. */
  pendingImpersonations(): SessionRecord[] {
    return this.state.sessions.filter(
      (s) =>
        s.impersonator !== null &&
        !s.tokensIssued &&
        this.sessionStatus(s) === 'active' &&
        this.now() - s.createdAt < CODE_TTL_MS,
    );
  }

  // -- authorization codes and tokens -----------------------------------------------------------

  /** Credentials checked, organization not chosen yet: a single-use token for the hosted page's next step. */
  createPendingAuthentication(input: Pick<PendingAuthentication, 'userId' | 'authMethod' | 'authTime'>): string {
    const now = this.now();
    for (const [token, entry] of this.pending) if (entry.expiresAt <= now) this.pending.delete(token);
    const token = randomToken(24);
    this.pending.set(token, { ...input, token, expiresAt: now + CODE_TTL_MS });
    return token;
  }

  /** Consumes a pending authentication (any attempt does); undefined when unknown or expired. */
  takePendingAuthentication(token: string): PendingAuthentication | undefined {
    const entry = this.pending.get(token);
    this.pending.delete(token);
    return entry && entry.expiresAt > this.now() ? entry : undefined;
  }

  createCode(input: Omit<CodeRecord, 'code' | 'expiresAt'>): string {
    const now = this.now();
    this.state.codes = this.state.codes.filter((c) => c.expiresAt > now);
    const code = randomToken(24);
    this.state.codes.push({ ...input, code, expiresAt: now + CODE_TTL_MS });
    this.persistSoon();
    return code;
  }

  /** `grant_type=authorization_code`: codes are single-use (consumed by any attempt) and live 10 minutes. */
  exchangeCode(input: {
    code: string;
    clientId: string;
    codeVerifier: string | null;
    confidential: boolean;
    ipAddress: string | null;
    userAgent: string | null;
  }) {
    const index = this.state.codes.findIndex((c) => c.code === input.code);
    const record = index >= 0 ? this.state.codes[index] : undefined;
    if (!record) throw invalidGrant('The code has expired or is invalid.');
    this.state.codes.splice(index, 1);
    this.persistSoon();
    if (record.expiresAt <= this.now()) throw invalidGrant('The code has expired or is invalid.');
    if (record.clientId !== input.clientId) throw invalidGrant('The code was issued to a different client.');
    if (record.codeChallenge !== null) {
      if (!input.codeVerifier) throw invalidGrant('A code_verifier is required for this code.');
      if (pkceChallenge(input.codeVerifier) !== record.codeChallenge)
        throw invalidGrant('The code_verifier does not match the code_challenge.');
    } else if (!input.confidential) {
      throw new ApiError(400, {
        error: 'invalid_client',
        error_description: 'client_secret is required when the code has no code_challenge.',
      });
    }
    const user = this.getUser(record.userId);
    if (!user) throw invalidGrant('The user no longer exists.');
    // A membership deactivated or deleted since the code was made does not get a session in that organization.
    if (record.organizationId !== null && !this.activeMembership(user.id, record.organizationId)) {
      throw invalidGrant('The user is no longer a member of the organization.');
    }

    let session: SessionRecord;
    if (record.sessionId !== null) {
      const existing = this.getSession(record.sessionId);
      if (!existing || this.sessionStatus(existing) !== 'active')
        throw invalidGrant('The session is no longer active.');
      session = existing;
      session.tokensIssued = true;
      session.ipAddress = input.ipAddress ?? record.ipAddress;
      session.userAgent = input.userAgent ?? record.userAgent;
      session.updatedAt = this.now();
    } else {
      session = this.createSession({
        user,
        organizationId: record.organizationId,
        authMethod: record.authMethod,
        ipAddress: input.ipAddress ?? record.ipAddress,
        userAgent: input.userAgent ?? record.userAgent,
        impersonator: null,
        authTime: record.authTime,
        tokensIssued: true,
      });
    }
    user.lastSignInAt = this.now();
    return this.issueTokens(user, session);
  }

  /** `grant_type=refresh_token`: refresh tokens rotate; a used, revoked or expired one is `invalid_grant`. */
  refresh(input: { refreshToken: string; organizationId: string | null }) {
    const sessionId = this.state.refreshTokens.find((t) => t.token === input.refreshToken)?.sessionId ?? null;
    try {
      const tokens = this.refreshGrant(input);
      this.logGrant(sessionId, 'ok');
      return tokens;
    } catch (error) {
      this.logGrant(
        sessionId,
        error instanceof ApiError && error.body.error === 'invalid_grant' ? 'invalid_grant' : 'rejected',
      );
      throw error;
    }
  }

  private logGrant(sessionId: string | null, outcome: GrantLogEntry['outcome']): void {
    this.grantLog.push({ sessionId, at: this.now(), outcome });
    if (this.grantLog.length > GRANT_LOG_LIMIT) this.grantLog.splice(0, this.grantLog.length - GRANT_LOG_LIMIT);
  }

  private refreshGrant(input: { refreshToken: string; organizationId: string | null }) {
    const record = this.state.refreshTokens.find((t) => t.token === input.refreshToken);
    if (!record) throw invalidGrant('Refresh token is invalid.');
    if (record.usedAt !== null) throw invalidGrant('Refresh token already exchanged.');
    const session = this.getSession(record.sessionId);
    if (!session) throw invalidGrant('Session not found.');
    const status = this.sessionStatus(session);
    if (status === 'revoked') throw invalidGrant('Session has been revoked.');
    if (status === 'expired') throw invalidGrant('Session has expired.');
    const user = this.getUser(session.userId);
    if (!user) throw invalidGrant('The user no longer exists.');
    // With organization_id the session switches to that organization; without, it keeps its most recent one. Either
    // way the user must still be an active member of it, and the token carries the membership's role as it is now.
    const organizationId = input.organizationId ?? session.organizationId;
    // The spec's OAuth-shaped 400s for the refresh grant (the SDK throws OauthException, as with WorkOS).
    if (organizationId !== null && !getOrganization(organizationId)) {
      throw new ApiError(400, {
        error: 'organization_not_found',
        error_description: 'The request failed due to: organization_not_found.',
      });
    }
    if (organizationId !== null && !this.activeMembership(user.id, organizationId)) {
      throw new ApiError(400, {
        error: 'organization_membership_not_found',
        error_description: 'The request failed due to: organization_membership_not_found.',
      });
    }
    record.usedAt = this.now();
    session.organizationId = organizationId;
    session.updatedAt = this.now();
    session.lastActiveAt = this.now();
    return this.issueTokens(user, session);
  }

  private issueTokens(user: UserRecord, session: SessionRecord) {
    const now = this.now();
    const iat = Math.floor(now / 1000);
    const claims: Record<string, unknown> = {
      iss: this.options.issuer(),
      sub: user.id,
      sid: session.id,
      jti: newId('jti', now).slice(4),
      iat,
      exp: iat + this.state.config.accessTokenTtlSeconds,
    };
    // Optional at WorkOS (its documented session token has none): only when configured.
    if (this.state.config.authTimeClaim) claims.auth_time = Math.floor(session.authTime / 1000);
    // Read at every issue: a change reaches the session at its next refresh, as at WorkOS.
    const entitlements =
      session.organizationId === null ? undefined : this.state.config.entitlements?.[session.organizationId];
    if (entitlements) claims.entitlements = [...entitlements];
    if (this.state.config.featureFlags) claims.feature_flags = [...this.state.config.featureFlags];
    const membership =
      session.organizationId === null ? undefined : this.activeMembership(user.id, session.organizationId);
    if (session.organizationId !== null) claims.org_id = session.organizationId;
    if (membership) {
      claims.role = membership.role;
      claims.roles = [membership.role];
      claims.permissions = PERMISSIONS[membership.role] ?? [];
    }
    if (session.impersonator) claims.act = { sub: session.impersonator.email };

    const refreshToken = randomToken(32);
    this.state.refreshTokens = this.state.refreshTokens.filter((t) => {
      const owner = this.getSession(t.sessionId);
      return owner !== undefined && this.sessionStatus(owner) === 'active';
    });
    this.state.refreshTokens.push({ token: refreshToken, sessionId: session.id, createdAt: now, usedAt: null });
    this.persistSoon();

    // IMPORTANT: exactly the fields WorkOS sends. authkit copies unknown fields into the sealed
    // session cookie, and cookies over 4 KB are dropped by browsers.
    return {
      user: userJson(user),
      ...(session.organizationId !== null && { organization_id: session.organizationId }),
      access_token: signJwt(this.state.signingKey, claims),
      refresh_token: refreshToken,
      authentication_method: AUTHENTICATION_METHODS[session.authMethod] ?? 'Password',
      ...(session.impersonator !== null && { impersonator: session.impersonator }),
    };
  }

  // -- webhook deliveries -----------------------------------------------------------------------

  listDeliveries(): DeliveryRecord[] {
    return this.state.deliveries;
  }

  addDelivery(delivery: DeliveryRecord): void {
    this.state.deliveries.push(delivery);
    if (this.state.deliveries.length > 1000) this.state.deliveries.splice(0, this.state.deliveries.length - 1000);
    this.persistSoon();
  }

  getEvent(id: string): EventRecord | undefined {
    return this.state.events.find((e) => e.id === id);
  }

  updateConfig(patch: Partial<RuntimeConfig>): RuntimeConfig {
    this.state.config = { ...this.state.config, ...patch };
    this.persistSoon();
    return this.state.config;
  }
}

const AUTHENTICATION_METHODS: Record<string, string> = {
  password: 'Password',
  impersonation: 'Impersonation',
  magic_code: 'MagicAuth',
  sso: 'SSO',
  passkey: 'Passkey',
};
