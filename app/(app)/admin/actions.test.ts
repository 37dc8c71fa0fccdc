import { beforeEach, describe, expect, it, vi } from 'vitest';
import { hashSessionId } from '@/lib/security/hash';
import type { AppSession } from '@/lib/workos/types';

const m = vi.hoisted(() => ({
  role: 'admin' as string | null,
  impersonator: null as { email: string; reason: string | null } | null,
  organizationId: 'org_demo' as string | null,
  calls: [] as string[],
  sessions: [] as AppSession[],
  memberships: [] as {
    userId: string;
    organizationId: string;
    status: 'active' | 'inactive' | 'pending';
    role?: string;
  }[],
  /** listOrganizationMemberships of these users fails as WorkOS does when it cannot be reached. */
  membershipsDown: new Set<string>(),
  failRevoke: new Map<string, 'refused' | 'timeout'>(),
  failRegistry: new Set<string>(),
  goneAtWorkos: new Set<string>(),
  registry: [] as unknown[],
  revoked: new Set<string>(),
  audit: [] as unknown[],
}));

vi.mock('next/navigation', () => ({
  forbidden: () => {
    throw new Error('NEXT_HTTP_ERROR_FALLBACK;403');
  },
}));
vi.mock('next/cache', () => ({ revalidatePath: () => {} }));
vi.mock('@/lib/auth/session', async () => {
  const { currentSession } = await import('@/test/fixtures');
  return {
    requireSession: async () =>
      currentSession({ sessionId: 'session_ada', organizationId: m.organizationId, role: m.role, impersonator: m.impersonator }),
  };
});
vi.mock('@/lib/env', () => ({
  getEnv: () => ({
    INACTIVE_SESSION_DAYS: 30,
    WORKOS_COOKIE_PASSWORD: 'a-cookie-password-of-at-least-32-characters!',
    WORKOS_COOKIE_MAX_AGE: 34_560_000,
    RATE_LIMIT_PAGES_PER_SESSION: 60,
    RATE_LIMIT_PAGES_PER_USER: 180,
    RATE_LIMIT_ACTIONS_PER_SESSION: 3,
    RATE_LIMIT_ACTIONS_PER_USER: 6,
    RATE_LIMIT_SIGN_IN_PER_IP: 120,
    RATE_LIMIT_CALLBACK_PER_IP: 120,
    RATE_LIMIT_WEBHOOKS_PER_IP: 1_200,
    RATE_LIMIT_RECEIPTS_PER_IP: 600,
  }),
}));
vi.mock('@/lib/db', async (importOriginal) => {
  const actual = await importOriginal<typeof import('@/lib/db')>();
  return { ...actual, getDb: () => actual.openDatabase(':memory:') };
});
vi.mock('@/lib/sessions/activity', () => ({ getLastActive: () => new Map() }));
vi.mock('@/lib/audit', () => ({
  getSignInMethods: () => new Map(),
  getSignInNovelty: () => new Map(),
  getTokenReuse: () => new Map(),
  recordAudit: async (entry: unknown) => {
    m.calls.push('audit');
    m.audit.push(entry);
    return { id: m.audit.length };
  },
  markWorkosConfirmed: () => {},
}));
vi.mock('@/lib/revocation', () => ({
  getRevocationRegistry: () => ({
    ready: async () => {},
    check: (sessionId: string) => (m.revoked.has(sessionId) ? { reason: 'admin' } : null),
    revoke: async (input: { sessionId: string }) => {
      m.calls.push(`registry:${input.sessionId}`);
      if (m.failRegistry.has(input.sessionId)) throw new Error('SQLITE_BUSY');
      m.registry.push(input);
      m.revoked.add(input.sessionId);
    },
  }),
}));
vi.mock('@/lib/workos/client', async () => {
  const types = await import('@/lib/workos/types');
  // Users anywhere in the WorkOS environment; their organizations come from m.memberships.
  const users = [
    { id: 'user_grace', email: 'grace@example.com', firstName: 'Grace', lastName: 'Hopper', name: 'Grace Hopper' },
    { id: 'user_linus', email: 'linus@example.com', firstName: 'Linus', lastName: 'Torvalds', name: 'Linus Torvalds' },
    { id: 'user_ken', email: 'ken@example.com', firstName: 'Ken', lastName: 'Thompson', name: 'Ken Thompson' },
  ];
  return {
    WorkosError: types.WorkosError,
    getUser: async (id: string) => users.find((u) => u.id === id) ?? null,
    findUserByEmail: async (email: string) => users.find((u) => u.email === email) ?? null,
    listOrganizationMemberships: async (opts: { userId?: string; organizationId?: string; statuses?: string[] }) => {
      m.calls.push(`memberships:${opts.userId}:${opts.organizationId}:${opts.statuses?.join(',')}`);
      if (opts.userId && m.membershipsDown.has(opts.userId)) throw new types.WorkosError('timeout', 'no answer');
      return m.memberships
        .filter(
          (ms) =>
            (!opts.userId || ms.userId === opts.userId) &&
            (!opts.organizationId || ms.organizationId === opts.organizationId) &&
            (!opts.statuses || opts.statuses.includes(ms.status)),
        )
        .map((ms, i) => ({ id: `om_${i}`, organizationName: null, ...ms, role: ms.role ?? 'member', roles: [ms.role ?? 'member'] }));
    },
    listActiveSessions: async (userId: string) => m.sessions.filter((s) => s.userId === userId),
    revokeWorkosSession: async (id: string) => {
      m.calls.push(`workos:${id}`);
      const failure = m.failRevoke.get(id);
      if (failure === 'refused') throw new types.WorkosError('unavailable', 'down', { status: 503 });
      if (failure === 'timeout') throw new types.WorkosError('timeout', 'no answer');
      if (m.goneAtWorkos.has(id)) throw new types.WorkosError('not_found', 'gone');
    },
  };
});

