import { beforeEach, describe, expect, it, vi } from 'vitest';
import { getSignInNovelty, recordSignIn } from '@/lib/audit';
import { openDatabase } from '@/lib/db';
import { hashSessionId } from '@/lib/security/hash';
import type { AppSession } from '@/lib/workos/types';

const m = vi.hoisted(() => ({
  current: {
    user: { id: 'user_ada', email: 'ada@example.com', firstName: 'Ada', lastName: 'Lovelace', name: 'Ada Lovelace' },
    sessionId: 'session_laptop',
    sessionHash: '',
    organizationId: null,
    role: null,
    permissions: [] as string[],
    impersonator: null as { email: string; reason: string | null } | null,
    authTime: 0 as number | null,
    accessToken: 'token',
  },
  listActiveSessions: vi.fn(),
  revokeWorkosSession: vi.fn(),
  revoked: new Set<string>(),
  registryDown: false,
}));

vi.mock('@/lib/auth/session', () => ({ requireSession: async () => m.current }));
vi.mock('@/lib/workos/client', async () => {
  const types = await vi.importActual<typeof import('@/lib/workos/types')>('@/lib/workos/types');
  return { WorkosError: types.WorkosError, listActiveSessions: m.listActiveSessions, revokeWorkosSession: m.revokeWorkosSession };
});
vi.mock('@/lib/revocation', () => ({
  getRevocationRegistry: () => ({
    ready: async () => {},
    check: (sessionId: string) => (m.revoked.has(sessionId) ? { reason: 'signed_out_elsewhere' } : null),
    revoke: async (input: { sessionId: string }) => {
      if (m.registryDown) throw new Error('registry down');
      m.revoked.add(input.sessionId);
      return {};
    },
    subscribe: () => () => {},
    subscribeUsers: () => () => {},
  }),
}));
vi.mock('@/lib/env', () => ({
  getEnv: () => ({
    RECENT_AUTH_MAX_AGE_SECONDS: 600,
    INACTIVE_SESSION_DAYS: 30,
    SESSION_LIST_CACHE_SECONDS: 0,
  }),
}));
vi.mock('@/lib/rate-limit', () => ({ limitCaller: async () => null }));
vi.mock('@/lib/db', async (importOriginal) => {
  const actual = await importOriginal<typeof import('@/lib/db')>();
  return { ...actual, getDb: () => actual.openDatabase(':memory:') };
});
vi.mock('next/cache', () => ({ revalidatePath: vi.fn() }));

const { confirmSignIn, disownSignIn } = await import('./actions');
const { getSignInPrompt } = await import('@/lib/sessions/was-this-you');
const { getOwnedSessions } = await import('@/lib/sessions/overview');

const CHROME_MAC = 'Mozilla/5.0 (Macintosh; Intel Mac OS X 10_15_7) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/142.0.0.0 Safari/537.36';
const SAFARI_IPHONE =
  'Mozilla/5.0 (iPhone; CPU iPhone OS 18_7 like Mac OS X) AppleWebKit/605.1.15 (KHTML, like Gecko) Version/26.1 Mobile/15E148 Safari/604.1';
const HOUR = 3_600_000;
const NOW = Date.now();

function session(id: string, userAgent: string, createdAt: number): AppSession {
  return {
    id,
    userId: 'user_ada',
    organizationId: 'org_demo',
    status: 'active',
    authMethod: 'password',
    ipAddress: '203.0.113.1',
    userAgent,
    impersonator: null,
    expiresAt: new Date(NOW + 24 * HOUR),
    endedAt: null,
    createdAt: new Date(createdAt),
    updatedAt: new Date(createdAt),
  };
}

const laptop = session('session_laptop', CHROME_MAC, NOW - 3 * HOUR);
const phone = session('session_phone', SAFARI_IPHONE, NOW - 2 * HOUR);
const db = () => openDatabase(':memory:');
const signIn = (s: AppSession) =>
  recordSignIn({ userId: s.userId, sessionId: s.id, organizationId: s.organizationId, userAgent: s.userAgent, ipAddress: s.ipAddress, source: 'callback', at: s.createdAt });
