import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import { recordSignIn } from '@/lib/audit';
import { openDatabase } from '@/lib/db';
import { hashSessionId } from '@/lib/security/hash';
import { WorkosError, type AppSession } from '@/lib/workos/types';

const m = vi.hoisted(() => ({
  current: {
    user: { id: 'user_ada', email: 'ada@example.com', firstName: 'Ada', lastName: 'Lovelace', name: 'Ada Lovelace' },
    sessionId: 'session_current',
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
  registryRevoke: vi.fn(),
  revoked: new Set<string>(),
  revalidatePath: vi.fn(),
  cookieDelete: vi.fn(),
  envOverrides: {} as Record<string, unknown>,
  redirect: vi.fn((url: string) => {
    throw Object.assign(new Error('NEXT_REDIRECT'), { digest: `NEXT_REDIRECT;replace;${url};307;` });
  }),
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
    revoke: m.registryRevoke,
  }),
}));
vi.mock('@/lib/env', () => ({
  getEnv: () => ({
    RECENT_AUTH_MAX_AGE_SECONDS: 600,
    INACTIVE_SESSION_DAYS: 30,
    WORKOS_COOKIE_NAME: 'wos-session',
    WORKOS_COOKIE_SAMESITE: 'lax',
    NEXT_PUBLIC_WORKOS_REDIRECT_URI: 'http://localhost:3000/callback',
    WORKOS_COOKIE_PASSWORD: 'a-cookie-password-of-at-least-32-characters!',
    WORKOS_COOKIE_MAX_AGE: 34_560_000,
    RATE_LIMIT_PAGES_PER_SESSION: 60,
    RATE_LIMIT_PAGES_PER_USER: 180,
    RATE_LIMIT_ACTIONS_PER_SESSION: 30,
    RATE_LIMIT_ACTIONS_PER_USER: 90,
    RATE_LIMIT_SIGN_IN_PER_IP: 120,
    RATE_LIMIT_CALLBACK_PER_IP: 120,
    RATE_LIMIT_WEBHOOKS_PER_IP: 1_200,
    RATE_LIMIT_RECEIPTS_PER_IP: 600,
    ...m.envOverrides,
  }),
}));
vi.mock('@/lib/db', async (importOriginal) => {
  const actual = await importOriginal<typeof import('@/lib/db')>();
  return { ...actual, getDb: () => actual.openDatabase(':memory:') };
});
vi.mock('next/cache', () => ({ revalidatePath: m.revalidatePath }));
vi.mock('next/headers', () => ({
  headers: async () => new Headers({ 'user-agent': CHROME_WINDOWS, 'x-forwarded-for': '203.0.113.1' }),
  cookies: async () => ({ delete: m.cookieDelete }),
}));
vi.mock('next/navigation', () => ({ redirect: m.redirect }));

const { revokeSession, revokeOtherSessions, revokeUnusualSessions, signOutEverywhere } = await import('./actions');

const CHROME_WINDOWS =
  'Mozilla/5.0 (Windows NT 10.0; Win64; x64) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/142.0.0.0 Safari/537.36';
const SAFARI_IPAD =
  'Mozilla/5.0 (iPad; CPU OS 18_7 like Mac OS X) AppleWebKit/605.1.15 (KHTML, like Gecko) Version/26.1 Mobile/15E148 Safari/604.1';
const SAFARI_IPHONE =
  'Mozilla/5.0 (iPhone; CPU iPhone OS 18_7 like Mac OS X) AppleWebKit/605.1.15 (KHTML, like Gecko) Version/26.1 Mobile/15E148 Safari/604.1';
const CHROME_PIXEL =
  'Mozilla/5.0 (Linux; Android 14; Pixel 7) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/142.0.0.0 Mobile Safari/537.36';

// One instant for every fixture: sessions made a millisecond apart would sort differently from run to run.
const FIXTURE_NOW = Date.now();