const { signOutUserAsAdmin } = await import('./actions');
const { findManagedUser } = await import('./user-sessions');
const { getAdministratorState } = await import('./guard');

function graceSession(
  id: string,
  userAgent: string,
  userId = 'user_grace',
  organizationId: string | null = 'org_demo',
): AppSession {
  const created = new Date(Date.now() - 3_600_000);
  return {
    id,
    userId,
    organizationId,
    status: 'active',
    authMethod: 'password',
    ipAddress: '198.51.100.9',
    userAgent,
    impersonator: null,
    expiresAt: new Date(Date.now() + 86_400_000),
    endedAt: null,
    createdAt: created,
    updatedAt: created,
  };
}

const CHROME_MAC =
  'Mozilla/5.0 (Macintosh; Intel Mac OS X 10_15_7) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/142.0.0.0 Safari/537.36';
const SAFARI_IOS =
  'Mozilla/5.0 (iPhone; CPU iPhone OS 18_0 like Mac OS X) AppleWebKit/605.1.15 (KHTML, like Gecko) Version/18.0 Mobile/15E148 Safari/604.1';

function form(fields: Record<string, string>): FormData {
  const data = new FormData();
  for (const [k, v] of Object.entries(fields)) data.set(k, v);
  return data;
}

beforeEach(() => {
  // A fresh process-wide rate limiter (lib/rate-limit) per test.
  delete (globalThis as Record<symbol, unknown>)[Symbol.for('soe.rate-limit')];
  m.role = 'admin';
  m.organizationId = 'org_demo';
  m.calls = [];
  m.registry = [];
  m.revoked = new Set();
  m.audit = [];
  m.failRevoke = new Map();
  m.failRegistry = new Set();
  m.goneAtWorkos = new Set();
  m.sessions = [graceSession('session_g1', CHROME_MAC), graceSession('session_g2', SAFARI_IOS)];
  m.membershipsDown = new Set();
  m.memberships = [
    // Ada administers both organizations at WorkOS; her session's organization decides which one she acts for.
    { userId: 'user_ada', organizationId: 'org_demo', status: 'active', role: 'admin' },
    { userId: 'user_ada', organizationId: 'org_other', status: 'active', role: 'admin' },
    { userId: 'user_grace', organizationId: 'org_demo', status: 'active' },
    { userId: 'user_linus', organizationId: 'org_other', status: 'active' },
    { userId: 'user_ken', organizationId: 'org_demo', status: 'inactive' },
  ];
});

const offboard = (userId: string, target = 'all') =>
  signOutUserAsAdmin({ status: 'idle' }, form({ userId, target, reason: 'offboarding', details: '' }));
const ended = () => m.calls.filter((c) => c.startsWith('workos:') || c.startsWith('registry:'));
/** The administrator's own membership, asked of WorkOS before anything else. */
const ROLE_CHECK = 'memberships:user_ada:org_demo:active';