const answers = () => db().prepare('SELECT * FROM sign_in_answers').all().map((row) => ({ ...row }));
const auditOf = (kind: string) => db().prepare('SELECT * FROM audit_log WHERE kind = ?').all(kind).map((row) => ({ ...row }));
const none = new Set<string>();

beforeEach(async () => {
  vi.clearAllMocks();
  delete (globalThis as Record<symbol, unknown>)[Symbol.for('soe.sessions.listing-cache')];
  db().exec('DELETE FROM audit_log; DELETE FROM known_devices; DELETE FROM sign_in_answers; DELETE FROM workos_outbox;');
  m.current.sessionId = 'session_laptop';
  m.current.sessionHash = hashSessionId('session_laptop');
  m.current.impersonator = null;
  m.current.authTime = Math.floor(NOW / 1000) - 60;
  m.revoked.clear();
  m.registryDown = false;
  m.listActiveSessions.mockResolvedValue([laptop, phone]);
  m.revokeWorkosSession.mockResolvedValue(undefined);
  vi.spyOn(console, 'error').mockImplementation(() => {});
  await signIn(laptop);
  await signIn(phone); // a new device for Ada: flagged
});

describe('getSignInPrompt', () => {
  it('asks the laptop about the phone’s flagged sign-in, and never the phone about itself', async () => {
    expect(await getSignInPrompt(m.current, none)).toMatchObject({
      key: hashSessionId('session_phone'),
      label: 'Safari on iOS',
      reasons: ['First sign-in from Safari on iOS'],
      signedIn: { iso: phone.createdAt.toISOString() },
      signInFirst: false,
    });
    m.current.sessionId = 'session_phone';
    m.current.sessionHash = hashSessionId('session_phone');
    expect(await getSignInPrompt(m.current, none)).toBeNull();
  });

  it('asks nothing, and asks WorkOS nothing, when no flagged sign-in is open', async () => {
    expect(await getSignInPrompt(m.current, new Set([hashSessionId('session_phone')]))).toBeNull();
    expect(m.listActiveSessions).not.toHaveBeenCalled();
  });

  it('asks nothing about a session that has ended, and nothing of support impersonating the user', async () => {
    m.listActiveSessions.mockResolvedValue([laptop]);
    expect(await getSignInPrompt(m.current, none)).toBeNull();
    m.listActiveSessions.mockResolvedValue([laptop, phone]);
    m.current.impersonator = { email: 'support@example.com', reason: 'Ticket 42' };
    expect(await getSignInPrompt(m.current, none)).toBeNull();
  });

  it('says when signing it out will need a sign-in first', async () => {
    m.current.authTime = Math.floor(NOW / 1000) - 3600;
    expect(await getSignInPrompt(m.current, none)).toMatchObject({ signInFirst: true });
  });
});

describe('confirmSignIn ("Yes, it was me")', () => {
  it('records the answer with the hashed session, unflags the session on the security page and is not asked again', async () => {
    expect(await confirmSignIn(hashSessionId('session_phone'))).toMatchObject({ status: 'success' });
    expect(answers()).toEqual([{ user_id: 'user_ada', session_hash: hashSessionId('session_phone'), answer: 'confirmed', answered_at: expect.any(Number) }]);
    expect(auditOf('sign_in_confirmed')).toEqual([
      expect.objectContaining({ target_session_hash: hashSessionId('session_phone'), target_label: 'Safari on iOS', actor_session_hash: hashSessionId('session_laptop'), organization_id: 'org_demo' }),
    ]);
    expect(await getSignInPrompt(m.current, none)).toBeNull();
    const listed = await getOwnedSessions(m.current);
    expect(listed.find((e) => e.session.id === 'session_phone')?.view.hints).toEqual([]);
    // Its device stays known: the same phone signing in again is not flagged.
    await signIn(session('session_phone_2', SAFARI_IPHONE, NOW - HOUR));
    expect(getSignInNovelty('user_ada').has(hashSessionId('session_phone_2'))).toBe(false);
    expect(m.revokeWorkosSession).not.toHaveBeenCalled();
  });

  it('answers only about the caller’s other sessions: never this device’s own, another user’s, or as support', async () => {
    expect(await confirmSignIn(hashSessionId('session_laptop'))).toMatchObject({ status: 'error', code: 'not_found' });
    expect(await confirmSignIn(hashSessionId('session_of_someone_else'))).toMatchObject({ status: 'error', code: 'not_found' });
    expect(await confirmSignIn('not a key!')).toMatchObject({ status: 'error', code: 'invalid_input' });
    m.current.impersonator = { email: 'support@example.com', reason: null };
    expect(await confirmSignIn(hashSessionId('session_phone'))).toMatchObject({ status: 'error', code: 'impersonated' });
    expect(answers()).toEqual([]);
  });
});