function session(id: string, userAgent: string, userId = 'user_ada', createdMinutesAgo = 60): AppSession {
  const now = FIXTURE_NOW;
  return {
    id,
    userId,
    organizationId: null,
    status: 'active',
    authMethod: 'password',
    ipAddress: '203.0.113.1',
    userAgent,
    impersonator: null,
    expiresAt: new Date(now + 86_400_000),
    endedAt: null,
    createdAt: new Date(now - createdMinutesAgo * 60_000),
    updatedAt: new Date(now - 60_000),
  };
}

// Ada on three devices; the phone is "unusual" (different device), and so is the Pixel.
const adaSessions = [
  session('session_current', CHROME_WINDOWS),
  session('session_phone', SAFARI_IPHONE),
  session('session_pixel', CHROME_PIXEL),
];
const key = (id: string) => hashSessionId(id);
const auditRows = () => openDatabase(':memory:').prepare('SELECT * FROM audit_log ORDER BY id').all() as Record<string, unknown>[];
const outboxRows = () => openDatabase(':memory:').prepare('SELECT * FROM workos_outbox').all() as Record<string, unknown>[];

async function redirectOf(promise: Promise<unknown>): Promise<string | null> {
  try {
    await promise;
    return null;
  } catch (error) {
    const digest = (error as { digest?: string }).digest ?? '';
    if (!digest.startsWith('NEXT_REDIRECT')) throw error;
    return digest.split(';')[2] ?? null;
  }
}

beforeEach(() => {
  vi.clearAllMocks();
  m.envOverrides = {};
  // A fresh process-wide rate limiter (lib/rate-limit), built from this test's environment on first use.
  delete (globalThis as Record<symbol, unknown>)[Symbol.for('soe.rate-limit')];
  m.current.authTime = Math.floor(Date.now() / 1000) - 60; // signed in a minute ago
  m.current.sessionHash = hashSessionId('session_current');
  m.listActiveSessions.mockResolvedValue(adaSessions);
  m.revokeWorkosSession.mockResolvedValue(undefined);
  m.revoked.clear();
  m.registryRevoke.mockImplementation(async (input: { sessionId: string }) => {
    m.revoked.add(input.sessionId);
    return {};
  });
  openDatabase(':memory:').exec('DELETE FROM audit_log; DELETE FROM session_activity; DELETE FROM workos_outbox;');
  vi.spyOn(console, 'error').mockImplementation(() => {});
});