describe('signOutUserAsAdmin', () => {
  it('answers 403 to a non-administrator and ends nothing', async () => {
    m.role = 'member';

    await expect(
      signOutUserAsAdmin(
        { status: 'idle' },
        form({ userId: 'user_grace', target: 'all', reason: 'offboarding', details: '' }),
      ),
    ).rejects.toThrow('NEXT_HTTP_ERROR_FALLBACK;403');
    expect(m.calls).toEqual([]);
  });

  it('requires a reason', async () => {
    const result = await signOutUserAsAdmin(
      { status: 'idle' },
      form({ userId: 'user_grace', target: 'all', details: '' }),
    );

    expect(result).toMatchObject({ status: 'error', fieldErrors: { reason: expect.any(String) } });
    expect(m.calls).toEqual([ROLE_CHECK]);
  });

  it('requires details when the reason is “Other”', async () => {
    const result = await signOutUserAsAdmin(
      { status: 'idle' },
      form({ userId: 'user_grace', target: 'all', reason: 'other', details: '  ' }),
    );

    expect(result).toMatchObject({ status: 'error', fieldErrors: { details: expect.any(String) } });
    expect(m.calls).toEqual([ROLE_CHECK]);
  });

  it('signs out every session at WorkOS first, then here, recorded on the user’s activity with the reason', async () => {
    const result = await signOutUserAsAdmin(
      { status: 'idle' },
      form({ userId: 'user_grace', target: 'all', reason: 'offboarding', details: '' }),
    );

    expect(result).toEqual({
      status: 'success',
      message: 'Signed out all of Grace Hopper’s sessions (2).',
      signedOut: expect.arrayContaining(['Chrome on macOS', 'Safari on iOS']),
      pending: [],
    });
    for (const id of ['session_g1', 'session_g2']) {
      const atWorkos = m.calls.indexOf(`workos:${id}`);
      expect(atWorkos).toBeGreaterThanOrEqual(0);
      expect(m.calls.indexOf(`registry:${id}`)).toBeGreaterThan(atWorkos);
    }
    expect(m.registry).toHaveLength(2);
    expect(m.registry).toContainEqual({
      sessionId: 'session_g1',
      userId: 'user_grace',
      reason: 'admin',
      source: 'admin',
      actor: { type: 'admin', id: 'user_ada', sessionId: 'session_ada' },
      note: 'Offboarding',
      holdUntil: null,
    });
    expect(m.audit).toContainEqual(
      expect.objectContaining({
        userId: 'user_grace',
        organizationId: 'org_demo',
        kind: 'session_revoked',
        actor: expect.objectContaining({ type: 'admin', id: 'user_ada', label: 'Ada Lovelace' }),
        target: { sessionId: 'session_g2', label: 'Safari on iOS' },
        reason: 'admin',
        details: expect.objectContaining({ note: 'Offboarding', category: 'offboarding' }),
      }),
    );
  });

  it('signs out one session chosen by its hashed key, and only among the user’s sessions', async () => {
    const result = await signOutUserAsAdmin(
      { status: 'idle' },
      form({
        userId: 'user_grace',
        target: hashSessionId('session_g2'),
        reason: 'suspected_compromise',
        details: 'phishing',
      }),
    );

    expect(result.status).toBe('success');
    expect(m.calls.filter((c) => c.startsWith('workos:'))).toEqual(['workos:session_g2']);
    expect(m.registry).toEqual([
      expect.objectContaining({ sessionId: 'session_g2', note: 'Suspected compromise: phishing' }),
    ]);

    m.calls = [];
    const foreign = await signOutUserAsAdmin(
      { status: 'idle' },
      form({ userId: 'user_grace', target: hashSessionId('session_ada'), reason: 'offboarding', details: '' }),
    );
    expect(foreign.status).toBe('error');
    expect(ended()).toEqual([]);
  });

  it('locks out a session WorkOS refused here too, and says WorkOS has not confirmed it yet', async () => {
    m.failRevoke.set('session_g1', 'refused');

    const result = await offboard('user_grace');

    expect(result).toEqual({
      status: 'success',
      message:
        'Signed out Safari on iOS. Signed out Chrome on macOS here, but WorkOS has not confirmed it yet: it is refused here, and WorkOS will be asked again until it confirms.',
      signedOut: ['Safari on iOS'],
      pending: ['Chrome on macOS'],
    });
    expect(m.registry).toEqual(
      expect.arrayContaining([
        expect.objectContaining({ sessionId: 'session_g2', holdUntil: null }),
        expect.objectContaining({ sessionId: 'session_g1', holdUntil: expect.any(Number) }),
      ]),
    );
    expect(m.audit).toHaveLength(2);
    expect(m.audit).toContainEqual(expect.objectContaining({ flagged: true, target: { sessionId: 'session_g1', label: 'Chrome on macOS' } }));
  });

  it('a timeout is "not confirmed yet", never "still signed in"', async () => {
    m.failRevoke.set('session_g1', 'timeout');
    m.failRevoke.set('session_g2', 'timeout');

    const result = await offboard('user_grace');

    expect(result).toEqual({
      status: 'success',
      message: expect.stringMatching(/^Signed out (Chrome on macOS and Safari on iOS|Safari on iOS and Chrome on macOS) here, but WorkOS has not confirmed it yet/),
      signedOut: [],
      pending: expect.arrayContaining(['Chrome on macOS', 'Safari on iOS']),
    });
    expect(result.status === 'success' && result.message).not.toContain('still signed in');
  });

  it('says why when the local lock-out failed after WorkOS ended the session', async () => {
    m.failRegistry.add('session_g2');

    const result = await offboard('user_grace', hashSessionId('session_g2'));

    expect(result).toEqual({
      status: 'error',
      code: 'revoke_failed',
      message: 'Could not sign out Safari on iOS: it could not be recorded here. Try again.',
      failed: ['Safari on iOS'],
    });
    expect(m.calls).toContain('workos:session_g2');
  });

  it('stops before the remaining sessions once the administrator’s own session is revoked', async () => {
    m.sessions.push(graceSession('session_g3', CHROME_MAC));
    m.revoked.add('session_ada');

    const result = await offboard('user_grace');

    expect(result).toMatchObject({ status: 'error', message: expect.stringContaining('the session doing this was signed out meanwhile') });
    expect(ended()).toEqual([]);
  });

  it('treats a session WorkOS no longer knows as ended', async () => {
    m.goneAtWorkos.add('session_g1');

    const result = await signOutUserAsAdmin(
      { status: 'idle' },
      form({ userId: 'user_grace', target: hashSessionId('session_g1'), reason: 'offboarding', details: '' }),
    );

    expect(result.status).toBe('success');
    expect(m.registry).toEqual([expect.objectContaining({ sessionId: 'session_g1' })]);
  });
});