describe('who may vouch for a sign-in', () => {
  it('not a device whose own sign-in is flagged and unconfirmed — until a trusted device confirms it', async () => {
    const tablet = session('session_tablet', 'Mozilla/5.0 (Windows NT 10.0; Win64; x64; rv:145.0) Gecko/20100101 Firefox/145.0', NOW - HOUR);
    await signIn(tablet); // another new device: flagged too
    m.listActiveSessions.mockResolvedValue([laptop, phone, tablet]);
    m.current.sessionId = 'session_tablet';
    m.current.sessionHash = hashSessionId('session_tablet');

    expect(await getSignInPrompt(m.current, none)).toBeNull();
    expect(await confirmSignIn(hashSessionId('session_phone'))).toMatchObject({ status: 'error', code: 'untrusted_device' });
    expect(answers()).toEqual([]);

    m.current.sessionId = 'session_laptop';
    m.current.sessionHash = hashSessionId('session_laptop');
    expect(await confirmSignIn(hashSessionId('session_tablet'))).toMatchObject({ status: 'success' });
    m.current.sessionId = 'session_tablet';
    m.current.sessionHash = hashSessionId('session_tablet');
    expect(await getSignInPrompt(m.current, none)).toMatchObject({ key: hashSessionId('session_phone') });
    expect(await confirmSignIn(hashSessionId('session_phone'))).toMatchObject({ status: 'success' });
  });
});

describe('disownSignIn ("No, sign it out")', () => {
  it('needs a recent sign-in, and comes back to the prompt on /home to confirm', async () => {
    m.current.authTime = Math.floor(NOW / 1000) - 3600;
    const key = hashSessionId('session_phone');
    expect(await disownSignIn(key)).toEqual({
      status: 'reauth_required',
      confirm: { kind: 'revoke', key },
      message: expect.any(String),
      signInUrl: `/sign-in?returnTo=${encodeURIComponent(`/home?confirm=revoke&session=${key}`)}&maxAge=0`,
    });
    expect(m.revokeWorkosSession).not.toHaveBeenCalled();
    expect(answers()).toEqual([]);
  });

  it('ends the session through lib/sessions/end, records the answer, and forgets the device it introduced', async () => {
    expect(await disownSignIn(hashSessionId('session_phone'), { afterReauth: true })).toMatchObject({ status: 'success', signedOut: ['Safari on iOS'] });
    expect(m.revokeWorkosSession).toHaveBeenCalledExactlyOnceWith('session_phone', expect.anything());
    expect(m.revoked.has('session_phone')).toBe(true);
    expect(answers()).toMatchObject([{ session_hash: hashSessionId('session_phone'), answer: 'disowned' }]);
    expect(auditOf('sign_in_disowned')).toEqual([expect.objectContaining({ target_session_hash: hashSessionId('session_phone'), actor_type: 'user' })]);
    expect(auditOf('session_revoked')).toEqual([expect.objectContaining({ target_session_hash: hashSessionId('session_phone'), reason: 'signed_out_elsewhere' })]);
    // The same device signing in again is flagged again.
    await signIn(session('session_phone_2', SAFARI_IPHONE, NOW - HOUR));
    expect(getSignInNovelty('user_ada').get(hashSessionId('session_phone_2'))?.kinds).toEqual(['new_device']);
  });

  it('records no answer when the session could not be ended, so the question stays', async () => {
    m.registryDown = true;
    expect(await disownSignIn(hashSessionId('session_phone'))).toMatchObject({ status: 'error', code: 'revoke_failed' });
    expect(answers()).toEqual([]);
    expect(await getSignInPrompt(m.current, none)).toMatchObject({ key: hashSessionId('session_phone') });
  });
});