describe('revokeSession', () => {
  it('signs out one of my sessions: WorkOS first, then the registry and the audit log', async () => {
    const result = await revokeSession(key('session_phone'));
    expect(result).toEqual({ status: 'success', message: 'Signed out Safari on iOS.', signedOut: ['Safari on iOS'], pending: [] });
    expect(m.revokeWorkosSession).toHaveBeenCalledExactlyOnceWith('session_phone', expect.objectContaining({ timeoutMs: expect.any(Number) }));
    expect(m.registryRevoke).toHaveBeenCalledExactlyOnceWith({
      sessionId: 'session_phone',
      userId: 'user_ada',
      reason: 'signed_out_elsewhere',
      source: 'action',
      actor: { type: 'user', id: 'user_ada', sessionId: 'session_current' },
      note: null,
      holdUntil: null,
    });
    expect(m.revokeWorkosSession.mock.invocationCallOrder[0]).toBeLessThan(m.registryRevoke.mock.invocationCallOrder[0]!);
    expect(auditRows()).toEqual([
      expect.objectContaining({
        kind: 'session_revoked',
        actor_type: 'user',
        actor_id: 'user_ada',
        actor_session_hash: key('session_current'),
        actor_label: 'Chrome on Windows',
        target_session_hash: key('session_phone'),
        target_label: 'Safari on iOS',
        reason: 'signed_out_elsewhere',
      }),
    ]);
    expect(m.revalidatePath).toHaveBeenCalledWith('/account/security');
  });

  it('records the revocation under the organization the ended session is signed in to', async () => {
    m.listActiveSessions.mockResolvedValue([
      { ...adaSessions[0]!, organizationId: 'org_demo' },
      { ...adaSessions[1]!, organizationId: 'org_other' },
    ]);
    expect((await revokeSession(key('session_phone'))).status).toBe('success');
    expect(auditRows()).toEqual([expect.objectContaining({ target_session_hash: key('session_phone'), organization_id: 'org_other' })]);
  });

  it("answers another user's session id exactly as an unknown one, and changes nothing", async () => {
    m.listActiveSessions.mockImplementation(async (userId: string) =>
      userId === 'user_ada' ? adaSessions : [session('session_grace', CHROME_WINDOWS, 'user_grace')],
    );
    const foreignRaw = await revokeSession('session_grace');
    const foreignHashed = await revokeSession(key('session_grace'));
    const unknown = await revokeSession('session_does_not_exist');
    expect(foreignRaw).toMatchObject({ status: 'error', code: 'not_found' });
    expect(foreignRaw).toEqual(unknown);
    expect(foreignHashed).toEqual(unknown);
    expect(m.listActiveSessions).toHaveBeenCalledWith('user_ada');
    expect(m.listActiveSessions).not.toHaveBeenCalledWith('user_grace');
    expect(m.revokeWorkosSession).not.toHaveBeenCalled();
    expect(m.registryRevoke).not.toHaveBeenCalled();
    expect(auditRows()).toEqual([]);
  });

  it.each([[undefined], [null], [42], [''], ['   '], ['x'.repeat(200)], ['../session_phone'], ['session_phone; drop'], [{ id: 'session_phone' }]])(
    'refuses malformed input %j without asking WorkOS',
    async (input) => {
      const result = await revokeSession(input);
      expect(result).toMatchObject({ status: 'error', code: 'invalid_input' });
      expect(m.listActiveSessions).not.toHaveBeenCalled();
      expect(m.revokeWorkosSession).not.toHaveBeenCalled();
    },
  );

  it.each([
    ['a WorkOS refusal', new WorkosError('unavailable', 'down', { status: 503 })],
    ['a WorkOS timeout', new WorkosError('timeout', 'timed out')],
  ])('after %s, locks the session out here, says WorkOS has not confirmed, and queues it for WorkOS', async (_name, error) => {
    m.revokeWorkosSession.mockRejectedValue(error);
    const result = await revokeSession(key('session_phone'));
    expect(result).toEqual({
      status: 'success',
      message:
        'Signed out Safari on iOS here, but WorkOS has not confirmed it yet: it is refused here, and WorkOS will be asked again until it confirms.',
      signedOut: [],
      pending: ['Safari on iOS'],
    });
    // Held at least until WorkOS's own session would have expired (a day from now in this fixture).
    const [input] = m.registryRevoke.mock.calls[0] as [{ holdUntil: number }];
    expect(input.holdUntil).toBeGreaterThanOrEqual(adaSessions[1]!.expiresAt.getTime());
    expect(outboxRows()).toEqual([expect.objectContaining({ session_hash: key('session_phone'), user_id: 'user_ada', attempts: 0 })]);
    expect(JSON.stringify(outboxRows())).not.toContain('session_phone');
    expect(auditRows()).toEqual([expect.objectContaining({ target_label: 'Safari on iOS', flagged: 1 })]);
    expect(JSON.parse(String(auditRows()[0]?.details))).toMatchObject({ workos: 'pending' });
  });

  it('treats a session WorkOS no longer knows as signed out (and locks it out here)', async () => {
    m.revokeWorkosSession.mockRejectedValue(new WorkosError('not_found', 'gone'));
    const result = await revokeSession(key('session_phone'));
    expect(result.status).toBe('success');
    expect(m.registryRevoke).toHaveBeenCalledOnce();
  });

  it('says nothing was done when WorkOS cannot list the sessions', async () => {
    m.listActiveSessions.mockRejectedValue(new WorkosError('unavailable', 'down', { status: 503 }));
    const result = await revokeSession(key('session_phone'));
    expect(result).toMatchObject({ status: 'error', code: 'unavailable' });
    expect(m.revokeWorkosSession).not.toHaveBeenCalled();
  });

  it("signs this device out when it is the current session's own row", async () => {
    const to = await redirectOf(revokeSession(key('session_current')));
    expect(to).toBe('/signed-out?reason=signed_out');
    expect(m.revokeWorkosSession).toHaveBeenCalledExactlyOnceWith('session_current', expect.anything());
    expect(m.registryRevoke).toHaveBeenCalledWith(expect.objectContaining({ sessionId: 'session_current', reason: 'signed_out' }));
    expect(m.cookieDelete).toHaveBeenCalledWith({ name: 'wos-session', path: '/', sameSite: 'lax', secure: false });
  });

  it('clears the cookie with WORKOS_COOKIE_DOMAIN when configured, as authkit set it', async () => {
    m.envOverrides = { WORKOS_COOKIE_DOMAIN: '.example.com', NEXT_PUBLIC_WORKOS_REDIRECT_URI: 'https://app.example.com/callback' };
    expect(await redirectOf(signOutEverywhere())).toBe('/signed-out?reason=signed_out_everywhere');
    expect(m.cookieDelete).toHaveBeenCalledWith({ name: 'wos-session', path: '/', domain: '.example.com', sameSite: 'lax', secure: true });
  });
});