describe('tenant isolation: an administrator manages only their own organization', () => {
  it('answers 403 to an administrator whose session has no organization', async () => {
    m.organizationId = null;

    expect(await getAdministratorState()).toEqual({ status: 'forbidden' });
    await expect(offboard('user_grace')).rejects.toThrow('NEXT_HTTP_ERROR_FALLBACK;403');
    expect(m.calls).toEqual([]);
  });

  it('answers for a user of another organization exactly as for a user that does not exist, and ends nothing', async () => {
    m.sessions.push(graceSession('session_l1', CHROME_MAC, 'user_linus', 'org_other'));

    const outside = await offboard('user_linus');
    const missing = await offboard('user_nobody');

    expect(outside).toEqual(missing);
    expect(outside).toEqual({ status: 'error', code: 'not_found', message: 'That user no longer exists at WorkOS.', failed: [] });
    expect(ended()).toEqual([]);
    expect(m.calls).toContain('memberships:user_linus:org_demo:active');
  });

  it('asks WorkOS for an ACTIVE membership of the administrator’s organization', async () => {
    m.sessions.push(graceSession('session_k1', CHROME_MAC, 'user_ken', 'org_demo'));

    expect(await offboard('user_ken')).toEqual({ status: 'error', code: 'not_found', message: 'That user no longer exists at WorkOS.', failed: [] });
    expect(ended()).toEqual([]);

    // The administrator of the other organization can manage Linus, and only there.
    m.organizationId = 'org_other';
    m.sessions.push(graceSession('session_l1', CHROME_MAC, 'user_linus', 'org_other'));
    expect(await offboard('user_linus')).toMatchObject({ status: 'success' });
    expect(await offboard('user_grace')).toEqual({ status: 'error', code: 'not_found', message: 'That user no longer exists at WorkOS.', failed: [] });
  });

  it('finds users by email (the page) only in the administrator’s organization', async () => {
    const state = await getAdministratorState();
    if (state.status !== 'confirmed') throw new Error('Ada is an administrator');
    const { admin } = state;

    expect(await findManagedUser(admin, { email: 'grace@example.com' })).toMatchObject({ id: 'user_grace' });
    expect(await findManagedUser(admin, { email: 'linus@example.com' })).toBeNull();
    expect(await findManagedUser(admin, { email: 'ken@example.com' })).toBeNull();
    expect(await findManagedUser(admin, { email: 'nobody@example.com' })).toBeNull();
  });

  it('shows and signs out only the user’s sessions in the administrator’s organization', async () => {
    m.sessions.push(
      graceSession('session_g_other', CHROME_MAC, 'user_grace', 'org_other'),
      graceSession('session_g_none', SAFARI_IOS, 'user_grace', null),
    );

    const result = await offboard('user_grace');

    expect(result).toEqual({
      status: 'success',
      message: 'Signed out all of Grace Hopper’s sessions (2).',
      signedOut: expect.arrayContaining(['Chrome on macOS', 'Safari on iOS']),
      pending: [],
    });
    expect(
      ended()
        .filter((c) => c.startsWith('workos:'))
        .sort(),
    ).toEqual(['workos:session_g1', 'workos:session_g2']);

    m.calls = [];
    const forged = await offboard('user_grace', hashSessionId('session_g_other'));
    expect(forged).toMatchObject({
      status: 'error',
      message: 'That session is not active any more. The list has been refreshed.',
    });
    expect(ended()).toEqual([]);
  });
});

