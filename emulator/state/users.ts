import { randomBytes, scryptSync, timingSafeEqual } from 'node:crypto';
import { newId } from '../ids.ts';
import type { Store } from '../store.ts';
import { ApiError, iso, notFound, unprocessable, userJson } from '../wire.ts';
import { newMembership, requireRole, type MembershipRecord, type MembershipStatus } from './memberships.ts';
import { getOrganization, ORGANIZATION, OTHER_ORGANIZATION } from './organizations.ts';

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

const DEMO_PASSWORD = 'demo-password';
const DEMO_USERS: readonly {
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

function newUser(
  input: Pick<UserRecord, 'email' | 'firstName' | 'lastName'>,
  password: string,
  now: number,
): UserRecord {
  return {
    id: newId('user', now),
    email: input.email,
    emailVerified: true,
    firstName: input.firstName,
    lastName: input.lastName,
    passwordHash: hashPassword(password),
    lastSignInAt: null,
    createdAt: now,
    updatedAt: now,
  };
}

/** The demo users and their active memberships. */
export function seedUsers(now: number): { users: UserRecord[]; memberships: MembershipRecord[] } {
  const users: UserRecord[] = [];
  const memberships: MembershipRecord[] = [];
  for (const demo of DEMO_USERS) {
    const user = newUser(demo, DEMO_PASSWORD, now);
    users.push(user);
    for (const m of demo.memberships) memberships.push(newMembership({ userId: user.id, ...m, status: 'active' }, now));
  }
  return { users, memberships };
}

export function displayName(user: Pick<UserRecord, 'firstName' | 'lastName' | 'email'>): string {
  const name = [user.firstName, user.lastName].filter(Boolean).join(' ');
  return name || user.email;
}

export class Users {
  private readonly store: Store;

  constructor(store: Store) {
    this.store = store;
  }

  list(): UserRecord[] {
    return this.store.state.users;
  }

  get(id: string): UserRecord | undefined {
    return this.store.state.users.find((u) => u.id === id);
  }

  require(id: string): UserRecord {
    const user = this.get(id);
    if (!user) throw notFound('User', id);
    return user;
  }

  findByEmail(email: string): UserRecord | undefined {
    const wanted = email.trim().toLowerCase();
    return this.store.state.users.find((u) => u.email === wanted);
  }

  checkPassword(email: string, password: string): UserRecord | null {
    const user = this.findByEmail(email);
    if (!user || !verifyPassword(password, user.passwordHash)) return null;
    return user;
  }

  create(input: {
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
    if (this.findByEmail(email)) {
      throw new ApiError(409, { message: `A user with email '${email}' already exists.`, code: 'user_already_exists' });
    }
    const now = this.store.now();
    const user = newUser(
      { email, firstName: input.firstName?.trim() || null, lastName: input.lastName?.trim() || null },
      input.password,
      now,
    );
    this.store.state.users.push(user);
    this.store.events.emit('user.created', userJson(user));
    // Part of making the user (a seed for QA), so announced by `user.created` alone; memberships added through the
    // API later are announced on their own.
    for (const m of memberships) {
      this.store.state.memberships.push(
        newMembership(
          { userId: user.id, organizationId: m.organizationId, role: m.role ?? 'member', status: m.status ?? 'active' },
          now,
        ),
      );
    }
    return user;
  }

  /** Deletes a user: every live session is revoked first (each announced), then `user.deleted`. */
  delete(id: string): void {
    const user = this.require(id);
    const { state } = this.store;
    this.store.sessions.revokeAllOf(id);
    state.users = state.users.filter((u) => u.id !== id);
    state.memberships = state.memberships.filter((m) => m.userId !== id);
    this.store.codes.forgetUser(id);
    this.store.events.emit('user.deleted', { ...userJson(user), updated_at: iso(this.store.now()) });
  }

  resetPassword(id: string, password: string): UserRecord {
    const user = this.require(id);
    const now = this.store.now();
    user.passwordHash = hashPassword(password);
    user.updatedAt = now;
    this.store.events.emit('password_reset.succeeded', {
      object: 'password_reset',
      id: newId('password_reset', now),
      user_id: user.id,
      email: user.email,
      expires_at: iso(now + 24 * 60 * 60 * 1000),
      created_at: iso(now),
    });
    this.store.events.emit('user.updated', userJson(user));
    return user;
  }
}