describe('bulk actions need a recent sign-in', () => {
  it.each([
    ['others', () => revokeOtherSessions()],
    ['unusual', () => revokeUnusualSessions()],
    ['everywhere', () => signOutEverywhere()],
  ] as const)('%s: returns reauth_required with where to sign in, and touches nothing', async (action, run) => {
    m.current.authTime = Math.floor(Date.now() / 1000) - 601;
    const result = await run();
    expect(result).toEqual({
      status: 'reauth_required',
      confirm: { kind: action },
      message: expect.any(String),
      signInUrl: `/sign-in?returnTo=${encodeURIComponent(`/account/security?confirm=${action}`)}&maxAge=0`,
    });
    expect(m.revokeWorkosSession).not.toHaveBeenCalled();
    expect(m.cookieDelete).not.toHaveBeenCalled();
  });

  it('without an auth_time claim, an old current WorkOS session (createdAt) is not recent', async () => {
    m.current.authTime = null;
    // session_current was created 60 minutes ago (adaSessions).
    expect((await revokeOtherSessions()).status).toBe('reauth_required');
    expect(m.revokeWorkosSession).not.toHaveBeenCalled();
  });

  it('without an auth_time claim, falls back to the current WorkOS session createdAt (a fresh sign-in passes)', async () => {
    m.current.authTime = null;
    m.listActiveSessions.mockResolvedValue([
      session('session_current', CHROME_WINDOWS, 'user_ada', 2),
      session('session_phone', SAFARI_IPHONE),
    ]);
    const result = await revokeOtherSessions();
    expect(result).toEqual({ status: 'success', message: 'Signed out Safari on iOS.', signedOut: ['Safari on iOS'], pending: [] });
    expect(m.revokeWorkosSession).toHaveBeenCalledExactlyOnceWith('session_phone', expect.anything());
  });

  it('with an auth_time claim, the claim decides (a recent claim on an old session passes; an old one on a new session does not)', async () => {
    m.current.authTime = Math.floor(Date.now() / 1000) - 30;
    expect((await revokeOtherSessions()).status).toBe('success'); // session_current is 60 minutes old

    vi.clearAllMocks();
    m.current.authTime = Math.floor(Date.now() / 1000) - 3_600;
    m.listActiveSessions.mockResolvedValue([
      session('session_current', CHROME_WINDOWS, 'user_ada', 1),
      session('session_phone', SAFARI_IPHONE),
    ]);
    expect((await revokeOtherSessions()).status).toBe('reauth_required');
    expect(m.revokeWorkosSession).not.toHaveBeenCalled();
  });

  it('fails closed with neither a claim nor the current session in the WorkOS list', async () => {
    m.current.authTime = null;
    m.listActiveSessions.mockResolvedValue([session('session_phone', SAFARI_IPHONE, 'user_ada', 1)]);
    expect((await signOutEverywhere()).status).toBe('reauth_required');
    expect(m.revokeWorkosSession).not.toHaveBeenCalled();
  });

  it.each([
    ['others', (o: unknown) => revokeOtherSessions(o)],
    ['unusual', (o: unknown) => revokeUnusualSessions(o)],
    ['everywhere', (o: unknown) => signOutEverywhere(o)],
  ] as const)('%s: back from re-authentication and still not recent, answers an error instead of another redirect (no loop)', async (_action, run) => {
    m.current.authTime = null;
    const result = await run({ afterReauth: true });
    expect(result).toEqual({ status: 'error', code: 'reauth_failed', message: expect.stringContaining('nothing was signed out'), failed: [] });
    expect(m.revokeWorkosSession).not.toHaveBeenCalled();
    expect(m.registryRevoke).not.toHaveBeenCalled();
    expect(m.cookieDelete).not.toHaveBeenCalled();
  });

  it('afterReauth never skips the check: a recent sign-in is still required, and junk options are ignored', async () => {
    m.current.authTime = null;
    m.listActiveSessions.mockResolvedValue([
      session('session_current', CHROME_WINDOWS, 'user_ada', 1),
      session('session_phone', SAFARI_IPHONE),
    ]);
    expect((await revokeOtherSessions({ afterReauth: true })).status).toBe('success');
    vi.clearAllMocks();
    m.listActiveSessions.mockResolvedValue(adaSessions);
    expect((await revokeOtherSessions({ afterReauth: 'yes', skip: true })).status).toBe('reauth_required');
    expect(m.revokeWorkosSession).not.toHaveBeenCalled();
  });

  it('checks the sessions first: WorkOS unreachable is "unavailable", never a re-authentication', async () => {
    m.current.authTime = null;
    m.listActiveSessions.mockRejectedValue(new WorkosError('timeout', 'slow'));
    expect((await revokeOtherSessions()).status).toBe('error');
  });
});