describe('the administrator’s role is WorkOS’s word, on every request', () => {
  it('answers 403 once WorkOS no longer gives the role, though the access token still does, and ends nothing', async () => {
    m.memberships = m.memberships.map((ms) => (ms.userId === 'user_ada' ? { ...ms, role: 'member' } : ms));

    await expect(offboard('user_grace')).rejects.toThrow('NEXT_HTTP_ERROR_FALLBACK;403');
    expect(await getAdministratorState()).toEqual({ status: 'forbidden' });
    expect(m.calls).toEqual([ROLE_CHECK, ROLE_CHECK]);
    expect(m.audit).toEqual([]);
  });

  it('answers 403 when the administrator’s membership is no longer active, or gone', async () => {
    m.memberships = m.memberships.map((ms) =>
      ms.userId === 'user_ada' && ms.organizationId === 'org_demo' ? { ...ms, status: 'inactive' } : ms,
    );
    await expect(offboard('user_grace')).rejects.toThrow('NEXT_HTTP_ERROR_FALLBACK;403');

    m.memberships = m.memberships.filter((ms) => !(ms.userId === 'user_ada' && ms.organizationId === 'org_demo'));
    await expect(offboard('user_grace')).rejects.toThrow('NEXT_HTTP_ERROR_FALLBACK;403');
    expect(ended()).toEqual([]);
  });

  it('an administrator of another organization only: 403 for a session of this one', async () => {
    m.memberships = m.memberships.filter((ms) => !(ms.userId === 'user_ada' && ms.organizationId === 'org_demo'));
    // Ada is still admin of org_other at WorkOS, but this session is signed in to org_demo.
    await expect(offboard('user_grace')).rejects.toThrow('NEXT_HTTP_ERROR_FALLBACK;403');
    expect(ended()).toEqual([]);
  });

  it('does nothing, and says why, while WorkOS cannot confirm the role — never a sign-out', async () => {
    m.membershipsDown.add('user_ada');

    expect(await offboard('user_grace')).toEqual({
      status: 'error',
      code: 'unavailable',
      message: 'We could not confirm your administrator role with WorkOS, so nothing was signed out. Please try again.',
      failed: [],
    });
    expect(await getAdministratorState()).toEqual({ status: 'unconfirmed' });
    expect(m.calls).toEqual([ROLE_CHECK, ROLE_CHECK]);
    expect(m.registry).toEqual([]);
    expect(m.audit).toEqual([]);
  });

  it('support impersonating an administrator gets no admin powers (administrative acts are the administrator’s own)', async () => {
    m.impersonator = { email: 'alice@support.example', reason: 'Ticket 42' };
    try {
      await expect(offboard('user_grace')).rejects.toThrow('NEXT_HTTP_ERROR_FALLBACK;403');
      expect(await getAdministratorState()).toEqual({ status: 'forbidden' });
      expect(m.calls).toEqual([]);
      expect(ended()).toEqual([]);
    } finally {
      m.impersonator = null;
    }
  });

  it('asks WorkOS nothing for a caller whose access token gives no admin role', async () => {
    m.role = 'member';
    expect(await getAdministratorState()).toEqual({ status: 'forbidden' });
    expect(m.calls).toEqual([]);
  });
});

describe('rate limits', () => {
  it("refuses an administrator's action over the session limit with the time to wait; WorkOS is not asked, nothing ends", async () => {
    for (let i = 0; i < 3; i++) await offboard('user_nobody');
    m.calls = [];
    const refused = await offboard('user_grace');
    expect(refused).toEqual({
      status: 'error',
      code: 'rate_limited',
      message: expect.stringMatching(/^Too many requests — try again in \d+ s\. Nothing was signed out\.$/),
      failed: [],
    });
    expect(m.calls).toEqual([]);
    expect(m.registry).toEqual([]);
    expect(m.audit).toEqual([]);
  });
});

