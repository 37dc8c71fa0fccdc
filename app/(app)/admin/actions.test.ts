import { beforeEach, describe, expect, it, vi } from 'vitest';
import { hashSessionId } from '@/lib/security/hash';
import type { AppSession } from '@/lib/workos/types';

const m = vi.hoisted(() => ({
  role: 'admin' as string | null,
  calls: [] as string[],
  sessions: [] as AppSession[],
  failRevoke: new Set<string>(),
  goneAtWorkos: new Set<string>(),
  registry: [] as unknown[],
  audit: [] as unknown[],
}));

vi.mock('next/navigation', () => ({
  forbidden: () => {
    throw new Error('NEXT_HTTP_ERROR_FALLBACK;403');
  },
}));
vi.mock('next/cache', () => ({ revalidatePath: () => {} }));
vi.mock('@/lib/auth/session', () => ({
  requireSession: async () => ({
    user: { id: 'user_ada', email: 'ada@example.com', firstName: 'Ada', lastName: 'Lovelace', name: 'Ada Lovelace' },
    sessionId: 'session_ada',
    sessionHash: 'h',
    organizationId: 'org_demo',
    role: m.role,
    permissions: [],
    impersonator: null,
    authTime: null,
    accessToken: 't',
  }),
}));
vi.mock('@/lib/env', () => ({ getEnv: () => ({ INACTIVE_SESSION_DAYS: 30 }) }));
vi.mock('@/lib/sessions/activity', () => ({ getLastActive: () => new Map() }));
vi.mock('@/lib/audit', () => ({
  getSignInMethods: () => new Map(),
  recordAudit: async (entry: unknown) => {
    m.calls.push('audit');
    m.audit.push(entry);
  },
}));
vi.mock('@/lib/revocation', () => ({
  getRevocationRegistry: () => ({
    revoke: async (input: { sessionId: string }) => {
      m.calls.push(`registry:${input.sessionId}`);
      m.registry.push(input);
    },
  }),
}));
vi.mock('@/lib/workos/client', async () => {
  const types = await import('@/lib/workos/types');
  return {
    WorkosError: types.WorkosError,
    getUser: async (id: string) =>
      id === 'user_grace'
        ? { id, email: 'grace@example.com', firstName: 'Grace', lastName: 'Hopper', name: 'Grace Hopper' }
        : null,
    listActiveSessions: async (userId: string) => m.sessions.filter((s) => s.userId === userId),
    revokeWorkosSession: async (id: string) => {
      m.calls.push(`workos:${id}`);
      if (m.failRevoke.has(id)) throw new types.WorkosError('unavailable', 'down');
      if (m.goneAtWorkos.has(id)) throw new types.WorkosError('not_found', 'gone');
    },
  };
});

const { signOutUserAsAdmin } = await import('./actions');

function graceSession(id: string, userAgent: string): AppSession {
  const created = new Date(Date.now() - 3_600_000);
  return {
    id,
    userId: 'user_grace',
    organizationId: 'org_demo',
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
  m.role = 'admin';
  m.calls = [];
  m.registry = [];
  m.audit = [];
  m.failRevoke = new Set();
  m.goneAtWorkos = new Set();
  m.sessions = [graceSession('session_g1', CHROME_MAC), graceSession('session_g2', SAFARI_IOS)];
});

describe('signOutUserAsAdmin', () => {
  it('answers 403 to a non-administrator and ends nothing', async () => {
    m.role = 'member';

    await expect(
      signOutUserAsAdmin({ status: 'idle' }, form({ userId: 'user_grace', target: 'all', reason: 'offboarding', details: '' })),
    ).rejects.toThrow('NEXT_HTTP_ERROR_FALLBACK;403');
    expect(m.calls).toEqual([]);
  });

  it('requires a reason', async () => {
    const result = await signOutUserAsAdmin({ status: 'idle' }, form({ userId: 'user_grace', target: 'all', details: '' }));

    expect(result).toMatchObject({ status: 'error', fieldErrors: { reason: expect.any(String) } });
    expect(m.calls).toEqual([]);
  });

  it('requires details when the reason is “Other”', async () => {
    const result = await signOutUserAsAdmin(
      { status: 'idle' },
      form({ userId: 'user_grace', target: 'all', reason: 'other', details: '  ' }),
    );

    expect(result).toMatchObject({ status: 'error', fieldErrors: { details: expect.any(String) } });
    expect(m.calls).toEqual([]);
  });

  it('signs out every session at WorkOS first, then here, recorded on the user’s activity with the reason', async () => {
    const result = await signOutUserAsAdmin(
      { status: 'idle' },
      form({ userId: 'user_grace', target: 'all', reason: 'offboarding', details: '' }),
    );

    expect(result).toEqual({ status: 'success', message: 'Signed out all of Grace Hopper’s sessions (2).' });
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
    });
    expect(m.audit).toContainEqual(
      expect.objectContaining({
        userId: 'user_grace',
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
      form({ userId: 'user_grace', target: hashSessionId('session_g2'), reason: 'suspected_compromise', details: 'phishing' }),
    );

    expect(result.status).toBe('success');
    expect(m.calls.filter((c) => c.startsWith('workos:'))).toEqual(['workos:session_g2']);
    expect(m.registry).toEqual([expect.objectContaining({ sessionId: 'session_g2', note: 'Suspected compromise: phishing' })]);

    m.calls = [];
    const foreign = await signOutUserAsAdmin(
      { status: 'idle' },
      form({ userId: 'user_grace', target: hashSessionId('session_ada'), reason: 'offboarding', details: '' }),
    );
    expect(foreign.status).toBe('error');
    expect(m.calls).toEqual([]);
  });

  it('records nothing for a session WorkOS did not confirm, and says so', async () => {
    m.failRevoke.add('session_g1');

    const result = await signOutUserAsAdmin(
      { status: 'idle' },
      form({ userId: 'user_grace', target: 'all', reason: 'offboarding', details: '' }),
    );

    expect(result).toMatchObject({ status: 'error', message: expect.stringContaining('Chrome on macOS') });
    expect(m.registry).toEqual([expect.objectContaining({ sessionId: 'session_g2' })]);
    expect(m.audit).toHaveLength(1);
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