describe('ending one other session needs a recent sign-in too (a copied cookie cannot sign the owner out, device by device)', () => {
  const stale = () => {
    m.current.authTime = Math.floor(Date.now() / 1000) - 601;
  };

  it('answers reauth_required naming the session to reopen, and touches nothing', async () => {
    stale();
    const result = await revokeSession(key('session_phone'));
    expect(result).toEqual({
      status: 'reauth_required',
      confirm: { kind: 'revoke', key: key('session_phone') },
      message: expect.any(String),
      signInUrl: `/sign-in?returnTo=${encodeURIComponent(`/account/security?confirm=revoke&session=${key('session_phone')}`)}&maxAge=0`,
    });
    expect(m.revokeWorkosSession).not.toHaveBeenCalled();
    expect(m.registryRevoke).not.toHaveBeenCalled();
    expect(auditRows()).toEqual([]);
    expect(outboxRows()).toEqual([]);
  });

  it('names the session by its hashed key even when the raw WorkOS id was sent (the raw id never reaches a URL)', async () => {
    stale();
    const result = await revokeSession('session_phone');
    expect(result).toMatchObject({ status: 'reauth_required', confirm: { kind: 'revoke', key: key('session_phone') } });
    expect(JSON.stringify(result)).not.toContain('session_phone');
  });

  it("still signs out this device's own row without a recent sign-in", async () => {
    stale();
    expect(await redirectOf(revokeSession(key('session_current')))).toBe('/signed-out?reason=signed_out');
    expect(m.revokeWorkosSession).toHaveBeenCalledExactlyOnceWith('session_current', expect.anything());
  });

  it('back from re-authentication and still not recent: an error, not another redirect', async () => {
    stale();
    expect(await revokeSession(key('session_phone'), { afterReauth: true })).toMatchObject({ status: 'error', code: 'reauth_failed' });
    expect(m.revokeWorkosSession).not.toHaveBeenCalled();
  });

  it('an unknown or foreign session is "not found" before any re-authentication is asked (nothing is revealed)', async () => {
    stale();
    expect(await revokeSession('session_grace')).toMatchObject({ status: 'error', code: 'not_found' });
  });
});

describe('a session support started by impersonating the user', () => {
  beforeEach(() => {
    m.current.impersonator = { email: 'alice@support.example', reason: 'Ticket 42' };
    m.current.authTime = Math.floor(Date.now() / 1000) - 5; // however fresh, it is not the user's sign-in
  });
  afterEach(() => {
    m.current.impersonator = null;
  });

  it.each([
    ['one other session', () => revokeSession(key('session_phone'))],
    ['others', () => revokeOtherSessions()],
    ['unusual', () => revokeUnusualSessions()],
    ['everywhere', () => signOutEverywhere()],
    ['others, claiming to be back from re-authentication', () => revokeOtherSessions({ afterReauth: true })],
  ] as const)('never counts as a recent sign-in: %s is refused, with no sign-in loop, and nothing changes', async (_name, run) => {
    const result = await run();
    expect(result).toMatchObject({ status: 'error', code: 'impersonated', message: expect.stringContaining('nothing was signed out') });
    expect(m.revokeWorkosSession).not.toHaveBeenCalled();
    expect(m.registryRevoke).not.toHaveBeenCalled();
    expect(m.cookieDelete).not.toHaveBeenCalled();
    expect(auditRows()).toEqual([]);
  });

  it("may end its own session, recorded as support's, not the user's", async () => {
    expect(await redirectOf(revokeSession(key('session_current')))).toBe('/signed-out?reason=signed_out');
    expect(m.registryRevoke).toHaveBeenCalledWith(expect.objectContaining({ actor: { type: 'impersonator', id: null, sessionId: 'session_current' } }));
    expect(auditRows()).toEqual([
      expect.objectContaining({ kind: 'session_revoked', actor_type: 'impersonator', actor_id: null, actor_label: 'alice@support.example' }),
    ]);
  });
});

describe('revokeOtherSessions', () => {
  it('signs out every session but this one', async () => {
    const result = await revokeOtherSessions();
    expect(result).toEqual({
      status: 'success',
      message: 'Signed out 2 sessions: Safari on iOS and Chrome on Android.',
      signedOut: ['Safari on iOS', 'Chrome on Android'],
      pending: [],
    });
    expect(m.revokeWorkosSession.mock.calls.map((c) => c[0]).sort()).toEqual(['session_phone', 'session_pixel']);
    expect(m.cookieDelete).not.toHaveBeenCalled();
  });

  it('names what WorkOS has not confirmed yet apart from what it did; both are locked out here', async () => {
    m.revokeWorkosSession.mockImplementation(async (id: string) => {
      if (id === 'session_pixel') throw new WorkosError('timeout', 'WorkOS did not answer in time');
    });
    const result = await revokeOtherSessions();
    expect(result).toEqual({
      status: 'success',
      message: expect.stringContaining('Signed out Chrome on Android here, but WorkOS has not confirmed it yet'),
      signedOut: ['Safari on iOS'],
      pending: ['Chrome on Android'],
    });
    expect(m.registryRevoke.mock.calls.map((c) => (c[0] as { sessionId: string }).sessionId).sort()).toEqual(['session_phone', 'session_pixel']);
    expect(outboxRows().map((r) => r.session_hash)).toEqual([key('session_pixel')]);
  });

  it('keeps what succeeded and names what could not even be recorded here', async () => {
    m.registryRevoke.mockImplementation(async (input: { sessionId: string }) => {
      if (input.sessionId === 'session_pixel') throw new Error('disk full');
      m.revoked.add(input.sessionId);
      return {};
    });
    const result = await revokeOtherSessions();
    expect(result).toEqual({
      status: 'partial',
      message: 'Signed out Safari on iOS. Could not sign out Chrome on Android: it could not be recorded here. Try again.',
      signedOut: ['Safari on iOS'],
      pending: [],
      failed: ['Chrome on Android'],
    });
    expect(auditRows().map((r) => r.target_label)).toEqual(['Safari on iOS']);
  });

  it('reports an error, not success, when nothing could be recorded', async () => {
    m.registryRevoke.mockRejectedValue(new Error('disk full'));
    const result = await revokeOtherSessions();
    expect(result).toMatchObject({ status: 'error', code: 'revoke_failed', failed: ['Safari on iOS', 'Chrome on Android'] });
    expect(auditRows()).toEqual([]);
  });

  it('stops before the remaining sessions once this session itself is signed out from elsewhere', async () => {
    // The first session ended signs this one out (as if from another device at that moment).
    m.revokeWorkosSession.mockImplementationOnce(async () => {
      m.revoked.add('session_current');
    });
    m.listActiveSessions.mockResolvedValue([...adaSessions, session('session_tablet', CHROME_PIXEL)]);
    const result = await revokeOtherSessions();
    expect(result).toMatchObject({ status: 'partial', message: expect.stringContaining('the session doing this was signed out meanwhile') });
    expect(m.revokeWorkosSession).toHaveBeenCalledOnce();
  });
});

describe('revokeUnusualSessions', () => {
  it('signs out exactly the sessions whose sign-in was new for this user (never one that merely differs from this device)', async () => {
    const base = { userId: 'user_ada', organizationId: 'org_demo', ipAddress: '203.0.113.10', source: 'callback' as const };
    await recordSignIn({ ...base, sessionId: 'session_tablet', userAgent: SAFARI_IPAD, at: new Date(Date.now() - 3_600_000) });
    await recordSignIn({ ...base, sessionId: 'session_current', userAgent: CHROME_WINDOWS }); // new to Ada, but it is this device
    await recordSignIn({ ...base, sessionId: 'session_same', userAgent: CHROME_WINDOWS });
    await recordSignIn({ ...base, sessionId: 'session_phone', userAgent: SAFARI_IPHONE });
    m.listActiveSessions.mockResolvedValue([
      session('session_current', CHROME_WINDOWS),
      session('session_same', CHROME_WINDOWS), // a device Ada signed in from before
      session('session_tablet', SAFARI_IPAD), // her first device: differs from this one, and is not unusual
      session('session_phone', SAFARI_IPHONE),
    ]);
    const result = await revokeUnusualSessions();
    expect(result).toMatchObject({ status: 'success', signedOut: ['Safari on iOS'] });
    expect(m.revokeWorkosSession.mock.calls.map((c) => c[0])).toEqual(['session_phone']);
  });
});

describe('signOutEverywhere', () => {
  it('signs out the others, then this session, then clears the cookie and lands on /signed-out', async () => {
    const to = await redirectOf(signOutEverywhere());
    expect(to).toBe('/signed-out?reason=signed_out_everywhere');
    const order = m.revokeWorkosSession.mock.calls.map((c) => c[0]);
    expect(order).toHaveLength(3);
    expect(order.at(-1)).toBe('session_current');
    expect(m.registryRevoke).toHaveBeenCalledTimes(3);
    expect(m.registryRevoke).toHaveBeenLastCalledWith(
      expect.objectContaining({ sessionId: 'session_current', reason: 'signed_out_everywhere' }),
    );
    expect(m.cookieDelete).toHaveBeenCalledOnce();
  });

  it('signs this device out even when WorkOS does not confirm it: it is refused here, and WorkOS is asked again', async () => {
    m.revokeWorkosSession.mockImplementation(async (id: string) => {
      if (id === 'session_current') throw new WorkosError('unavailable', 'down', { status: 500 });
    });
    expect(await redirectOf(signOutEverywhere())).toBe('/signed-out?reason=signed_out_everywhere');
    expect(m.registryRevoke).toHaveBeenCalledWith(expect.objectContaining({ sessionId: 'session_current', holdUntil: expect.any(Number) }));
    expect(outboxRows().map((r) => r.session_hash)).toEqual([key('session_current')]);
    expect(m.cookieDelete).toHaveBeenCalledOnce();
  });

  it('stops before this session when another could not be ended at all, so the user can retry from here', async () => {
    m.registryRevoke.mockImplementation(async (input: { sessionId: string }) => {
      if (input.sessionId === 'session_phone') throw new Error('disk full');
      m.revoked.add(input.sessionId);
      return {};
    });
    const result = await signOutEverywhere();
    expect(result).toMatchObject({
      status: 'partial',
      failed: ['Safari on iOS'],
      signedOut: ['Chrome on Android'],
      message: expect.stringContaining('You are still signed in on this device.'),
    });
    expect(m.revokeWorkosSession).not.toHaveBeenCalledWith('session_current', expect.anything());
    expect(m.cookieDelete).not.toHaveBeenCalled();
  });
});

describe('failures that are not WorkOS refusals', () => {
  it('does not claim the session is still signed in when recording it locally failed', async () => {
    m.registryRevoke.mockRejectedValue(new Error('disk full'));
    const result = await revokeSession(key('session_phone'));
    expect(result).toEqual({
      status: 'error',
      code: 'revoke_failed',
      message: 'Could not sign out Safari on iOS: it could not be recorded here. Try again.',
      failed: ['Safari on iOS'],
    });
    expect(auditRows()).toEqual([]);
  });
});

describe('rate limits', () => {
  const LIMITED = /^Too many requests — try again in \d+ s\. Nothing was signed out\.$/;

  async function spendActions(n: number) {
    for (let i = 0; i < n; i++) await revokeSession(key('session_gone'));
    vi.clearAllMocks();
  }

  it('refuses an action over the session limit with the time to wait, asking WorkOS nothing and changing nothing', async () => {
    m.envOverrides = { RATE_LIMIT_ACTIONS_PER_SESSION: 2, RATE_LIMIT_ACTIONS_PER_USER: 4 };
    await spendActions(2);
    for (const refused of [
      await revokeSession(key('session_phone')),
      await revokeOtherSessions(),
      await revokeUnusualSessions(),
      await signOutEverywhere(),
    ]) {
      expect(refused).toEqual({ status: 'error', code: 'rate_limited', message: expect.stringMatching(LIMITED), failed: [] });
    }
    expect(m.listActiveSessions).not.toHaveBeenCalled();
    expect(m.revokeWorkosSession).not.toHaveBeenCalled();
    expect(m.registryRevoke).not.toHaveBeenCalled();
    expect(m.revalidatePath).not.toHaveBeenCalled();
    expect(m.cookieDelete).not.toHaveBeenCalled();
    expect(auditRows()).toEqual([]);
    expect(outboxRows()).toEqual([]);
  });

  it("counts a user's sessions together, so the user's limit stops a second session too", async () => {
    m.envOverrides = { RATE_LIMIT_ACTIONS_PER_SESSION: 2, RATE_LIMIT_ACTIONS_PER_USER: 4 };
    await spendActions(2);
    const laptop = m.current;
    m.current = { ...laptop, sessionId: 'session_phone', sessionHash: key('session_phone') };
    try {
      await spendActions(2);
      expect(await revokeSession(key('session_pixel'))).toMatchObject({ code: 'rate_limited' });
    } finally {
      m.current = laptop;
    }
  });

  it('never refuses signing this device out, however many requests came before', async () => {
    m.envOverrides = { RATE_LIMIT_ACTIONS_PER_SESSION: 2, RATE_LIMIT_ACTIONS_PER_USER: 4 };
    await spendActions(10);
    expect(await revokeSession(key('session_phone'))).toMatchObject({ code: 'rate_limited' });
    expect(await redirectOf(revokeSession(key('session_current')))).toBe('/signed-out?reason=signed_out');
    expect(m.revokeWorkosSession).toHaveBeenCalledExactlyOnceWith('session_current', expect.anything());
    expect(m.cookieDelete).toHaveBeenCalled();
  });
});

